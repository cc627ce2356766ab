#pragma once
// The pool of worker threads and the writer that every executor runs in each process;
// the executors differ only in where blocks come from and what the writer does between
// writes (an MPI rank answers or sends requests).

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "cyberdeter/sim/executor.hpp"

namespace cyberdeter::sim::detail {

/// Hands out blocks in increasing task order. next() is called by one worker at a time.
class BlockSource {
 public:
  virtual ~BlockSource() = default;
  /// The next block, or nothing when there are no more; may block.
  virtual std::optional<TaskRange> next() = 0;
  /// Makes a blocked next() return nothing (the pool is stopping).
  virtual void stop() {}
};

/// The tasks of a set in increasing order, in blocks of at most `max_block` tasks that
/// shrink towards the end (guided self-scheduling: about remaining / (2 · workers), at
/// least 1), so that the workers finish together. Thread-safe: an MPI server shares it
/// with the local workers. Block boundaries never change what a task computes.
class ListSource final : public BlockSource {
 public:
  ListSource(const TaskSet& tasks, std::uint64_t max_block, std::uint64_t workers)
      : ranges_(tasks.ranges()),
        remaining_(tasks.size()),
        max_block_(std::max<std::uint64_t>(max_block, 1)),
        workers_(std::max<std::uint64_t>(workers, 1)) {
    if (!ranges_.empty()) at_ = ranges_.front().begin;
  }
  std::optional<TaskRange> next() override {
    std::lock_guard lock(mutex_);
    if (remaining_ == 0) return {};
    const TaskRange& range = ranges_[index_];
    const std::uint64_t guided = std::max<std::uint64_t>(1, remaining_ / (2 * workers_));
    const std::uint64_t size = std::min({max_block_, guided, range.end - at_});
    const TaskRange block{at_, at_ + size};
    at_ += size;
    remaining_ -= size;
    if (at_ == range.end && ++index_ < ranges_.size()) at_ = ranges_[index_].begin;
    return block;
  }

 private:
  std::mutex mutex_;
  std::vector<TaskRange> ranges_;
  std::size_t index_ = 0;
  std::uint64_t at_ = 0;
  std::uint64_t remaining_;
  std::uint64_t max_block_;
  std::uint64_t workers_;
};

struct WriterHooks {
  std::chrono::milliseconds poll_interval{100};
  std::function<void()> poll;                  ///< on the writer thread, every loop
  std::function<bool()> may_finish;            ///< must also hold before the writer stops
  std::function<void(std::uint64_t)> written;  ///< tasks written by this process so far
};

/// Runs the blocks of `source` on options.threads workers, writing parts named
/// `<parts_dir>/<prefix>-<first task>.h5`.
ExecuteResult run_pool(const SweepJob& job, const ExecuteOptions& options, BlockSource& source,
                       const WriterHooks& hooks, const std::string& prefix);

}  // namespace cyberdeter::sim::detail
