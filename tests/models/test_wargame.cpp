// War-gaming hooks (wargame.hpp): a decider that answers as the model changes nothing;
// a departure changes the future and not the past; briefs say what the state knows;
// turns change doctrine and start programs exactly as scenario keys would; the words of
// actions round-trip.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <stdexcept>
#include <vector>

#include <catch2/catch.hpp>

#include "cyberdeter/models/deterrence/model.hpp"
#include "cyberdeter/models/deterrence/rules.hpp"
#include "cyberdeter/models/deterrence/wargame.hpp"
#include "cyberdeter/models/scenario_error.hpp"
#include "deterrence_world.hpp"

using namespace cyberdeter::models::deterrence;
using testing::Collect;
using testing::world;

namespace {

// Answers as the model would, unless told otherwise; remembers every brief.
struct ScriptedDecider : Decider {
  std::function<Rung(const ResponseBrief&)> on_respond;
  std::function<DoctrineAction(const TurnBrief&)> on_turn;
  std::vector<ResponseBrief> responses;
  std::vector<JoinBrief> joins;
  std::vector<TurnBrief> turns;

  Rung respond(const ResponseBrief& b) override {
    responses.push_back(b);
    return on_respond ? on_respond(b) : b.recommended;
  }
  bool join(const JoinBrief& b) override {
    joins.push_back(b);
    return b.model_answer;
  }
  DoctrineAction turn(const TurnBrief& b) override {
    turns.push_back(b);
    return on_turn ? on_turn(b) : DoctrineAction{};
  }
};

RunResult play(const Scenario& sc, Decider& decider, std::vector<std::size_t> played,
               double turn_days, Collect& sink) {
  const Wargame game{std::move(played), turn_days, &decider};
  RunOptions options;
  options.incidents = true;
  options.wargame = &game;
  return run_replication(sc, 0, sink, options);
}

RunResult plain(const Scenario& sc, Collect& sink) {
  RunOptions options;
  options.incidents = true;
  return run_replication(sc, 0, sink, options);
}

void require_same_incident(const IncidentRow& a, const IncidentRow& b) {
  REQUIRE(a.incident == b.incident);
  REQUIRE(a.attacker == b.attacker);
  REQUIRE(a.victim == b.victim);
  REQUIRE(a.landed_day == b.landed_day);
  REQUIRE(a.severity == b.severity);
  REQUIRE(a.detected_day == b.detected_day);
  REQUIRE(a.named == b.named);
  REQUIRE(a.confidence == b.confidence);
  REQUIRE(a.case_strength == b.case_strength);
  REQUIRE(a.rung_decided == b.rung_decided);
  REQUIRE(a.rung_final == b.rung_final);
  REQUIRE(a.signers == b.signers);
  REQUIRE(a.response_day == b.response_day);
  REQUIRE(a.sanction_cost == b.sanction_cost);
}

}  // namespace

TEST_CASE("a decider that answers as the model changes nothing", "[wargame]") {
  const Scenario sc = world();
  Collect base_rows;
  const RunResult base = plain(sc, base_rows);

  SECTION("without turns, every row is the same, fingerprint included") {
    ScriptedDecider d;
    Collect rows;
    const RunResult r = play(sc, d, {0, 1}, 0.0, rows);
    CHECK(d.responses.size() > 20);
    CHECK(!d.joins.empty());
    CHECK(r.run.fingerprint == base.run.fingerprint);
    CHECK(r.run.events == base.run.events);
    REQUIRE(rows.incidents.size() == base_rows.incidents.size());
    for (std::size_t i = 0; i < rows.incidents.size(); ++i) {
      require_same_incident(rows.incidents[i], base_rows.incidents[i]);
    }
    REQUIRE(rows.periods.size() == base_rows.periods.size());
    for (std::size_t i = 0; i < rows.periods.size(); ++i) {
      CHECK(rows.periods[i].counts.launched == base_rows.periods[i].counts.launched);
      CHECK(rows.periods[i].mean_p_attributed == base_rows.periods[i].mean_p_attributed);
    }
  }
  SECTION("turns that change nothing add their events and nothing else") {
    ScriptedDecider d;
    Collect rows;
    const RunResult r = play(sc, d, {0}, 100.0, rows);
    CHECK(d.turns.size() == 20);  // days 100, 200, ..., 2000
    CHECK(r.run.events == base.run.events + 20);
    CHECK(r.run.total.launched == base.run.total.launched);
    CHECK(r.run.total.damage == base.run.total.damage);
    CHECK(r.run.sanction_cost == base.run.sanction_cost);
    REQUIRE(rows.incidents.size() == base_rows.incidents.size());
    for (std::size_t i = 0; i < rows.incidents.size(); ++i) {
      require_same_incident(rows.incidents[i], base_rows.incidents[i]);
    }
  }
}

