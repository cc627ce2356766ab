#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "cyberdeter/models/deterrence/scenario_loader.hpp"
#include "cyberdeter/models/scenario_error.hpp"
#include "toml_reader.hpp"

using namespace cyberdeter::models;
using namespace cyberdeter::models::deterrence;

namespace {

// Sets every key of every table, with values that differ from the defaults.
const char* const rich_scenario = R"(# A scenario that sets every key.
name = "Indo-Pacific 2025"
description = "Every key set; the numbers are illustrative.\nSecond line with \"quotes\"."

[run]
replications = 25
seed = 20240726
horizon_days = 1825.0
reporting_days = 7
start_date = 2025-01-01
value_unit = "million USD"

[calibration]
severity_sigma = 0.8
severity_reference = 20.0
confidence_correct = 0.8
confidence_wrong = 0.4
confidence_concentration = 12.0
coordination_days = 10
coalition_deadline_days = 45
join_base = -1.5
join_alignment = 2.5
join_confidence = 1.5
join_dependence = 4.0
workforce_reference = 5000
workforce_elasticity = 0.25
outsourced_discount = 0.6
learn_quiet_hardening = true
exercise_window_days = 60

[sectors.finance]
value_multiplier = 2.0

[sectors.energy]
value_multiplier = 1.5

[sectors.government]
value_multiplier = 0.75

[states."United States"]
economy = 0.25
defense = 0.5
detection_rate = 0.02
detection_window_days = 400
attribution_days = 90
attribution_shape = 3.0
attribution_accuracy = 0.85
resolve = 0.25
naming_aversion = 0.1
hardening = 0.03
workforce = 90000
in_house_share = 0.4
board_engagement = 0.7
resilience = 0.15
recovery_days = 21
targetable = true

[states."United States".doctrine]
sanction_days = 900
noise = 0.05

[states."United States".doctrine.attribute]
enabled = true
threshold = 0.3

[states."United States".doctrine.coordinate]
enabled = true
threshold = 0.5

[states."United States".doctrine.sanction]
enabled = true
threshold = 0.9

[states."United States".alignment]
Japan = 0.9
Russia = 0.05

[states."United States".dependence]
China = 0.4

[states.Japan]
economy = 0.05
defense = 0.4
detection_rate = 0.015
detection_window_days = 300
attribution_days = 150
attribution_shape = 1.5
attribution_accuracy = 0.6
resolve = 0.3
naming_aversion = 0.8
hardening = 0.01
workforce = 20000
in_house_share = 0.3
board_engagement = 0.2
targetable = true

[states.Japan.doctrine.sanction]
enabled = false
threshold = 1.2

[states.Japan.alignment]
"United States" = 0.85

[states.Japan.dependence]
China = 0.7

[states.China]
economy = 0.18
targetable = false

[states.Russia]
economy = 0.02

[attackers.APT10]
kind = "state_sponsored"
sponsor = "China"
capability = 0.7
opportunity_rate = 0.1
gain = 3.0
gain_by_target = { "United States" = 5.0, Japan = 4.0 }
sector_weights = { finance = 1.0, government = 3.0 }
operation_cost = 0.2
false_flag = 0.1
reputation_cost = 2.0
coalition_exponent = 0.7
sanction_cost = 0.02
discount = 0.002
rationality = inf
observe_others = 0.5
preparation_days = 14
silence_days = 200
disruption = 0.25
targets = ["Japan", "United States"]

[attackers.APT10.prior]
attributed = 2.0
not_attributed = 8.0
rungs = [5.0, 2.0, 2.0, 1.0]
coalition_size = 2.0
delay_days = 200
sanction_weight = 0.2
weight = 3.0

[attackers.APT10.scarce]
stock = 2
max_stock = 5
stealth = 0.2
persistence = 0.8
arrival_rate = 0.01
period_days = 14
threshold = 6.0

[attackers."Fancy Bear"]
kind = "state_sponsored"
sponsor = "Russia"

[attackers."Fancy Bear".scarce]
enabled = false
stock = 0

[attackers.Conti]
kind = "criminal"
sponsor = "Russia"
gain = 0.5

[attackers.Anonymous]
kind = "hacktivist"
rationality = 2.0

[communities.FIRST]
members = ["United States", "Japan"]
detection_factor = 1.3
accuracy_factor = 1.05

[communities."Quad CERT"]
members = ["Japan"]

[[programs]]
name = "cyber workforce"
kind = "training"
owner = "Japan"
start_day = 0
end_day = 1000
rate = 0.05
mode = "additive"
bound = 50000

[[programs]]
kind = "investment"
owner = "United States"
start_day = 100
end_day = inf
rate = 0.1
bound = 0.8

[[programs]]
name = "Olympic dry run"
kind = "exercise"
owner = "Japan"
start_day = 150
detection_multiplier = 3.0
resilience = 0.2
retained = 0.6
retention_days = 365
cost_per_year = 4.0

[[programs]]
kind = "capacity_building"
owner = "United States"
beneficiary = "Japan"
start_day = 0
end_day = 730
detection_bound = 1.5

[[programs]]
kind = "information_sharing"
owner = "United States"
community = "Quad CERT"
start_day = 30

[[mega_events]]
name = "Olympics"
host = "Japan"
start_day = 200
end_day = 216
value_multiplier = 5

[[policy_changes]]
day = 365
state = "Japan"
rung = "sanction"
enabled = true

[[policy_changes]]
day = 400.5
state = "Japan"
rung = "coordinate"
threshold = 0.7

[[scheduled]]
name = "Joint sanctions on APT10"
state = "United States"
action = "sanction"
target = "APT10"
signers = ["Japan"]
on = "detected"
victim = "Japan"
after_day = 100
delay_days = 30

[[scheduled]]
state = "Japan"
action = "disclose"
target = "Fancy Bear"
day = 300
capability_loss = 0.3
duration_days = 90
enabled = false

[[scheduled]]
state = "Japan"
action = "policy"
rung = "attribute"
threshold = 0.4
rung_enabled = true
on = "attributed"
target = "APT10"
)";

const char* const minimal_scenario = "[states.Only]\n[attackers.Lone]\n";

// Loads `text`, returning the error it throws (or none).
std::optional<ScenarioError> error_of(const std::string& text,
                                      const std::vector<std::string>& overrides = {}) {
  try {
    load_scenario_text(text, "bad.toml", overrides);
    return std::nullopt;
  } catch (const ScenarioError& e) {
    return e;
  }
}

}  // namespace

