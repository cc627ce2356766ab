#pragma once
// A sweep of the deterrence model: the plan every process derives from the sweep file,
// the job that the executors of sim/executor.hpp run, and the files it writes.
//
// Task t of a sweep is design point t / R, replication t % R (R replications per point),
// so /runs in task order is point-major. Every output file of a sweep, whether a
// checkpoint part, a shard's file or the merged file, has the same groups (/sweep with its
// identity and the tasks it holds, /scenario, /design, /runs, /states, /attackers,
// optionally /timeseries and /incidents);
// checkpoint parts carry only /sweep and the tables.

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "cyberdeter/models/deterrence/scenario.hpp"
#include "cyberdeter/models/deterrence/scenario_loader.hpp"
#include "cyberdeter/models/sweep.hpp"
#include "cyberdeter/sim/executor.hpp"
#include "cyberdeter/sim/hdf5.hpp"
#include "cyberdeter/sim/random.hpp"
#include "cyberdeter/sim/tasks.hpp"

namespace cyberdeter::models::deterrence {

/// Scenarios of design points that the up-front check (validate_points) loaded, kept for
/// the run so that a point is loaded once. The check keeps as many as a memory budget
/// allows (SweepPlan::checked_budget), the lowest points first; the first run of a point
/// takes its scenario out, and other runs load the point again. Safe for several threads.
class CheckedScenarios {
 public:
  void put(std::uint64_t point, Scenario scenario);
  /// Point `point`'s scenario, removed from here; nullopt if it is not kept.
  std::optional<Scenario> take(std::uint64_t point);
  std::size_t size() const;

 private:
  mutable std::mutex mutex_;
  std::unordered_map<std::uint64_t, Scenario> scenarios_;
};

/// What every process of a sweep derives from the sweep file, identically.
struct SweepPlan {
  Sweep sweep;
  std::vector<DesignPoint> points;
  std::string base_text;  ///< the base scenario file's text; points are loaded from it
  std::shared_ptr<const ScenarioSource> source;  ///< base_text, parsed once
  Scenario base;                                 ///< the base scenario (written to /scenario)
  std::string sweep_id;    ///< SHA-1 of the sweep file's text and the base scenario's text
  std::string sweep_hash;  ///< SHA-1 of the sweep file's text
  /// With `--worlds`: the plausible worlds of a calibration (worlds_text below), each
  /// crossed with every point of the sweep file's design. Point w·P + p is world w with the
  /// file's point p; the design's first parameters are `world` and the world's values.
  std::string worlds_text;
  std::size_t worlds = 0;  ///< number of worlds (0: none)
  /// The points' scenarios validate_points loaded, for the run; shared by copies of the plan.
  std::shared_ptr<CheckedScenarios> checked = std::make_shared<CheckedScenarios>();
  /// Memory (footprint() of the base scenario, without its text, per point) that
  /// validate_points may fill with the points' scenarios: a design of millions of points
  /// keeps the lowest points that fit, and the others are loaded again when they run.
  std::size_t checked_budget = std::size_t{64} << 20;

