#pragma once
// The run loop. A model is any callable `handler(Simulation<Event>&, Event&)`; it
// dispatches on its own event type (a `switch` or `std::visit`), so there is no virtual
// call and no allocation per event. Tracing, statistics and progress are observers that
// the loop calls through one hook, before each event is handled.

#include <cstdint>
#include <limits>
#include <string_view>
#include <utility>

#include "cyberdeter/sim/event_queue.hpp"
#include "cyberdeter/sim/time.hpp"

namespace cyberdeter::sim {

/// When a call to Simulation::run returns.
struct StopCondition {
  Tick horizon = max_tick;  ///< events at t <= horizon run; the clock then rests at horizon
  std::uint64_t max_events = std::numeric_limits<std::uint64_t>::max();  ///< per run() call
};

enum class StopReason { queue_empty, horizon, event_budget, predicate, requested };

constexpr std::string_view to_string(StopReason r) noexcept {
  switch (r) {
    case StopReason::queue_empty: return "queue_empty";
    case StopReason::horizon: return "horizon";
    case StopReason::event_budget: return "event_budget";
    case StopReason::predicate: return "predicate";
    case StopReason::requested: return "requested";
  }
  return "unknown";
}

/// Observer that does nothing; the default.
struct NullObserver {
  template <class Sim, class Entry>
  constexpr void operator()(const Sim&, const Entry&) const noexcept {}
};

/// Stop predicate that never fires; the default.
struct NeverDone {
  template <class Sim>
  constexpr bool operator()(const Sim&) const noexcept {
    return false;
  }
};

template <class Event>
class Simulation {
 public:
  using event_type = Event;
  using Entry = typename EventQueue<Event>::Entry;

  Tick now() const noexcept { return now_; }
  double now_days() const noexcept { return to_days(now_); }
  std::uint64_t events_processed() const noexcept { return processed_; }
  std::size_t pending() const noexcept { return queue_.size(); }

  /// Schedules `event` at absolute time `time` (not before now()).
  EventHandle schedule_at(Tick time, Event event, Priority priority = default_priority) {
    CYBERDETER_CHECK(time >= now_, "event scheduled in the past");
    return queue_.push(time, priority, std::move(event));
  }

  /// Schedules `event` after `delay` ticks, saturating at max_tick.
  EventHandle schedule_in(Tick delay, Event event, Priority priority = default_priority) {
    CYBERDETER_CHECK(delay >= 0, "negative delay");
    const Tick time = delay > max_tick - now_ ? max_tick : now_ + delay;
    return queue_.push(time, priority, std::move(event));
  }

  /// Cancels a pending event; false if it already ran or was cancelled.
  bool cancel(EventHandle h) noexcept { return queue_.cancel(h); }
  bool is_pending(EventHandle h) const noexcept { return queue_.is_pending(h); }

  /// Makes run() return after the event being handled.
  void request_stop() noexcept { stop_requested_ = true; }

  void reserve(std::size_t pending_events) { queue_.reserve(pending_events); }

  /// Processes events in (time, priority, sequence) order until `stop` or `done` says so.
  /// May be called again to continue: an event beyond the horizon stays pending.
  template <class Handler, class Observer = NullObserver, class Done = NeverDone>
  StopReason run(Handler&& handler, const StopCondition& stop = {}, Observer&& observer = {},
                 Done&& done = {}) {
    stop_requested_ = false;
    for (std::uint64_t budget = stop.max_events;; --budget) {
      if (queue_.empty()) return StopReason::queue_empty;
      if (queue_.top_time() > stop.horizon) {
        if (stop.horizon > now_) now_ = stop.horizon;
        return StopReason::horizon;
      }
      if (budget == 0) return StopReason::event_budget;
      Entry entry = queue_.pop();
      now_ = entry.time;
      ++processed_;
      observer(std::as_const(*this), std::as_const(entry));
      handler(*this, entry.event);
      if (stop_requested_) return StopReason::requested;
      if (done(std::as_const(*this))) return StopReason::predicate;
    }
  }

 private:
  EventQueue<Event> queue_;
  Tick now_ = 0;
  std::uint64_t processed_ = 0;
  bool stop_requested_ = false;
};

/// Observer that folds the event trajectory into a 64-bit fingerprint: time, priority and
/// sequence of every event, plus `event.trace_key()` when the event type provides one.
/// Two runs with equal fingerprints processed the same events in the same order.
class TraceHash {
 public:
  template <class Sim, class Entry>
  void operator()(const Sim&, const Entry& e) noexcept {
    mix(static_cast<std::uint64_t>(e.time));
    mix((e.sequence << 8) | e.priority);
    if constexpr (requires { e.event.trace_key(); }) {
      mix(static_cast<std::uint64_t>(e.event.trace_key()));
    }
    ++events_;
  }
  std::uint64_t value() const noexcept { return hash_; }
  std::uint64_t events() const noexcept { return events_; }

 private:
  void mix(std::uint64_t v) noexcept {
    // FNV-1a over the 8 bytes of v, little-endian order fixed by the shifts.
    for (int i = 0; i < 8; ++i) {
      hash_ ^= (v >> (8 * i)) & 0xFFu;
      hash_ *= 0x100000001b3ULL;
    }
  }
  std::uint64_t hash_ = 0xcbf29ce484222325ULL;
  std::uint64_t events_ = 0;
};

}  // namespace cyberdeter::sim