TEST_CASE("a complete scenario loads with every field as written", "[scenario]") {
  const Scenario sc = load_scenario_text(rich_scenario, "rich.toml");
  CHECK(sc.path == "rich.toml");
  CHECK(sc.text == rich_scenario);
  CHECK(sc.name == "Indo-Pacific 2025");
  CHECK(sc.description ==
        "Every key set; the numbers are illustrative.\nSecond line with \"quotes\".");

  CHECK(sc.run.replications == 25);
  CHECK(sc.run.seed == 20240726);
  CHECK(sc.run.horizon_days == 1825.0);
  CHECK(sc.run.reporting_days == 7.0);
  CHECK(sc.run.start_date == "2025-01-01");
  CHECK(sc.run.value_unit == "million USD");

  const Calibration& m = sc.calibration;
  CHECK(m.severity_sigma == 0.8);
  CHECK(m.severity_reference == 20.0);
  CHECK(m.confidence_correct == 0.8);
  CHECK(m.confidence_wrong == 0.4);
  CHECK(m.confidence_concentration == 12.0);
  CHECK(m.coordination_days == 10.0);
  CHECK(m.coalition_deadline_days == 45.0);
  CHECK(m.join_base == -1.5);
  CHECK(m.join_alignment == 2.5);
  CHECK(m.join_confidence == 1.5);
  CHECK(m.join_dependence == 4.0);
  CHECK(m.workforce_reference == 5000.0);
  CHECK(m.workforce_elasticity == 0.25);
  CHECK(m.outsourced_discount == 0.6);
  CHECK(m.learn_quiet_hardening);
  CHECK(m.exercise_window_days == 60.0);

  REQUIRE(sc.sectors.size() == 3);
  CHECK(sc.sectors[0].name == "finance");
  CHECK(sc.sectors[0].value_multiplier == 2.0);
  CHECK(sc.sectors[1].name == "energy");
  CHECK(sc.sectors[1].value_multiplier == 1.5);
  CHECK(sc.sectors[2].name == "government");
  CHECK(sc.sectors[2].value_multiplier == 0.75);

  // States in file order.
  REQUIRE(sc.states.size() == 4);
  CHECK(sc.states[0].name == "United States");
  CHECK(sc.states[1].name == "Japan");
  CHECK(sc.states[2].name == "China");
  CHECK(sc.states[3].name == "Russia");
  CHECK(sc.state_index("Japan") == std::optional<std::size_t>(1));
  CHECK_FALSE(sc.state_index("Japn"));

  const State& us = sc.states[0];
  CHECK(us.economy == 0.25);
  CHECK(us.defense == 0.5);
  CHECK(us.detection_rate == 0.02);
  CHECK(us.detection_window_days == 400.0);
  CHECK(us.attribution_days == 90.0);
  CHECK(us.attribution_shape == 3.0);
  CHECK(us.attribution_accuracy == 0.85);
  CHECK(us.resolve == 0.25);
  CHECK(us.naming_aversion == 0.1);
  CHECK(us.hardening == 0.03);
  CHECK(us.workforce == 90000.0);
  CHECK(us.in_house_share == 0.4);
  CHECK(us.board_engagement == 0.7);
  CHECK(us.targetable);
  CHECK(us.doctrine.sanction_days == 900.0);
  CHECK(us.doctrine.noise == 0.05);
  CHECK(us.doctrine.attribute.enabled);
  CHECK(us.doctrine.attribute.threshold == 0.3);
  CHECK(us.doctrine.coordinate.enabled);
  CHECK(us.doctrine.coordinate.threshold == 0.5);
  CHECK(us.doctrine.sanction.enabled);
  CHECK(us.doctrine.sanction.threshold == 0.9);

  const State& japan = sc.states[1];
  CHECK(japan.economy == 0.05);
  CHECK(japan.defense == 0.4);
  CHECK(japan.detection_rate == 0.015);
  CHECK(japan.detection_window_days == 300.0);
  CHECK(japan.attribution_days == 150.0);
  CHECK(japan.attribution_shape == 1.5);
  CHECK(japan.attribution_accuracy == 0.6);
  CHECK(japan.resolve == 0.3);
  CHECK(japan.naming_aversion == 0.8);
  CHECK(japan.hardening == 0.01);
  CHECK(japan.workforce == 20000.0);
  CHECK(japan.in_house_share == 0.3);
  CHECK(japan.board_engagement == 0.2);
  CHECK(japan.doctrine.attribute.threshold == 0.3);   // default
  CHECK(japan.doctrine.coordinate.threshold == 0.6);  // default
  CHECK_FALSE(japan.doctrine.sanction.enabled);
  CHECK(japan.doctrine.sanction.threshold == 1.2);
  CHECK_FALSE(sc.states[2].targetable);
  CHECK(sc.states[2].economy == 0.18);
  CHECK(sc.states[3].economy == 0.02);

  // Matrices: rows are the state whose table sets them; unset entries and the diagonal 0.
  REQUIRE(sc.alignment.rows() == 4);
  REQUIRE(sc.alignment.cols() == 4);
  CHECK(sc.alignment(0, 1) == 0.9);
  CHECK(sc.alignment(0, 3) == 0.05);
  CHECK(sc.alignment(1, 0) == 0.85);
  CHECK(sc.alignment(0, 2) == 0.0);
  CHECK(sc.alignment.sum() == Approx(0.9 + 0.05 + 0.85));
  REQUIRE(sc.dependence.rows() == 4);
  CHECK(sc.dependence(0, 2) == 0.4);
  CHECK(sc.dependence(1, 2) == 0.7);
  CHECK(sc.dependence.sum() == Approx(1.1));

  REQUIRE(sc.attackers.size() == 4);
  CHECK(sc.attacker_index("Fancy Bear") == std::optional<std::size_t>(1));
  const Attacker& apt10 = sc.attackers[0];
  CHECK(apt10.name == "APT10");
  CHECK(apt10.kind == AttackerKind::state_sponsored);
  CHECK(apt10.sponsor == std::optional<std::size_t>(2));
  CHECK(apt10.capability == 0.7);
  CHECK(apt10.opportunity_rate == 0.1);
  CHECK(apt10.gain == 3.0);
  CHECK(apt10.gain_by_target == std::vector<double>{5.0, 4.0, 3.0, 3.0});
  CHECK(apt10.sector_weights == std::vector<double>{1.0, 0.0, 3.0});
  CHECK(apt10.operation_cost == 0.2);
  CHECK(apt10.false_flag == 0.1);
  CHECK(apt10.reputation_cost == 2.0);
  CHECK(apt10.coalition_exponent == 0.7);
  CHECK(apt10.sanction_cost == 0.02);
  CHECK(apt10.discount == 0.002);
  CHECK(std::isinf(apt10.rationality));
  CHECK(apt10.observe_others == 0.5);
  CHECK(apt10.preparation_days == 14.0);
  CHECK(apt10.targets == std::vector<std::size_t>{1, 0});
  CHECK(apt10.prior.attributed == 2.0);
  CHECK(apt10.prior.not_attributed == 8.0);
  CHECK(apt10.prior.rungs == std::array<double, 4>{5.0, 2.0, 2.0, 1.0});
  CHECK(apt10.prior.coalition_size == 2.0);
  CHECK(apt10.prior.delay_days == 200.0);
  CHECK(apt10.prior.sanction_weight == 0.2);
  CHECK(apt10.prior.weight == 3.0);
  CHECK(apt10.scarce.enabled);  // the table's presence switches it on
  CHECK(apt10.scarce.stock == 2);
  CHECK(apt10.scarce.max_stock == 5);
  CHECK(apt10.scarce.stealth == 0.2);
  CHECK(apt10.scarce.persistence == 0.8);
  CHECK(apt10.scarce.arrival_rate == 0.01);
  CHECK(apt10.scarce.period_days == 14.0);
  CHECK(apt10.scarce.threshold == std::optional<double>(6.0));

  const Attacker& bear = sc.attackers[1];
  CHECK(bear.sponsor == std::optional<std::size_t>(3));
  CHECK(bear.targets == std::vector<std::size_t>{0, 1});  // China is not targetable
  CHECK_FALSE(bear.scarce.enabled);
  CHECK(bear.scarce.stock == 0);
  CHECK(bear.sector_weights == std::vector<double>{1.0, 1.0, 1.0});
  const Attacker& conti = sc.attackers[2];
  CHECK(conti.kind == AttackerKind::criminal);
  CHECK(conti.sponsor == std::optional<std::size_t>(3));
  CHECK(conti.targets == std::vector<std::size_t>{0, 1});
  CHECK(conti.gain_by_target == std::vector<double>{0.5, 0.5, 0.5, 0.5});
  const Attacker& anonymous = sc.attackers[3];
  CHECK(anonymous.kind == AttackerKind::hacktivist);
  CHECK_FALSE(anonymous.sponsor);
  CHECK(anonymous.rationality == 2.0);
  CHECK(anonymous.targets == std::vector<std::size_t>{0, 1, 3});

  REQUIRE(sc.communities.size() == 2);
  CHECK(sc.communities[0].name == "FIRST");
  CHECK(sc.communities[0].members == std::vector<std::size_t>{0, 1});
  CHECK(sc.communities[0].detection_factor == 1.3);
  CHECK(sc.communities[0].accuracy_factor == 1.05);
  CHECK(sc.communities[1].name == "Quad CERT");
  CHECK(sc.communities[1].members == std::vector<std::size_t>{1});
  CHECK(sc.communities[1].detection_factor == 1.2);

  REQUIRE(sc.programs.size() == 5);
  const Program& training = sc.programs[0];
  CHECK(training.name == "cyber workforce");
  CHECK(training.kind == ProgramKind::training);
  CHECK(training.owner == 1);
  CHECK(training.beneficiary == 1);
  CHECK(training.start_day == 0.0);
  CHECK(training.end_day == 1000.0);
  CHECK(training.rate == 0.05);
  CHECK_FALSE(training.multiplicative);
  CHECK(training.bound == std::optional<double>(50000.0));
  const Program& investment = sc.programs[1];
  CHECK(investment.kind == ProgramKind::investment);
  CHECK(investment.owner == 0);
  CHECK(investment.start_day == 100.0);
  CHECK(std::isinf(investment.end_day));
  CHECK(investment.multiplicative);
  CHECK(investment.bound == std::optional<double>(0.8));
  const Program& exercise = sc.programs[2];
  CHECK(exercise.kind == ProgramKind::exercise);
  CHECK(exercise.end_day == 150.0 + 60.0);  // start + [calibration] exercise_window_days
  CHECK(exercise.detection_multiplier == 3.0);
  CHECK_FALSE(exercise.bound);
  CHECK(exercise.resilience == 0.2);
  CHECK(exercise.retained == 0.6);
  CHECK(exercise.retention_days == 365.0);
  CHECK(exercise.cost_per_year == 4.0);
  CHECK(sc.programs[0].resilience == 0.0);  // the default: no resilience, no cost
  CHECK(sc.programs[0].cost_per_year == 0.0);
  const Program& capacity = sc.programs[3];
  CHECK(capacity.kind == ProgramKind::capacity_building);
  CHECK(capacity.owner == 0);
  CHECK(capacity.beneficiary == 1);
  CHECK(capacity.end_day == 730.0);
  CHECK_FALSE(capacity.bound);  // the model's default ceiling applies
  CHECK(capacity.detection_bound == 1.5);
  const Program& sharing = sc.programs[4];
  CHECK(sharing.kind == ProgramKind::information_sharing);
  CHECK(sharing.beneficiary == 0);
  CHECK(sharing.community == std::optional<std::size_t>(1));
  CHECK(sharing.start_day == 30.0);

  REQUIRE(sc.mega_events.size() == 1);
  CHECK(sc.mega_events[0].name == "Olympics");
  CHECK(sc.mega_events[0].host == 1);
  CHECK(sc.mega_events[0].start_day == 200.0);
  CHECK(sc.mega_events[0].end_day == 216.0);
  CHECK(sc.mega_events[0].value_multiplier == 5.0);

  REQUIRE(sc.policy_changes.size() == 2);
  CHECK(sc.policy_changes[0].day == 365.0);
  CHECK(sc.policy_changes[0].state == 1);
  CHECK(sc.policy_changes[0].rung == Rung::sanction);
  CHECK(sc.policy_changes[0].enabled == std::optional<bool>(true));
  CHECK_FALSE(sc.policy_changes[0].threshold);
  CHECK(sc.policy_changes[1].day == 400.5);
  CHECK(sc.policy_changes[1].rung == Rung::coordinate);
  CHECK_FALSE(sc.policy_changes[1].enabled);
  CHECK(sc.policy_changes[1].threshold == std::optional<double>(0.7));

  REQUIRE(sc.scheduled.size() == 3);
  const ScheduledEvent& joint = sc.scheduled[0];
  CHECK(joint.name == "Joint sanctions on APT10");
  CHECK(joint.enabled);
  CHECK(joint.state == 0);
  CHECK(joint.action == ScheduledAction::sanction);
  CHECK(joint.target == std::optional<std::size_t>(0));
  CHECK(joint.signers == std::vector<std::size_t>{1});
  CHECK(joint.trigger == ScheduledTrigger::detected);
  CHECK(joint.victim == std::optional<std::size_t>(1));
  CHECK(joint.after_day == 100.0);
  CHECK(joint.delay_days == 30.0);
  const ScheduledEvent& disclose = sc.scheduled[1];
  CHECK_FALSE(disclose.enabled);
  CHECK(disclose.action == ScheduledAction::disclose);
  CHECK(disclose.trigger == ScheduledTrigger::day);
  CHECK(disclose.day == 300.0);
  CHECK(disclose.capability_loss == 0.3);
  CHECK(disclose.duration_days == 90.0);
  const ScheduledEvent& policy = sc.scheduled[2];
  CHECK(policy.action == ScheduledAction::policy);
  CHECK(policy.trigger == ScheduledTrigger::attributed);
  CHECK_FALSE(policy.victim);  // operations against the acting state
  CHECK(policy.rung == Rung::attribute);
  CHECK(policy.rung_enabled == std::optional<bool>(true));
  CHECK(policy.threshold == std::optional<double>(0.4));

  CHECK(us.resilience == 0.15);
  CHECK(us.recovery_days == 21.0);
  CHECK(apt10.silence_days == 200.0);
  CHECK(apt10.disruption == 0.25);
  CHECK(bear.silence_days == 365.0);  // the default
  CHECK(bear.disruption == 0.0);
}

