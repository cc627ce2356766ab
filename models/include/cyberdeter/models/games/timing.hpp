#pragma once
// The timing game of docs/validation.md §2.1 (after Axelrod & Iliev, PNAS 2014): an
// attacker holds a cyber resource; each period stakes s are drawn iid; using the resource
// gains s and it survives with probability S (stealth), waiting keeps it with probability
// P (persistence); payoffs are discounted by w. Using it iff s >= T is worth
//   V(T) = Pr(s >= T) E[s | s >= T] / (1 − w (S Pr(s >= T) + P (1 − Pr(s >= T)))),
// and the best threshold solves T* = w (P − S) V(T*) (use at once if S >= P).
// This file holds the closed form, the scenario (`model = "timing_game"`), the simulation
// on the engine and its output tables. docs/games.md describes them.

#include <cstdint>
#include <string>
#include <vector>

#include "cyberdeter/models/games/attribution.hpp"
#include "cyberdeter/sim/hdf5.hpp"
#include "cyberdeter/sim/random.hpp"

namespace cyberdeter::models::games {

/// The stakes distribution: [game.stakes].
struct Stakes {
  enum class Kind : std::uint8_t { uniform, discrete };
  Kind kind = Kind::uniform;
  Uniform uniform;              ///< `distribution = "uniform"`: lo, hi (0 <= lo < hi)
  std::vector<double> values;   ///< `distribution = "discrete"`: values >= 0
  std::vector<double> weights;  ///< and their weights (> 0, normalised on use)

  double lowest() const noexcept;
  double highest() const noexcept;
  /// Pr(s >= T).
  double p_at_least(double threshold) const noexcept;
  /// E[s; s >= T] = Pr(s >= T) E[s | s >= T].
  double partial_mean(double threshold) const noexcept;
  /// One draw: one uniform from `rng` (inverse CDF), so draws line up across thresholds.
  double draw(sim::RandomStream& rng) const;
};

/// [game]
struct TimingGame {
  Stakes stakes;
  double discount = 0.9;     ///< w in [0, 1)
  double stealth = 0.1;      ///< S in [0, 1]: survival after a use
  double persistence = 0.9;  ///< P in [0, 1]: survival while waiting
};

/// V(T) in closed form. For discrete stakes this is the deterrence model's own
/// deterrence::timing_value (the function its scarce capabilities use).
double timing_value(const TimingGame& game, double threshold);

/// The optimal threshold and the values the equilibrium command prints.
struct TimingOptimum {
  double threshold = 0.0;      ///< T*
  double value = 0.0;          ///< V(T*)
  double value_at_zero = 0.0;  ///< V(0): use at once
  bool use_at_once = false;    ///< S >= P
  std::string method;
  std::size_t iterations = 0;
  double residual = 0.0;  ///< |T* − w (P − S) V(T*)| (uniform stakes)
};

/// T*: 0 if S >= P; for uniform stakes bisection of T − w (P − S) V(T) on [0, hi] to
/// adjacent doubles (every root is an up-crossing, so it is unique); for discrete stakes
/// deterrence::optimal_threshold (the best support point).
TimingOptimum solve_timing(const TimingGame& game);

/// The number of periods an episode is simulated for: the smallest t with w^t < 1e-12.
/// What is cut off is worth less than 1e-12 · max(stakes) / (1 − w).
std::uint64_t truncation_periods(double discount) noexcept;

/// A scenario file with `model = "timing_game"`.
struct TimingScenario {
  std::string path;
  std::string text;
  std::string name;
  std::string description;
  TimingGame game;
  std::uint64_t replications = 10;
  std::uint64_t episodes = 20'000;  ///< per evaluation of V(T) and replication
  std::uint64_t seed = 1;
  std::vector<double> thresholds;    ///< [evaluate] thresholds: V(T) simulated at each
  bool search = true;                ///< [search] enabled: the attacker looks for T*
  std::uint64_t grid_points = 21;    ///< [search] grid_points over [lowest, highest] stake
  double tolerance = 1e-4;           ///< [search] tolerance: golden-section bracket width
  std::uint64_t check_episodes = 0;  ///< [search] check_episodes (0: episodes)

