#pragma once
// The ANU National Security College's agent-based model of cyber deterrence
// (repository ANU-NSC-Strategy-Statecraft-Cyberspace/deterrence, `deterrence.py`, MIT),
// written again from its code and README for docking (Axtell, Axelrod, Epstein & Cohen
// 1996): the same rules on cyberdeter's engine, our own random streams.
//
// States attack one another every round; each state keeps a retaliation probability per
// attack intensity; an attacker picks a target at random and, with probability
// `rationality`, the intensity of best expected value given what the target did so far
// this turn. After each turn of rounds the state with the least value copies, intensity
// by intensity, either its own probability or the best state's, with mutation.
// docs/anu.md gives every rule and where this implementation can differ from the Python.

#include <cstdint>
#include <string>
#include <vector>

#include "cyberdeter/sim/hdf5.hpp"
#include "cyberdeter/sim/random.hpp"

namespace cyberdeter::models::anu {

struct AnuParams {
  std::uint32_t states = 100;           ///< numStates
  std::uint32_t intensities = 10;       ///< attackTypes: intensities 1 … intensities
  std::uint32_t rounds_per_turn = 100;  ///< turnLength: rounds played before selection
  std::uint32_t turns = 10'000;         ///< numTurns
  double mutation = 0.05;               ///< mutateProbability
  double defender_cost = 0.5;           ///< cost per unit of intensity of an attack ignored
  double retaliation_cost = 0.75;       ///< … of an attack answered with retaliation
  double retaliation_effect = 0.5;      ///< attacker's loss per unit of intensity when hit
  double rationality = 0.9;             ///< probability of choosing the best intensity
  double attribution = 0.9;             ///< probability that a retaliation hits the attacker
  /// Coordinated retaliation (not in the original; 0 = the original model): every
  /// successful retaliation is joined by this many partners, each hitting the attacker
  /// with `retaliation_effect` and paying `partner_cost` per unit of intensity.
  std::uint32_t partners = 0;
  double partner_cost = 0.25;
  /// Public attribution with a delay (not in the original; 0 = the original model):
  /// attackers judge a target by its responses up to this many rounds ago.
  std::uint32_t publication_delay_rounds = 0;
  std::uint32_t trajectory_turns = 100;  ///< a /trajectory row every this many turns
};

/// One replication's summary: a row of /runs.
struct AnuRun {
  std::uint64_t replication = 0;
  std::uint64_t seed = 0;   ///< run seed derived from (master seed, replication[, point])
  std::uint64_t point = 0;  ///< design point (sweeps), 0 for `run`
  double rationality = 0.0;
  double attribution = 0.0;
  /// The original's "Max Deterrence": the largest, over intensities, of the mean over
  /// states of the retaliation probability after the last turn.
  double max_deterrence = 0.0;
  std::uint32_t max_deterrence_intensity = 0;  ///< the intensity (1-based) that gives it
  double mean_deterrence = 0.0;                ///< the mean over intensities
  std::uint64_t attacks = 0;
  std::uint64_t rational_choices = 0;  ///< attacks whose intensity was the best reply
  std::uint64_t retaliations = 0;
  std::uint64_t successful_retaliations = 0;  ///< retaliations that hit the attacker
  double mean_intensity = 0.0;                ///< mean intensity of all attacks
  double mean_intensity_last_turn = 0.0;
  std::uint64_t events = 0;
  std::uint64_t fingerprint = 0;  ///< hash of the event trajectory and every attack's outcome
};

/// One row per (replication, intensity): the final state of each intensity.
struct AnuIntensityRow {
  std::uint64_t replication = 0;
  std::uint64_t point = 0;
  std::uint32_t intensity = 0;    ///< 1-based
  double retaliation_mean = 0.0;  ///< mean over states of the retaliation probability
  double retaliation_sd = 0.0;    ///< its standard deviation over states
  std::uint64_t attacks = 0;      ///< attacks at this intensity, whole run
  std::uint64_t attacks_last_turn = 0;
  std::uint64_t retaliations = 0;  ///< whole run
};

/// Every `trajectory_turns` turns (and after the last): the mean retaliation probability
/// of each intensity, what the original plots.
struct AnuTrajectoryRow {
  std::uint64_t replication = 0;
  std::uint64_t point = 0;
  std::uint32_t turn = 0;  ///< turns completed
  std::uint32_t intensity = 0;
  double retaliation_mean = 0.0;
  std::uint64_t attacks = 0;  ///< attacks at this intensity in that turn
};

struct AnuResult {
  AnuRun run;
  std::vector<AnuIntensityRow> intensities;
  std::vector<AnuTrajectoryRow> trajectory;
};

/// Runs one replication on the engine (one event per round and one per turn);
/// deterministic in (params, id).
AnuResult run_anu(const AnuParams& params, const sim::RunId& id);

/// A scenario file with `model = "anu_deterrence"`.
struct AnuScenario {
  std::string path;
  std::string text;
  std::string name;
  std::uint64_t replications = 10;
  std::uint64_t seed = 1;
  AnuParams params;

  /// Resolved parameters as TOML (every key, defaults filled in).
  std::string resolved_toml() const;
};

/// Loads and validates an ANU scenario, applying "key.path=value" overrides first.
/// Throws ScenarioError (file, line, column, key) on bad input.
AnuScenario load_anu_scenario(const std::string& path,
                              const std::vector<std::string>& overrides = {});
/// The same from a file's text (`path` is used in messages).
AnuScenario load_anu_scenario_text(std::string text, std::string path,
                                   const std::vector<std::string>& overrides = {});

sim::h5::TableSchema<AnuRun> anu_runs_schema();
sim::h5::TableSchema<AnuIntensityRow> anu_intensities_schema();
sim::h5::TableSchema<AnuTrajectoryRow> anu_trajectory_schema();

/// Writes /scenario: the file's text, its resolved parameters and the model's name.
void write_anu_scenario(sim::h5::File& file, const AnuScenario& scenario);

}  // namespace cyberdeter::models::anu
