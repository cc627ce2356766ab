// The deterrence model's event flow: invariants on every run, statistical checks of each
// stochastic step against its closed form, determinism and common random numbers.
#include <cmath>
#include <map>
#include <vector>

#include <catch2/catch.hpp>

#include "cyberdeter/models/deterrence/model.hpp"
#include "deterrence_world.hpp"

using namespace cyberdeter::models::deterrence;

namespace {

using testing::Collect;
using testing::world;

RunResult run(const Scenario& sc, std::uint64_t replication, Collect& sink) {
  return run_replication(sc, replication, sink, RunOptions{true, true});
}

}  // namespace

TEST_CASE("counts obey their invariants in every run", "[model][invariants]") {
  const Scenario sc = world();
  for (std::uint64_t rep = 0; rep < 5; ++rep) {
    Collect sink;
    const RunResult r = run(sc, rep, sink);
    const Counts& t = r.run.total;
    INFO("replication " << rep);
    REQUIRE(t.launched > 100);
    CHECK(t.succeeded <= t.launched);
    CHECK(t.detected <= t.launched);
    CHECK(t.attributed <= t.detected);
    CHECK(t.attributed_correct + t.attributed_wrong == t.attributed);
    std::uint64_t responses = 0;
    for (const auto n : t.responses) responses += n;
    CHECK(responses <= t.attributed);  // judgements still in a coalition at the horizon have none
    CHECK(t.launched == r.run.launched_by_kind[0] + r.run.launched_by_kind[1]);

    // Per-state and per-period counts add up to the run's.
    std::uint64_t launched = 0, periods_launched = 0;
    for (const auto& s : r.states) launched += s.counts.launched;
    for (const auto& p : sink.periods) periods_launched += p.counts.launched;
    CHECK(launched == t.launched);
    CHECK(periods_launched == t.launched);
    CHECK(sink.periods.size() == 20);  // 2000 days / 100
    CHECK(sink.periods.back().end_day == 2000.0);

    // Every incident is recorded once, and no event precedes its cause.
    CHECK(sink.incidents.size() == t.launched);
    std::uint64_t succeeded = 0;
    for (const auto& i : sink.incidents) {
      succeeded += i.success ? 1u : 0u;
      CHECK(i.landed_day >= i.decided_day);
      if (i.detected) CHECK(i.detected_day >= i.landed_day);
      if (i.attributed) CHECK(i.attributed_day >= i.detected_day);
      if (i.response_day >= 0) CHECK(i.response_day >= i.attributed_day);
      if (i.success) CHECK(i.severity > 0.0);
      if (!i.success) CHECK(i.severity == 0.0);
      if (i.named >= 0) CHECK((i.named == static_cast<std::int32_t>(i.attacker)) == i.correct);
    }
    CHECK(succeeded == t.succeeded);

    // Coalition counts agree with the incidents that reached their deadline.
    std::uint64_t coalitions = 0, signers = 0, failed = 0;
    for (const auto& i : sink.incidents) {
      if (i.rung_decided < static_cast<std::uint8_t>(Rung::coordinate) || i.response_day < 0) {
        continue;
      }
      ++coalitions;
      signers += i.signers;
      failed += i.signers == 1 ? 1u : 0u;
    }
    CHECK(coalitions > 0);
    CHECK(coalitions <= r.run.coalitions_invited);
    CHECK(r.run.coalition_signers_sum == signers);
    CHECK(r.run.coalitions_failed == failed);
  }
}

TEST_CASE("landing success frequency matches capability times (1 - defense)",
          "[model][statistics]") {
  Scenario sc = world();
  sc.run.horizon_days = 20000;
  Collect sink;
  const auto r = run_replication(sc, 0, sink);
  const double p = 0.7 * (1 - 0.3);
  const double n = static_cast<double>(r.run.total.launched);
  const double freq = static_cast<double>(r.run.total.succeeded) / n;
  CHECK(std::abs(freq - p) < 5 * std::sqrt(p * (1 - p) / n));
}

