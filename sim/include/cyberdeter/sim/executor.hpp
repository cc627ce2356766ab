#pragma once
// Executors of a sweep's tasks: a pool of threads in one process, and (when built with
// MPI) ranks of an MPI job, each rank a pool of threads. Domain-free: the model supplies
// a SweepJob that runs a block of tasks and writes blocks to a part file.
//
// How work flows. Tasks are handed out in blocks of consecutive tasks, in increasing
// order, to whichever worker asks next (dynamic assignment, so slow points do not idle
// the others). One writer per process (the calling thread; HDF5 is not thread-safe)
// writes the finished blocks in the order they were handed out into a checkpoint part
// file under `parts_dir`, which is committed (synced and renamed into place) every
// `checkpoint` and at the end. A part's rows are therefore in increasing task order, its
// tasks are recorded in it, and a part that was being written when the process died is
// only a `.partial-<pid>` file: never mistaken for a finished one. Workers run at most a
// bounded number of blocks ahead of the writer, so memory does not grow with the sweep.
//
// Nothing a task computes depends on which thread, rank or shard ran it; merging the parts
// (sweep order, see tasks.hpp) gives the same file whatever the partition.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cyberdeter/sim/tasks.hpp"

namespace cyberdeter::sim {

/// What a block of tasks produced, handed from a worker thread to the writer.
class BlockOutput {
 public:
  virtual ~BlockOutput() = default;
};

/// Runs blocks of tasks on one worker thread (it may keep thread-confined caches).
class TaskRunner {
 public:
  virtual ~TaskRunner() = default;
  virtual std::unique_ptr<BlockOutput> run(TaskRange block) = 0;
};

/// A checkpoint part being written by the writer thread.
class PartWriter {
 public:
  virtual ~PartWriter() = default;
  /// Appends a block's output (blocks come in increasing task order).
  virtual void write(const BlockOutput& output) = 0;
  /// Records `tasks` (exactly the blocks written) and publishes the file atomically.
  virtual void commit(const TaskSet& tasks) = 0;
};

/// What the model supplies.
struct SweepJob {
  /// One per worker thread, created on that thread.
  std::function<std::unique_ptr<TaskRunner>()> make_runner;
  /// Starts the part file `path` (written under a temporary name until commit()).
  std::function<std::unique_ptr<PartWriter>(const std::string& path)> open_part;
};

struct ExecuteOptions {
  TaskSet pending;       ///< the tasks to run (on MPI: read on rank 0 only)
  unsigned threads = 1;  ///< worker threads in this process
  /// Most tasks per block (blocks shrink towards the end so that workers finish
  /// together); 0 chooses from the pending tasks and the number of workers.
  std::uint64_t block = 0;
  std::string parts_dir;                         ///< where part files are committed
  std::chrono::milliseconds checkpoint{10'000};  ///< commit the open part this often
  /// Called often on the writer thread; throwing stops the executor (the tasks written so
  /// far are committed first) and the exception propagates. Used for Ctrl-C.
  std::function<void()> check_interrupted;
  /// Called on the writer thread with the number of tasks finished by the whole job
  /// (on MPI: as known to rank 0; other ranks are not called).
  std::function<void(std::uint64_t)> on_progress;
};

struct ExecuteResult {
  std::uint64_t tasks = 0;         ///< tasks this process ran
  std::vector<std::string> parts;  ///< part files this process committed
};

/// The block size chosen when ExecuteOptions::block is 0: about 32 blocks per worker,
/// between 1 and 128 tasks.
std::uint64_t default_block_size(std::uint64_t pending, std::uint64_t workers);

/// Runs `options.pending` on `options.threads` threads of this process.
ExecuteResult execute_threads(const SweepJob& job, const ExecuteOptions& options);

}  // namespace cyberdeter::sim
