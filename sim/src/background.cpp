#include "cyberdeter/sim/background.hpp"

#include <utility>

namespace cyberdeter::sim {

BackgroundWorker::BackgroundWorker(std::size_t max_pending)
    : max_pending_(max_pending == 0 ? 1 : max_pending), thread_([this] { loop(); }) {}

BackgroundWorker::~BackgroundWorker() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

void BackgroundWorker::post(std::function<void()> task) {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return queue_.size() < max_pending_ || error_; });
  if (error_) std::rethrow_exception(error_);
  queue_.push_back(std::move(task));
  changed_.notify_all();
}

void BackgroundWorker::finish() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return (queue_.empty() && running_ == 0) || error_; });
  if (error_) std::rethrow_exception(error_);
}

void BackgroundWorker::loop() {
  std::unique_lock lock(mutex_);
  for (;;) {
    changed_.wait(lock, [&] { return !queue_.empty() || stopping_; });
    if (queue_.empty()) return;  // stopping, nothing left
    std::function<void()> task = std::move(queue_.front());
    queue_.pop_front();
    ++running_;
    lock.unlock();
    std::exception_ptr failure;
    try {
      task();
    } catch (...) {
      failure = std::current_exception();
    }
    lock.lock();
    --running_;
    if (failure && !error_) {
      error_ = failure;
      queue_.clear();  // nothing after a failed write may run
    }
    changed_.notify_all();
  }
}

}  // namespace cyberdeter::sim
