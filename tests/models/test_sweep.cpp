#include <filesystem>
#include <fstream>
#include <set>

#include <catch2/catch.hpp>

#include "cyberdeter/models/deterrence/scenario_loader.hpp"
#include "cyberdeter/models/deterrence/sweep_run.hpp"
#include "cyberdeter/models/scenario_error.hpp"
#include "cyberdeter/models/sweep.hpp"
#include "cyberdeter/sim/random.hpp"

using namespace cyberdeter::models;
namespace fs = std::filesystem;

namespace {

const char* const base_scenario = R"(
[run]
horizon_days = 100
[states.Home]
[states.Rival]
targetable = false
[attackers.Group]
kind = "state_sponsored"
sponsor = "Rival"
)";

// A directory with base.toml and the sweep file `text`; returns the sweep's path.
std::string write_sweep(const std::string& text) {
  static int counter = 0;
  const fs::path dir =
      fs::temp_directory_path() /
      ("cyberdeter-sweep-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  fs::create_directories(dir);
  std::ofstream(dir / "base.toml") << base_scenario;
  std::ofstream(dir / "sweep.toml") << text;
  return (dir / "sweep.toml").string();
}

std::optional<ScenarioError> error_of(const std::string& text) {
  try {
    load_sweep(write_sweep(text));
    return std::nullopt;
  } catch (const ScenarioError& e) {
    return e;
  }
}

}  // namespace

TEST_CASE("a grid sweep expands to the product of its parameters' values", "[sweep]") {
  const Sweep sw = load_sweep(write_sweep(R"(base = "base.toml"
[run]
replications = 3
seed = 9
[design]
kind = "grid"
[[parameters]]
path = "states.Home.doctrine.sanction.enabled"
values = [false, true]
[[parameters]]
name = "capability"
path = "attackers.Group.capability"
range = [0.2, 0.8]
steps = 3
)"));
  CHECK(sw.replications == 3);
  CHECK(sw.seed == 9);
  CHECK(sw.common_random_numbers);
  CHECK(sw.parameters[1].name == "capability");
  const auto points = expand(sw);
  REQUIRE(points.size() == 6);
  CHECK(points[0].overrides ==
        std::vector<std::string>{"states.Home.doctrine.sanction.enabled=false",
                                 "attackers.Group.capability=0.2"});
  CHECK(points[1].overrides[1] == "attackers.Group.capability=0.5");
  CHECK(points[5].overrides ==
        std::vector<std::string>{"states.Home.doctrine.sanction.enabled=true",
                                 "attackers.Group.capability=0.8"});
  CHECK(points[5].values == std::vector<double>{1.0, 0.8});
}

TEST_CASE("the up-front check keeps the points' scenarios for the run, within its budget",
          "[sweep][check]") {
  using namespace cyberdeter::models::deterrence;
  const std::string sweep_text = R"(base = "base.toml"
[run]
replications = 2
[design]
kind = "grid"
[[parameters]]
path = "attackers.Group.capability"
range = [0.2, 0.7]
steps = 6
)";
  const auto fresh = [](const SweepPlan& plan, std::uint64_t k) {
    return resolved_toml(load_scenario_text(base_scenario, "base.toml", plan.points[k].overrides));
  };
  for (const unsigned threads : {1u, 2u}) {
    SweepPlan plan = plan_sweep_text(sweep_text, "sweep.toml", base_scenario);
    REQUIRE(plan.points.size() == 6);
    const auto all = cyberdeter::sim::TaskSet::all(plan.tasks());
    // A budget of three base scenarios (the estimate leaves the text out) keeps the lowest
    // three points; the others are loaded again when they run.
    plan.checked_budget = 3 * footprint(plan.base);
    validate_points(plan, all, threads);
    CHECK(plan.checked->size() == 3);
    for (std::uint64_t k = 0; k < 6; ++k) {
      const Scenario sc = plan.scenario(k);  // taken out if kept, else loaded
      CHECK(sc.text.empty());
      CHECK(resolved_toml(sc) == fresh(plan, k));
      CHECK(plan.checked->size() == (k < 3 ? 2 - k : 0));
    }
    CHECK_FALSE(plan.checked->take(0));  // the first run of a point took it
    plan.checked_budget = 0;
    validate_points(plan, all, threads);
    CHECK(plan.checked->size() == 0);
    plan.checked_budget = std::size_t{1} << 30;
    cyberdeter::sim::TaskSet part;
    part.insert({4, 12});  // points 2-5
    validate_points(plan, part, threads);
    CHECK(plan.checked->size() == 4);
    CHECK_FALSE(plan.checked->take(1));
    REQUIRE(plan.checked->take(5));
  }
}