TEST_CASE("a departure from the doctrine changes the future, not the past", "[wargame][crn]") {
  const Scenario sc = world();
  Collect base_rows;
  const RunResult base = plain(sc, base_rows);
  ScriptedDecider d;
  double first_departure = -1.0;
  // The victim always goes as far as it can: a coordinated statement.
  d.on_respond = [&](const ResponseBrief& b) {
    Rung highest = Rung::none;  // the highest rung its doctrine enables
    for (const Rung k : {Rung::attribute, Rung::coordinate, Rung::sanction}) {
      if (b.doctrine.rung(k).enabled) highest = k;
    }
    if (highest != b.recommended && first_departure < 0.0) first_departure = b.day;
    return highest;
  };
  Collect rows;
  const RunResult r = play(sc, d, {0}, 0.0, rows);
  REQUIRE(first_departure > 0.0);
  // Every incident that ended before the first departure is the same.
  std::size_t compared = 0;
  for (const auto& row : base_rows.incidents) {
    const double end =
        std::max({row.landed_day, row.detected_day, row.attributed_day, row.response_day});
    if (end >= first_departure || row.incident >= rows.incidents.size()) continue;
    const auto it = std::find_if(rows.incidents.begin(), rows.incidents.end(),
                                 [&](const IncidentRow& x) { return x.incident == row.incident; });
    REQUIRE(it != rows.incidents.end());
    require_same_incident(*it, row);
    ++compared;
  }
  CHECK(compared > 0);
  CHECK(r.states[0].counts.responses[2] > base.states[0].counts.responses[2]);
}

TEST_CASE("a brief tells what the state knows, and the model's own answer", "[wargame]") {
  Scenario sc = world();
  sc.attackers[1].false_flag = 0.2;  // the criminal can point at the APT
  sc.dependence(0, 2) = 0.4;
  ScriptedDecider d;
  Collect rows;
  const RunResult r = play(sc, d, {0}, 0.0, rows);
  REQUIRE(!d.responses.empty());
  std::uint64_t last_judgements = 0;
  for (const ResponseBrief& b : d.responses) {
    REQUIRE(b.state == 0);
    CHECK(b.recommended == respond(b.doctrine, b.resolve, b.case_strength));
    const auto options = b.options();
    CHECK(options.front() == Rung::none);
    CHECK(options.size() == rung_count);  // every rung may be chosen
    CHECK(b.record.judgements >= last_judgements);
    last_judgements = b.record.judgements;
    CHECK(b.record.judgements <= b.record.detected);
    if (b.named == 0) {  // the APT, sponsored by state 2
      REQUIRE(b.sponsor == std::optional<std::uint32_t>{2});
      CHECK(b.dependence == 0.4);
      CHECK(b.false_flag_suspects == std::vector<std::uint32_t>{1});
      REQUIRE(b.allies.size() == 1);  // the ally; the sponsor is never invited
      CHECK(b.allies[0].state == 1);
      CHECK(b.allies[0].p_join ==
            join_probability(sc.calibration, 0.9, b.confidence, sc.dependence(1, 2)));
    } else {
      CHECK(!b.sponsor);
      CHECK(b.false_flag_suspects.empty());  // nobody else plants flags
    }
  }
  // The recent detections are counted from the state's own detections.
  for (const ResponseBrief& b : d.responses) {
    std::uint64_t last = 0, before = 0;
    for (const IncidentRow& row : rows.incidents) {
      if (row.victim != 0 || !row.detected || row.detected_day > b.day) continue;
      if (row.detected_day >= b.day - 365.25 / 4) {
        ++last;
      } else if (row.detected_day >= b.day - 365.25 / 2) {
        ++before;
      }
    }
    CHECK(b.record.detected_last_quarter == last);
    CHECK(b.record.detected_previous_quarter == before);
  }
  // What the state knows never exceeds the truth.
  CHECK(d.responses.back().record.detected <= r.states[0].counts.detected);
}

