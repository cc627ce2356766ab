#pragma once
// The attribution game as a simulation on the engine: its scenario (`model =
// "attribution_game"`), the agents' strategies (equilibrium cutoffs, or learning), one
// replication's event flow, and the output tables. docs/games.md describes the model and
// the learning rules; docs/validation.md compares the simulation with the closed form.

#include <cstdint>
#include <string>
#include <vector>

#include "cyberdeter/models/games/attribution.hpp"
#include "cyberdeter/sim/hdf5.hpp"
#include "cyberdeter/sim/random.hpp"

namespace cyberdeter::models::games {

/// How the agents play: `game.mode`.
enum class AttributionMode : std::uint8_t {
  fixed,     ///< "fixed": attackers use x_i*, the defender the equilibrium posteriors
  learning,  ///< "learning": both learn from what they observe (docs/games.md)
};

/// Initial beliefs of one attacker and of the defender about it: [learning.attackers],
/// overridden per attacker by [attackers.NAME.learning].
struct AttackerLearning {
  double retaliated_if_attack = 0.5;  ///< initial P̂(retaliated | attacked), in [0, 1]
  double retaliated_if_hold = 0.5;    ///< initial P̂(retaliated | held back), in [0, 1]
  double weight = 2.0;                ///< pseudo-observations behind each, > 0
  /// ε0 in [0, 1]: at its k-th opportunity the attacker experiments with probability
  /// ε0/√k (attacks or holds back with equal probability, whatever its benefit)
  double exploration = 0.1;
  double defender_belief = 0.5;  ///< the defender's initial estimate of a_i, in (0, 1]
};

/// [learning]
struct Learning {
  double step_exponent = 1.0;     ///< κ in (0.5, 1]: evidence after k observations ∝ (m + k)^κ
  double defender_weight = 10.0;  ///< [learning.defender] weight: pseudo-rounds behind â_0, > 0
  /// [learning.attackers] and [learning.defender] attack_probability: what an attacker's own
  /// [attackers.NAME.learning] does not override
  AttackerLearning defaults;
  std::vector<AttackerLearning> attackers;  ///< one per attacker
};

/// A scenario file with `model = "attribution_game"`.
struct AttributionScenario {
  std::string path;
  std::string text;  ///< the file as read
  std::string name;
  std::string description;

  AttributionGame game;
  bool signals_generated = false;  ///< [signals] gave δ, μ, φ rather than matrices
  GeneratedSignals generated;      ///< when signals_generated
  AttributionMode mode = AttributionMode::fixed;
  Learning learning;

  std::uint64_t replications = 10;
  std::uint64_t rounds = 100'000;
  std::uint64_t seed = 1;
  std::uint64_t burn_in_rounds = 0;     ///< rounds left out of /runs, /attackers, /signals
  std::uint64_t trajectory_rounds = 0;  ///< rounds per /trajectory block (0: rounds / 100;
                                        ///< at most rounds)

