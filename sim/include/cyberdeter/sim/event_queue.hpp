#pragma once
// The pending-event set of the engine: a 4-ary min-heap of packed 128-bit keys over a
// slot pool that holds the events themselves.
//
// Determinism rule: events are ordered by (time, priority, sequence). The sequence is a
// per-queue counter assigned at push, so no two events ever compare equal, and events at
// the same time and priority run in the order they were scheduled.
//
// Why this layout (see bench/README.md for the measurements): the heap moves 16-byte
// keys, not whole events, and the four children of a node share one 64-byte cache line,
// so a sift touches half the levels of a binary heap and one line per level. The key
// packs time (48 bits), priority (8), sequence (40) and the event's slot (32); comparing
// two keys is one unsigned 128-bit comparison and the slot never decides the order
// because sequences are unique. Cancelling an event bumps its slot's generation (a
// tombstone); the stale key is dropped when it reaches the top, never searched for.

#include <cstddef>
#include <cstdint>
#include <limits>
#include <new>
#include <stdexcept>
#include <utility>
#include <vector>

#include "cyberdeter/sim/check.hpp"
#include "cyberdeter/sim/time.hpp"

namespace cyberdeter::sim {

/// Lower values run first among events at the same time.
using Priority = std::uint8_t;
inline constexpr Priority default_priority = 128;

/// Identifies a scheduled event for cancellation. Stale handles are harmless.
struct EventHandle {
  std::uint32_t slot = std::numeric_limits<std::uint32_t>::max();
  std::uint32_t generation = 0;

  constexpr bool valid() const noexcept {
    return slot != std::numeric_limits<std::uint32_t>::max();
  }
  friend constexpr bool operator==(const EventHandle&, const EventHandle&) = default;
};

namespace detail {

__extension__ using QueueKey = unsigned __int128;

inline constexpr std::uint64_t max_sequence = (std::uint64_t{1} << 40) - 1;

constexpr QueueKey make_key(Tick time, Priority priority, std::uint64_t sequence,
                            std::uint32_t slot) noexcept {
  const std::uint64_t hi = (static_cast<std::uint64_t>(time) << 16) |
                           (std::uint64_t{priority} << 8) | (sequence >> 32);
  const std::uint64_t lo = (sequence << 32) | slot;
  return (static_cast<QueueKey>(hi) << 64) | lo;
}
constexpr Tick key_time(QueueKey k) noexcept { return static_cast<Tick>(k >> 80); }
constexpr Priority key_priority(QueueKey k) noexcept {
  return static_cast<Priority>((k >> 72) & 0xFFu);
}
constexpr std::uint64_t key_sequence(QueueKey k) noexcept {
  return static_cast<std::uint64_t>(k >> 32) & max_sequence;
}
constexpr std::uint32_t key_slot(QueueKey k) noexcept { return static_cast<std::uint32_t>(k); }

/// Allocator that aligns storage to a cache line, so heap child groups do not straddle lines.
template <class T>
struct CacheLineAllocator {
  using value_type = T;
  static constexpr std::align_val_t alignment{64};

  CacheLineAllocator() noexcept = default;
  template <class U>
  CacheLineAllocator(const CacheLineAllocator<U>&) noexcept {}  // NOLINT(google-explicit-constructor)

  T* allocate(std::size_t n) {
    return static_cast<T*>(::operator new(n * sizeof(T), alignment));
  }
  void deallocate(T* p, std::size_t) noexcept { ::operator delete(p, alignment); }
  template <class U>
  friend bool operator==(const CacheLineAllocator&, const CacheLineAllocator<U>&) noexcept {
    return true;
  }
};

}  // namespace detail

template <class Event>
class EventQueue {
 public:
  struct Entry {
    Tick time;
    Priority priority;
    std::uint64_t sequence;
    Event event;
  };

  EventQueue() { heap_.assign(offset, detail::QueueKey{0}); }

  /// Schedules `event`; time must lie in [0, max_tick].
  EventHandle push(Tick time, Priority priority, Event event) {
    CYBERDETER_CHECK(time >= 0 && time <= max_tick, "event time out of range");
    if (next_sequence_ > detail::max_sequence) {
      throw std::length_error("event queue: more than 2^40 events scheduled in one run");
    }
    const std::uint32_t slot = acquire_slot(std::move(event));
    sift_up(detail::make_key(time, priority, next_sequence_++, slot));
    ++live_;
    return {slot, generations_[slot]};
  }