TEST_CASE("detection within the window matches 1 - exp(-delta H)", "[model][statistics]") {
  Scenario sc = world();
  sc.run.horizon_days = 20000;
  Collect sink;
  const auto r = run_replication(sc, 0, sink, RunOptions{true, false});
  // Incidents that landed at least a window before the end had their full chance.
  double n = 0, detected = 0;
  for (const auto& i : sink.incidents) {
    if (i.landed_day > sc.run.horizon_days - 200) continue;
    n += 1;
    detected += i.detected ? 1 : 0;
  }
  const double p = 1 - std::exp(-0.02 * 200);
  CHECK(std::abs(detected / n - p) < 5 * std::sqrt(p * (1 - p) / n));
  (void)r;
}

TEST_CASE("attribution names the culprit with probability q(1 - phi)", "[model][statistics]") {
  Scenario sc = world();
  sc.run.horizon_days = 20000;
  sc.attackers[0].false_flag = 0.25;
  sc.attackers[1].false_flag = 0.25;
  Collect sink;
  run_replication(sc, 0, sink, RunOptions{true, false});
  double n = 0, correct = 0;
  for (const auto& i : sink.incidents) {
    if (!i.attributed) continue;
    n += 1;
    correct += i.correct ? 1 : 0;
  }
  // Two plausible actors per victim, so a wrong judgement always has someone to name.
  const double p = 0.8 * 0.75;
  CHECK(std::abs(correct / n - p) < 5 * std::sqrt(p * (1 - p) / n));
}

TEST_CASE("a run is a function of its seed and replication", "[model][determinism]") {
  const Scenario sc = world();
  Collect a, b, c;
  const auto ra = run(sc, 3, a);
  const auto rb = run(sc, 3, b);
  const auto rc = run(sc, 4, c);
  CHECK(ra.run.fingerprint == rb.run.fingerprint);
  CHECK(ra.run.total.launched == rb.run.total.launched);
  CHECK(ra.run.total.damage == rb.run.total.damage);
  CHECK(ra.run.fingerprint != rc.run.fingerprint);
}

TEST_CASE("a policy change leaves everything before it untouched (common random numbers)",
          "[model][crn]") {
  Scenario base = world();
  Scenario policy = world();
  PolicyChange change;
  change.day = 1000;
  change.state = 0;
  change.rung = Rung::sanction;
  change.enabled = true;
  change.threshold = 0.3;
  policy.policy_changes.push_back(change);
  Collect a, b;
  run(base, 0, a);
  run(policy, 0, b);
  // Every decision before day 1000 is the same, term by term.
  std::size_t compared = 0;
  for (std::size_t i = 0; i < std::min(a.choices.size(), b.choices.size()); ++i) {
    if (a.choices[i].day >= 1000) break;
    REQUIRE(a.choices[i].day == b.choices[i].day);
    REQUIRE(a.choices[i].utility == b.choices[i].utility);
    REQUIRE(a.choices[i].chosen == b.choices[i].chosen);
    ++compared;
  }
  CHECK(compared > 100);
  // Opportunities come from their own streams, so the decisions line up one for one
  // even after the change; the policy shows in their terms.
  REQUIRE(a.choices.size() == b.choices.size());
  bool differs = false;
  for (std::size_t i = 0; i < a.choices.size(); ++i) {
    CHECK(a.choices[i].day == b.choices[i].day);
    differs = differs || a.choices[i].utility != b.choices[i].utility;
  }
  CHECK(differs);
}

TEST_CASE("sanctions deter: fewer state-sponsored attacks on a state that sanctions",
          "[model][deterrence]") {
  // Same world and seeds, sanctions enabled or not. Paired over 20 replications, the
  // state-sponsored group launches fewer operations when the victims can sanction.
  Scenario without = world();
  without.states[0].attribution_accuracy = 0.95;
  without.states[1].attribution_accuracy = 0.95;
  Scenario with = without;
  for (auto* s : {&with.states[0], &with.states[1]}) s->doctrine.sanction = {true, 0.3};
  double diff = 0.0;
  int fewer = 0;
  for (std::uint64_t rep = 0; rep < 20; ++rep) {
    Collect a, b;
    const auto ra = run_replication(without, rep, a);
    const auto rb = run_replication(with, rep, b);
    const double d = static_cast<double>(ra.run.launched_by_kind[0]) -
                     static_cast<double>(rb.run.launched_by_kind[0]);
    diff += d;
    fewer += d > 0 ? 1 : 0;
  }
  CHECK(diff > 0);
  CHECK(fewer >= 15);
}