TEST_CASE("a turn's changes act like the same keys in the scenario", "[wargame][turns]") {
  SECTION("enabling sanctions at the first turn") {
    Scenario sc = world();
    ScriptedDecider d;
    std::vector<DoctrineAction> plan{parse_action("threshold sanction 0.3", sc),
                                     parse_action("enable sanction", sc)};
    d.on_turn = [&](const TurnBrief& b) {
      if (b.turn != 1 || plan.empty()) return DoctrineAction{};
      const DoctrineAction a = plan.front();
      plan.erase(plan.begin());
      REQUIRE(!check_action(sc, b, a));
      return a;
    };
    Collect rows;
    const RunResult r = play(sc, d, {0}, 100.0, rows);
    // The same doctrine written as a policy change on day 100.
    Scenario written = world();
    PolicyChange change;
    change.day = 100;
    change.state = 0;
    change.rung = Rung::sanction;
    change.enabled = true;
    change.threshold = 0.3;
    written.policy_changes.push_back(change);
    Collect written_rows;
    const RunResult w = plain(written, written_rows);
    CHECK(r.states[0].counts.sanctions_imposed > 0);
    CHECK(r.states[0].counts.sanctions_imposed == w.states[0].counts.sanctions_imposed);
    CHECK(r.run.total.launched == w.run.total.launched);
    CHECK(r.run.sanction_cost == w.run.sanction_cost);
  }
  SECTION("a program started at a turn") {
    Scenario sc = world();
    ScriptedDecider d;
    const DoctrineAction training = parse_action("program training rate 0.2 years 3", sc);
    d.on_turn = [&](const TurnBrief& b) {
      const bool started = !b.running_programs.empty();
      if (b.turn != 1 || started) return DoctrineAction{};
      return training;
    };
    Collect rows;
    const RunResult r = play(sc, d, {0}, 100.0, rows);
    Scenario written = world();
    written.programs.push_back(make_program(written, 0, 100.0, training));
    Collect written_rows;
    const RunResult w = plain(written, written_rows);
    CHECK(r.states[0].final_workforce > sc.states[0].workforce * 1.5);
    CHECK(r.states[0].final_workforce == w.states[0].final_workforce);
    CHECK(r.run.total.detected == w.run.total.detected);
    // The brief listed the program from the turn after it started.
    REQUIRE(d.turns.size() > 2);
    CHECK(d.turns[2].running_programs.size() == 1);
  }
}

TEST_CASE("the doctrine is advice: a decider may choose any rung", "[wargame]") {
  const Scenario sc = world();
  ScriptedDecider d;
  d.on_respond = [](const ResponseBrief& b) {
    CHECK(b.options().size() == rung_count);
    return Rung::sanction;  // not enabled in the victim's doctrine
  };
  Collect rows;
  const RunResult r = play(sc, d, {0}, 0.0, rows);
  REQUIRE(!d.responses.empty());
  CHECK(!sc.states[0].doctrine.sanction.enabled);
  CHECK(r.states[0].counts.sanctions_imposed == d.responses.size());
}