TEST_CASE("continuous designs map unit points into the ranges", "[sweep]") {
  const std::string text = R"(base = "base.toml"
[design]
kind = "latin_hypercube"
points = 20
[[parameters]]
path = "attackers.Group.capability"
range = [0.2, 0.8]
[[parameters]]
path = "attackers.Group.opportunity_rate"
range = [0.01, 1.0]
scale = "log"
[[parameters]]
path = "run.replications"
range = [1, 4]
)";
  const Sweep sw = load_sweep(write_sweep(text));
  const auto points = expand(sw);
  REQUIRE(points.size() == 20);
  std::set<double> replications;
  for (const auto& p : points) {
    CHECK(p.values[0] >= 0.2);
    CHECK(p.values[0] < 0.8);
    CHECK(p.values[1] >= 0.01);
    CHECK(p.values[1] < 1.0);
    replications.insert(p.values[2]);
    CHECK(p.overrides[2].find('.', 4) == std::string::npos);  // "run.replications=3": an integer
  }
  CHECK(replications == std::set<double>{1, 2, 3, 4});
  CHECK(expand(load_sweep(write_sweep(text)))[7].overrides ==
        points[7].overrides);  // deterministic
}

TEST_CASE("Saltelli and Morris designs have their sizes", "[sweep]") {
  const std::string params = R"(
[[parameters]]
path = "attackers.Group.capability"
range = [0.2, 0.8]
[[parameters]]
path = "states.Home.defense"
range = [0.0, 0.5]
)";
  auto sw = load_sweep(
      write_sweep("base = \"base.toml\"\n[design]\nkind = \"saltelli\"\npoints = 8\n" + params));
  CHECK(expand(sw).size() == 8 * (2 + 2));
  sw = load_sweep(write_sweep(
      "base = \"base.toml\"\n[design]\nkind = \"morris\"\npoints = 5\nlevels = 4\n" + params));
  CHECK(expand(sw).size() == 5 * 3);
  sw = load_sweep(
      write_sweep("base = \"base.toml\"\n[design]\nkind = \"sobol\"\npoints = 16\n" + params));
  CHECK(expand(sw).size() == 16);
}

