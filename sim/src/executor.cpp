#include "cyberdeter/sim/executor.hpp"

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <map>
#include <thread>

#include "executor_core.hpp"

namespace cyberdeter::sim {

std::uint64_t default_block_size(std::uint64_t pending, std::uint64_t workers) {
  const std::uint64_t target = pending / (32 * std::max<std::uint64_t>(workers, 1));
  return std::clamp<std::uint64_t>(target, 1, 128);
}

namespace detail {
namespace {

std::string part_path(const std::string& dir, const std::string& prefix, std::uint64_t first) {
  char number[32];
  std::snprintf(number, sizeof number, "%012llu", static_cast<unsigned long long>(first));
  return (std::filesystem::path(dir) / (prefix + "-" + number + ".h5")).string();
}

class Pool {
 public:
  Pool(const SweepJob& job, const ExecuteOptions& options, BlockSource& source,
       const WriterHooks& hooks, std::string prefix)
      : job_(job),
        options_(options),
        source_(source),
        hooks_(hooks),
        prefix_(std::move(prefix)),
        window_(4 * std::max(1u, options.threads)) {}

  ExecuteResult run() {
    const unsigned threads = std::max(1u, options_.threads);
    for (unsigned i = 0; i < threads; ++i) workers_.emplace_back([this] { work(); });
    try {
      write_loop();
    } catch (...) {
      stop_workers();
      // What is written is correct and complete per task: keep it for a resume.
      try {
        commit_part();
      } catch (...) {
      }
      throw;
    }
    stop_workers();
    commit_part();
    return result_;
  }

 private:
  struct Finished {
    TaskRange block;
    std::unique_ptr<BlockOutput> output;
  };

  void work() {
    std::unique_ptr<TaskRunner> runner;
    try {
      runner = job_.make_runner();
      for (;;) {
        TaskRange block;
        std::uint64_t seq = 0;
        {
          std::unique_lock fetch(fetch_mutex_);
          {
            std::unique_lock lock(mutex_);
            changed_.wait(lock, [&] { return stopping_ || handed_ < written_ + window_; });
            if (stopping_ || exhausted_) return;
          }
          const auto next = source_.next();
          std::lock_guard lock(mutex_);
          if (!next) {
            exhausted_ = true;
            changed_.notify_all();
            return;
          }
          block = *next;
          seq = handed_++;
        }
        auto output = runner->run(block);
        {
          std::lock_guard lock(mutex_);
          finished_.emplace(seq, Finished{block, std::move(output)});
        }
        changed_.notify_all();
      }
    } catch (...) {
      std::lock_guard lock(mutex_);
      if (!failure_) failure_ = std::current_exception();
      stopping_ = true;
      changed_.notify_all();
    }
  }

  void stop_workers() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    changed_.notify_all();
    source_.stop();
    for (auto& t : workers_) t.join();
    workers_.clear();
  }

  void write_loop() {
    for (;;) {
      if (options_.check_interrupted) options_.check_interrupted();
      if (hooks_.poll) hooks_.poll();
      std::vector<Finished> ready;
      bool all_written = false;
      {
        std::unique_lock lock(mutex_);
        changed_.wait_for(lock, hooks_.poll_interval, [&] {
          return failure_ || finished_.count(written_) != 0 || (exhausted_ && written_ == handed_);
        });
        if (failure_) std::rethrow_exception(failure_);
        for (auto it = finished_.begin();
             it != finished_.end() && it->first == written_ + ready.size();
             it = finished_.erase(it)) {
          ready.push_back(std::move(it->second));
        }
      }
      for (Finished& f : ready) {
        if (!part_) {
          part_path_ = part_path(options_.parts_dir, prefix_, f.block.begin);
          part_ = job_.open_part(part_path_);
          part_opened_ = std::chrono::steady_clock::now();
        }
        try {
          part_->write(*f.output);
        } catch (...) {
          // The part may hold some of this block's rows: drop it unpublished (its tasks
          // run again on resume) rather than commit rows it would not list.
          part_.reset();
          part_tasks_ = {};
          throw;
        }
        part_tasks_.insert(f.block);
        result_.tasks += f.block.size();
        f.output.reset();
        {
          std::lock_guard lock(mutex_);
          ++written_;
        }
        changed_.notify_all();
      }
      if (!ready.empty() && hooks_.written) hooks_.written(result_.tasks);
      if (part_ && std::chrono::steady_clock::now() - part_opened_ >= options_.checkpoint) {
        commit_part();
      }
      {
        std::lock_guard lock(mutex_);
        all_written = exhausted_ && written_ == handed_;
      }
      if (all_written && (!hooks_.may_finish || hooks_.may_finish())) return;
    }
  }

  void commit_part() {
    if (!part_) return;
    auto part = std::move(part_);
    part->commit(part_tasks_);
    result_.parts.push_back(part_path_);
    part_tasks_ = {};
  }

  const SweepJob& job_;
  const ExecuteOptions& options_;
  BlockSource& source_;
  const WriterHooks& hooks_;
  std::string prefix_;
  const std::uint64_t window_;

  std::mutex fetch_mutex_;  // one worker at a time takes a block and its sequence number
  std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::uint64_t, Finished> finished_;
  std::uint64_t handed_ = 0;
  std::uint64_t written_ = 0;
  bool exhausted_ = false;
  bool stopping_ = false;
  std::exception_ptr failure_;
  std::vector<std::thread> workers_;

  std::unique_ptr<PartWriter> part_;
  std::string part_path_;
  TaskSet part_tasks_;
  std::chrono::steady_clock::time_point part_opened_;
  ExecuteResult result_;
};

}  // namespace

ExecuteResult run_pool(const SweepJob& job, const ExecuteOptions& options, BlockSource& source,
                       const WriterHooks& hooks, const std::string& prefix) {
  return Pool(job, options, source, hooks, prefix).run();
}

}  // namespace detail

ExecuteResult execute_threads(const SweepJob& job, const ExecuteOptions& options) {
  const std::uint64_t block =
      options.block != 0
          ? options.block
          : default_block_size(options.pending.size(), std::max(1u, options.threads));
  detail::ListSource source(options.pending, block, std::max(1u, options.threads));
  detail::WriterHooks hooks;
  hooks.written = options.on_progress;
  return detail::run_pool(job, options, source, hooks, "part");
}

}  // namespace cyberdeter::sim