TEST_CASE("a played ally is asked every invitation; a late answer does not count",
          "[wargame][coalitions]") {
  Scenario sc = world();
  sc.calibration.coordination_days = 60.0;  // most answers miss the 30-day deadline
  Collect base_rows;
  const RunResult base = plain(sc, base_rows);
  ScriptedDecider d;
  Collect rows;
  const RunResult r = play(sc, d, {1}, 0.0, rows);  // the ally is played
  std::size_t late = 0;
  for (const JoinBrief& b : d.joins) {
    CHECK(b.deadline_day == b.invited_day + sc.calibration.coalition_deadline_days);
    if (b.late) {
      ++late;
      CHECK(!b.model_answer);
      CHECK(b.day == Approx(b.deadline_day).margin(1e-5));
    } else {
      CHECK(b.day <= b.deadline_day + 1e-5);
    }
  }
  CHECK(late > 0);
  CHECK(late < d.joins.size());
  // Asking changes nothing: the same rows, fingerprint included.
  CHECK(r.run.fingerprint == base.run.fingerprint);
  CHECK(r.run.coalition_signers_sum == base.run.coalition_signers_sum);
}

TEST_CASE("turn actions: words, checks and their messages", "[wargame][actions]") {
  Scenario sc = world();
  sc.communities.push_back({"CERT forum", {1}, 1.2, 1.1});
  TurnBrief b;
  b.state = 0;
  b.doctrine = sc.states[0].doctrine;  // attribute 0.1 on, coordinate 0.3 on, sanction 0.5 off
  b.resolve = sc.states[0].resolve;    // 0.1
  b.defense = 0.3;
  b.joinable_communities = {0};
  for (const char* words :
       {"done", "enable sanction", "disable coordinate", "threshold coordinate 0.4",
        "program training rate 0.2 years 2", "program investment rate 0.05", "program exercise",
        "program sharing CERT forum years 1.5", "program exercise cost 2.5",
        "program training rate 0.1 years 1 cost 3"}) {
    const DoctrineAction a = parse_action(words, sc);
    CHECK(format_action(a, sc) == words);
    CHECK(parse_action(format_action(a, sc), sc) == a);
  }
  CHECK(parse_action("Enable Sanctions", sc).kind == ActionKind::enable);
  // cost and years in either order; the program carries the cost to its owner.
  CHECK(parse_action("program training cost 3 years 1", sc) ==
        parse_action("program training years 1 cost 3", sc));
  CHECK(make_program(sc, 0, 10.0, parse_action("program exercise cost 2.5", sc)).cost_per_year ==
        2.5);
  CHECK(make_program(sc, 0, 10.0, parse_action("program exercise", sc)).cost_per_year == 0.0);

  auto why = [&](const char* words) {
    return check_action(sc, b, parse_action(words, sc)).value_or("");
  };
  CHECK(why("enable attribute") == "attribute is already enabled");
  CHECK(why("disable sanction") == "sanction is already disabled");
  CHECK(why("threshold attribute 0.05") ==
        "the attribute threshold must be at least the resolve (0.1)");
  CHECK(why("threshold coordinate 0.6") ==
        "the coordinate threshold must be at most the sanction threshold (0.5)");
  CHECK(why("threshold sanction 0.2") ==
        "the sanction threshold must be at least the coordinate threshold (0.3)");
  CHECK(why("threshold coordinate 0.45").empty());
  CHECK(why("program training rate 2").find("rate") != std::string::npos);
  CHECK(why("program exercise cost 1e13").find("cost") != std::string::npos);
  CHECK(why("program exercise cost 1e12").empty());
  b.joinable_communities.clear();
  CHECK(why("program sharing cert forum") == "Victim is already a member of CERT forum");
  b.defense = 0.95;
  CHECK(why("program investment").find("ceiling") != std::string::npos);

  auto parse_error = [&](const char* words) {
    try {
      parse_action(words, sc);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("(parsed)");
  };
  CHECK(parse_error("launch missiles").find("is not an action") != std::string::npos);
  CHECK(parse_error("enable deterrence").find("is not a rung") != std::string::npos);
  CHECK(parse_error("threshold coordinate high").find("expected a number") != std::string::npos);
  CHECK(parse_error("program sharing Nowhere").find("CERT forum") != std::string::npos);
  CHECK(parse_error("program exercise years 2").find("usage") != std::string::npos);
}

namespace {

// A played ally whose stance on every draft is fixed, and a victim whose drafts are.
struct StanceDecider : ScriptedDecider {
  Stance fixed = Stance::concur;
  StatementDraft drafted;
  std::size_t drafts = 0;
  bool leads_played = true;  // every invitation carries `drafted`
  StatementDraft draft(const ResponseBrief&, Rung, double) override {
    ++drafts;
    return drafted;
  }
  JoinAnswer stance(const JoinBrief& b, bool) override {
    if (leads_played) CHECK(b.draft == drafted);
    JoinAnswer a;
    a.stance = fixed;
    a.amendment.evidence = 0.1;
    return a;
  }
};

// The statement outcomes of the victim's coordinated responses (§7.5).
std::vector<const IncidentRow*> coalitions(const Collect& rows) {
  std::vector<const IncidentRow*> out;
  for (const IncidentRow& i : rows.incidents) {
    if (i.victim == 0 && i.invited > 0 && i.rung_final > 0) out.push_back(&i);
  }
  return out;
}

}  // namespace

TEST_CASE("stances on a draft: separate, amend, reject and silence under the consent rules",
          "[wargame][coalitions][statement]") {
  Scenario sc = world();
  sc.calibration.coordination_days = 5.0;  // answers come in time
  StanceDecider d;
  d.drafted.evidence = 0.6;
  Collect rows;

  SECTION("a separate statement keeps the naming coordinated, at 1 − d of a signature") {
    d.fixed = Stance::separate;
    play(sc, d, {0, 1}, 0.0, rows);
    std::size_t split = 0;
    for (const IncidentRow* i : coalitions(rows)) {
      if (i->separate == 0) continue;  // a late answer counts for nothing
      ++split;
      CHECK(i->statement == 2);
      CHECK(i->signers == 1);
      CHECK(i->rung_final == static_cast<std::uint8_t>(Rung::coordinate));
      const Attacker& named = sc.attackers[static_cast<std::size_t>(i->named)];
      CHECK(i->reputation_cost ==
            Approx(named.reputation_cost * std::pow(1.5, named.coalition_exponent) * 1.6));
    }
    CHECK(split > 0);
  }
  SECTION("an amendment co-signs and keeps the least evidence") {
    d.fixed = Stance::amend;
    play(sc, d, {0, 1}, 0.0, rows);
    std::size_t amended = 0;
    for (const IncidentRow* i : coalitions(rows)) {
      if (i->signers < 2) continue;
      ++amended;
      CHECK(i->statement == 1);
      CHECK(i->evidence == 0.1);
    }
    CHECK(amended > 0);
  }
  SECTION("a rejection blocks the text under unanimity, not among the willing") {
    d.fixed = Stance::reject;
    d.drafted.consent = Consent::unanimity;
    play(sc, d, {0, 1}, 0.0, rows);
    REQUIRE(!coalitions(rows).empty());
    for (const IncidentRow* i : coalitions(rows)) {
      CHECK(i->signers == 1);
      CHECK((i->statement == 4 || i->statement == 3));
    }
    Collect willing_rows;
    StanceDecider w = d;
    w.drafted.consent = Consent::willing;
    play(sc, w, {0, 1}, 0.0, willing_rows);
    for (const IncidentRow* i : coalitions(willing_rows)) CHECK(i->statement == 3);
  }
  SECTION("under the silence procedure an invitee that does not answer concurs") {
    sc.calibration.coordination_days = 1000.0;  // nobody answers in time
    d.fixed = Stance::abstain;
    d.drafted.consent = Consent::silence;
    d.leads_played = false;  // the ally's own drafts are its doctrine's
    play(sc, d, {0}, 0.0, rows);
    REQUIRE(!coalitions(rows).empty());
    std::size_t silent = 0;
    for (const IncidentRow* i : coalitions(rows)) {
      if (i->signers == 2) ++silent;
    }
    CHECK(silent > 0);
  }
  CHECK(d.drafts > 0);
}