  /// Cancels a pending event; returns false if it already ran or was cancelled.
  bool cancel(EventHandle h) noexcept {
    if (!is_pending(h)) return false;
    ++generations_[h.slot];  // even generation: dead; the key is dropped when it surfaces
    --live_;
    return true;
  }

  /// True if the event behind `h` is still scheduled.
  bool is_pending(EventHandle h) const noexcept {
    return h.slot < generations_.size() && generations_[h.slot] == h.generation;
  }

  bool empty() const noexcept { return live_ == 0; }
  /// Number of live (not cancelled) pending events.
  std::size_t size() const noexcept { return live_; }
  /// Number of events ever pushed (the next sequence number).
  std::uint64_t pushed() const noexcept { return next_sequence_; }

  /// Time of the earliest live event. Requires !empty().
  Tick top_time() {
    drop_dead_top();
    return detail::key_time(heap_[offset]);
  }

  /// Removes and returns the earliest live event. Requires !empty().
  Entry pop() {
    drop_dead_top();
    const detail::QueueKey top = remove_top();
    const std::uint32_t slot = detail::key_slot(top);
    ++generations_[slot];
    --live_;
    free_.push_back(slot);
    return {detail::key_time(top), detail::key_priority(top), detail::key_sequence(top),
            std::move(events_[slot])};
  }

  /// Reserves room for `n` simultaneously pending events.
  void reserve(std::size_t n) {
    heap_.reserve(n + offset);
    events_.reserve(n);
    generations_.reserve(n);
    free_.reserve(n);
  }

  /// Drops every pending event; handles issued before stay invalid forever.
  void clear() {
    heap_.resize(offset);
    free_.clear();
    for (std::uint32_t s = 0; s < generations_.size(); ++s) {
      if (generations_[s] % 2 == 1) ++generations_[s];
      free_.push_back(s);
    }
    live_ = 0;
  }

 private:
  // heap index h lives at heap_[h + offset]; children of h are 4h+1..4h+4, which then
  // start at a multiple of 4 keys (64 bytes) in the cache-line aligned array.
  static constexpr std::size_t arity = 4;
  static constexpr std::size_t offset = 3;

  std::size_t heap_size() const noexcept { return heap_.size() - offset; }

  std::uint32_t acquire_slot(Event&& event) {
    std::uint32_t slot;
    if (!free_.empty()) {
      slot = free_.back();
      free_.pop_back();
      events_[slot] = std::move(event);
    } else {
      if (events_.size() >= std::numeric_limits<std::uint32_t>::max()) {
        throw std::length_error("event queue: more than 2^32 pending events");
      }
      slot = static_cast<std::uint32_t>(events_.size());
      events_.push_back(std::move(event));
      generations_.push_back(0);
    }
    ++generations_[slot];  // odd generation: live
    return slot;
  }

  void sift_up(detail::QueueKey key) {
    std::size_t h = heap_size();
    heap_.push_back(key);
    while (h > 0) {
      const std::size_t parent = (h - 1) / arity;
      if (!(key < heap_[parent + offset])) break;
      heap_[h + offset] = heap_[parent + offset];
      h = parent;
    }
    heap_[h + offset] = key;
  }

  detail::QueueKey remove_top() {
    const detail::QueueKey top = heap_[offset];
    const detail::QueueKey last = heap_.back();
    heap_.pop_back();
    const std::size_t n = heap_size();
    if (n == 0) return top;
    std::size_t h = 0;
    for (;;) {
      const std::size_t first = arity * h + 1;
      if (first >= n) break;
      std::size_t best = first;
      const std::size_t end = first + arity < n ? first + arity : n;
      for (std::size_t c = first + 1; c < end; ++c) {
        if (heap_[c + offset] < heap_[best + offset]) best = c;
      }
      if (!(heap_[best + offset] < last)) break;
      heap_[h + offset] = heap_[best + offset];
      h = best;
    }
    heap_[h + offset] = last;
    return top;
  }

  void drop_dead_top() {
    CYBERDETER_CHECK(live_ > 0, "top/pop on an empty event queue");
    while (generations_[detail::key_slot(heap_[offset])] % 2 == 0) {
      free_.push_back(detail::key_slot(remove_top()));
    }
  }

  std::vector<detail::QueueKey, detail::CacheLineAllocator<detail::QueueKey>> heap_;
  std::vector<Event> events_;
  std::vector<std::uint32_t> generations_;  // odd: slot holds a live event
  std::vector<std::uint32_t> free_;
  std::uint64_t next_sequence_ = 0;
  std::size_t live_ = 0;
};

}  // namespace cyberdeter::sim
