// Every single-key mutant of the built-in scenarios either is refused by the loader
// (ScenarioError: file, line, key; exit 2) or runs to its horizon with finite results
// within its event budget. Before the ranges of docs/scenario-reference.md bounded every
// key, 15 of 5,707 such mutants of the Japan world hung and 12 failed at run time with
// "categorical: weights must sum to > 0" (exit 1).
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <toml++/toml.h>
#include <catch2/catch.hpp>

#include "cyberdeter/models/deterrence/model.hpp"
#include "cyberdeter/models/deterrence/scenario_loader.hpp"
#include "cyberdeter/models/scenario_error.hpp"

using namespace cyberdeter::models::deterrence;
using cyberdeter::models::ScenarioError;

namespace {

struct Discard : RunSink {
  void period(const PeriodRow&) override {}
  void incident(const IncidentRow&) override {}
  void choice(const ChoiceRow&) override {}
};

std::string read_scenario(const std::string& name) {
  const char* dir = std::getenv("CYBERDETER_SCENARIOS");
  REQUIRE(dir != nullptr);
  std::ifstream in(std::string(dir) + "/" + name + ".toml");
  REQUIRE(in);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string path_segment(std::string_view key) {
  const bool bare = !key.empty() && key.find_first_not_of(
                                        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                        "0123456789_-") == std::string_view::npos;
  return bare ? std::string(key) : "\"" + std::string(key) + "\"";
}

struct Leaf {
  std::string path;
  bool integer;
};

// Every numeric value of a resolved scenario, by its --set path.
void numeric_leaves(const toml::table& table, const std::string& prefix, std::vector<Leaf>& out) {
  for (auto&& [key, node] : table) {
    const std::string path = (prefix.empty() ? "" : prefix + ".") + path_segment(key.str());
    if (const auto* t = node.as_table()) {
      numeric_leaves(*t, path, out);
    } else if (const auto* a = node.as_array(); a && a->is_array_of_tables()) {
      for (std::size_t i = 0; i < a->size(); ++i) {
        numeric_leaves(*a->get(i)->as_table(), path + "[" + std::to_string(i) + "]", out);
      }
    } else if (node.is_integer()) {
      out.push_back({path, true});
    } else if (node.is_floating_point()) {
      out.push_back({path, false});
    }
  }
}

}  // namespace

TEST_CASE("every extreme single-key mutant is refused or runs finite within its budget",
          "[scenario][extremes]") {
  const std::vector<std::string> floats{"0.0", "-1.0", "1e-9", "1e12", "1e308", "inf", "-inf"};
  const std::vector<std::string> integers{"0", "-1", "4294967296", "9223372036854775807"};
  for (const std::string name : {"japan_2015_2021", "minimal"}) {
    const std::string text = read_scenario(name);
    const Scenario base = load_scenario_text(text, name + ".toml");
    std::vector<Leaf> leaves;
    numeric_leaves(toml::parse(resolved_toml(base)), "", leaves);
    REQUIRE(leaves.size() > (name == "minimal" ? 40u : 300u));
    std::size_t refused = 0, ran = 0, stopped = 0;
    const auto start = std::chrono::steady_clock::now();
    for (const Leaf& leaf : leaves) {
      // The budget keeps a mutant that makes events ever faster short; the mutants of
      // max_events itself keep their own value.
      const bool budget_key = leaf.path == "run.max_events";
      for (const std::string& value : leaf.integer ? integers : floats) {
        std::vector<std::string> overrides{leaf.path + "=" + value};
        if (!budget_key) overrides.push_back("run.max_events=2000000");
        INFO(name << ": --set " << overrides.front());
        Scenario sc;
        try {
          sc = load_scenario_text(text, name + ".toml", overrides);
        } catch (const ScenarioError& e) {
          CHECK_FALSE(e.message().empty());
          ++refused;
          continue;
        }
        Discard sink;
        try {
          const RunResult r = run_replication(sc, 0, sink);
          CHECK(std::isfinite(r.run.total.damage));
          ++ran;
        } catch (const ScenarioError& e) {
          // The event budget, or a located non-finite result.
          CHECK_FALSE(e.key().empty());
          ++stopped;
        } catch (const std::exception& e) {
          FAIL("a run-time failure (exit 1): " << e.what());
        }
      }
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    INFO(name << ": " << refused << " refused, " << ran << " ran, " << stopped
              << " stopped by the budget, in " << seconds << " s");
    CHECK(ran > 0);
    CHECK(refused > 0);
    CHECK(seconds < 120.0);
  }
}
