// The ANU deterrence model (docs/anu.md): determinism, accounting, the frequencies its
// draws must produce, the rules that decide an attacker's intensity, the two switches
// that are not in the original, and scenario loading.
#include <cmath>
#include <cstdlib>
#include <fstream>

#include <catch2/catch.hpp>

#include "cyberdeter/models/reference/anu.hpp"
#include "cyberdeter/models/scenario_error.hpp"

using namespace cyberdeter;
using namespace cyberdeter::models::anu;

namespace {

AnuParams small(std::uint32_t turns = 200) {
  AnuParams p;
  p.states = 20;
  p.rounds_per_turn = 50;
  p.turns = turns;
  p.trajectory_turns = 50;
  return p;
}

// A band of z standard errors around p for a frequency from n draws.
double band(double p, double n, double z = 5.0) { return z * std::sqrt(p * (1.0 - p) / n); }

std::string scenarios_dir() {
  const char* dir = std::getenv("CYBERDETER_SCENARIOS");
  return dir ? dir : "scenarios";
}

}  // namespace

TEST_CASE("ANU: a run is a function of (parameters, run id)", "[anu]") {
  const AnuParams p = small();
  const auto a = run_anu(p, {7, 0, {}});
  const auto b = run_anu(p, {7, 0, {}});
  const auto c = run_anu(p, {7, 1, {}});
  const auto d = run_anu(p, {7, 0, 3});
  CHECK(a.run.fingerprint == b.run.fingerprint);
  CHECK(a.run.max_deterrence == b.run.max_deterrence);
  CHECK(a.run.fingerprint != c.run.fingerprint);
  CHECK(a.run.fingerprint != d.run.fingerprint);
  CHECK(d.run.point == 3);
  // A pinned fingerprint: a change in any rule, stream or draw order changes it.
  CHECK(a.run.fingerprint == 3712678386161111486u);
}

TEST_CASE("ANU: every attack is counted once", "[anu]") {
  const AnuParams p = small(120);
  const auto r = run_anu(p, {3, 0, {}});
  CHECK(r.run.attacks == std::uint64_t{20} * 50 * 120);
  CHECK(r.run.events == std::uint64_t{120} * (50 + 1));
  std::uint64_t attacks = 0, retaliations = 0, last = 0;
  for (const auto& row : r.intensities) {
    attacks += row.attacks;
    retaliations += row.retaliations;
    last += row.attacks_last_turn;
    CHECK(row.retaliation_mean >= 0.0);
    CHECK(row.retaliation_mean <= 1.0);
  }
  CHECK(attacks == r.run.attacks);
  CHECK(retaliations == r.run.retaliations);
  CHECK(last == std::uint64_t{20} * 50);
  CHECK(r.run.successful_retaliations <= r.run.retaliations);
  // /trajectory: every 50 turns and after the last (turns 50, 100, 120), each intensity.
  REQUIRE(r.trajectory.size() == 3u * 10);
  CHECK(r.trajectory.front().turn == 50);
  CHECK(r.trajectory.back().turn == 120);
  CHECK(r.trajectory.back().retaliation_mean == r.intensities.back().retaliation_mean);
  double top = 0.0;
  for (const auto& row : r.intensities) top = std::max(top, row.retaliation_mean);
  CHECK(r.run.max_deterrence == top);
}

TEST_CASE("ANU: the draws give the promised frequencies", "[anu][statistics]") {
  // Rational choices are a Bernoulli(rationality) per attack; a retaliation hits the
  // attacker with probability `attribution`; a random intensity is uniform over 1..K.
  AnuParams p = small(100);
  p.rationality = 0.3;
  p.attribution = 0.7;
  const auto r = run_anu(p, {11, 0, {}});
  const double n = static_cast<double>(r.run.attacks);
  CHECK(std::abs(static_cast<double>(r.run.rational_choices) / n - 0.3) < band(0.3, n));
  const double hits = static_cast<double>(r.run.retaliations);
  CHECK(std::abs(static_cast<double>(r.run.successful_retaliations) / hits - 0.7) <
        band(0.7, hits));

  p.rationality = 0.0;  // every intensity drawn at random
  const auto u = run_anu(p, {11, 0, {}});
  for (const auto& row : u.intensities) {
    CHECK(std::abs(static_cast<double>(row.attacks) / n - 0.1) < band(0.1, n));
  }
}