TEST_CASE("a minimal scenario gets every default", "[scenario]") {
  const Scenario sc = load_scenario_text(minimal_scenario, "minimal.toml");
  const Scenario defaults;  // the struct initialisers are the documented defaults
  CHECK(sc.name.empty());
  CHECK(sc.description.empty());
  CHECK(sc.run.replications == 10);
  CHECK(sc.run.seed == 1);
  CHECK(sc.run.horizon_days == 365.0 * 7);
  CHECK(sc.run.reporting_days == 365.25 / 12);
  CHECK(sc.run.start_date.empty());
  CHECK(sc.run.value_unit == "VU");
  const Calibration c;
  CHECK(sc.calibration.severity_sigma == c.severity_sigma);
  CHECK(sc.calibration.severity_reference == c.severity_reference);
  CHECK(sc.calibration.confidence_correct == c.confidence_correct);
  CHECK(sc.calibration.confidence_wrong == c.confidence_wrong);
  CHECK(sc.calibration.confidence_concentration == c.confidence_concentration);
  CHECK(sc.calibration.coordination_days == c.coordination_days);
  CHECK(sc.calibration.coalition_deadline_days == c.coalition_deadline_days);
  CHECK(sc.calibration.join_base == c.join_base);
  CHECK(sc.calibration.join_alignment == c.join_alignment);
  CHECK(sc.calibration.join_confidence == c.join_confidence);
  CHECK(sc.calibration.join_dependence == c.join_dependence);
  CHECK(sc.calibration.workforce_reference == c.workforce_reference);
  CHECK(sc.calibration.workforce_elasticity == c.workforce_elasticity);
  CHECK(sc.calibration.outsourced_discount == c.outsourced_discount);
  CHECK(sc.calibration.learn_quiet_hardening == c.learn_quiet_hardening);
  CHECK(sc.calibration.exercise_window_days == c.exercise_window_days);

  REQUIRE(sc.sectors.size() == 1);
  CHECK(sc.sectors[0].name == "general");
  CHECK(sc.sectors[0].value_multiplier == 1.0);

  REQUIRE(sc.states.size() == 1);
  const State& s = sc.states[0];
  const State d;
  CHECK(s.name == "Only");
  CHECK(s.economy == d.economy);
  CHECK(s.defense == d.defense);
  CHECK(s.detection_rate == d.detection_rate);
  CHECK(s.detection_window_days == d.detection_window_days);
  CHECK(s.attribution_days == d.attribution_days);
  CHECK(s.attribution_shape == d.attribution_shape);
  CHECK(s.attribution_accuracy == d.attribution_accuracy);
  CHECK(s.resolve == d.resolve);
  CHECK(s.naming_aversion == d.naming_aversion);
  CHECK(s.hardening == d.hardening);
  CHECK(s.workforce == d.workforce);
  CHECK(s.in_house_share == d.in_house_share);
  CHECK(s.board_engagement == d.board_engagement);
  CHECK(s.targetable);
  CHECK(s.doctrine.attribute.enabled);
  CHECK(s.doctrine.attribute.threshold == 0.3);
  CHECK(s.doctrine.coordinate.enabled);
  CHECK(s.doctrine.coordinate.threshold == 0.6);
  CHECK_FALSE(s.doctrine.sanction.enabled);
  CHECK(s.doctrine.sanction.threshold == 1.0);
  CHECK(s.doctrine.sanction_days == 730.0);
  CHECK(s.doctrine.noise == 0.0);
  CHECK(sc.alignment.rows() == 1);
  CHECK(sc.alignment(0, 0) == 0.0);
  CHECK(sc.dependence.rows() == 1);
  CHECK(sc.dependence(0, 0) == 0.0);

  REQUIRE(sc.attackers.size() == 1);
  const Attacker& a = sc.attackers[0];
  const Attacker ad;
  CHECK(a.name == "Lone");
  CHECK(a.kind == AttackerKind::criminal);
  CHECK_FALSE(a.sponsor);
  CHECK(a.capability == ad.capability);
  CHECK(a.opportunity_rate == ad.opportunity_rate);
  CHECK(a.gain == ad.gain);
  CHECK(a.gain_by_target == std::vector<double>{ad.gain});
  CHECK(a.sector_weights == std::vector<double>{1.0});
  CHECK(a.operation_cost == ad.operation_cost);
  CHECK(a.false_flag == ad.false_flag);
  CHECK(a.reputation_cost == ad.reputation_cost);
  CHECK(a.coalition_exponent == ad.coalition_exponent);
  CHECK(a.sanction_cost == ad.sanction_cost);
  CHECK(a.discount == ad.discount);
  CHECK(a.rationality == ad.rationality);
  CHECK(a.observe_others == ad.observe_others);
  CHECK(a.preparation_days == ad.preparation_days);
  CHECK(a.targets == std::vector<std::size_t>{0});
  CHECK(a.prior.attributed == 1.0);
  CHECK(a.prior.not_attributed == 9.0);
  CHECK(a.prior.rungs == std::array<double, 4>{4.0, 3.0, 2.0, 1.0});
  CHECK(a.prior.coalition_size == 1.0);
  CHECK(a.prior.delay_days == 365.0);
  CHECK(a.prior.sanction_weight == 0.1);
  CHECK(a.prior.weight == 2.0);
  CHECK_FALSE(a.scarce.enabled);
  CHECK(a.scarce.stock == 1);
  CHECK(a.scarce.max_stock == 3);
  CHECK_FALSE(a.scarce.threshold);

  CHECK(sc.communities.empty());
  CHECK(sc.programs.empty());
  CHECK(sc.mega_events.empty());
  CHECK(sc.policy_changes.empty());
  (void)defaults;
}