TEST_CASE("bad sweep files name the line and the key", "[sweep]") {
  const std::string head = "base = \"base.toml\"\n[design]\nkind = \"grid\"\n[[parameters]]\n";
  auto e = error_of(head + "path = \"attackers.Group.capabilty\"\nvalues = [0.5]\n");
  REQUIRE(e);
  CHECK(e->line() == 5);
  CHECK(e->key() == "parameters[0].path");
  CHECK_THAT(e->message(), Catch::Contains("the base scenario is invalid") &&
                               Catch::Contains("did you mean 'capability'"));

  e = error_of(head + "path = \"attackers.Group.capability\"\nvalues = [0.5, 1.5]\n");
  REQUIRE(e);
  CHECK_THAT(e->message(), Catch::Contains("with value 1.5") && Catch::Contains("(0, 1]"));

  e = error_of(head + "path = \"attackers.Group.capability\"\nrange = [0.1, 0.9]\n");
  REQUIRE(e);
  CHECK_THAT(e->message(), Catch::Contains("needs `steps`"));

  e = error_of(head + "path = \"attackers.Group.capability\"\nvalues = [0.5]\nstep = 3\n");
  REQUIRE(e);
  CHECK(e->key() == "parameters[0].step");
  CHECK_THAT(e->message(), Catch::Contains("unknown key"));

  e = error_of(
      "base = \"base.toml\"\n[design]\nkind = \"saltelli\"\npoints = 1000\n[[parameters]]\n"
      "path = \"states.Home.defense\"\nrange = [0.0, 0.5]\n");
  REQUIRE(e);
  CHECK(e->line() == 4);
  CHECK(e->key() == "design.points");
  CHECK_THAT(e->message(), Catch::Contains("power of two") && Catch::Contains("use 512 or 1024"));

  e = error_of("base = \"nowhere.toml\"\n[design]\n[[parameters]]\npath = \"x\"\nvalues = [1]\n");
  REQUIRE(e);
  CHECK(e->key() == "base");
  CHECK_THAT(e->message(), Catch::Contains("cannot open"));

  e = error_of("base = \"base.toml\"\n[design]\nkind = \"grid\"\n");
  REQUIRE(e);
  CHECK_THAT(e->message(), Catch::Contains("at least one [[parameters]]"));

  e = error_of(head +
               "path = \"states.Home.defense\"\nvalues = [0.1]\n[[parameters]]\n"
               "path = \"states.Home.defense\"\nvalues = [0.2]\n");
  REQUIRE(e);
  CHECK_THAT(e->message(), Catch::Contains("swept twice"));

  // Designs too large to expand: a grid of 10^12 points failed with std::bad_alloc (exit 1),
  // and 10^8 sampled points were killed for memory before anything ran.
  e = error_of(head +
               "path = \"states.Home.defense\"\nrange = [0.1, 0.9]\nsteps = 1000000\n"
               "[[parameters]]\npath = \"attackers.Group.capability\"\nrange = [0.1, 0.9]\n"
               "steps = 1000000\n");
  REQUIRE(e);
  CHECK(e->key() == "parameters[1].steps");
  CHECK_THAT(e->message(), Catch::Contains("the grid's points multiply past 10000000"));
  e = error_of(
      "base = \"base.toml\"\n[design]\nkind = \"latin_hypercube\"\npoints = 100000000\n"
      "[[parameters]]\npath = \"states.Home.defense\"\nrange = [0.0, 0.5]\n");
  REQUIRE(e);
  CHECK(e->key() == "design.points");
  CHECK_THAT(e->message(), Catch::Contains("100000000 points, more than 10000000"));
  e = error_of(
      "base = \"base.toml\"\n[run]\nreplications = 1000000000\n[design]\n"
      "kind = \"latin_hypercube\"\npoints = 10000\n[[parameters]]\n"
      "path = \"states.Home.defense\"\nrange = [0.0, 0.5]\n");
  REQUIRE(e);
  CHECK(e->key() == "run.replications");
  CHECK_THAT(e->message(), Catch::Contains("more than 1000000000000 runs"));
}