  /// Rounds per /trajectory block after defaults.
  std::uint64_t block_rounds() const noexcept;
  /// Resolved parameters as TOML (every key, defaults filled in); loads back to the same.
  std::string resolved_toml() const;
};

/// Loads and validates an attribution-game scenario, applying "key.path=value" overrides
/// first. Throws ScenarioError (file, line, column, key) on bad input.
AttributionScenario load_attribution_scenario(const std::string& path,
                                              const std::vector<std::string>& overrides = {});
/// The same from text (`path` is used in messages only).
AttributionScenario load_attribution_scenario_text(std::string text, std::string path,
                                                   const std::vector<std::string>& overrides = {});

/// One row of /runs: a replication's totals over the rounds after burn-in.
struct AttributionRunRow {
  std::uint64_t point = 0;  ///< design point (sweeps), 0 for `run`
  std::uint64_t replication = 0;
  std::uint64_t seed = 0;
  std::uint64_t rounds = 0;  ///< rounds counted (after burn-in)
  std::uint64_t opportunities = 0;
  std::uint64_t attacks = 0;
  std::uint64_t retaliations = 0;                      ///< against anyone
  std::uint64_t retaliations_innocent = 0;             ///< against an attacker that did not attack
  std::uint64_t rounds_without_attack_retaliated = 0;  ///< nobody attacked, someone was hit
  std::uint64_t events = 0;
  /// Hash of the event trajectory: every round's opportunity, choice, signal and
  /// retaliations (sim::TraceHash).
  std::uint64_t fingerprint = 0;
};

/// One row of /attackers: one attacker in one replication (after burn-in).
struct AttributionAttackerRow {
  std::uint64_t point = 0;  ///< design point (sweeps), 0 for `run`
  std::uint64_t replication = 0;
  std::uint32_t attacker = 0;
  std::uint64_t opportunities = 0;
  std::uint64_t attacks = 0;
  double attack_frequency = 0.0;  ///< attacks / opportunities
  double attack_theory = 0.0;     ///< a_i of the closed-form equilibrium
  std::uint64_t retaliations = 0;
  std::uint64_t retaliations_guilty = 0;    ///< in rounds it attacked
  std::uint64_t retaliations_innocent = 0;  ///< in rounds it did not attack
  std::uint64_t retaliated_after_hold = 0;  ///< opportunities it let pass and was hit anyway
  double benefit = 0.0;                     ///< sum of the benefits of its attacks
  double retaliation_cost = 0.0;            ///< w_i × retaliations
  double cutoff = 0.0;                      ///< cutoff in use at the end of the replication
  double cutoff_theory = 0.0;               ///< x_i*
};

/// One row of /signals: (replication, attacker, signal) after burn-in.
struct AttributionSignalRow {
  std::uint64_t point = 0;  ///< design point (sweeps), 0 for `run`
  std::uint64_t replication = 0;
  std::uint32_t attacker = 0;
  std::uint32_t signal = 0;
  std::uint64_t rounds = 0;            ///< rounds with this signal
  std::uint64_t guilty = 0;            ///< of which the attacker attacked
  std::uint64_t retaliations = 0;      ///< of which the defender retaliated against the attacker
  double p_guilty = 0.0;               ///< guilty / rounds (NaN if no rounds)
  double retaliation_frequency = 0.0;  ///< retaliations / rounds (NaN if no rounds)
  double p_guilty_theory = 0.0;        ///< p_i^s of the equilibrium
  double retaliation_theory = 0.0;     ///< r_i^s of the equilibrium
};

/// One row of /trajectory: (replication, block, attacker), over every round.
struct AttributionTrajectoryRow {
  std::uint64_t point = 0;  ///< design point (sweeps), 0 for `run`
  std::uint64_t replication = 0;
  std::uint64_t block = 0;
  std::uint64_t first_round = 0;
  std::uint64_t last_round = 0;
  std::uint32_t attacker = 0;
  std::uint64_t opportunities = 0;
  std::uint64_t attacks = 0;
  double attack_frequency = 0.0;             ///< in the block (NaN without opportunities)
  double cutoff = 0.0;                       ///< at the block's end
  double belief_retaliated_if_attack = 0.0;  ///< the attacker's P̂(retaliated | attacked)
  double belief_retaliated_if_hold = 0.0;    ///< the attacker's P̂(retaliated | held back)
  double defender_estimate = 0.0;            ///< the defender's â_i
};

/// Everything one replication produces.
struct AttributionResult {
  AttributionRunRow run;
  std::vector<AttributionAttackerRow> attackers;
  std::vector<AttributionSignalRow> signals;
  std::vector<AttributionTrajectoryRow> trajectory;
};

/// Runs replication `replication`; `equilibrium` is solve_equilibrium(sc.game) (the fixed
/// strategies, and the theory columns). Deterministic in (scenario, seed, replication).
AttributionResult run_attribution(const AttributionScenario& sc,
                                  const AttributionEquilibrium& equilibrium,
                                  std::uint64_t replication);
/// The same for the run identity `id` (a sweep's task: its master seed, replication and, for
/// independent points, design point); sc.seed is not used. Rows have point 0.
AttributionResult run_attribution(const AttributionScenario& sc,
                                  const AttributionEquilibrium& equilibrium, const sim::RunId& id);

sim::h5::TableSchema<AttributionRunRow> attribution_runs_schema();
sim::h5::TableSchema<AttributionAttackerRow> attribution_attackers_schema();
sim::h5::TableSchema<AttributionSignalRow> attribution_signals_schema();
sim::h5::TableSchema<AttributionTrajectoryRow> attribution_trajectory_schema();

/// Writes /scenario (text, resolved parameters, attacker and signal names): what a sweep's
/// file has.
void write_attribution_scenario_group(sim::h5::File& file, const AttributionScenario& sc);
/// Writes /scenario (text, resolved parameters, attacker and signal names) and
/// /equilibrium (the closed form) for an attribution-game file.
void write_attribution_scenario(sim::h5::File& file, const AttributionScenario& sc,
                                const AttributionEquilibrium& equilibrium);

}  // namespace cyberdeter::models::games