namespace {

struct Malformed {
  const char* what;
  std::string text;
  int line;
  const char* key;
  const char* phrase;
};

// A valid two-state, one-attacker core that most cases extend (4 lines).
const std::string core =
    "[states.Japan]\n"
    "[states.China]\n"
    "[attackers.APT10]\n"
    "sponsor = \"China\"\n";

// clang-format off
const std::vector<Malformed> malformed{
    // Syntax.
    {"syntax error", "[states.Japan]\ndefense = = 0.3\n", 2, "", "TOML syntax error"},
    {"table defined twice", "[states.Japan]\n[states.China]\n[states.Japan]\n", 3, "", "TOML syntax error"},
    // Top level.
    {"other model", "model = \"phold\"\n" + core, 1, "model", "expected \"deterrence\""},
    {"model as a number", "model = 3\n" + core, 1, "model", "expected a string, got an integer"},
    {"calibration as a value", "calibration = 3\n" + core, 1, "calibration", "expected a table"},
    {"unknown top-level table", core + "[attacker.X]\n", 5, "attacker", "did you mean 'attackers'?"},
    {"no states", "[attackers.APT10]\n", 1, "states", "at least one state"},
    {"no attackers", "[states.Japan]\n", 1, "attackers", "at least one attacker"},
    {"programs as a table", core + "[programs]\nkind = \"training\"\n", 5, "programs", "expected an array of tables"},
    // [run] and [model].
    {"misspelt run key", core + "[run]\nreplicatons = 3\n", 6, "run.replicatons", "did you mean 'replications'?"},
    {"zero replications", core + "[run]\nreplications = 0\n", 6, "run.replications", "expected an integer in [1, 1000000000]"},
    {"fractional seed", core + "[run]\nseed = 1.5\n", 6, "run.seed", "expected an integer"},
    {"zero horizon", core + "[run]\nhorizon_days = 0\n", 6, "run.horizon_days", "expected a number in [1.15741e-05, 3.25781e+09] (days: from one tick of one second), got 0"},
    {"reporting period past horizon", core + "[run]\nhorizon_days = 100\nreporting_days = 120\n", 7, "run.reporting_days", "must be at most horizon_days"},
    {"short horizon against default reporting", core + "[run]\nhorizon_days = 10\n", 6, "run.horizon_days", "reporting_days (30.4375) must be at most"},
    {"impossible date", core + "[run]\nstart_date = \"2025-02-30\"\n", 6, "run.start_date", "expected a date"},
    {"confidence of one", core + "[calibration]\nconfidence_correct = 1.0\n", 6, "calibration.confidence_correct", "expected a number in (0, 1)"},
    {"wrong judgements more confident", core + "[calibration]\nconfidence_correct = 0.4\nconfidence_wrong = 0.5\n", 6, "calibration.confidence_correct", "must be at least confidence_wrong"},
    {"elasticity of one", core + "[calibration]\nworkforce_elasticity = 1\n", 6, "calibration.workforce_elasticity", "[0, 1)"},
    {"unknown model key", core + "[calibration]\nseverity_sd = 0.5\n", 6, "calibration.severity_sd", "unknown key"},
    // States.
    {"defense of one", "[states.Japan]\ndefense = 1.0\n[attackers.A]\n", 2, "states.Japan.defense", "expected a number in [0, 1), got 1"},
    {"economy as a string", "[states.Japan]\neconomy = \"large\"\n[attackers.A]\n", 2, "states.Japan.economy", "got a string"},
    {"misspelt state key", "[states.Japan]\ndefence = 0.4\n[attackers.A]\n", 2, "states.Japan.defence", "did you mean 'defense'?"},
    {"targetable as a number", "[states.Japan]\ntargetable = 1\n[attackers.A]\n", 2, "states.Japan.targetable", "expected true or false"},
    {"in-house share of zero", "[states.Japan]\nin_house_share = 0\n[attackers.A]\n", 2, "states.Japan.in_house_share", "(0, 1]"},
    {"empty state name", "[states.\"\"]\n[attackers.A]\n", 1, "states.\"\"", "must not be empty"},
    {"misspelt doctrine key", "[states.Japan.doctrine]\nsanctions_days = 3\n[attackers.A]\n", 2, "states.Japan.doctrine.sanctions_days", "did you mean 'sanction_days'?"},
    {"unknown rung", "[states.Japan.doctrine.retaliate]\nenabled = true\n[attackers.A]\n", 1, "states.Japan.doctrine.retaliate", "unknown key"},
    {"misspelt rung key", "[states.Japan.doctrine.sanction]\nenable = true\n[attackers.A]\n", 2, "states.Japan.doctrine.sanction.enable", "did you mean 'enabled'?"},
    {"negative threshold", "[states.Japan.doctrine.sanction]\nthreshold = -1\n[attackers.A]\n", 2, "states.Japan.doctrine.sanction.threshold", "expected a number in [0, 1e+12], got -1"},
    {"coordinate below attribute", "[states.Japan.doctrine.coordinate]\nthreshold = 0.2\n[attackers.A]\n", 2, "states.Japan.doctrine.coordinate.threshold", "attribute threshold = 0.3 (default) > coordinate threshold = 0.2"},
    {"sanction below coordinate", "[states.Japan.doctrine.coordinate]\nthreshold = 0.7\n[states.Japan.doctrine.sanction]\nthreshold = 0.65\n[attackers.A]\n", 4, "states.Japan.doctrine.sanction.threshold", "must be ordered resolve <= attribute <= coordinate <= sanction"},
    {"resolve above default threshold", "[states.Japan]\nresolve = 0.5\n[attackers.A]\n", 2, "states.Japan.resolve", "resolve = 0.5 > attribute threshold = 0.3 (default)"},
    {"alignment with an unknown state", "[states.Japan.alignment]\nChnia = 0.5\n[states.China]\n[attackers.A]\n", 2, "states.Japan.alignment.Chnia", "unknown state 'Chnia' (did you mean 'China'?)"},
    {"alignment with itself", "[states.Japan.alignment]\nJapan = 0.5\n[attackers.A]\n", 2, "states.Japan.alignment.Japan", "diagonal"},
    {"alignment above one", "[states.Japan.alignment]\nChina = 1.5\n[states.China]\n[attackers.A]\n", 2, "states.Japan.alignment.China", "expected a number in [0, 1]"},
    {"dependence of a quoted state on a far-off name", "[states.\"United States\".dependence]\nMars = 0.3\n[states.China]\n[attackers.A]\n", 2, "states.\"United States\".dependence.Mars", "the states are 'United States', 'China'"},
    // Attackers.
    {"unknown kind", core + "kind = \"pirate\"\n", 5, "attackers.APT10.kind", "expected one of \"state_sponsored\", \"criminal\", \"hacktivist\""},
    {"state_sponsored without sponsor", "[states.Japan]\n[attackers.APT10]\nkind = \"state_sponsored\"\n", 2, "attackers.APT10.sponsor", "needs a sponsor"},
    {"unknown sponsor", "[states.Japan]\n[attackers.APT10]\nsponsor = \"Chna\"\n", 3, "attackers.APT10.sponsor", "unknown state 'Chna'"},
    {"misspelt attacker key", core + "capabilty = 0.5\n", 5, "attackers.APT10.capabilty", "did you mean 'capability'?"},
    {"zero capability", core + "capability = 0\n", 5, "attackers.APT10.capability", "(0, 1]"},
    {"zero rationality", core + "rationality = 0\n", 5, "attackers.APT10.rationality", "expected a number > 0, got 0"},
    {"empty targets", core + "targets = []\n", 5, "attackers.APT10.targets", "the list of targets is empty"},
    {"targets its sponsor", core + "targets = [\n  \"Japan\",\n  \"China\",\n]\n", 7, "attackers.APT10.targets", "own sponsor"},
    {"unknown target", core + "targets = [\"Japan\",\n\"Japon\"]\n", 6, "attackers.APT10.targets", "did you mean 'Japan'?"},
    {"target listed twice", core + "targets = [\"Japan\", \"Japan\"]\n", 5, "attackers.APT10.targets", "listed twice"},
    {"non-targetable target", "[states.Japan]\ntargetable = false\n[states.Korea]\n[attackers.A]\ntargets = [\"Japan\"]\n", 5, "attackers.A.targets", "targetable = false"},
    {"nothing to target", "[states.China]\n[attackers.APT10]\nsponsor = \"China\"\n", 2, "attackers.APT10.targets", "no possible target"},
    {"gain for a non-target", core + "gain_by_target = { China = 2.0 }\n", 5, "attackers.APT10.gain_by_target.China", "'China' is the attacker's own sponsor"},
    {"negative gain for a target", core + "gain_by_target = { Japan = -2.0 }\n", 5, "attackers.APT10.gain_by_target.Japan", "expected a number in [0, 1e+12], got -2"},
    {"unknown sector weight", core + "sector_weights = { finance = 1.0 }\n", 5, "attackers.APT10.sector_weights.finance", "unknown sector 'finance'"},
    {"all sector weights zero", "[sectors.finance]\n[sectors.energy]\n" + core + "sector_weights = { finance = 0, energy = 0 }\n", 7, "attackers.APT10.sector_weights", "positive sum"},
    {"three prior rungs", core + "[attackers.APT10.prior]\nrungs = [1.0, 1.0, 1.0]\n", 6, "attackers.APT10.prior.rungs", "expected exactly 4 numbers"},
    {"zero prior rung", core + "[attackers.APT10.prior]\nrungs = [1.0, 0.0, 1.0, 1.0]\n", 6, "attackers.APT10.prior.rungs", "expected elements a number in (0, 1e+09], got 0"},
    {"coalition prior larger than the world", core + "[attackers.APT10.prior]\ncoalition_size = 5\n", 6, "attackers.APT10.prior.coalition_size", "exceeds the number of states (2)"},
    {"stock above max_stock", core + "[attackers.APT10.scarce]\nstock = 4\nmax_stock = 3\n", 6, "attackers.APT10.scarce.stock", "must be at most max_stock"},
    {"scarce attacker that can never act", core + "[attackers.APT10.scarce]\nstock = 0\n", 6, "attackers.APT10.scarce.stock", "could never act"},
    {"misspelt scarce key", core + "[attackers.APT10.scarce]\nstealh = 0.5\n", 6, "attackers.APT10.scarce.stealh", "did you mean 'stealth'?"},
    // Sectors and communities.
    {"zero sector multiplier", "[sectors.finance]\nvalue_multiplier = 0\n" + core, 2, "sectors.finance.value_multiplier", "expected a number in (0, 1e+06], got 0"},
    {"community without members key", core + "[communities.FIRST]\ndetection_factor = 1.5\n", 5, "communities.FIRST.members", "missing required key"},
    {"community with no members and no program", core + "[communities.FIRST]\nmembers = []\n", 6, "communities.FIRST.members", "at least one member state, or an information_sharing program"},
    {"duplicate community member", core + "[communities.FIRST]\nmembers = [\"Japan\", \"China\", \"Japan\"]\n", 6, "communities.FIRST.members", "'Japan' is listed twice"},
    {"unknown community member", core + "[communities.FIRST]\nmembers = [\"Korea\"]\n", 6, "communities.FIRST.members", "unknown state 'Korea'"},
    {"detection factor below one", core + "[communities.FIRST]\nmembers = [\"Japan\"]\ndetection_factor = 0.9\n", 7, "communities.FIRST.detection_factor", "expected a number in [1, 1e+06], got 0.9"},
    // Programs.
    {"program without kind", core + "[[programs]]\nowner = \"Japan\"\n", 5, "programs[0].kind", "missing"},
    {"unknown program kind", core + "[[programs]]\nkind = \"espionage\"\nowner = \"Japan\"\n", 6, "programs[0].kind", "expected one of \"training\""},
    {"unknown program owner", core + "[[programs]]\nkind = \"training\"\nowner = \"Japn\"\n", 7, "programs[0].owner", "did you mean 'Japan'?"},
    {"misspelt program key", core + "[[programs]]\nkind = \"training\"\nowner = \"Japan\"\nstart_days = 3\n", 8, "programs[0].start_days", "did you mean 'start_day'?"},
    {"capacity building without beneficiary", core + "[[programs]]\nkind = \"capacity_building\"\nowner = \"Japan\"\n", 5, "programs[0].beneficiary", "missing"},
    {"capacity building for itself", core + "[[programs]]\nkind = \"capacity_building\"\nowner = \"Japan\"\nbeneficiary = \"Japan\"\n", 8, "programs[0].beneficiary", "must differ from the owner"},
    {"information sharing without community", core + "[[programs]]\nkind = \"information_sharing\"\nowner = \"Japan\"\n", 5, "programs[0].community", "missing"},
    {"information sharing with an unknown community", core + "[communities.FIRST]\nmembers = [\"China\"]\n[[programs]]\nkind = \"information_sharing\"\nowner = \"Japan\"\ncommunity = \"FRIST\"\n", 10, "programs[0].community", "unknown community 'FRIST' (did you mean 'FIRST'?)"},
    {"information sharing for a member", core + "[communities.FIRST]\nmembers = [\"Japan\"]\n[[programs]]\nkind = \"information_sharing\"\nowner = \"Japan\"\ncommunity = \"FIRST\"\n", 10, "programs[0].community", "already a member"},
    {"program ends before it starts", core + "[[programs]]\nkind = \"training\"\nowner = \"Japan\"\nstart_day = 100\nend_day = 50\n", 9, "programs[0].end_day", "must be after start_day"},
    {"detection multiplier on training", core + "[[programs]]\nkind = \"training\"\nowner = \"Japan\"\ndetection_multiplier = 2\n", 8, "programs[0].detection_multiplier", "only to programs of kind \"exercise\""},
    {"rate on an exercise", core + "[[programs]]\nkind = \"exercise\"\nowner = \"Japan\"\nrate = 0.2\n", 8, "programs[0].rate", "applies only to programs of kind \"training\""},
    {"bound on information sharing", core + "[communities.FIRST]\nmembers = [\"China\"]\n[[programs]]\nkind = \"information_sharing\"\nowner = \"Japan\"\ncommunity = \"FIRST\"\nbound = 2\n", 11, "programs[0].bound", "does not grow a parameter"},
    {"training bound below the workforce", core + "[[programs]]\nkind = \"training\"\nowner = \"Japan\"\nbound = 500\n", 8, "programs[0].bound", "must exceed the workforce of 'Japan' (1000.0)"},
    {"default defense bound below the defense", "[states.Japan]\ndefense = 0.97\n[attackers.A]\n[[programs]]\nkind = \"investment\"\nowner = \"Japan\"\n", 4, "programs[0].bound", "bound (0.95, the default) must exceed the defense of 'Japan' (0.97)"},
    {"investment bound of one", core + "[[programs]]\nkind = \"investment\"\nowner = \"Japan\"\nbound = 1.0\n", 8, "programs[0].bound", "(0, 1) for a program that raises defense"},
    {"investment bound below defense", core + "[[programs]]\nkind = \"investment\"\nowner = \"Japan\"\nbound = 0.2\n", 8, "programs[0].bound", "could never raise it"},
    {"second program is the bad one", core + "[[programs]]\nkind = \"training\"\nowner = \"Japan\"\n[[programs]]\nkind = \"exercise\"\nowner = \"Japan\"\nend_day = \"soon\"\n", 11, "programs[1].end_day", "got a string"},
    // Mega-events.
    {"mega-event ends before it starts", core + "[[mega_events]]\nhost = \"Japan\"\nstart_day = 30\nend_day = 20\n", 8, "mega_events[0].end_day", "must not be before start_day"},
    {"mega-event without start", core + "[[mega_events]]\nhost = \"Japan\"\nend_day = 20\n", 5, "mega_events[0].start_day", "missing"},
    {"mega-event in an unknown host", core + "[[mega_events]]\nhost = \"Tokyo\"\nstart_day = 1\nend_day = 2\n", 6, "mega_events[0].host", "unknown state 'Tokyo'"},
    {"mega-event that lowers value", core + "[[mega_events]]\nhost = \"Japan\"\nstart_day = 1\nend_day = 2\nvalue_multiplier = 0.5\n", 9, "mega_events[0].value_multiplier", "expected a number in [1, 1e+06], got 0.5"},
    // Policy changes.
    {"policy change that changes nothing", core + "[[policy_changes]]\nday = 10\nstate = \"Japan\"\nrung = \"sanction\"\n", 5, "policy_changes[0]", "must set 'enabled', 'threshold' or both"},
    {"policy change to an unknown rung", core + "[[policy_changes]]\nday = 10\nstate = \"Japan\"\nrung = \"retaliate\"\nenabled = true\n", 8, "policy_changes[0].rung", "expected one of \"attribute\""},
    {"policy change for an unknown state", core + "[[policy_changes]]\nday = 10\nstate = \"Korea\"\nrung = \"sanction\"\nenabled = true\n", 7, "policy_changes[0].state", "unknown state 'Korea'"},
    {"policy change on a negative day", core + "[[policy_changes]]\nday = -1\nstate = \"Japan\"\nrung = \"sanction\"\nenabled = true\n", 6, "policy_changes[0].day", "expected a number in [0, 3.25781e+09], got -1"},
    {"policy change that breaks the ordering", core + "[[policy_changes]]\nday = 10\nstate = \"Japan\"\nrung = \"sanction\"\nenabled = true\n[[policy_changes]]\nday = 20\nstate = \"Japan\"\nrung = \"sanction\"\nthreshold = 0.5\n", 14, "policy_changes[1].threshold", "after the policy changes of day 20.0, the doctrine of 'Japan' is no longer ordered: coordinate threshold = 0.6 > sanction threshold = 0.5"},
    {"later change breaks an earlier one", core + "[[policy_changes]]\nday = 30\nstate = \"Japan\"\nrung = \"coordinate\"\nthreshold = 1.5\n[[policy_changes]]\nday = 10\nstate = \"Japan\"\nrung = \"coordinate\"\nthreshold = 0.8\n", 9, "policy_changes[0].threshold", "sanction threshold = 1.0"},
};
// clang-format on

}  // namespace

