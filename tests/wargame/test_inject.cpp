// The white cell's injects (inject.hpp): their words, the [[scheduled]] tables they write,
// and a session that replays them as the world they make.
#include <algorithm>
#include <limits>
#include <string>

#include <catch2/catch.hpp>

#include "cyberdeter/models/deterrence/scenario_loader.hpp"
#include "cyberdeter/models/scenario_error.hpp"
#include "cyberdeter/wargame/inject.hpp"
#include "cyberdeter/wargame/session.hpp"
#include "deterrence_world.hpp"

using namespace cyberdeter::wargame;
namespace det = cyberdeter::models::deterrence;

namespace {

det::Scenario with_events() {
  det::Scenario sc = det::testing::world();
  det::ScheduledEvent statement;
  statement.name = "a statement";
  statement.state = 0;
  statement.action = det::ScheduledAction::coordinate;
  statement.target = 0;
  statement.signers = {1};
  statement.evidence = 0.25;
  statement.day = 900;
  det::ScheduledEvent watch = statement;
  watch.name = "on detection";
  watch.action = det::ScheduledAction::attribute;
  watch.signers.clear();
  watch.trigger = det::ScheduledTrigger::detected;
  watch.after_day = 10;
  sc.scheduled = {statement, watch};
  return sc;
}

det::Scenario reload(const det::Scenario& sc, std::size_t index, const Inject* inject, double at) {
  std::vector<ScheduledTable> tables;
  for (std::size_t i = 0; i < sc.scheduled.size(); ++i) {
    tables.push_back(i == index ? scheduled_table(sc, i, inject, at) : scheduled_table(sc, i));
  }
  return det::load_scenario_text(with_scheduled(det::resolved_toml(sc), tables), "test.toml");
}

struct Nobody : FrontEnd {
  void form(const Form&, const std::function<void(std::size_t, const Answer&)>&) override {
    FAIL("nobody is asked");
  }
  ActionAnswer turn(const det::TurnBrief&, const std::string&, std::uint32_t,
                    std::optional<Clock::time_point>) override {
    return {};
  }
};

}  // namespace

TEST_CASE("inject words round-trip, from a message or a file alike", "[wargame][inject]") {
  std::string error;
  const auto edit = parse_inject_words("edit {evidence = 0.3, day = 600}", 4, error);
  REQUIRE(edit);
  CHECK(edit->index == 4);
  CHECK(edit->op == InjectOp::edit);
  CHECK(format_inject_words(*edit) == "edit {day = 600.0, evidence = 0.3}");
  std::string json_error;
  const auto message = json::parse(R"({"evidence": 0.3, "day": 600})", json_error);
  REQUIRE(message);
  CHECK(inject_fields(*message, error) == edit->fields);
  CHECK(parse_inject_words(" skip ", 0, error)->op == InjectOp::skip);
  CHECK(format_inject_words(*parse_inject_words("publish", 0, error)) == "publish");
  for (const char* bad : {"", "drop", "edit", "edit {}", "edit {colour = 1}", "edit {day = }",
                          "edit {day = {a = 1}}", "edit {signers = [1, 2]}", "edit [1]"}) {
    INFO(bad);
    error.clear();
    CHECK(!parse_inject_words(bad, 0, error));
    CHECK(!error.empty());
  }
  for (const char* bad :
       {R"({})", R"([])", R"({"colour": 1})", R"({"day": null})", R"({"signers": ["A", 1]})"}) {
    INFO(bad);
    const auto v = json::parse(bad, json_error);
    REQUIRE(v);
    error.clear();
    CHECK(!inject_fields(*v, error));
    CHECK(!error.empty());
  }
}

TEST_CASE("an inject rewrites its event's table, which the loader validates", "[wargame][inject]") {
  const det::Scenario sc = with_events();
  // Untouched tables read back as the events they were.
  const det::Scenario same = reload(sc, 0, nullptr, 0.0);
  REQUIRE(same.scheduled.size() == 2);
  CHECK(same.scheduled[0].day == 900);
  CHECK(same.scheduled[0].signers == std::vector<std::size_t>{1});
  CHECK(same.scheduled[1].trigger == det::ScheduledTrigger::detected);
  CHECK(same.scheduled[1].after_day == 10);

  const Inject skip{0, InjectOp::skip, {}};
  CHECK(!reload(sc, 0, &skip, 365).scheduled[0].enabled);
  // Publishing a conditional event makes it an act on the day.
  const Inject publish{1, InjectOp::publish, {}};
  const det::ScheduledEvent now = reload(sc, 1, &publish, 365).scheduled[1];
  CHECK(now.trigger == det::ScheduledTrigger::day);
  CHECK(now.day == 365);
  CHECK(now.delay_days == 0);
  // A new action keeps only the keys it takes: a disclosure has no signers or evidence.
  std::string error;
  const auto disclose = parse_inject_words(R"(edit {action = "disclose"})", 0, error);
  const det::ScheduledEvent d = reload(sc, 0, &*disclose, 365).scheduled[0];
  CHECK(d.action == det::ScheduledAction::disclose);
  CHECK(d.signers.empty());
  // What the loader refuses in a file, it refuses in an inject, with the key.
  const auto bad = parse_inject_words("edit {evidence = 2}", 0, error);
  CHECK_THROWS_WITH(reload(sc, 0, &*bad, 365), Catch::Contains("scheduled[0].evidence"));
  const auto signers = parse_inject_words(R"(edit {signers = ["Victim"]})", 0, error);
  CHECK_THROWS_AS(reload(sc, 0, &*signers, 365), cyberdeter::models::ScenarioError);
}

