#pragma once
// The engine's event queue until 2026-12-07: a 4-ary min-heap of packed 128-bit keys over a
// slot pool that holds the events. The engine now uses a radix heap
// (sim/include/cyberdeter/sim/event_queue.hpp); this copy stays so that bench_engine
// keeps measuring the two side by side (bench/README.md). Same keys, same slots, same
// order; see the comments of the radix heap's file for the key layout.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <utility>
#include <vector>

#include "cyberdeter/sim/event_queue.hpp"

namespace cyberdeter::bench {

template <class Event>
class KeyHeapEventQueue {
 public:
  struct Entry {
    sim::Tick time;
    sim::Priority priority;
    std::uint64_t sequence;
    Event event;
  };

  KeyHeapEventQueue() { heap_.assign(offset + padding, empty_key); }

  /// Schedules `event`; time must lie in [0, sim::max_tick].
  sim::EventHandle push(sim::Tick time, sim::Priority priority, Event event) {
    CYBERDETER_CHECK(time >= 0 && time <= sim::max_tick, "event time out of range");
    if (next_sequence_ > sim::detail::max_sequence) {
      throw std::length_error("event queue: more than 2^40 events scheduled in one run");
    }
    const std::uint32_t slot = acquire_slot(std::move(event));
    const sim::detail::QueueKey key = sim::detail::make_key(time, priority, next_sequence_++, slot);
    if (hole_) {
      hole_ = false;
      sift_down_from_root(key);
    } else {
      sift_up(key);
    }
    ++live_;
    return {slot, slots_[slot].generation};
  }

  /// Cancels a pending event; returns false if it already ran or was cancelled.
  bool cancel(sim::EventHandle h) noexcept {
    if (!is_pending(h)) return false;
    ++slots_[h.slot].generation;  // even generation: dead; the key is dropped when it surfaces
    --live_;
    return true;
  }

  /// True if the event behind `h` is still scheduled.
  bool is_pending(sim::EventHandle h) const noexcept {
    return h.slot < slots_.size() && slots_[h.slot].generation == h.generation;
  }

  bool empty() const noexcept { return live_ == 0; }
  /// Number of live (not cancelled) pending events.
  std::size_t size() const noexcept { return live_; }
  /// Number of events ever pushed (the next sequence number).
  std::uint64_t pushed() const noexcept { return next_sequence_; }

  /// Time of the earliest live event. Requires !empty().
  sim::Tick top_time() {
    settle_top();
    return sim::detail::key_time(heap_[offset]);
  }

  /// Removes and returns the earliest live event. Requires !empty().
  Entry pop() {
    settle_top();
    const sim::detail::QueueKey top = heap_[offset];
    hole_ = true;  // the next push() or settle_top() fills the root
    const std::uint32_t slot = sim::detail::key_slot(top);
    ++slots_[slot].generation;
    --live_;
    free_.push_back(slot);
    return {sim::detail::key_time(top), sim::detail::key_priority(top),
            sim::detail::key_sequence(top), std::move(slots_[slot].event)};
  }

  /// Reserves room for `n` simultaneously pending events.
  void reserve(std::size_t n) {
    if (heap_.size() < offset + n + padding) heap_.resize(offset + n + padding, empty_key);
    slots_.reserve(n);
    free_.reserve(n);
  }

  /// Drops every pending event; handles issued before stay invalid forever.
  void clear() {
    std::fill(heap_.begin(), heap_.end(), empty_key);
    keys_ = 0;
    hole_ = false;
    free_.clear();
    for (std::uint32_t s = 0; s < slots_.size(); ++s) {
      if (slots_[s].generation % 2 == 1) ++slots_[s].generation;
      free_.push_back(s);
    }
    live_ = 0;
  }

 private:
  // Heap index h lives at heap_[offset + h]; the children of h are 4h+1..4h+4, which then
  // start at a multiple of 4 keys (64 bytes) in the cache-line aligned array. Every
  // position past the last key holds empty_key, which is greater than any real key (a
  // slot is never 2^32-1), so a node's four children can always be compared without
  // bounds checks; `padding` such keys cover the children and grandchildren that a
  // sift-down reads or prefetches past the end.
  static constexpr std::size_t arity = 4;
  static constexpr std::size_t offset = arity - 1;
  static constexpr std::size_t padding = arity * arity;
  static constexpr sim::detail::QueueKey empty_key = ~sim::detail::QueueKey{0};