TEST_CASE("malformed scenarios are rejected with file line key and reason", "[scenario][errors]") {
  REQUIRE(malformed.size() >= 30);
  for (const auto& m : malformed) {
    INFO("case: " << m.what << "\n" << m.text);
    const auto e = error_of(m.text);
    REQUIRE(e);
    INFO("error: " << e->what());
    CHECK(e->file() == "bad.toml");
    CHECK(e->line() == m.line);
    CHECK(e->column() > 0);
    CHECK(e->key() == m.key);
    CHECK_THAT(e->message(), Catch::Contains(m.phrase));
  }
}

TEST_CASE("the model may be named beside a [calibration] table", "[scenario]") {
  const Scenario sc = load_scenario_text(std::string("model = \"deterrence\"\n") +
                                             minimal_scenario + "[calibration]\njoin_base = 0.5\n",
                                         "m.toml");
  CHECK(sc.states.size() == 1);
  CHECK(sc.calibration.join_base == 0.5);
}

TEST_CASE("a community may start empty when a program brings members", "[scenario]") {
  const std::string text = core +
                           "[communities.Forum]\nmembers = []\n"
                           "[[programs]]\nkind = \"information_sharing\"\nowner = \"Japan\"\n"
                           "community = \"Forum\"\nstart_day = 100\n";
  const Scenario sc = load_scenario_text(text, "t.toml");
  CHECK(sc.communities[0].members.empty());
  CHECK(sc.programs[0].community == std::optional<std::size_t>(0));
}

