// The timing game (docs/validation.md §2): closed form against the table, simulated
// V(T) against the formula, and the attacker's search against T*.
#include <cmath>
#include <vector>

#include <catch2/catch.hpp>

#include "cyberdeter/models/deterrence/rules.hpp"
#include "cyberdeter/models/games/timing.hpp"
#include "games_test_support.hpp"

using namespace cyberdeter;
using namespace cyberdeter::models::games;
using games_test::mean_band;
using games_test::scenario;

// The case of docs/validation.md §2.1.
TEST_CASE("the closed form reproduces the published case to 1e-5", "[games][timing]") {
  const auto sc = load_timing_scenario(scenario("timing_game.toml"));
  const auto t = solve_timing(sc.game);
  CHECK(t.threshold == Approx(0.49096).margin(1e-5));
  CHECK(t.value == Approx(0.68189).margin(1e-5));
  CHECK(t.value_at_zero == Approx(0.54945).margin(1e-5));
  CHECK_FALSE(t.use_at_once);
  // T* solves T = w (P − S) V(T) and maximises V.
  CHECK(t.residual <= 1e-15);
  CHECK(t.threshold == Approx(0.9 * 0.8 * timing_value(sc.game, t.threshold)).margin(1e-15));
  for (const double d : {-1e-3, 1e-3}) {
    CHECK(timing_value(sc.game, t.threshold + d) < t.value);
  }
}

TEST_CASE("the timing game uses at once when stealth is at least persistence", "[games][timing]") {
  TimingGame g;
  g.stealth = 0.9;
  g.persistence = 0.5;
  const auto t = solve_timing(g);
  CHECK(t.use_at_once);
  CHECK(t.threshold == 0.0);
  CHECK(t.value == t.value_at_zero);
  CHECK(t.value == Approx(0.5 / (1.0 - 0.9 * 0.9)).epsilon(1e-15));
}

