#pragma once
// The tasks of a sweep and who runs which: sets of task numbers kept as sorted ranges,
// deterministic shares for job-array shards, and the identity every part file of a sweep
// carries so that a merge can check the parts belong together and cover every task once.
//
// A sweep is `total` tasks numbered 0..total-1 (the model maps a task to its design point
// and replication). Nothing here depends on which worker, thread, rank or shard ran a
// task: that is what lets any partition of the work merge into the same file.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cyberdeter::sim {

namespace h5 {
class File;
}

/// Tasks [begin, end).
struct TaskRange {
  std::uint64_t begin = 0;
  std::uint64_t end = 0;
  std::uint64_t size() const noexcept { return end - begin; }
  bool empty() const noexcept { return end <= begin; }
  friend bool operator==(const TaskRange&, const TaskRange&) = default;
};

/// A set of tasks as sorted, disjoint, non-adjacent ranges.
class TaskSet {
 public:
  TaskSet() = default;
  /// All tasks [0, total).
  static TaskSet all(std::uint64_t total);

  /// Adds `range`; tasks already present stay (see overlap()).
  void insert(TaskRange range);
  void insert(const TaskSet& other);
  /// The tasks of `range` already in the set.
  TaskSet overlap(TaskRange range) const;
  /// Tasks in this set and not in `other`.
  TaskSet minus(const TaskSet& other) const;
  bool contains(std::uint64_t task) const;

  std::uint64_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  const std::vector<TaskRange>& ranges() const noexcept { return ranges_; }
  /// The set cut into consecutive blocks of at most `block` tasks, in increasing order.
  std::vector<TaskRange> blocks(std::uint64_t block) const;

  friend bool operator==(const TaskSet&, const TaskSet&) = default;

 private:
  std::vector<TaskRange> ranges_;
  std::uint64_t size_ = 0;
};

/// "12-15, 40, 97-99": a set for messages, at most `max_ranges` ranges then "…and N more".
std::string describe(const TaskSet& set, std::size_t max_ranges = 8);

/// One share of a job array: shard `index` of `count`, 1-based as written ("3/8").
struct Shard {
  std::uint64_t index = 1;
  std::uint64_t count = 1;
  friend bool operator==(const Shard&, const Shard&) = default;
};

/// Parses "I/N" with 1 <= I <= N; throws std::invalid_argument saying what was expected.
Shard parse_shard(std::string_view text);
/// "I/N".
std::string to_string(const Shard& shard);

/// The shard of a Slurm job array task from SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_MIN,
/// SLURM_ARRAY_TASK_MAX and SLURM_ARRAY_TASK_COUNT (index = id - min + 1, count = count),
/// or nothing outside a job array. Throws std::invalid_argument for an array whose ids are
/// not consecutive (a step or a list), since shards must cover every task.
std::optional<Shard> shard_from_slurm_environment();

/// The deterministic share of shard `shard` among `total` tasks: blocks of
/// ceil(total / (16 · count)) consecutive tasks dealt round-robin, so that every shard
/// gets a similar mix of cheap and expensive design points, and a merge reads each part
/// in a few long ranges.
TaskSet shard_tasks(std::uint64_t total, const Shard& shard);

/// The SHA-1 of `bytes` as 40 lowercase hex digits.
std::string sha1_hex(std::string_view bytes);

/// What a sweep output file (a checkpoint part, a shard's file or the merged file) says
/// about itself, as attributes of its /sweep group and the datasets /sweep/task_begin and
/// /sweep/task_end.
struct PartInfo {
  std::string sweep_id;           ///< `sweep_id`: hash of the sweep file and base scenario
  std::string sweep_hash;         ///< `sweep_sha1`: SHA-1 of the sweep file's text
  std::string program_version;    ///< `program_version` of the program that ran the tasks
  std::uint64_t total_tasks = 0;  ///< `total_tasks` of the whole sweep
  std::string shard;              ///< `shard`: "I/N", or "" for the whole sweep
  TaskSet tasks;                  ///< the tasks whose rows the file holds
  bool complete() const { return tasks == TaskSet::all(total_tasks); }
};

/// Writes `info` into /sweep (created if missing), with attribute `complete` (0 or 1).
void write_part_info(h5::File& file, const PartInfo& info);
/// Reads it back; throws h5::H5Error naming what is missing for a file that is not a
/// sweep output.
PartInfo read_part_info(const h5::File& file);

}  // namespace cyberdeter::sim