TEST_CASE("inline-table values replace a whole doctrine and keep their labels", "[sweep]") {
  // TOML 1.0: each inline table on one line; the array of them may span lines.
  const std::string text = R"(base = "base.toml"
[design]
kind = "grid"
[[parameters]]
name = "doctrine"
path = "states.Home.doctrine"
values = [
  {attribute = {enabled = true, threshold = 0.3}, sanction = {enabled = false, threshold = 1.0}},
  {attribute = {threshold = 0.25}, coordinate = {enabled = false}, sanction = {enabled = true, threshold = 0.7}, sanction_days = 365},
]
labels = ["as played", "early sanctions"]
)";
  const Sweep sw = load_sweep(write_sweep(text));
  REQUIRE(sw.parameters.size() == 1);
  CHECK(sw.parameters[0].labels == std::vector<std::string>{"as played", "early sanctions"});
  const auto points = expand(sw);
  REQUIRE(points.size() == 2);
  CHECK(points[0].values == std::vector<double>{0.0});
  CHECK(points[1].values == std::vector<double>{1.0});
  CHECK(points[1].overrides[0] ==
        "states.Home.doctrine={attribute = {threshold = 0.25}, coordinate = {enabled = false}, "
        "sanction = {enabled = true, threshold = 0.7}, sanction_days = 365}");

  using deterrence::load_scenario_text;
  const auto home = [&](const DesignPoint& point) {
    const auto sc = load_scenario_text(base_scenario, "base.toml", point.overrides);
    REQUIRE(sc.states[0].name == "Home");
    return sc.states[0].doctrine;
  };
  const deterrence::Doctrine played = home(points[0]);
  CHECK(played.attribute.enabled);
  CHECK(played.attribute.threshold == 0.3);
  CHECK(played.coordinate.enabled);  // a key the table leaves out takes its default
  CHECK(played.coordinate.threshold == 0.6);
  CHECK_FALSE(played.sanction.enabled);
  CHECK(played.sanction_days == 730.0);
  const deterrence::Doctrine early = home(points[1]);
  CHECK(early.attribute.enabled);
  CHECK(early.attribute.threshold == 0.25);
  CHECK_FALSE(early.coordinate.enabled);
  CHECK(early.sanction.enabled);
  CHECK(early.sanction.threshold == 0.7);
  CHECK(early.sanction_days == 365.0);

  // A continuous design picks the tables by index, as it does for strings.
  std::string lhs = text;
  lhs.replace(lhs.find("kind = \"grid\""), 13, "kind = \"latin_hypercube\"\npoints = 6");
  std::set<double> picked;
  for (const auto& point : expand(load_sweep(write_sweep(lhs)))) {
    picked.insert(point.values[0]);
    CHECK(point.overrides[0] == points[static_cast<std::size_t>(point.values[0])].overrides[0]);
  }
  CHECK(picked == std::set<double>{0.0, 1.0});
}

TEST_CASE("table values and labels are checked", "[sweep]") {
  const std::string head =
      "base = \"base.toml\"\n[design]\nkind = \"grid\"\n[[parameters]]\n"
      "path = \"states.Home.doctrine\"\n";
  const std::string two = "values = [{attribute = {threshold = 0.4}}, {noise = 0.1}]\n";

  auto e = error_of(head + two + "labels = [\"strict\"]\n");
  REQUIRE(e);
  CHECK(e->key() == "parameters[0].labels");
  CHECK_THAT(e->message(), Catch::Contains("expected 2 labels"));

  e = error_of(head + two + "labels = [\"same\", \"same\"]\n");
  REQUIRE(e);
  CHECK(e->key() == "parameters[0].labels");
  CHECK_THAT(e->message(), Catch::Contains("'same' labels two values"));

  e = error_of(head + two + "labels = [\"strict\", 2]\n");
  REQUIRE(e);
  CHECK(e->key() == "parameters[0].labels");
  CHECK_THAT(e->message(), Catch::Contains("array of strings"));

  // Tables and scalars are not mixed: a scenario key takes one or the other.
  e = error_of(head + "values = [{attribute = {threshold = 0.4}}, 0.5]\n");
  REQUIRE(e);
  CHECK(e->key() == "parameters[0].values");
  CHECK(e->line() == 6);
  CHECK_THAT(e->message(), Catch::Contains("expected an inline table like the first value, "
                                           "got a number, boolean or string"));

  e = error_of(head + "values = [2020-01-01]\n");
  REQUIRE(e);
  CHECK(e->key() == "parameters[0].values");
  CHECK_THAT(e->message(), Catch::Contains("inline tables"));

  // Each table is checked against the base scenario; the label says which one failed.
  e = error_of(head +
               "values = [{attribute = {threshold = 0.4}}, {attribute = {threshold = 0.1}}]\n" +
               "labels = [\"strict\", \"lax\"]\n");
  REQUIRE(e);
  CHECK(e->key() == "parameters[0].path");
  CHECK_THAT(e->message(), Catch::Contains("with value {attribute = {threshold = 0.1}} ('lax')") &&
                               Catch::Contains("the base scenario is invalid"));

  e = error_of(
      "base = \"base.toml\"\n[design]\nkind = \"grid\"\n[[parameters]]\n"
      "path = \"attackers.Group.capability\"\nrange = [0.2, 0.8]\nsteps = 2\n"
      "labels = [\"low\", \"high\"]\n");
  REQUIRE(e);
  CHECK(e->key() == "parameters[0].labels");
  CHECK_THAT(e->message(), Catch::Contains("not a `range`"));
}

