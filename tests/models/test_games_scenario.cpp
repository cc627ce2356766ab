// Game scenario files: the shipped ones load and resolve, and bad ones fail with the
// file, line and key of the mistake.
#include <filesystem>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "cyberdeter/models/catalog.hpp"
#include "cyberdeter/models/games/attribution_model.hpp"
#include "cyberdeter/models/games/timing.hpp"
#include "cyberdeter/models/scenario_error.hpp"
#include "games_test_support.hpp"

using namespace cyberdeter::models;
using namespace cyberdeter::models::games;

TEST_CASE("every validation scenario loads and its resolved form loads back to the same",
          "[games][scenario]") {
  const auto dir = std::filesystem::path(games_test::scenario("x")).parent_path();
  std::size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".toml") continue;
    ++files;
    const std::string path = entry.path().string();
    INFO(path);
    const std::string model = model_of(path);
    REQUIRE(is_game_model(model));
    if (model == "attribution_game") {
      const auto sc = load_attribution_scenario(path);
      const auto again = load_attribution_scenario_text(sc.resolved_toml(), "resolved.toml");
      CHECK(again.resolved_toml() == sc.resolved_toml());
      CHECK(again.game.symmetric == sc.game.symmetric);
      CHECK(solve_equilibrium(again.game).attack == solve_equilibrium(sc.game).attack);
    } else {
      const auto sc = load_timing_scenario(path);
      const auto again = load_timing_scenario_text(sc.resolved_toml(), "resolved.toml");
      CHECK(again.resolved_toml() == sc.resolved_toml());
    }
  }
  CHECK(files >= 9);
}

TEST_CASE("defaults of an attribution game are the baseline case", "[games][scenario]") {
  const auto sc = load_attribution_scenario_text(
      "model = \"attribution_game\"\n[attackers.A]\n[attackers.B]\n", "minimal.toml");
  CHECK(sc.game.symmetric);
  CHECK(sc.mode == AttributionMode::fixed);
  CHECK(sc.block_rounds() == 1000);
  CHECK(solve_equilibrium(sc.game).attack[0] == Approx(0.524586).margin(1e-6));
  CHECK(sc.game.signal_names == std::vector<std::string>{"nothing", "points to A", "points to B"});
}

namespace {

struct BadCase {
  const char* what;
  std::string text;
  int line;
  const char* key;
  const char* phrase;
};

const std::string attribution_head = "model = \"attribution_game\"\n";  // line 1

}  // namespace

