#pragma once
// A calibration by history matching in waves, on the sweep machinery (docs/calibration.md,
// "Plausible worlds"). Wave k is a sweep whose points are worlds: its design is a function
// of the calibration file and waves 0..k-1's results only, it runs on the executors of
// sim/executor.hpp (threads, MPI ranks, shards) with checkpoint parts, and its merged rows
// become OUT.h5.parts/wave-K.h5. A resume re-reads the finished waves, recomputes the same
// emulators and the same design, and runs only the tasks no part holds.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cyberdeter/models/deterrence/calibration.hpp"
#include "cyberdeter/models/deterrence/emulator.hpp"
#include "cyberdeter/models/deterrence/sweep_run.hpp"

namespace cyberdeter::models::deterrence {

struct CalibrationOutput {
  sim::h5::TableOptions storage{};
  std::function<void(sim::h5::File&)> provenance;
  std::function<void()> check_interrupted;
  std::string program_version;
  std::string shard;  ///< "I/N" or "" (recorded in the wave's checkpoint parts)
};

/// One wave: its worlds and the sweep plan that runs them.
struct Wave {
  std::size_t index = 0;
  std::vector<std::vector<double>> values;  ///< per world, each parameter's value
  std::uint64_t candidates = 0;    ///< prior draws the emulators screened (wave 0: its worlds)
  std::uint64_t accepted = 0;      ///< of them, non-implausible by every earlier emulator
  std::uint64_t world_offset = 0;  ///< index of its first world over all waves
  SweepPlan plan;                  ///< points = worlds; sweep_id identifies the wave
};

/// The design of a wave as text (exact: hexadecimal floats), to send from rank 0.
std::string serialize(const Wave& wave);
Wave deserialize_wave(const CalibrationSpec& cal, const std::string& text);

/// What the finished waves established.
class HistoryMatch {
 public:
  explicit HistoryMatch(const CalibrationSpec& cal);
  const CalibrationSpec& calibration() const { return cal_; }
  std::size_t waves_done() const { return waves_.size(); }
  /// The next wave's design: wave 0 a Latin hypercube through the priors, later waves the
  /// first `points` prior draws that every emulator so far finds non-implausible.
  /// Uses up to `threads` threads; the result does not depend on them.
  Wave next_wave(unsigned threads) const;
  /// Reads a finished wave's file (world by world), summarises its worlds and fits its
  /// emulators. Throws sim::MergeError if the file is not this wave's.
  void add_wave(const Wave& wave, const std::string& wave_file, unsigned threads);
  /// Writes the calibration's output from the wave files (docs/hdf5-schema.md).
  void write_output(const std::string& path, const std::vector<std::string>& wave_files,
                    const CalibrationOutput& output) const;

  /// True if `values` is non-implausible by the emulator of every finished wave (inside
  /// the region the calibration keeps; a synthetic truth must be).
  bool in_final_region(const std::vector<double>& values) const {
    return in_region(values, 0, waves_.size());
  }
  /// The parameter values of the plausible worlds.
  std::vector<std::vector<double>> plausible_values() const;

  struct Summary {
    std::vector<std::uint64_t> worlds, non_implausible;
    std::vector<double> region_share;
    std::uint64_t plausible = 0, total_worlds = 0;
  };
  Summary summary() const;

 private:
  struct WaveResults {
    Wave wave;
    std::vector<WorldSummary> worlds;
    std::vector<double> max_implausibility;
    std::vector<std::optional<Emulator>> emulators;  // per target
  };
  // Is x (parameter values) non-implausible by the emulators of waves [from, to)?
  bool in_region(const std::vector<double>& values, std::size_t from, std::size_t to) const;
  std::vector<bool> plausible() const;

  CalibrationSpec cal_;
  std::vector<WaveResults> waves_;
};

/// The wave's SweepPlan from its worlds (run ids: common random numbers across worlds).
SweepPlan wave_plan(const CalibrationSpec& cal, std::size_t index,
                    const std::vector<std::vector<double>>& values, std::uint64_t candidates);

/// The job the executors run for a wave: each task gives one CalibrationRow.
sim::SweepJob make_calibration_job(const CalibrationSpec& cal, const Wave& wave,
                                   const CalibrationOutput& output);

/// Merges a wave's checkpoint parts (of any shards) into its wave file, after checking they
/// cover the wave once. Throws sim::MergeError otherwise.
void write_wave_file(const CalibrationSpec& cal, const Wave& wave, const CalibrationOutput& output,
                     const std::vector<std::string>& parts, const std::string& path);

/// The rows layout of a calibration's /runs, for its targets.
sim::h5::TableSchema<CalibrationRow> calibration_runs_schema(const CalibrationSpec& cal);

/// The overrides that give a world its parameter values.
std::vector<std::string> world_overrides(const CalibrationSpec& cal,
                                         const std::vector<double>& values);

}  // namespace cyberdeter::models::deterrence
