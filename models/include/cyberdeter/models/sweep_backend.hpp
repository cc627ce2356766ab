#pragma once
// What `cyberdeter sweep` and `cyberdeter merge` need of a swept model, whatever the model.
// The deterrence model's sweep (deterrence/sweep_run.hpp) and the other models' sweeps
// (the ANU model, the formal games: models/src/model_sweep.hpp) each implement it; the commands
// choose by the base scenario's `model` key (sweep) or the /scenario `model` attribute (merge).
//
// Every implementation keeps the same contract: task t is design point t / R, replication
// t % R; a task's rows depend only on its run id; parts and merged files carry /sweep with
// the sweep's id and tasks, so threads, MPI ranks, shards and resume give the same bytes.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "cyberdeter/models/deterrence/sweep_run.hpp"
#include "cyberdeter/models/sweep.hpp"
#include "cyberdeter/sim/executor.hpp"
#include "cyberdeter/sim/tasks.hpp"

namespace cyberdeter::models {

class SweepBackend {
 public:
  virtual ~SweepBackend() = default;
  /// The model the sweep runs ("deterrence", "anu_deterrence", "attribution_game", ...).
  virtual std::string model() const = 0;
  virtual const Sweep& sweep() const = 0;
  virtual std::size_t points() const = 0;
  /// The plausible worlds the design is crossed with (sweep --worlds); 0 if none.
  virtual std::size_t worlds() const { return 0; }
  /// SHA-1 of the sweep file's text and the base scenario's text.
  virtual const std::string& sweep_id() const = 0;
  std::uint64_t tasks() const { return points() * sweep().replications; }
  /// True if the model has /timeseries and /incidents (--timeseries, --incidents).
  virtual bool has_extras() const = 0;
  /// Loads the scenario of every point that `tasks` touch, on up to `threads` threads.
  /// Throws ScenarioError (the lowest failing point's).
  virtual void validate_points(const sim::TaskSet& tasks, unsigned threads) const = 0;
  /// The job the executors run; the backend must outlive it.
  virtual sim::SweepJob make_job(const deterrence::SweepOutput& output) const = 0;
  /// Writes the sweep's file from checkpoint parts (deterrence::write_sweep_file's contract).
  virtual std::uint64_t write_file(const deterrence::SweepOutput& output,
                                   const std::vector<std::string>& parts,
                                   const sim::TaskSet& expected, const std::string& shard,
                                   const std::string& path) const = 0;
};

/// Loads a sweep file and plans it with the backend of its base scenario's model, crossed
/// with the plausible worlds of `worlds_text` (deterrence::worlds_text) if it is not empty.
/// Throws ScenarioError.
std::unique_ptr<SweepBackend> plan_any_sweep(const std::string& path,
                                             const std::string& worlds_text = "");

/// `cyberdeter merge` for a sweep of any model: the model is read from the first input's
/// /scenario. Same contract as deterrence::merge_sweep_files.
deterrence::MergeSummary merge_any_sweep_files(const std::vector<std::string>& inputs,
                                               const std::string& path,
                                               const deterrence::SweepOutput& output);

namespace anu {
/// The ANU model's sweep backend (anu_sweep.cpp), from a loaded sweep file or, for a
/// merge, from the texts its output stores.
std::unique_ptr<SweepBackend> plan_anu_sweep(Sweep sweep, std::string base_text);
/// merge_any_sweep_files for ANU sweeps.
deterrence::MergeSummary merge_anu_sweep_files(const std::vector<std::string>& inputs,
                                               const std::string& path,
                                               const deterrence::SweepOutput& output);
}  // namespace anu

namespace games {
/// The formal games' sweep backends (games/games_sweep.cpp): `sweep.model` is
/// "attribution_game" or "timing_game".
std::unique_ptr<SweepBackend> plan_game_sweep(Sweep sweep, std::string base_text);
/// merge_any_sweep_files for the games' sweeps.
deterrence::MergeSummary merge_game_sweep_files(const std::string& model,
                                                const std::vector<std::string>& inputs,
                                                const std::string& path,
                                                const deterrence::SweepOutput& output);
}  // namespace games

}  // namespace cyberdeter::models