TEST_CASE("policy changes of one day are checked together", "[scenario]") {
  // Lowering coordinate first would break the order on its own; with attribute lowered
  // the same day the doctrine stays ordered.
  const std::string text =
      core +
      "[[policy_changes]]\nday = 10\nstate = \"Japan\"\nrung = \"coordinate\"\nthreshold = 0.25\n"
      "[[policy_changes]]\nday = 10\nstate = \"Japan\"\nrung = \"attribute\"\nthreshold = 0.2\n";
  const Scenario sc = load_scenario_text(text, "t.toml");
  CHECK(sc.policy_changes.size() == 2);
}

TEST_CASE("overrides change values by path before validation", "[scenario][override]") {
  const Scenario base = load_scenario_text(rich_scenario, "rich.toml");
  const Scenario sc = load_scenario_text(
      rich_scenario, "rich.toml",
      {"states.\"United States\".defense=0.55", "attackers.APT10.capability=0.9",
       "states.Japan.doctrine.sanction.enabled=true", "attackers.\"Fancy Bear\".kind=hacktivist",
       "attackers.APT10.gain_by_target.Japan=7", "run.seed=99",
       "attackers.APT10.targets=[\"United States\", \"Japan\"]",
       "attackers.APT10.gain_by_target.\"United States\"=3"});
  CHECK(sc.states[0].defense == 0.55);
  CHECK(sc.attackers[0].capability == 0.9);
  CHECK(sc.states[1].doctrine.sanction.enabled);
  CHECK(sc.attackers[1].kind == AttackerKind::hacktivist);  // a bare word is a string
  CHECK(sc.attackers[0].gain_by_target[1] == 7.0);
  CHECK(sc.attackers[0].targets == std::vector<std::size_t>{0, 1});
  CHECK(sc.attackers[0].gain_by_target[0] == 3.0);
  CHECK(sc.run.seed == 99);
  CHECK(sc.text == base.text);  // the file as read, without the overrides

  SECTION("tables the file left out are created for fixed paths") {
    const Scenario m =
        load_scenario_text(minimal_scenario, "minimal.toml",
                           {"states.Only.doctrine.sanction.enabled=true", "run.horizon_days=100",
                            "calibration.join_base=0.5", "attackers.Lone.prior.weight=4",
                            "attackers.Lone.scarce.stock=2"});
    CHECK(m.states[0].doctrine.sanction.enabled);
    CHECK(m.run.horizon_days == 100.0);
    CHECK(m.calibration.join_base == 0.5);
    CHECK(m.attackers[0].prior.weight == 4.0);
    CHECK(m.attackers[0].scarce.enabled);  // as if [attackers.Lone.scarce] were written
    CHECK(m.attackers[0].scarce.stock == 2);
  }
  SECTION("a bad value names the override") {
    const auto e = error_of(rich_scenario, {"states.\"United States\".defense=2"});
    REQUIRE(e);
    CHECK(e->file() == "--set states.\"United States\".defense=2");
    CHECK(e->line() == 0);
    CHECK(e->key() == "states.\"United States\".defense");
    CHECK(e->message() == "expected a number in [0, 1), got 2");
  }
  SECTION("an override that breaks the doctrine names the override") {
    const auto e = error_of(rich_scenario, {"states.Japan.doctrine.coordinate.threshold=0.1"});
    REQUIRE(e);
    CHECK(e->file() == "--set states.Japan.doctrine.coordinate.threshold=0.1");
    CHECK(e->key() == "states.Japan.doctrine.coordinate.threshold");
    CHECK_THAT(e->message(), Catch::Contains("must be ordered"));
  }
  SECTION("a misspelt name is not created") {
    const auto e = error_of(rich_scenario, {"states.Japna.defense=0.5"});
    REQUIRE(e);
    CHECK_THAT(e->message(), Catch::Contains("'states.Japna' is not a table") &&
                                 Catch::Contains("did you mean 'Japan'?"));
  }
  SECTION("a misspelt key is reported as unknown") {
    const auto e = error_of(rich_scenario, {"states.Japan.defence=0.5"});
    REQUIRE(e);
    CHECK(e->file() == "--set states.Japan.defence=0.5");
    CHECK(e->key() == "states.Japan.defence");
    CHECK(e->message() == "unknown key (did you mean 'defense'?)");
  }
  SECTION("a wrongly typed override is reported") {
    const auto e = error_of(minimal_scenario, {"run.replications=many"});
    REQUIRE(e);
    CHECK(e->key() == "run.replications");
    CHECK_THAT(e->message(), Catch::Contains("got a string (\"many\")"));
  }
}

