#pragma once
// CalibrationSpec under uncertainty (docs/calibration.md, "Plausible worlds"): a calibration
// file names a base scenario, uncertain parameters with priors, targets (empirical base
// rates with their bands) and a budget; history matching in waves keeps every parameter
// vector ("world") the targets cannot rule out.
//
// Everything here is deterministic: a wave's design is a function of the calibration file
// and the previous waves' results only, so a killed calibration resumes to the same file.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cyberdeter/models/deterrence/records.hpp"
#include "cyberdeter/models/deterrence/scenario.hpp"
#include "cyberdeter/models/sweep.hpp"
#include "cyberdeter/sim/random.hpp"

namespace cyberdeter::models::deterrence {

enum class PriorKind { uniform, log_uniform, beta, truncated_normal };

/// "uniform", "log_uniform", "beta" or "truncated_normal", as in calibration files.
std::string_view to_string(PriorKind kind) noexcept;

/// A prior on [lo, hi]: every prior is bounded, so a world's parameters always load.
struct PriorSpec {
  PriorKind kind = PriorKind::uniform;
  double lo = 0.0, hi = 1.0;
  double alpha = 1.0, beta = 1.0;  ///< beta: shape on [lo, hi]
  double mean = 0.0, sd = 1.0;     ///< truncated_normal: before truncation to [lo, hi]

  /// The value at prior quantile u in [0, 1] (inverse CDF).
  double quantile(double u) const;
  /// The prior's CDF at x.
  double cdf(double x) const;
  /// PriorSpec density at x (0 outside [lo, hi]).
  double density(double x) const;
  /// x in [0, 1] coordinates: (x - lo) / (hi - lo), on log scale for log_uniform (the
  /// emulators' inputs).
  double to_unit(double x) const;
};

/// [[parameters]]: an uncertain parameter (paths, `where` and `link` as in sweeps).
struct CalibrationParameter {
  SweepParameter sweep;  ///< name, paths, link, base values; range = [prior.lo, prior.hi]
  PriorSpec prior;
  std::string source;  ///< `source`: why this prior ([M], a citation)
};

/// Which incidents a target counts: every key given must match.
struct IncidentFilter {
  std::vector<std::uint8_t> kinds;       ///< `kind`: attacker kinds
  std::vector<std::uint32_t> attackers;  ///< `attacker` or `sponsor`: attacker indices
  bool attackers_given = false;
  std::vector<std::uint32_t> victims;  ///< `victim`: state indices
  std::vector<std::uint8_t> rungs;     ///< `rung`: final rungs
  std::optional<bool> detected, success, attributed, correct, is_public, mega_event;

  bool matches(const IncidentRow& row) const;
  /// The filter as TOML, for messages and the output's attributes.
  std::string text;
};

enum class Statistic { share, per_year, median };

/// [[targets]]: one base rate, computed in every run from the incidents it streams.
/// Per run a target gives a numerator and a denominator; a world's value is the sum of
/// the numerators over its runs divided by the sum of the denominators:
///   share     numerator: incidents of `of` that also match `where`; denominator: of `of`
///   per_year  numerator: incidents of `of`; denominator: the horizon in years
///   median    numerator: the run's median of `value` over incidents of `of`; denominator:
///             1 if the run has any such incident (a world's value is the mean over its
///             runs of their medians)
struct Target {
  std::string id;    ///< `id`: column stem in the output (letters, digits, _)
  std::string name;  ///< `name`: in words
  Statistic statistic = Statistic::share;
  IncidentFilter of;             ///< `of`
  IncidentFilter where;          ///< `where` (share only)
  std::string value;             ///< `value` (median only): response_lag_days, sanction_days, ...
  double low = 0.0, high = 0.0;  ///< the empirical band
  std::string band_text;         ///< the band as the source gives it ("18.2 % of 713")
  double observed = 0.0;         ///< z: the figure the implausibility measures from
  double sd_observed = 0.0;      ///< the band is z ± 2 sd (a dataset's sampling band)
  double discrepancy = 0.0;      ///< `discrepancy`: model discrepancy sd [M]
  std::string source;            ///< `source`
  std::string note;              ///< `note`
};

struct CalibrationSpec {
  std::string path;       ///< the calibration file
  std::string text;       ///< its text
  std::string base_path;  ///< `base`, resolved relative to the file
  std::string base_text;  ///< the base scenario's text
  std::string name;
  std::uint64_t replications = 10;    ///< [run] replications per world
  std::uint64_t seed = 1;             ///< [run] seed (common random numbers across worlds)
  std::size_t waves = 4;              ///< [method] waves
  std::size_t points = 500;           ///< [method] worlds simulated per wave
  double cutoff = 3.0;                ///< [method] implausibility cutoff
  std::size_t candidates = 20000;     ///< [method] prior draws the emulators screen per wave
  std::size_t emulator_points = 250;  ///< [method] worlds that train each emulator
  std::vector<CalibrationParameter> parameters;
  std::vector<Target> targets;
  /// The base scenario's attackers and states (for messages, diagnostics).
  std::vector<std::string> attacker_names, state_names;
  std::vector<std::uint8_t> attacker_kinds;
  double horizon_years = 0.0;
};

/// Loads and validates a calibration file. Throws ScenarioError (file:line:key).
CalibrationSpec load_calibration(const std::string& path);
/// The same from the texts a calibration's output stores.
CalibrationSpec load_calibration_text(std::string text, std::string path, std::string base_text);

/// Most targets a calibration may have (columns of /runs).
inline constexpr std::size_t max_targets = 48;

/// One row of a calibration's /runs: one run of one world, with each target's numerator
/// and denominator, and the attack margin of the state-sponsored groups.
struct CalibrationRow {
  std::uint64_t point = 0;  ///< the world's index within its wave
  std::uint64_t replication = 0;
  std::uint64_t world = 0;  ///< the world's index over all waves
  std::uint32_t wave = 0;
  std::uint64_t events = 0;
  std::uint64_t launched = 0;
  double ss_decisions = 0.0;   ///< decisions of state-sponsored groups
  double ss_attack_sum = 0.0;  ///< their sum of P(attack) = 1 - P(none)
  double ss_margin_sum = 0.0;  ///< their sum of the best target's EU (VU)
  std::array<double, max_targets> num{};
  std::array<double, max_targets> den{};
};

/// Runs one replication and computes its row (targets from the streamed incidents).
CalibrationRow calibration_run(const CalibrationSpec& cal, const Scenario& scenario,
                               const sim::RunId& id);

/// Per world, from its runs: each target's value (ratio of sums), the Monte Carlo variance
/// of that value (delta method over runs), and the state groups' P(attack) and margin.
struct WorldSummary {
  std::vector<double> value;     ///< per target (NaN if the denominator is 0)
  std::vector<double> variance;  ///< per target, of the world's value
  double ss_attack = 0.0;        ///< P(attack) of state groups, decision-weighted
  double ss_margin = 0.0;        ///< their mean margin (VU)
  std::uint64_t runs = 0;
};
WorldSummary summarize_world(const CalibrationSpec& cal, const std::vector<CalibrationRow>& runs);

/// max over targets of |z − value| / sqrt(sd_obs² + discrepancy² + variance).
std::vector<double> implausibility(const CalibrationSpec& cal, const WorldSummary& w);

}  // namespace cyberdeter::models::deterrence