TEST_CASE("a strict attacker never attacks when every target has negative utility",
          "[model][choice]") {
  Scenario sc = world();
  for (auto& a : sc.attackers) {
    a.rationality = infinity;
    a.operation_cost = 100.0;
  }
  Collect sink;
  const auto r = run(sc, 0, sink);
  CHECK(r.run.total.opportunities > 0);
  CHECK(r.run.total.launched == 0);
  for (const auto& c : sink.choices) CHECK_FALSE(c.chosen);
}

TEST_CASE("a mega-event multiplies gains and draws attacks to its host", "[model][mega]") {
  Scenario sc = world();
  sc.mega_events.push_back({"Games", 0, 500, 600, 4.0});
  Collect sink;
  run(sc, 0, sink);
  int during = 0, before = 0;
  for (const auto& i : sink.incidents) {
    if (i.victim != 0) continue;
    if (i.landed_day >= 500 && i.landed_day <= 600) ++during;
    if (i.landed_day >= 300 && i.landed_day < 400) ++before;
    if (i.mega_event) CHECK((i.landed_day >= 500 && i.landed_day <= 600));
  }
  CHECK(during > before);
}

TEST_CASE("a scarce-capability attacker holds fire for the mega-event", "[model][scarce]") {
  Scenario sc = world();
  sc.attackers.resize(1);
  Attacker& a = sc.attackers[0];
  a.scarce.enabled = true;
  a.scarce.stock = 1;
  a.scarce.max_stock = 1;
  a.scarce.stealth = 0.0;      // one use and it is gone
  a.scarce.persistence = 1.0;  // never lost while waiting
  a.discount = 0.0001;
  sc.mega_events.push_back({"Games", 0, 1500, 1600, 10.0});
  int in_games = 0;
  for (std::uint64_t rep = 0; rep < 10; ++rep) {
    Collect sink;
    run(sc, rep, sink);
    REQUIRE(sink.incidents.size() <= 1);
    if (!sink.incidents.empty() && sink.incidents[0].mega_event) ++in_games;
  }
  CHECK(in_games >= 8);
}

namespace {

// A world with no attacks, so that only programs change the states.
Scenario quiet_world() {
  Scenario sc = world();
  for (auto& a : sc.attackers) a.opportunity_rate = 1e-9;
  sc.run.horizon_days = 365.25 * 4;
  return sc;
}

Program program(ProgramKind kind, std::size_t owner, std::size_t beneficiary) {
  Program p;
  p.kind = kind;
  p.owner = owner;
  p.beneficiary = beneficiary;
  p.start_day = 0;
  p.end_day = infinity;
  return p;
}

}  // namespace

TEST_CASE("training grows the workforce at its yearly rate, up to its bound", "[model][programs]") {
  Scenario sc = quiet_world();
  Program p = program(ProgramKind::training, 0, 0);
  p.rate = 0.10;
  sc.programs.push_back(p);
  RunSink none;
  auto r = run_replication(sc, 0, none);
  // 48 monthly ticks fall inside four years: the first one month after the start, the
  // last exactly at the horizon (events at the horizon run).
  const double years = 4.0;
  CHECK(r.states[0].final_workforce == Approx(1000.0 * std::pow(1.1, years)));
  CHECK(r.states[1].final_workforce == 1000.0);
  // More workforce, faster detection: δ · (W/W_ref)^ε with in_house_share 1.
  CHECK(r.states[0].final_detection_rate == Approx(0.02 * std::pow(std::pow(1.1, years), 0.3)));

  sc.programs[0].bound = 1200.0;
  r = run_replication(sc, 0, none);
  CHECK(r.states[0].final_workforce == 1200.0);
}

TEST_CASE("investment turns into defense in proportion to board engagement", "[model][programs]") {
  Scenario sc = quiet_world();
  sc.states[0].board_engagement = 0.5;
  Program p = program(ProgramKind::investment, 0, 0);
  p.rate = 0.2;
  p.multiplicative = false;  // +0.2 defense per year at full engagement
  sc.programs.push_back(p);
  RunSink none;
  const auto r = run_replication(sc, 0, none);
  CHECK(r.states[0].final_defense == Approx(0.3 + 0.2 * 0.5 * 4.0));
  // Absent a bound, defense stops at 0.95.
  sc.programs[0].rate = 5.0;
  CHECK(run_replication(sc, 0, none).states[0].final_defense == Approx(0.95));
}

