#include <filesystem>
#include <fstream>
#include <set>

#include <catch2/catch.hpp>

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
}