TEST_CASE("ANU: in the first turn, retaliation happens at the initial probabilities",
          "[anu][statistics]") {
  // The initial table is uniform on [0, 1): with random intensities, the share of attacks
  // answered in turn 1 estimates its mean, 1/2. Its spread combines the 1,000 table
  // entries (variance 1/12 each) and the 10,000 Bernoulli draws.
  AnuParams p;
  p.turns = 1;
  p.rationality = 0.0;
  double sum = 0.0;
  const int reps = 20;
  for (int r = 0; r < reps; ++r) {
    const auto run = run_anu(p, {5, static_cast<std::uint64_t>(r), {}});
    sum += static_cast<double>(run.run.retaliations) / static_cast<double>(run.run.attacks);
  }
  const double se = std::sqrt((1.0 / 12.0 / 1000.0 + 0.25 / 10000.0) / reps);
  CHECK(std::abs(sum / reps - 0.5) < 5.0 * se);
}

TEST_CASE("ANU: a rational attacker takes the intensity of best expected value", "[anu][rules]") {
  AnuParams p = small(5);
  p.rationality = 1.0;
  SECTION("without attribution retaliation costs nothing: always the top intensity") {
    p.attribution = 0.0;
    const auto r = run_anu(p, {1, 0, {}});
    CHECK(r.intensities.back().attacks == r.run.attacks);
    CHECK(r.run.mean_intensity == 10.0);
  }
  SECTION("attackers who never see a response all pick the same, top intensity") {
    // A delay of a whole turn hides every response: every target keeps counts 1 / 1, so
    // pNo = 1/2 and EV = i (1/2 + 0.05 - 0.225) > 0 is largest at i = 10.
    p.publication_delay_rounds = p.rounds_per_turn;
    const auto r = run_anu(p, {1, 0, {}});
    CHECK(r.intensities.back().attacks == r.run.attacks);
    p.publication_delay_rounds = 0;  // with responses seen at once, other intensities appear
    const auto seen = run_anu(p, {1, 0, {}});
    CHECK(seen.intensities.back().attacks < seen.run.attacks);
  }
  SECTION("two partners in every retaliation make a fresh target worth the least intensity") {
    // With counts 1 / 1 and attribution 1: EV = i (1/2 - 1/2 · 0.5 · (1 + m)), positive for
    // m = 0 (top intensity) and negative for m = 2 (intensity 1 loses least). One round:
    // each target is fresh for its first attacker.
    p.attribution = 1.0;
    p.rounds_per_turn = 1;
    p.turns = 1;
    p.states = 100;
    const auto alone = run_anu(p, {2, 0, {}});
    p.partners = 2;
    const auto joint = run_anu(p, {2, 0, {}});
    CHECK(alone.intensities.back().attacks > 30);
    CHECK(joint.intensities.front().attacks > 30);
    CHECK(joint.run.mean_intensity < alone.run.mean_intensity);
  }
}

TEST_CASE("ANU: the built-in scenario loads with the original's constants", "[anu][scenario]") {
  const auto sc = load_anu_scenario(scenarios_dir() + "/reference/anu_deterrence.toml");
  CHECK(sc.params.states == 100);
  CHECK(sc.params.intensities == 10);
  CHECK(sc.params.rounds_per_turn == 100);
  CHECK(sc.params.turns == 10000);
  CHECK(sc.params.mutation == 0.05);
  CHECK(sc.params.defender_cost == 0.5);
  CHECK(sc.params.retaliation_cost == 0.75);
  CHECK(sc.params.retaliation_effect == 0.5);
  CHECK(sc.replications == 10);
  // The resolved text loads back to the same parameters.
  const auto again = load_anu_scenario_text(sc.resolved_toml(), "resolved.toml");
  CHECK(again.resolved_toml() == sc.resolved_toml());
  const auto set = load_anu_scenario(scenarios_dir() + "/reference/anu_deterrence.toml",
                                     {"anu.rationality=0.3", "coordination.partners=4"});
  CHECK(set.params.rationality == 0.3);
  CHECK(set.params.partners == 4);
}

TEST_CASE("ANU: bad scenarios name the line and the key", "[anu][scenario]") {
  const auto fails_with = [](const std::string& text, const std::string& key, int line) {
    try {
      (void)load_anu_scenario_text(text, "bad.toml");
    } catch (const models::ScenarioError& e) {
      INFO(e.what());
      CHECK(e.key() == key);
      CHECK(e.line() == line);
      return;
    }
    FAIL("no error for: " << text);
  };
  fails_with("model = \"anu_deterrence\"\n[anu]\nrationality = 1.5\n", "anu.rationality", 3);
  fails_with("model = \"anu_deterrence\"\n[anu]\nstates = 1\n", "anu.states", 3);
  fails_with("model = \"anu_deterrence\"\n[anu]\nstate = 10\n", "anu.state", 3);
  fails_with("model = \"anu_deterrence\"\n[anu]\nstates = 5\n[coordination]\npartners = 4\n",
             "coordination.partners", 5);
  fails_with("model = \"anu_deterrence\"\n[run]\nreplications = 0\n", "run.replications", 3);
}