namespace {

// Three groups of two kinds, with their own sanction costs, for linked parameters.
const char* const linked_base = R"(
[states.Home]
[states.Ally]
[states.Rival]
targetable = false
[attackers.Alpha]
kind = "state_sponsored"
sponsor = "Rival"
sanction_cost = 0.1
[attackers.Beta]
kind = "state_sponsored"
sponsor = "Rival"
sanction_cost = 0.3
[attackers.Crew]
kind = "criminal"
sanction_cost = 0.02
[[programs]]
kind = "training"
owner = "Home"
rate = 0.05
[[programs]]
kind = "training"
owner = "Ally"
rate = 0.2
)";

Sweep linked(const std::string& parameter) {
  return load_sweep_text(
      "base = \"base.toml\"\n[design]\nkind = \"grid\"\n[[parameters]]\n" + parameter, "sweep.toml",
      linked_base);
}

std::optional<ScenarioError> linked_error(const std::string& parameter) {
  try {
    linked(parameter);
    return std::nullopt;
  } catch (const ScenarioError& e) {
    return e;
  }
}

}  // namespace

TEST_CASE("one parameter sets several paths: listed, or by a wildcard filtered by where",
          "[sweep][linked]") {
  SECTION("paths listed, the same value at each") {
    const Sweep sw = linked(
        "name = \"cost\"\npaths = [\"attackers.Alpha.sanction_cost\", "
        "\"attackers.Crew.sanction_cost\"]\nvalues = [0.5, 2.0]\n");
    REQUIRE(sw.parameters[0].paths == std::vector<std::string>{"attackers.Alpha.sanction_cost",
                                                               "attackers.Crew.sanction_cost"});
    const auto points = expand(sw);
    REQUIRE(points.size() == 2);
    CHECK(points[1].overrides == std::vector<std::string>{"attackers.Alpha.sanction_cost=2.0",
                                                          "attackers.Crew.sanction_cost=2.0"});
    CHECK(points[1].values == std::vector<double>{1.0});
  }
  SECTION("a wildcard over the state groups, scaling each group's own value") {
    const Sweep sw = linked(
        "name = \"state cost x\"\npath = \"attackers.*.sanction_cost\"\n"
        "where = { kind = \"state_sponsored\" }\nlink = \"scale\"\nrange = [1.0, 10.0]\n"
        "steps = 2\n");
    const SweepParameter& p = sw.parameters[0];
    CHECK(p.path == "attackers.*.sanction_cost");
    REQUIRE(p.paths == std::vector<std::string>{"attackers.Alpha.sanction_cost",
                                                "attackers.Beta.sanction_cost"});
    CHECK(p.base_values == std::vector<double>{0.1, 0.3});
    const auto points = expand(sw);
    REQUIRE(points.size() == 2);
    CHECK(points[0].overrides == std::vector<std::string>{"attackers.Alpha.sanction_cost=0.1",
                                                          "attackers.Beta.sanction_cost=0.3"});
    CHECK(points[1].overrides == std::vector<std::string>{"attackers.Alpha.sanction_cost=1.0",
                                                          "attackers.Beta.sanction_cost=3.0"});
    CHECK(points[1].values == std::vector<double>{10.0});
    // The overrides load: each point's groups have the scaled costs.
    const auto sc = deterrence::load_scenario_text(linked_base, "base.toml", points[1].overrides);
    CHECK(sc.attackers[0].sanction_cost == 1.0);
    CHECK(sc.attackers[1].sanction_cost == 3.0);
    CHECK(sc.attackers[2].sanction_cost == 0.02);
  }
  SECTION("a wildcard over an array of tables") {
    const Sweep sw = linked("path = \"programs[*].rate\"\nlink = \"scale\"\nvalues = [2.0]\n");
    CHECK(sw.parameters[0].paths ==
          std::vector<std::string>{"programs[0].rate", "programs[1].rate"});
    CHECK(expand(sw)[0].overrides ==
          std::vector<std::string>{"programs[0].rate=0.1", "programs[1].rate=0.4"});
  }
}