TEST_CASE("capacity building raises a partner's defense and detection", "[model][programs]") {
  Scenario sc = quiet_world();
  Program p = program(ProgramKind::capacity_building, 1, 0);
  p.rate = 0.1;
  sc.programs.push_back(p);
  RunSink none;
  const auto r = run_replication(sc, 0, none);
  const double growth = std::pow(1.1, 4.0);
  CHECK(r.states[0].final_defense == Approx(0.3 * growth));
  CHECK(r.states[0].final_detection_rate == Approx(0.02 * growth));
  CHECK(r.states[1].final_defense == 0.3);  // the owner gains nothing itself
}

TEST_CASE("information sharing joins a community for the program's duration", "[model][programs]") {
  Scenario sc = quiet_world();
  sc.communities.push_back({"CERTs", {}, 1.5, 1.2});
  Program p = program(ProgramKind::information_sharing, 0, 0);
  p.community = 0;
  p.start_day = 100;
  sc.programs.push_back(p);
  RunSink none;
  CHECK(run_replication(sc, 0, none).states[0].final_detection_rate == Approx(0.03));
  sc.programs[0].end_day = 1000;  // left before the end
  CHECK(run_replication(sc, 0, none).states[0].final_detection_rate == Approx(0.02));
}

TEST_CASE("an exercise multiplies detection only inside its window", "[model][programs]") {
  Scenario sc = world();
  sc.run.horizon_days = 20000;
  sc.states[0].detection_rate = 0.005;
  Program p = program(ProgramKind::exercise, 0, 0);
  p.start_day = 5000;
  p.end_day = 15000;
  p.detection_multiplier = 4.0;
  sc.programs.push_back(p);
  Collect sink;
  run_replication(sc, 0, sink, RunOptions{true, false});
  // Detection probability within the 200-day window: 1 − exp(−δ H).
  double in_n = 0, in_det = 0, out_n = 0, out_det = 0;
  for (const auto& i : sink.incidents) {
    if (i.victim != 0 || i.landed_day > 19800) continue;
    const bool inside = i.landed_day >= 5000 && i.landed_day < 15000;
    (inside ? in_n : out_n) += 1;
    (inside ? in_det : out_det) += i.detected ? 1 : 0;
  }
  const double p_in = 1 - std::exp(-0.02 * 200), p_out = 1 - std::exp(-0.005 * 200);
  CHECK(std::abs(in_det / in_n - p_in) < 5 * std::sqrt(p_in * (1 - p_in) / in_n));
  CHECK(std::abs(out_det / out_n - p_out) < 5 * std::sqrt(p_out * (1 - p_out) / out_n));
}

TEST_CASE("hardening raises defense after each detected incident", "[model][hardening]") {
  Scenario sc = world();
  sc.states[0].hardening = 0.01;
  RunSink none;
  const auto r = run_replication(sc, 0, none);
  CHECK(r.states[0].final_defense > 0.3);
  CHECK(r.states[0].final_defense <= 0.99);
  CHECK(r.states[1].final_defense == 0.3);
}

TEST_CASE("sanctions cost sigma times the imposers' weight times the duration",
          "[model][sanctions]") {
  Scenario sc = world();
  for (auto* s : {&sc.states[0], &sc.states[1]}) {
    s->doctrine.sanction = {true, 0.1};
    s->doctrine.coordinate = {true, 0.1};
  }
  Collect sink;
  const auto r = run(sc, 0, sink);
  int sanctions = 0;
  double total = 0.0;
  for (const auto& i : sink.incidents) {
    if (i.rung_final != static_cast<std::uint8_t>(Rung::sanction)) continue;
    ++sanctions;
    const double sigma = sc.attackers[static_cast<std::size_t>(i.named)].sanction_cost;
    CHECK(i.sanction_cost == Approx(sigma * i.sanction_weight * i.sanction_days));
    // The victim plus the economic weight of each ally that joined.
    const double victim = sc.states[i.victim].economy;
    CHECK(i.sanction_weight == Approx(victim + (i.signers - 1) * sc.states[1 - i.victim].economy));
    total += i.sanction_cost;
  }
  CHECK(sanctions > 10);
  CHECK(r.run.sanction_cost == Approx(total));
}
