#include <cmath>
#include <cstdlib>

#include <catch2/catch.hpp>

#include "cyberdeter/models/reference/reference.hpp"
#include "cyberdeter/models/scenario_error.hpp"

using namespace cyberdeter;
using namespace cyberdeter::models::reference;

TEST_CASE("PHOLD is deterministic in (seed, replication) and sensitive to both", "[reference]") {
  PholdParams p;
  p.logical_processes = 16;
  p.events_per_process = 8;
  const auto horizon = sim::to_ticks(200.0);
  const auto a = run_phold(p, {7, 0, {}}, horizon);
  const auto b = run_phold(p, {7, 0, {}}, horizon);
  const auto c = run_phold(p, {7, 1, {}}, horizon);
  CHECK(a.fingerprint == b.fingerprint);
  CHECK(a.events == b.events);
  CHECK(a.fingerprint != c.fingerprint);
  CHECK(a.end_day == 200.0);
}

TEST_CASE("PHOLD conserves its population and routes the promised share remotely",
          "[reference][statistics]") {
  // Each event schedules exactly one successor, so the pending count never changes: the
  // event rate per day is population / mean delay. The remote share is a binomial
  // frequency; its band is 5 standard errors.
  PholdParams p;
  p.logical_processes = 32;
  p.events_per_process = 4;
  p.remote_fraction = 0.3;
  p.lookahead_days = 0.0;
  p.mean_delay_days = 2.0;
  const double days = 2000.0;
  const auto r = run_phold(p, {3, 0, {}}, sim::to_ticks(days));
  const double expected_events = 128.0 * days / 2.0;
  CHECK(std::abs(static_cast<double>(r.events) - expected_events) <
        5.0 * std::sqrt(expected_events));
  const double share = static_cast<double>(r.remote_events) / static_cast<double>(r.events);
  CHECK(std::abs(share - 0.3) < 5.0 * std::sqrt(0.3 * 0.7 / static_cast<double>(r.events)));
}

TEST_CASE("hold keeps its queue at the requested size", "[reference]") {
  HoldParams h;
  h.pending = 500;
  h.mean_increment_days = 0.5;
  const double days = 400.0;
  const auto r = run_hold(h, {1, 0, {}}, sim::to_ticks(days));
  const double expected = 500.0 * days / 0.5;
  CHECK(std::abs(static_cast<double>(r.events) - expected) < 5.0 * std::sqrt(expected));
}

TEST_CASE("the built-in reference scenarios load and resolve", "[reference][scenario]") {
  const std::string dir =
      std::getenv("CYBERDETER_SCENARIOS") ? std::getenv("CYBERDETER_SCENARIOS") : "scenarios";
  const auto sc = load_reference_scenario(dir + "/reference/phold.toml");
  CHECK(sc.model == ReferenceScenario::Model::phold);
  CHECK(sc.replications == 4);
  CHECK(sc.phold.logical_processes == 64);
  CHECK_THAT(sc.resolved_toml(), Catch::Contains("remote_fraction = 0.9\n"));

  const auto o = load_reference_scenario(dir + "/reference/phold.toml",
                                         {"phold.remote_fraction=0.5", "run.replications=2"});
  CHECK(o.phold.remote_fraction == 0.5);
  CHECK(o.replications == 2);

  CHECK_THROWS_AS(
      load_reference_scenario(dir + "/reference/phold.toml", {"phold.remote_fraction=2"}),
      models::ScenarioError);
}