TEST_CASE("bad attribution-game files name file, line and key", "[games][scenario]") {
  const std::string two = "[attackers.A]\n[attackers.B]\n";
  const std::vector<BadCase> cases = {
      {"unknown root key", attribution_head + "round = 3\n" + two, 2, "round", "unknown key"},
      {"unknown run key", attribution_head + "[run]\nrouns = 3\n" + two, 3, "run.rouns",
       "did you mean 'rounds'"},
      {"no attackers", attribution_head, 1, "attackers", "at least one attacker"},
      {"gamma 0", attribution_head + "[game]\nopportunity_probability = 0\n" + two, 3,
       "game.opportunity_probability", "(0, 1]"},
      {"bad mode", attribution_head + "[game]\nmode = \"lerning\"\n" + two, 3, "game.mode",
       "expected one of \"fixed\", \"learning\""},
      {"false alarms too frequent", attribution_head + "[signals]\nfalse_alarm = 0.6\n" + two, 3,
       "signals.false_alarm", "1/2"},
      {"benefit hi <= lo", attribution_head + "[attackers.A]\nbenefit = { lo = 1, hi = 0 }\n", 3,
       "attackers.A.benefit.hi", "hi > lo"},
      {"benefit distribution",
       attribution_head + "[attackers.A.benefit]\ndistribution = \"gamma\"\n", 3,
       "attackers.A.benefit.distribution",
       "expected one of \"uniform\", \"beta\", \"truncated_normal\", \"triangular\", "
       "\"discrete\""},
      {"beta shape 0",
       attribution_head + "[attackers.A.benefit]\ndistribution = \"beta\"\nalpha = 0\n", 4,
       "attackers.A.benefit.alpha", "[0.001, 1000]"},
      {"truncated normal without its mean",
       attribution_head + "[defender.cost]\ndistribution = \"truncated_normal\"\nsd = 0.2\n" + two,
       2, "defender.cost", "missing required key 'mean'"},
      {"truncated normal far in the tail",
       attribution_head +
           "[defender.cost]\ndistribution = \"truncated_normal\"\nmean = 100\nsd = 0.1\n" + two,
       5, "defender.cost.sd", "too far in the tail"},
      {"triangular mode outside [lo, hi]",
       attribution_head + "[attackers.A.benefit]\ndistribution = \"triangular\"\nmode = 1.5\n", 4,
       "attackers.A.benefit.mode", "[0, 1]"},
      {"discrete value twice",
       attribution_head +
           "[attackers.A.benefit]\ndistribution = \"discrete\"\nvalues = [0.2, 0.5, 0.2]\n",
       4, "attackers.A.benefit.values", "appears twice"},
      {"discrete weights of the wrong length",
       attribution_head + "[attackers.A.benefit]\ndistribution = \"discrete\"\n" +
           "values = [0.2, 0.5]\nweights = [1, 2, 3]\n",
       5, "attackers.A.benefit.weights", "expected 2 weights"},
      {"discrete without values",
       attribution_head + "[attackers.A.benefit]\ndistribution = \"discrete\"\n", 2,
       "attackers.A.benefit", "missing required key 'values'"},
      {"retaliation cost 0", attribution_head + "[attackers.A]\nretaliation_cost = 0\n", 3,
       "attackers.A.retaliation_cost", "> 0"},
      {"explicit signals do not sum to 1",
       attribution_head + "[signals]\nnames = [\"n\", \"a\"]\nnobody = [0.9, 0.2]\n" +
           "[attackers.A]\nsignal = [0.5, 0.5]\n",
       4, "signals.nobody", "sum to 1"},
      {"attacker signal of the wrong length",
       attribution_head + "[signals]\nnames = [\"n\", \"a\"]\nnobody = [0.9, 0.1]\n" +
           "[attackers.A]\nsignal = [0.5, 0.25, 0.25]\n",
       6, "attackers.A.signal", "expected 2 probabilities"},
      {"attacker without signal",
       attribution_head + "[signals]\nnames = [\"n\", \"a\"]\nnobody = [0.9, 0.1]\n" +
           "[attackers.A]\nretaliation_cost = 1\n",
       5, "attackers.A", "missing required key 'signal'"},
      {"detection with explicit signals",
       attribution_head + "[signals]\nnames = [\"n\", \"a\"]\nnobody = [0.9, 0.1]\n" +
           "[attackers.A]\ndetection = 0.5\nsignal = [0.5, 0.5]\n",
       6, "attackers.A.detection", "generated signals only"},
      {"signal with generated signals", attribution_head + "[attackers.A]\nsignal = [1, 0]\n", 3,
       "attackers.A.signal", "names"},
      {"duplicate signal names",
       attribution_head + "[signals]\nnames = [\"n\", \"n\"]\nnobody = [0.9, 0.1]\n" + two, 3,
       "signals.names", "appears twice"},
      {"identification with one attacker",
       attribution_head + "[attackers.A]\nidentification = 0.5\n", 3, "attackers.A.identification",
       "must be 1"},
      {"learning exponent", attribution_head + "[learning]\nstep_exponent = 0.5\n" + two, 3,
       "learning.step_exponent", "(0.5, 1]"},
      {"defender belief 0",
       attribution_head + "[learning.defender]\nattack_probability = 0\n" + two, 3,
       "learning.defender.attack_probability", "(0, 1]"},
      {"unknown attacker learning key",
       attribution_head + "[attackers.A.learning]\nexploraton = 0.1\n", 3,
       "attackers.A.learning.exploraton", "did you mean 'exploration'"},
      {"burn-in as long as the run",
       attribution_head + "[run]\nrounds = 10\nburn_in_rounds = 10\n" + two, 4,
       "run.burn_in_rounds", "[0, 9]"},
      {"syntax error", attribution_head + "[attackers.A\n", 2, "", "TOML syntax error"},
  };
  for (const auto& c : cases) {
    INFO(c.what);
    try {
      (void)load_attribution_scenario_text(c.text, "bad.toml");
      FAIL("no error");
    } catch (const ScenarioError& e) {
      INFO(e.what());
      CHECK(e.file() == "bad.toml");
      CHECK(e.line() == c.line);
      CHECK(e.key() == c.key);
      CHECK_THAT(e.message(), Catch::Contains(c.phrase));
    }
  }
}