TEST_CASE("discrete stakes use the deterrence model's timing functions", "[games][timing]") {
  TimingGame g;
  g.stakes.kind = Stakes::Kind::discrete;
  g.stakes.values = {0.1, 0.4, 0.8, 2.0};
  g.stakes.weights = {4.0, 3.0, 2.0, 1.0};
  for (const double t : {0.0, 0.3, 0.4, 0.9, 2.0}) {
    CHECK(timing_value(g, t) ==
          models::deterrence::timing_value(g.stakes.values, g.stakes.weights, t, 0.9, 0.1, 0.9));
  }
  CHECK(solve_timing(g).threshold ==
        models::deterrence::optimal_threshold(g.stakes.values, g.stakes.weights, 0.9, 0.1, 0.9));
  // A fine grid on [0, 1] approaches the uniform case.
  TimingGame fine;
  fine.stakes.kind = Stakes::Kind::discrete;
  for (int k = 0; k < 20'000; ++k) {
    fine.stakes.values.push_back((k + 0.5) / 20'000.0);
    fine.stakes.weights.push_back(1.0);
  }
  CHECK(solve_timing(fine).threshold == Approx(solve_timing(TimingGame{}).threshold).margin(1e-4));
}

TEST_CASE("episodes are cut where w^t falls below 1e-12", "[games][timing]") {
  CHECK(truncation_periods(0.9) == 263);
  CHECK(std::pow(0.9, 263.0) < 1e-12);
  CHECK(std::pow(0.9, 262.0) >= 1e-12);
  CHECK(truncation_periods(0.0) == 1);
  CHECK(truncation_periods(0.5) == 40);
}

TEST_CASE("simulated V(T) matches the formula at several thresholds",
          "[games][timing][simulation]") {
  const auto sc = load_timing_scenario(scenario("timing_game.toml"));
  const sim::StreamFactory streams(sim::RunId{sc.seed, 0, {}});
  for (const double t : {0.0, 0.25, 0.49096, 0.75, 0.95, 1.0}) {
    const auto row = simulate_value(sc.game, t, streams, 200'000);
    INFO("T = " << t << ": " << row.value << " ± " << row.standard_error);
    CHECK(row.value_theory == timing_value(sc.game, t));
    CHECK(row.value ==
          Approx(row.value_theory).margin(games_test::sigmas * row.standard_error + 1e-15));
    CHECK(row.truncated == 0);
  }
  // With S >= P (use at once) and with discrete stakes too.
  auto g = sc.game;
  g.stealth = 0.95;
  const auto at_once = simulate_value(g, 0.0, streams, 100'000);
  CHECK(at_once.value ==
        Approx(timing_value(g, 0.0)).margin(games_test::sigmas * at_once.standard_error));
  g = sc.game;
  g.stakes.kind = Stakes::Kind::discrete;
  g.stakes.values = {0.1, 0.4, 0.8, 2.0};
  g.stakes.weights = {4.0, 3.0, 2.0, 1.0};
  const auto discrete = simulate_value(g, 0.4, streams, 100'000);
  CHECK(discrete.value ==
        Approx(timing_value(g, 0.4)).margin(games_test::sigmas * discrete.standard_error));
}

TEST_CASE("the attacker's search finds T* within its interval", "[games][timing][simulation]") {
  const auto sc = load_timing_scenario(scenario("timing_game.toml"),
                                       {"run.replications=10", "evaluate.thresholds=[]"});
  const auto theory = solve_timing(sc.game);
  std::vector<double> found, checked, theory_found;
  for (std::uint64_t r = 0; r < sc.replications; ++r) {
    const auto result = run_timing(sc, theory, r);
    found.push_back(result.run.threshold_found);
    checked.push_back(result.run.value_checked);
    theory_found.push_back(result.run.value_theory_found);
    CHECK(result.run.value_theory_found <= theory.value);
    CHECK(result.run.evaluations > sc.grid_points);
  }
  const auto t = mean_band(found);
  INFO("T-hat = " << t.mean << " ± " << t.band);
  CHECK(t.mean == Approx(theory.threshold).margin(t.band));
  // The value of the threshold found, measured on independent episodes, is its V(T̂).
  const auto v = mean_band(checked);
  CHECK(v.mean == Approx(mean_band(theory_found).mean).margin(v.band));
}

TEST_CASE("every evaluation of the search sees the same random numbers", "[games][timing]") {
  const auto sc = load_timing_scenario(scenario("timing_game.toml"));
  const sim::StreamFactory streams(sim::RunId{sc.seed, 0, {}});
  // Thresholds below every stake give identical episodes, hence identical values.
  const auto a = simulate_value(sc.game, 0.0, streams, 5'000);
  const auto b = simulate_value(sc.game, -1.0, streams, 5'000);
  CHECK(a.value == b.value);
  CHECK(a.events == b.events);
  const auto c = simulate_value(sc.game, 0.0, streams, 5'000, "timing.check");
  CHECK(a.value != c.value);
}

TEST_CASE("trajectory fingerprints of the timing game are pinned", "[games][timing]") {
  // Identical episodes give identical fingerprints; another threshold that changes uses
  // gives another. A replication's fingerprint folds every evaluation: pinned, so a change
  // to a rule, stream or draw order must be deliberate.
  const auto sc = load_timing_scenario(scenario("timing_game.toml"),
                                       {"run.episodes=2000", "search.grid_points=5",
                                        "search.tolerance=0.01", "evaluate.thresholds=[0.5]"});
  const sim::StreamFactory streams(sim::RunId{sc.seed, 0, {}});
  CHECK(simulate_value(sc.game, 0.0, streams, 1000).fingerprint ==
        simulate_value(sc.game, -1.0, streams, 1000).fingerprint);
  CHECK(simulate_value(sc.game, 0.0, streams, 1000).fingerprint !=
        simulate_value(sc.game, 0.5, streams, 1000).fingerprint);
  const auto theory = solve_timing(sc.game);
  const auto a = run_timing(sc, theory, 0);
  CHECK(a.run.fingerprint == run_timing(sc, theory, 0).run.fingerprint);
  CHECK(a.run.fingerprint != run_timing(sc, theory, 1).run.fingerprint);
  CHECK(a.run.fingerprint == 14751885963977420634u);
}