TEST_CASE("bad linked parameters name the line and the key", "[sweep][linked][errors]") {
  struct Case {
    std::string parameter;
    std::string key;
    std::string phrase;
  };
  // clang-format off
  const std::vector<Case> cases{
      {"path = \"attackers.Alpha.gain\"\npaths = [\"attackers.Beta.gain\"]\nvalues = [1.0]\n", "parameters[0].paths", "either `path` or `paths`"},
      {"paths = []\nvalues = [1.0]\n", "parameters[0].paths", "non-empty array"},
      {"path = \"attackers.*.gain\"\nwhere = { kind = \"spy\" }\nvalues = [1.0]\n", "parameters[0].path", "matches no key of the base scenario with these `where` values"},
      {"path = \"attackers.Alpha.gain\"\nwhere = { kind = \"criminal\" }\nvalues = [1.0]\n", "parameters[0].where", "the path has none"},
      {"path = \"attackers.*.kind\"\nlink = \"scale\"\nvalues = [\"criminal\"]\n", "parameters[0].link", "give numeric values"},
      {"path = \"attackers.*.sponsor\"\nwhere = { kind = \"state_sponsored\" }\nlink = \"scale\"\nvalues = [2.0]\n", "parameters[0].link", "needs a number at 'attackers.Alpha.sponsor'"},
      {"paths = [\"attackers.Alpha.gain\", \"attackers.*.gain\"]\nvalues = [1.0]\n", "parameters[0].paths", "'attackers.Alpha.gain' is named twice"},
      {"path = \"attackers.*.capability\"\nvalues = [1.5]\n", "parameters[0].path", "with value 1.5 the base scenario is invalid"},
      {"path = \"attackers.*.gain\"\nvalues = [1.0]\n[[parameters]]\npath = \"attackers.Crew.gain\"\nvalues = [2.0]\n", "parameters[1].path", "'attackers.Crew.gain' is swept twice (also by parameter 'attackers.*.gain')"},
  };
  // clang-format on
  for (const Case& c : cases) {
    INFO(c.parameter);
    const auto e = linked_error(c.parameter);
    REQUIRE(e);
    INFO(e->what());
    CHECK(e->key() == c.key);
    CHECK(e->line() > 0);
    CHECK_THAT(e->message(), Catch::Contains(c.phrase));
  }
}

namespace {

const char* const question_base = R"(
[run]
start_date = "2015-01-01"
horizon_days = 2000
[states.Home]
[states.Ally]
[states.Rival]
targetable = false
[attackers.Alpha]
kind = "state_sponsored"
sponsor = "Rival"
[[mega_events]]
name = "Games"
host = "Home"
start_day = 100
end_day = 130
)";

Sweep with_question(const std::string& question) {
  return load_sweep_text(
      "base = \"base.toml\"\n[design]\nkind = \"grid\"\n[[parameters]]\nname = \"sanctions\"\n"
      "path = \"states.Home.doctrine.sanction.enabled\"\nvalues = [false, true]\n"
      "labels = [\"off\", \"on\"]\n[[parameters]]\nname = \"capability\"\n"
      "path = \"attackers.Alpha.capability\"\nrange = [0.2, 0.8]\nsteps = 3\n[question]\n" +
          question,
      "sweep.toml", question_base);
}

}  // namespace