TEST_CASE("a session's injects make the world a scenario with the edited events would be",
          "[wargame][inject]") {
  const det::Scenario sc = with_events();
  SessionInfo info;
  info.played = {"Victim"};
  info.move_days = 365;
  info.seed = sc.run.seed;
  Decision publish;
  publish.row.kind = static_cast<std::uint8_t>(DecisionKind::inject);
  publish.row.turn = 0;
  publish.row.day = 365;
  publish.action = "publish";
  Decision edit = publish;
  edit.row.turn = 1;
  edit.row.day = 200;
  edit.action = "edit {after_day = 400.0, evidence = 0.5}";
  SessionOptions options;
  options.rest_doctrine = true;
  Nobody nobody;
  Session session(sc, info, {publish, edit}, options, nobody, nullptr);
  det::RunResult played;
  session.play([&](const det::Scenario& world, det::Decider& decider) {
    const det::Wargame game{{0}, 0.0, &decider};
    det::RunOptions run_options;
    run_options.wargame = &game;
    det::testing::Collect sink;
    played =
        det::run_replication(world, cyberdeter::sim::RunId{sc.run.seed, 0, {}}, sink, run_options);
  });
  // The injects are decisions, in the order of their days.
  std::vector<std::string> injects;
  for (const Decision& d : session.decisions()) {
    if (d.row.kind == static_cast<std::uint8_t>(DecisionKind::inject)) injects.push_back(d.action);
  }
  CHECK(injects == std::vector<std::string>{edit.action, "publish"});

  det::Scenario edited = sc;
  edited.scheduled[0].day = 365;
  edited.scheduled[1].after_day = 400;
  edited.scheduled[1].evidence = 0.5;
  det::testing::Collect sink;
  const det::RunResult direct =
      det::run_replication(edited, cyberdeter::sim::RunId{sc.run.seed, 0, {}}, sink);
  CHECK(played.run.fingerprint == direct.run.fingerprint);
  det::testing::Collect plain;
  CHECK(
      det::run_replication(sc, cyberdeter::sim::RunId{sc.run.seed, 0, {}}, plain).run.fingerprint !=
      direct.run.fingerprint);
}

namespace {

// A session of the test world played by the doctrine, with `script`; its incidents.
std::vector<det::IncidentRow> played_incidents(const det::Scenario& sc,
                                               std::vector<Decision> script) {
  SessionInfo info;
  info.played = {"Victim"};
  info.move_days = 365;
  info.seed = sc.run.seed;
  SessionOptions options;
  options.rest_doctrine = true;
  Nobody nobody;
  Session session(sc, info, std::move(script), options, nobody, nullptr);
  std::vector<det::IncidentRow> rows;
  session.play([&](const det::Scenario& world, det::Decider& decider) {
    const det::Wargame game{{0}, 0.0, &decider};
    det::RunOptions run_options;
    run_options.wargame = &game;
    run_options.incidents = true;
    det::testing::Collect sink;
    det::run_replication(world, cyberdeter::sim::RunId{sc.run.seed, 0, {}}, sink, run_options);
    rows = sink.incidents;
  });
  return rows;
}

}  // namespace

TEST_CASE("an override rules a statement's outcome before it goes public, and is replayed",
          "[wargame][adjudication]") {
  const det::Scenario sc = det::testing::world();
  const auto before = played_incidents(sc, {});
  const auto joint =
      std::find_if(before.begin(), before.end(), [](const auto& r) { return r.statement == 1; });
  REQUIRE(joint != before.end());
  Decision ruling;
  ruling.row.kind = static_cast<std::uint8_t>(DecisionKind::adjudication);
  ruling.row.incident = static_cast<std::int64_t>(joint->incident);
  ruling.row.choice = 4;
  ruling.action = "blocked";
  ruling.rationale = "the capitals disagree";
  const auto after = played_incidents(sc, {ruling});
  const auto same = std::find_if(after.begin(), after.end(),
                                 [&](const auto& r) { return r.incident == joint->incident; });
  REQUIRE(same != after.end());
  CHECK(same->statement == 4);
  CHECK(same->signers == 1);  // the lead alone
  // Everything before it is as it was: nothing is drawn for an adjudication.
  for (std::size_t i = 0; i < before.size() && before[i].incident < joint->incident; ++i) {
    CHECK(after.at(i).statement == before[i].statement);
  }
  // An override may rule only the outcome without the consent rule, or blocked.
  ruling.row.choice = 2;
  ruling.action = "split";
  CHECK_THROWS_AS(played_incidents(sc, {ruling}), ScriptMismatch);
  // An override of a statement the session never makes is an error too.
  ruling.row.incident = 1'000'000;
  ruling.row.choice = 4;
  CHECK_THROWS_AS(played_incidents(sc, {ruling}), ScriptMismatch);
}