  std::uint64_t tasks() const { return points.size() * sweep.replications; }
  std::uint64_t point_of(std::uint64_t task) const { return task / sweep.replications; }
  std::uint64_t replication_of(std::uint64_t task) const { return task % sweep.replications; }
  /// The run identity of a task: common random numbers unless the sweep says otherwise.
  sim::RunId run_id(std::uint64_t task) const;
  /// The scenario of design point `point` (without the base's text): the one
  /// validate_points kept, taken out of `checked`, or loaded from the base text and the
  /// point's overrides.
  Scenario scenario(std::uint64_t point) const;
};

/// Loads the sweep file and expands its design, crossed with the worlds of `worlds_text`
/// when it is not empty (worlds_text()). Throws ScenarioError.
SweepPlan plan_sweep(const std::string& path, const std::string& worlds_text = "");

/// The plausible worlds of a calibration's output (/plausible) as the text a sweep stores
/// in /sweep/worlds: one [[worlds]] table per world with its index, weight, parameter
/// values and overrides. Throws sim::h5::H5Error for a file that is not a calibration's.
/// `base_text` must be the calibration's base scenario (else ScenarioError at `sweep_path`).
/// `max_worlds` > 0 keeps that many of them, evenly spaced in the calibration's order (their
/// weights renormalised): a deterministic subsample for a costly question.
std::string worlds_text(const std::string& calibration_output, const std::string& base_text,
                        const std::string& sweep_path, std::size_t max_worlds = 0);

/// Loads the scenario of every point that `tasks` touch, so that a combination of values
/// the model rejects is bad input before anything runs, on up to `threads` threads, and
/// keeps the lowest that fit in plan.checked_budget for the run (SweepPlan::scenario).
/// Throws ScenarioError naming the point and its values (the lowest such point, for any
/// number of threads).
void validate_points(const SweepPlan& plan, const sim::TaskSet& tasks, unsigned threads = 1);

/// The plan of a sweep from the texts its output stores (/sweep/text, /scenario/text),
/// without reading files and without loading every point.
SweepPlan plan_sweep_text(std::string sweep_text, std::string sweep_path, std::string base_text,
                          std::string worlds_text = "");

/// Writes /design: each parameter's value (or index into `values`) at every point, with
/// its path, values and labels as attributes. Every model's sweep file has the same /design.
void write_design(sim::h5::File& file, const Sweep& sweep, const std::vector<DesignPoint>& points);
/// Writes /sweep with the sweep file's text, name, master seed and replications.
void write_sweep_attributes(sim::h5::File& file, const Sweep& sweep);

/// Tasks in words, for messages: "point 3 (replications 0-9), points 7-9".
std::string describe_tasks(const sim::TaskSet& tasks, std::uint64_t replications,
                           std::size_t max_ranges = 8);

struct SweepOutput {
  bool timeseries = false;          ///< also write /timeseries (one row per run and period)
  bool incidents = false;           ///< also write /incidents (every incident's record)
  sim::h5::TableOptions storage{};  ///< chunking and compression of the tables
  /// Writes the root provenance attributes (the caller knows the program and command).
  std::function<void(sim::h5::File&)> provenance;
  /// Called between the merge's tables and before its output is published: throws to stop
  /// a merge that was interrupted, so that a stopped sweep never publishes its output.
  std::function<void()> check_interrupted;
  /// Version and revision of the program running the tasks, recorded in every part: parts
  /// of different versions do not merge.
  std::string program_version;
  /// The shard ("I/N", or "") the checkpoint parts are recorded as belonging to, so that a
  /// resume with another share is refused.
  std::string shard;
};

/// The job the executors run: each block of tasks gives its /runs (and /timeseries) rows,
/// written into checkpoint parts.
sim::SweepJob make_sweep_job(const SweepPlan& plan, const SweepOutput& output);

/// True if a sweep's file holds /timeseries.
bool has_timeseries(const sim::h5::File& file);
/// True if a sweep's file holds /incidents.
bool has_incidents(const sim::h5::File& file);

/// Writes `path` from the checkpoint `parts` of a sweep: /sweep, /scenario and /design from
/// the plan, the tables merged in task order (/timeseries if output.timeseries). A share
/// with no tasks (a shard of a tiny sweep) has no parts and gives empty tables. `expected` are the
/// tasks the file must hold (all of them, or a shard's); `shard` is "I/N" or "". Throws
/// sim::MergeError if the parts do not cover `expected` exactly once. Returns the number of /runs
/// rows.
std::uint64_t write_sweep_file(const SweepPlan& plan, const SweepOutput& output,
                               const std::vector<std::string>& parts, const sim::TaskSet& expected,
                               const std::string& shard, const std::string& path);

struct MergeSummary {
  std::string sweep_name;
  std::uint64_t runs = 0;
  std::uint64_t points = 0;
  std::uint64_t replications = 0;
};

/// `cyberdeter merge`: merges the files of a sweep's shards (or any sweep outputs that
/// together cover it once) into `path`. /scenario, /design and /sweep are rebuilt from the
/// sweep file's and base scenario's texts stored in the first input. Throws sim::MergeError when
/// the inputs belong to different sweeps or program versions, or when a task is missing or
/// duplicated (naming the files, the tasks and the shards), and sim::h5::H5Error for a file that is
/// not a sweep's output.
MergeSummary merge_sweep_files(const std::vector<std::string>& inputs, const std::string& path,
                               const SweepOutput& output);

}  // namespace cyberdeter::models::deterrence
