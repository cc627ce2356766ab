#pragma once
// The pool of worker threads and the writer that every executor runs in each process;
// the executors differ only in where blocks come from and what the writer does between
// writes (an MPI rank answers or sends requests).

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

/// The blocks of a task set, in order; thread-safe (an MPI server shares it with the
/// local workers).
class ListSource final : public BlockSource {
 public:
  explicit ListSource(std::vector<TaskRange> blocks) : blocks_(std::move(blocks)) {}
  std::optional<TaskRange> next() override {
    std::lock_guard lock(mutex_);
    if (next_ == blocks_.size()) return {};
    return blocks_[next_++];
  }

 private:
  std::mutex mutex_;
  std::vector<TaskRange> blocks_;
  std::size_t next_ = 0;
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