  // An event and the generation of its slot: odd while the slot holds a live event.
  struct Slot {
    Event event;
    std::uint32_t generation;
  };

  std::uint32_t acquire_slot(Event&& event) {
    std::uint32_t slot;
    if (!free_.empty()) {
      slot = free_.back();
      free_.pop_back();
      slots_[slot].event = std::move(event);
    } else {
      if (slots_.size() >= std::numeric_limits<std::uint32_t>::max()) {
        throw std::length_error("event queue: more than 2^32 pending events");
      }
      slot = static_cast<std::uint32_t>(slots_.size());
      slots_.push_back(Slot{std::move(event), 0});
    }
    ++slots_[slot].generation;  // odd generation: live
    return slot;
  }

  void sift_up(sim::detail::QueueKey key) {
    std::size_t h = keys_++;
    if (heap_.size() < offset + keys_ + padding) {
      heap_.resize(offset + keys_ + padding, empty_key);
    }
    sim::detail::QueueKey* const a = heap_.data() + offset;
    while (h > 0) {
      const std::size_t parent = (h - 1) / arity;
      if (!(key < a[parent])) break;
      a[h] = a[parent];
      h = parent;
    }
    a[h] = key;
  }

  // Puts `key` into the empty root and moves it down to its place.
  void sift_down_from_root(sim::detail::QueueKey key) {
    sim::detail::QueueKey* const a = heap_.data() + offset;
    const std::size_t n = keys_;
    std::size_t h = 0;
    for (;;) {
      const std::size_t first = arity * h + 1;
      if (first >= n) break;
      if (arity * first + 1 < n) {
        const sim::detail::QueueKey* const next = a + arity * first + 1;
        __builtin_prefetch(next);
        __builtin_prefetch(next + 4);
        __builtin_prefetch(next + 8);
        __builtin_prefetch(next + 12);
      }
      // The smallest child: the winners of the pairs (0, 1) and (2, 3), and all four
      // possible finals compared at once, the pair winners choosing which final counts.
      const sim::detail::QueueKey* const c = a + first;
      const sim::detail::QueueKey k0 = c[0], k1 = c[1], k2 = c[2], k3 = c[3];
      const std::size_t win01 = k1 < k0;
      const std::size_t win23 = k3 < k2;
      const std::size_t finals = std::size_t{k2 < k0} | (std::size_t{k3 < k0} << 1) |
                                 (std::size_t{k2 < k1} << 2) | (std::size_t{k3 < k1} << 3);
      const std::size_t second_pair = (finals >> (2 * win01 + win23)) & 1;
      const std::size_t i = win01 ^ ((win01 ^ (2 + win23)) & (std::size_t{0} - second_pair));
      const sim::detail::QueueKey least = c[i];
      if (!(least < key)) break;
      a[h] = least;
      h = first + i;
    }
    a[h] = key;
    __builtin_prefetch(&slots_[sim::detail::key_slot(a[0])]);
  }

  // Fills the empty root with the last key.
  void fill_hole() {
    hole_ = false;
    sim::detail::QueueKey* const a = heap_.data() + offset;
    const std::size_t last = --keys_;
    const sim::detail::QueueKey key = a[last];
    a[last] = empty_key;
    if (last > 0) sift_down_from_root(key);
  }

  // Makes the root a live event: fills the hole and drops cancelled keys.
  void settle_top() {
    CYBERDETER_CHECK(live_ > 0, "top/pop on an empty event queue");
    if (hole_) fill_hole();
    for (;;) {
      const std::uint32_t slot = sim::detail::key_slot(heap_[offset]);
      if (slots_[slot].generation % 2 == 1) return;
      free_.push_back(slot);
      fill_hole();
    }
  }

  std::vector<sim::detail::QueueKey, sim::detail::CacheLineAllocator<sim::detail::QueueKey>> heap_;
  std::vector<Slot> slots_;
  std::vector<std::uint32_t> free_;
  std::uint64_t next_sequence_ = 0;
  std::size_t live_ = 0;
  std::size_t keys_ = 0;  // keys in the heap, live or cancelled, counting the hole
  bool hole_ = false;     // the root's key was popped and nothing has replaced it yet
};

}  // namespace cyberdeter::bench
