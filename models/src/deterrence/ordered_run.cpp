#include "cyberdeter/models/deterrence/ordered_run.hpp"

#include <condition_variable>
#include <cstdint>
#include <exception>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

namespace cyberdeter::models::deterrence {
namespace {

// One replication's rows, in the order the model sent them.
class Recording final : public RunSink {
 public:
  void period(const PeriodRow& row) override {
    periods_.push_back(row);
    order_.push_back(Kind::period);
  }
  void incident(const IncidentRow& row) override {
    incidents_.push_back(row);
    order_.push_back(Kind::incident);
  }
  void choice(const ChoiceRow& row) override {
    choices_.push_back(row);
    order_.push_back(Kind::choice);
  }
  std::size_t bytes() const {
    return order_.size() + periods_.size() * sizeof(PeriodRow) +
           incidents_.size() * sizeof(IncidentRow) + choices_.size() * sizeof(ChoiceRow);
  }
  void replay(RunSink& sink) const {
    std::size_t p = 0, i = 0, c = 0;
    for (const Kind k : order_) {
      switch (k) {
        case Kind::period: sink.period(periods_[p++]); break;
        case Kind::incident: sink.incident(incidents_[i++]); break;
        case Kind::choice: sink.choice(choices_[c++]); break;
      }
    }
  }

 private:
  enum class Kind : std::uint8_t { period, incident, choice };
  std::vector<Kind> order_;
  std::vector<PeriodRow> periods_;
  std::vector<IncidentRow> incidents_;
  std::vector<ChoiceRow> choices_;
};

struct Finished {
  Recording rows;
  RunResult result;
  std::exception_ptr error;
};

class Pool {
 public:
  Pool(const Scenario& scenario, std::uint64_t n, const OrderedRunOptions& options)
      : scenario_(scenario),
        n_(n),
        options_(options),
        window_(options.window != 0 ? options.window : 4 * options.threads) {
    workers_.reserve(options.threads);
    for (unsigned t = 0; t < options.threads; ++t) workers_.emplace_back([this] { work(); });
  }
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;
  ~Pool() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    space_.notify_all();
    for (auto& w : workers_) w.join();
  }

  // The next replication in order; waits for it, checking for interruptions.
  Finished take(std::uint64_t r) {
    std::unique_lock lock(mutex_);
    for (;;) {
      if (auto it = done_.find(r); it != done_.end()) {
        Finished f = std::move(it->second);
        done_.erase(it);
        buffered_ -= f.rows.bytes();
        next_out_ = r + 1;
        lock.unlock();
        space_.notify_all();
        return f;
      }
      ready_.wait_for(lock, std::chrono::milliseconds(100));
      if (options_.check_interrupted) {
        lock.unlock();
        options_.check_interrupted();
        lock.lock();
      }
    }
  }

 private:
  void work() {
    for (;;) {
      std::uint64_t r = 0;
      {
        std::unique_lock lock(mutex_);
        // Finished replications wait for their turn in memory: at most `window_` of them,
        // and no new one starts while they hold more than the budget (long horizons with
        // incidents). When every started replication was taken, nothing is held, so the
        // next one always starts.
        space_.wait(lock, [&] {
          return stop_ || next_task_ >= n_ ||
                 (next_task_ < next_out_ + window_ && buffered_ <= options_.buffer_bytes);
        });
        if (stop_ || next_task_ >= n_) return;
        r = next_task_++;
      }
      Finished f;
      try {
        f.result = run_replication(scenario_, r, f.rows, options_.run);
      } catch (...) {
        f.error = std::current_exception();
      }
      {
        std::lock_guard lock(mutex_);
        // Replications after a failed one are not started: every earlier one was, so the
        // calling thread reaches the failure whatever the timing.
        if (f.error) stop_ = true;
        buffered_ += f.rows.bytes();
        done_.emplace(r, std::move(f));
      }
      ready_.notify_all();
    }
  }

  const Scenario& scenario_;
  const std::uint64_t n_;
  const OrderedRunOptions& options_;
  const std::uint64_t window_;
  std::mutex mutex_;
  std::condition_variable ready_, space_;
  std::map<std::uint64_t, Finished> done_;
  std::uint64_t next_task_ = 0, next_out_ = 0;
  std::size_t buffered_ = 0;  // bytes of the rows in done_
  bool stop_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace

void run_ordered(const Scenario& scenario, std::uint64_t n, RunSink& sink,
                 const std::function<void(std::uint64_t, const RunResult&)>& finished,
                 const OrderedRunOptions& options) {
  if (options.threads <= 1) {
    for (std::uint64_t r = 0; r < n; ++r) {
      if (options.check_interrupted) options.check_interrupted();
      const RunResult result = run_replication(scenario, r, sink, options.run);
      finished(r, result);
    }
    return;
  }
  Pool pool(scenario, n, options);
  for (std::uint64_t r = 0; r < n; ++r) {
    if (options.check_interrupted) options.check_interrupted();
    Finished f = pool.take(r);
    if (f.error) std::rethrow_exception(f.error);
    f.rows.replay(sink);
    finished(r, f.result);
  }
}

}  // namespace cyberdeter::models::deterrence