TEST_CASE("resolved_toml round-trips exactly", "[scenario][resolved]") {
  for (const char* text : {rich_scenario, minimal_scenario}) {
    const Scenario first = load_scenario_text(text, "in.toml");
    const std::string resolved = resolved_toml(first);
    INFO(resolved);
    const Scenario second = load_scenario_text(resolved, "resolved.toml");
    CHECK(resolved_toml(second) == resolved);
    // Spot checks that the second load is the same scenario, not just the same text.
    CHECK(second.states.size() == first.states.size());
    CHECK(second.attackers.size() == first.attackers.size());
    CHECK(second.alignment == first.alignment);
    CHECK(second.dependence == first.dependence);
    for (std::size_t a = 0; a < first.attackers.size(); ++a) {
      CHECK(second.attackers[a].targets == first.attackers[a].targets);
      CHECK(second.attackers[a].gain_by_target == first.attackers[a].gain_by_target);
      CHECK(second.attackers[a].sector_weights == first.attackers[a].sector_weights);
      CHECK(second.attackers[a].scarce.enabled == first.attackers[a].scarce.enabled);
      CHECK(second.attackers[a].scarce.threshold == first.attackers[a].scarce.threshold);
    }
    for (std::size_t p = 0; p < first.programs.size(); ++p) {
      CHECK(second.programs[p].end_day == first.programs[p].end_day);
      CHECK(second.programs[p].community == first.programs[p].community);
    }
    CHECK(second.run.start_date == first.run.start_date);
    CHECK(second.description == first.description);
  }
  const std::string resolved = resolved_toml(load_scenario_text(rich_scenario, "in.toml"));
  CHECK_THAT(resolved, Catch::Contains("[states.\"United States\".doctrine.sanction]"));
  CHECK_THAT(resolved, Catch::Contains("[attackers.\"Fancy Bear\"]"));
  CHECK_THAT(resolved,
             Catch::Contains("gain_by_target = { \"United States\" = 5.0, Japan = 4.0 }"));
  CHECK_THAT(resolved, Catch::Contains("reporting_days = 7.0"));
  CHECK_THAT(resolved, Catch::Contains("rationality = inf"));
}

TEST_CASE("numbers survive the round trip bit for bit", "[scenario][resolved]") {
  const std::string text =
      core + "gain = 0.1\n[run]\nreporting_days = 30.436875\nhorizon_days = 3652.4250000000002\n";
  const Scenario first = load_scenario_text(text, "t.toml");
  const Scenario second = load_scenario_text(resolved_toml(first), "r.toml");
  CHECK(second.attackers[0].gain == first.attackers[0].gain);
  CHECK(second.run.reporting_days == first.run.reporting_days);
  CHECK(second.run.horizon_days == first.run.horizon_days);
  const Scenario defaults =
      load_scenario_text(resolved_toml(load_scenario_text(minimal_scenario, "m.toml")), "r.toml");
  CHECK(defaults.run.reporting_days == 365.25 / 12);
}

TEST_CASE("files are read from disk and names are printable", "[scenario]") {
  CHECK_THROWS_WITH(load_scenario("/nonexistent/scenario.toml"), Catch::Contains("cannot open"));
  CHECK(to_string(Rung::coordinate) == "coordinate");
  CHECK(to_string(AttackerKind::state_sponsored) == "state_sponsored");
  CHECK(to_string(ProgramKind::capacity_building) == "capacity_building");
}

TEST_CASE("gains may be set for states that are not targets", "[scenario][resolved]") {
  // A sweep may narrow `targets` without editing `gain_by_target`.
  const Scenario sc =
      load_scenario_text(rich_scenario, "rich.toml", {"attackers.APT10.targets=[\"Japan\"]"});
  CHECK(sc.attackers[0].targets == std::vector<std::size_t>{1});
  CHECK(sc.attackers[0].gain_by_target == std::vector<double>{5.0, 4.0, 3.0, 3.0});
  const std::string resolved = resolved_toml(sc);
  CHECK_THAT(resolved,
             Catch::Contains("gain_by_target = { \"United States\" = 5.0, Japan = 4.0 }"));
  CHECK(resolved_toml(load_scenario_text(resolved, "r.toml")) == resolved);
}

TEST_CASE("calibration overrides work on a file without a [calibration] table",
          "[scenario][override]") {
  const Scenario sc = load_scenario_text(std::string("model = \"deterrence\"\n") + minimal_scenario,
                                         "m.toml", {"calibration.join_base=0.25"});
  CHECK(sc.calibration.join_base == 0.25);
}

TEST_CASE("overrides address arrays of tables by index", "[scenario][override]") {
  const Scenario sc = load_scenario_text(rich_scenario, "rich.toml",
                                         {"programs[1].rate=0.2", "policy_changes[1].day=500"});
  CHECK(sc.programs[1].rate == 0.2);
  CHECK(sc.policy_changes[1].day == 500.0);
  auto e = error_of(rich_scenario, {"programs[7].rate=0.2"});
  REQUIRE(e);
  CHECK_THAT(e->message(), Catch::Contains("[[programs]] has 5 tables"));
  e = error_of(rich_scenario, {"programs[2].rate=0.2"});  // an exercise has no rate
  REQUIRE(e);
  CHECK(e->key() == "programs[2].rate");
  CHECK_THAT(e->message(), Catch::Contains("applies only to programs of kind"));
}

TEST_CASE("an override may replace an array of tables, by an empty one too",
          "[scenario][override]") {
  const Scenario none = load_scenario_text(rich_scenario, "rich.toml", {"policy_changes=[]"});
  CHECK(none.policy_changes.empty());
  const Scenario base = load_scenario_text(rich_scenario, "rich.toml");
  REQUIRE(base.policy_changes.size() >= 2);
  const Scenario one = load_scenario_text(
      rich_scenario, "rich.toml",
      {"policy_changes=[{day = 10.0, state = \"" + base.states[base.policy_changes[0].state].name +
       "\", rung = \"sanction\", enabled = true}]"});
  REQUIRE(one.policy_changes.size() == 1);
  CHECK(one.policy_changes[0].day == 10.0);
  auto e = error_of(rich_scenario, {"policy_changes=[1, 2]"});
  REQUIRE(e);
  CHECK_THAT(e->message(), Catch::Contains("expected an array of tables"));
}

TEST_CASE("reader helpers quote names and keep file order", "[toml]") {
  using namespace cyberdeter::models::detail;
  CHECK(toml_key("Japan") == "Japan");
  CHECK(toml_key("APT-10_x") == "APT-10_x");
  CHECK(toml_key("United States") == "\"United States\"");
  CHECK(toml_key("a.b") == "\"a.b\"");
  CHECK(toml_key("") == "\"\"");
  CHECK(toml_string("say \"hi\"\n\\") == "\"say \\\"hi\\\"\\n\\\\\"");
  CHECK(split_key_path("states.\"United States\".defense") ==
        std::vector<std::string>{"states", "United States", "defense"});

  Document doc = parse_text(
      "[t]\nzeta = 1\nalpha = 2\n\"mid key\" = 3\nd1 = 2024-02-29\nd2 = \"2023-02-29\"\n"
      "list = [\"a\",\n  \"b\"]\n",
      "t.toml");
  Reader root(doc, doc.root, "");
  auto t = root.required_table("t");
  CHECK(t.keys() == std::vector<std::string>{"zeta", "alpha", "mid key", "d1", "d2", "list"});
  CHECK(t.key_path("mid key") == "t.\"mid key\"");
  CHECK(t.optional_date("d1") == std::optional<std::string>("2024-02-29"));
  CHECK_FALSE(t.optional_date("absent"));
  CHECK_THROWS_WITH(t.optional_date("d2"), Catch::Contains("expected a date"));
  try {
    t.fail_item("list", 1, "bad element");
    FAIL("fail_item must throw");
  } catch (const ScenarioError& e) {
    CHECK(e.line() == 8);
    CHECK(e.key() == "t.list");
  }
}

TEST_CASE("a scenario parsed once loads every variant as a fresh parse would", "[scenario]") {
  // A sweep loads each point from the base document parsed once and copied; toml++ does
  // not copy a node's position, and states and attackers are numbered in file order, so
  // the copy must still give the same scenario, in the same order.
  const char* dir = std::getenv("CYBERDETER_SCENARIOS");
  REQUIRE(dir != nullptr);
  using cyberdeter::models::deterrence::load_scenario_text;
  using cyberdeter::models::deterrence::resolved_toml;
  using cyberdeter::models::deterrence::ScenarioSource;
  for (const std::string name :
       {"japan_2015_2021", "japan_sanctions", "minimal", "coordinated_attribution"}) {
    const std::string path = std::string(dir) + "/" + name + ".toml";
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    const ScenarioSource source(text.str(), path);
    for (const std::vector<std::string>& overrides :
         {std::vector<std::string>{},
          std::vector<std::string>{"run.seed=5", "run.replications=3"}}) {
      const auto fresh = load_scenario_text(text.str(), path, overrides);
      const auto copied = source.load(overrides);
      CHECK(resolved_toml(copied) == resolved_toml(fresh));
      REQUIRE(copied.states.size() == fresh.states.size());
      for (std::size_t i = 0; i < fresh.states.size(); ++i) {
        CHECK(copied.states[i].name == fresh.states[i].name);
      }
      CHECK(copied.text == fresh.text);
    }
  }
}