  std::string resolved_toml() const;
};

TimingScenario load_timing_scenario(const std::string& path,
                                    const std::vector<std::string>& overrides = {});
TimingScenario load_timing_scenario_text(std::string text, std::string path,
                                         const std::vector<std::string>& overrides = {});

/// One row of /values: one simulated V(T).
struct TimingValueRow {
  std::uint64_t point = 0;  ///< design point (sweeps), 0 for `run`
  std::uint64_t replication = 0;
  std::uint8_t purpose = 0;  ///< 0 requested threshold, 1 search step, 2 check of T̂
  double threshold = 0.0;
  std::uint64_t episodes = 0;
  double value = 0.0;           ///< mean discounted gain per episode
  double standard_error = 0.0;  ///< sd / √episodes
  double value_theory = 0.0;    ///< V(T) in closed form
  double uses = 0.0;            ///< mean uses of the resource per episode
  double periods = 0.0;         ///< mean periods per episode
  std::uint64_t truncated = 0;  ///< episodes cut at truncation_periods
  std::uint64_t events = 0;
  std::uint64_t fingerprint = 0;  ///< hash of the episodes' trajectory (sim::TraceHash)
};

/// One row of /runs: a replication's search.
struct TimingRunRow {
  std::uint64_t point = 0;  ///< design point (sweeps), 0 for `run`
  std::uint64_t replication = 0;
  std::uint64_t seed = 0;
  double threshold_found = 0.0;     ///< T̂ (NaN without search)
  double value_in_sample = 0.0;     ///< simulated V(T̂) on the search's episodes
  double value_checked = 0.0;       ///< V(T̂) on independent episodes
  double value_checked_se = 0.0;    ///< its standard error
  double value_theory_found = 0.0;  ///< V(T̂) in closed form
  double threshold_theory = 0.0;    ///< T*
  double value_theory = 0.0;        ///< V(T*)
  std::uint64_t evaluations = 0;    ///< simulated V(T) evaluated by the search
  std::uint64_t events = 0;
  /// The fingerprints of every evaluation of /values, folded in order (sim::mix64).
  std::uint64_t fingerprint = 0;
};

/// Simulates `episodes` episodes with threshold T from the streams named `prefix`.stakes
/// and `prefix`.survival, one pair per episode (so every threshold sees the same numbers:
/// common random numbers).
TimingValueRow simulate_value(const TimingGame& game, double threshold,
                              const sim::StreamFactory& streams, std::uint64_t episodes,
                              const char* prefix = "timing");

struct TimingResult {
  TimingRunRow run;
  std::vector<TimingValueRow> values;
};

/// Replication `replication`: the requested thresholds, then the search (grid, then
/// golden-section on the best grid interval, all on common random numbers) and a check
/// of V(T̂) on independent episodes.
TimingResult run_timing(const TimingScenario& sc, const TimingOptimum& theory,
                        std::uint64_t replication);
/// The same for the run identity `id` (a sweep's task); sc.seed is not used. Rows have point 0.
TimingResult run_timing(const TimingScenario& sc, const TimingOptimum& theory,
                        const sim::RunId& id);

sim::h5::TableSchema<TimingRunRow> timing_runs_schema();
sim::h5::TableSchema<TimingValueRow> timing_values_schema();
/// Writes /scenario (text, resolved parameters, model, name, ...): what a sweep's file has.
void write_timing_scenario_group(sim::h5::File& file, const TimingScenario& sc);
/// Writes /scenario and /equilibrium (T*, V(T*), V(0) as attributes).
void write_timing_scenario(sim::h5::File& file, const TimingScenario& sc,
                           const TimingOptimum& theory);

}  // namespace cyberdeter::models::games