TEST_CASE("a sweep may state its question", "[sweep][question]") {
  const Sweep sw = with_question(
      "text = \"Do sanctions deter Alpha?\"\nmetric = \"launched@Home\"\ncompare = "
      "\"sanctions\"\nbaseline = \"off\"\ntreatment = \"on\"\nwindow = \"Games\"\n");
  REQUIRE(sw.question);
  CHECK(sw.question->metric == "launched@Home");
  CHECK(sw.question->baseline == "off");
  CHECK(sw.question->window == std::make_pair(100.0, 130.0));
  CHECK(sw.question->window_name == "Games");
  CHECK(with_question("metric = \"detected/launched\"\ncompare = \"capability\"\nwindow = "
                      "[\"2015-04-11\", 200]\n")
            .question->window == std::make_pair(100.0, 200.0));
  CHECK(with_question("metric = \"response_rate\"\ncompare = \"sanctions\"\nbaseline = false\n")
            .question->baseline == "false");
  CHECK(!with_question("metric = \"named@Alpha\"\n").question->window);
}

TEST_CASE("bad questions name the line and the key", "[sweep][question][errors]") {
  struct Case {
    std::string question;
    std::string key;
    std::string phrase;
  };
  // clang-format off
  const std::vector<Case> cases{
      {"compare = \"sanctions\"\n", "question", "missing required key 'metric'"},
      {"metric = \"lanched\"\n", "question.metric", "unknown metric 'lanched' (did you mean 'launched'?)"},
      {"metric = \"launched@Hom\"\n", "question.metric", "'Hom' is neither a state nor an attacker of the base scenario (did you mean 'Home'?)"},
      {"metric = \"lanched@Home\"\n", "question.metric", "'lanched' is not a per-state metric (did you mean 'launched'?)"},
      {"metric = \"named@Home\"\n", "question.metric", "'named' is not a per-state metric"},
      {"metric = \"detected/lanched\"\n", "question.metric", "'lanched' in 'detected/lanched' is not a /runs column"},
      {"metric = \"launched\"\ncompare = \"sanction\"\n", "question.compare", "no parameter is named 'sanction' (did you mean 'sanctions'?)"},
      {"metric = \"launched\"\nbaseline = \"off\"\n", "question", "values of the parameter named by `compare`"},
      {"metric = \"launched\"\ncompare = \"sanctions\"\nbaseline = \"of\"\n", "question.baseline", "'of' is not a value of parameter 'sanctions' (did you mean 'off'?)"},
      {"metric = \"launched\"\ncompare = \"capability\"\nbaseline = 0.9\n", "question.baseline", "expected a number in [0.2, 0.8]"},
      {"metric = \"launched\"\ncompare = \"sanctions\"\nbaseline = \"on\"\ntreatment = \"on\"\n", "question.treatment", "must differ from the baseline"},
      {"metric = \"launched\"\nwindow = \"Game\"\n", "question.window", "'Game' is not a mega-event of the base scenario (did you mean 'Games'?)"},
      {"metric = \"launched\"\nwindow = [300, 200]\n", "question.window", "ends before it starts"},
      {"metric = \"launched\"\nwindow = [0, 5000]\n", "question.window", "outside the horizon"},
      {"metric = \"launched\"\nwindow = [\"2015-02-30\", 200]\n", "question.window", "not a calendar date"},
      {"metric = \"launched\"\nwindow = 3\n", "question.window", "expected a mega-event's name"},
      {"metric = \"launched\"\nwhen = 3\n", "question.when", "unknown key"},
  };
  // clang-format on
  for (const Case& c : cases) {
    INFO(c.question);
    std::optional<ScenarioError> e;
    try {
      with_question(c.question);
    } catch (const ScenarioError& error) {
      e = error;
    }
    REQUIRE(e);
    INFO(e->what());
    CHECK(e->key() == c.key);
    CHECK(e->line() > 0);
    CHECK_THAT(e->message(), Catch::Contains(c.phrase));
  }
}