TEST_CASE("a scenario parsed once is left as it was by every load of a variant", "[scenario]") {
  // Loads apply their overrides to working copies of the parsed document and undo them:
  // a load after any other, good or bad, sees the base scenario and its own overrides.
  const char* dir = std::getenv("CYBERDETER_SCENARIOS");
  REQUIRE(dir != nullptr);
  const std::string path = std::string(dir) + "/minimal.toml";
  std::ifstream in(path);
  std::stringstream file;
  file << in.rdbuf();
  const std::string text = file.str();
  const ScenarioSource source(text, path);
  const std::string base = resolved_toml(load_scenario_text(text, path));
  const auto bad = [&source](const std::vector<std::string>& overrides) {
    try {
      (void)source.load(overrides);
    } catch (const ScenarioError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const std::vector<std::vector<std::string>> variants{
      {"states.Homeland.defense=0.1", "run.seed=3", "run.seed=4"},
      {"states.Homeland.alignment.Rivalia=0.5"},  // creates a table
      {"attackers.Crew.scarce.enabled=true", "attackers.Crew.gain=2"},
      {"policy_changes=[]"},  // replaces a whole array: the working copy is dropped
      {"attackers.RivalAPT.operation_cost=0.5", "calibration.join_base=0.5"},
  };
  for (const auto& overrides : variants) {
    CHECK(resolved_toml(source.load(overrides)) ==
          resolved_toml(load_scenario_text(text, path, overrides)));
    CHECK(resolved_toml(source.load()) == base);
  }
  const std::string error = bad({"run.seed=2", "states.Homeland.defense=2"});
  CHECK_THAT(error, Catch::Contains("--set states.Homeland.defense=2") &&
                        Catch::Contains("expected a number in [0, 1)"));
  CHECK(bad({"run.seed=2", "states.Homeland.defense=2"}) == error);  // the same, again
  CHECK(bad({"states.Homeland.defence=0.2"}) == bad({"states.Homeland.defence=0.2"}));
  CHECK_THAT(bad({"states.Homeland.defence=0.2"}), Catch::Contains("did you mean 'defense'"));
  CHECK(resolved_toml(source.load()) == base);
  // A point's scenario for a sweep: the same, without the text.
  const Scenario point = source.load_point({"run.seed=3"});
  CHECK(point.text.empty());
  CHECK(resolved_toml(point) == resolved_toml(load_scenario_text(text, path, {"run.seed=3"})));
}

TEST_CASE("bad scheduled events and program keys name the line and the key",
          "[scenario][errors][scheduled]") {
  struct Case {
    std::string text;
    std::string key;
    std::string phrase;
  };
  const std::string head = core + "[states.Korea]\n";
  // clang-format off
  const std::vector<Case> cases{
      {"[[scheduled]]\nstate = \"Japan\"\naction = \"attribute\"\ntarget = \"APT10\"\n", "scheduled[0].day", "give either `day`"},
      {"[[scheduled]]\nstate = \"Japan\"\naction = \"attribute\"\ntarget = \"APT10\"\nday = 5\non = \"detected\"\n", "scheduled[0].on", "not both"},
      {"[[scheduled]]\nstate = \"Japan\"\naction = \"name\"\ntarget = \"APT10\"\nday = 5\n", "scheduled[0].action", "expected one of"},
      {"[[scheduled]]\nstate = \"Japan\"\naction = \"attribute\"\nday = 5\n", "scheduled[0].target", "missing: the attacker the act is about"},
      {"[[scheduled]]\nstate = \"Japan\"\naction = \"attribute\"\ntarget = \"APT1\"\nday = 5\n", "scheduled[0].target", "APT10"},
      {"[[scheduled]]\nstate = \"Japan\"\naction = \"attribute\"\ntarget = \"APT10\"\nday = 5\nsigners = [\"Korea\"]\n", "scheduled[0].signers", "applies only to `action` = \"coordinate\" or \"sanction\""},
      {"[[scheduled]]\nstate = \"Japan\"\naction = \"sanction\"\ntarget = \"APT10\"\nday = 5\nsigners = [\"China\"]\n", "scheduled[0].signers", "sponsors the target"},
      {"[[scheduled]]\nstate = \"Japan\"\naction = \"sanction\"\ntarget = \"APT10\"\nday = 5\nsigners = [\"Korea\", \"Korea\"]\n", "scheduled[0].signers", "listed twice"},
      {"[[scheduled]]\nstate = \"Japan\"\naction = \"attribute\"\ntarget = \"APT10\"\nday = 5\nseparate = [\"Korea\"]\n", "scheduled[0].separate", "applies only to `action` = \"coordinate\" or \"sanction\""},
      {"[[scheduled]]\nstate = \"Japan\"\naction = \"coordinate\"\ntarget = \"APT10\"\nday = 5\nsigners = [\"Korea\"]\nseparate = [\"Korea\"]\n", "scheduled[0].separate", "co-signs already"},
      {"[[scheduled]]\nstate = \"Japan\"\naction = \"coordinate\"\ntarget = \"APT10\"\nday = 5\nseparate = [\"China\"]\n", "scheduled[0].separate", "sponsors the target"},
      {"[[scheduled]]\nstate = \"Japan\"\naction = \"disclose\"\ntarget = \"APT10\"\nday = 5\nevidence = 0.5\n", "scheduled[0].evidence", "applies only to a public act"},
      {"[[scheduled]]\nstate = \"Japan\"\naction = \"attribute\"\ntarget = \"APT10\"\nday = 5\nevidence = 1.5\n", "scheduled[0].evidence", "[0, 1]"},
      {"[[scheduled]]\nstate = \"China\"\naction = \"attribute\"\ntarget = \"APT10\"\nday = 5\n", "scheduled[0].state", "sponsors 'APT10'"},
      {"[[scheduled]]\nstate = \"Japan\"\naction = \"attribute\"\ntarget = \"APT10\"\nday = 5\nvictim = \"Japan\"\n", "scheduled[0].victim", "triggered `on` an operation"},
      {"[[scheduled]]\nstate = \"Japan\"\naction = \"attribute\"\ntarget = \"APT10\"\nday = 5\ncapability_loss = 0.5\n", "scheduled[0].capability_loss", "only to `action` = \"disclose\""},
      {"[[scheduled]]\nstate = \"Japan\"\naction = \"disclose\"\ntarget = \"APT10\"\nday = 5\ncapability_loss = 1.5\n", "scheduled[0].capability_loss", "[0, 1]"},
      {"[[scheduled]]\nstate = \"Japan\"\naction = \"policy\"\nday = 5\nthreshold = 0.5\n", "scheduled[0].rung", "missing: the rung"},
      {"[[scheduled]]\nstate = \"Japan\"\naction = \"policy\"\nday = 5\nrung = \"sanction\"\n", "scheduled[0]", "must set `rung_enabled`, `threshold` or both"},
      {"[[scheduled]]\nstate = \"Japan\"\naction = \"policy\"\nday = 5\nrung = \"attribute\"\nthreshold = 0.9\n", "scheduled[0].threshold", "would no longer be ordered"},
      {"[[scheduled]]\nstate = \"Japan\"\naction = \"policy\"\non = \"detected\"\nrung = \"attribute\"\nthreshold = 0.5\n", "scheduled[0].target", "whose operation triggers the change"},
      {"[[scheduled]]\nstate = \"Japan\"\naction = \"attribute\"\ntarget = \"APT10\"\non = \"landed\"\n", "scheduled[0].on", "expected one of"},
      {"[[programs]]\nkind = \"training\"\nowner = \"Japan\"\nretained = 0.5\n", "programs[0].retained", "give `resilience`"},
      {"[[programs]]\nkind = \"training\"\nowner = \"Japan\"\nresilience = 0.99\n", "programs[0].resilience", "[0, 0.95]"},
      {"[[programs]]\nkind = \"exercise\"\nowner = \"Japan\"\ndetection_bound = 3\n", "programs[0].detection_bound", "only to programs of kind \"capacity_building\""},
      {"[[programs]]\nkind = \"exercise\"\nowner = \"Japan\"\ncost_per_year = -1\n", "programs[0].cost_per_year", "[0, 1e+12]"},
      {"[states.Korea.x]\n", "states.Korea.x", "unknown key"},
  };
  // clang-format on
  for (const Case& c : cases) {
    INFO(c.text);
    const auto e = error_of(head + c.text);
    REQUIRE(e);
    INFO(e->what());
    CHECK(e->key() == c.key);
    CHECK(e->line() > 0);
    CHECK_THAT(e->message(), Catch::Contains(c.phrase));
  }
}