TEST_CASE("bad timing-game files name file, line and key", "[games][scenario]") {
  const std::string head = "model = \"timing_game\"\n";
  const std::vector<BadCase> cases = {
      {"discount 1", head + "[game]\ndiscount = 1.0\n", 3, "game.discount", "[0, 1)"},
      {"stealth above 1", head + "[game]\nstealth = 1.5\n", 3, "game.stealth", "[0, 1]"},
      {"negative stakes", head + "[game.stakes]\nlo = -1\n", 3, "game.stakes.lo", "[0, 1e+12]"},
      {"discrete without values", head + "[game.stakes]\ndistribution = \"discrete\"\n", 2,
       "game.stakes", "values"},
      {"weights of the wrong length",
       head + "[game.stakes]\ndistribution = \"discrete\"\nvalues = [1, 2]\nweights = [1]\n", 5,
       "game.stakes.weights", "expected 2 weights"},
      {"one episode", head + "[run]\nepisodes = 1\n", 3, "run.episodes", "[2,"},
      {"grid of two", head + "[search]\ngrid_points = 2\n", 3, "search.grid_points", "[3,"},
      {"threshold as text", head + "[evaluate]\nthresholds = [\"half\"]\n", 3,
       "evaluate.thresholds", "array of numbers"},
      {"attribution key in a timing file", head + "[signals]\n", 2, "signals", "unknown key"},
  };
  for (const auto& c : cases) {
    INFO(c.what);
    try {
      (void)load_timing_scenario_text(c.text, "bad.toml");
      FAIL("no error");
    } catch (const ScenarioError& e) {
      INFO(e.what());
      CHECK(e.file() == "bad.toml");
      CHECK(e.line() == c.line);
      CHECK(e.key() == c.key);
      CHECK_THAT(e.message(), Catch::Contains(c.phrase));
    }
  }
}

TEST_CASE("overrides create the fixed tables a game file left out", "[games][scenario]") {
  // Every key of the resolved scenario is a sweep path, whether or not the file wrote its
  // table: [signals], [defender.cost], [learning.*], an attacker's benefit and learning.
  const std::string bare = "model = \"attribution_game\"\n[attackers.A]\n[attackers.B]\n";
  const auto sc = load_attribution_scenario_text(
      bare, "bare.toml",
      {"signals.detection=0.5", "defender.cost.hi=0.5", "attackers.A.benefit.hi=2",
       "attackers.B.learning.weight=7", "learning.defender.weight=3", "run.rounds=10",
       "game.mode=learning", "learning.attackers.exploration=0.2"});
  CHECK(sc.game.attackers[0].signal[1] == Approx(0.5 * 0.9));  // δ μ on "points to A"
  CHECK(sc.game.defender_cost.hi == 0.5);
  CHECK(sc.game.attackers[0].benefit.hi == 2.0);
  CHECK(sc.learning.attackers[1].weight == 7.0);
  CHECK(sc.learning.defender_weight == 3.0);
  CHECK(sc.learning.attackers[0].exploration == 0.2);
  CHECK(sc.rounds == 10);
  CHECK(sc.mode == AttributionMode::learning);
  // A named attacker is never created: a misspelt name stays an error, at the override.
  try {
    (void)load_attribution_scenario_text(bare, "bare.toml", {"attackers.C.benefit.hi=2"});
    FAIL("no error");
  } catch (const ScenarioError& e) {
    CHECK(e.file() == "--set attackers.C.benefit.hi=2");
    CHECK_THAT(e.message(), Catch::Contains("'attackers.C' is not a table"));
  }
  const auto t = load_timing_scenario_text("model = \"timing_game\"\n", "bare.toml",
                                           {"game.stakes.hi=2", "search.grid_points=5"});
  CHECK(t.game.stakes.highest() == 2.0);
  CHECK(t.grid_points == 5);
}
