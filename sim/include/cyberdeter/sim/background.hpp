#pragma once
// A single background thread that runs tasks in the order they were posted: the output
// writer. Serial HDF5 is not thread-safe, so all HDF5 calls of a writer go through one
// such thread while the simulation runs on the caller's; the queue is bounded so memory
// stays bounded when the writer is slower than the producer.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>

namespace cyberdeter::sim {

class BackgroundWorker {
 public:
  /// Starts the thread; post() blocks while `max_pending` tasks wait.
  explicit BackgroundWorker(std::size_t max_pending = 8);
  BackgroundWorker(const BackgroundWorker&) = delete;
  BackgroundWorker& operator=(const BackgroundWorker&) = delete;
  /// Runs what is queued and stops; errors not yet reported are dropped.
  ~BackgroundWorker();

  /// Queues `task`. Rethrows the error of an earlier task, if one failed (the queue then
  /// refuses further work, so a failed writer never writes rows out of order).
  void post(std::function<void()> task);
  /// Waits until every queued task ran; rethrows the first error of any task.
  void finish();

 private:
  void loop();

  std::size_t max_pending_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::function<void()>> queue_;
  std::size_t running_ = 0;
  bool stopping_ = false;
  std::exception_ptr error_;
  std::thread thread_;
};

}  // namespace cyberdeter::sim
