#pragma once
// The pending-event set of the engine: packed 128-bit keys over a slot pool that holds
// the events themselves, kept in a 4-ary min-heap while few are pending and in a radix
// heap when many are.
//
// Determinism rule: events are ordered by (time, priority, sequence). The sequence is a
// per-queue counter assigned at push, so no two events ever compare equal, and events at
// the same time and priority run in the order they were scheduled. Both structures pop
// keys in exactly this order, so which one holds the keys never changes a trajectory.
//
// The key packs time (48 bits), priority (8), sequence (40) and the event's slot (32);
// comparing two keys is one unsigned 128-bit comparison and the slot never decides the
// order because sequences are unique. Cancelling an event bumps its slot's generation (a
// tombstone); the stale key is dropped when it reaches the top, never searched for. An
// event and its slot's generation share one record, so checking the key that reaches the
// top and moving its event out touch one cache line.
//
// Why two structures (bench/README.md has the measurements): the heap's cost grows with
// the logarithm of the number pending and, past the caches, with a memory miss per level;
// the radix heap's hardly grows at all (a key moves at most once per 8-bit digit of its
// time, and every move is an append), but it pays a constant that is higher than the
// heap's at small sizes, where the model spends its time. The queue is a heap until it
// holds `Layout::radix_from` keys, then a radix heap until it holds fewer than
// `Layout::heap_below`; each switch moves every key once, and the gap between the two
// thresholds makes the switches rare.
//
// The heap moves 16-byte keys, not whole events, and the four children of a node share
// one 64-byte cache line, so a sift touches half the levels of a binary heap and one line
// per level. Three measured refinements of the sift-down, which dominates its cost:
// - The smallest of four children is found without branches (which child wins is a coin
//   toss that a branch predictor cannot learn): both pairs and the four possible finals
//   are compared at once, so a level costs one round of comparisons. While a level is
//   compared, the child groups of all four children are prefetched, so the next level
//   does not wait on memory.
// - pop() leaves the root empty, and the next push() drops its key into that hole and
//   sifts it down once. A handler that schedules one event per event (the common case)
//   thus costs one sift instead of a sift-down of the last key plus a sift-up; if a
//   top_time() or pop() comes first, the last key fills the hole as in a plain heap.
// - The slot record of the key that becomes the root is prefetched at once.

#include <algorithm>
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
  const std::uint64_t hi =
      (static_cast<std::uint64_t>(time) << 16) | (std::uint64_t{priority} << 8) | (sequence >> 32);
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
  // NOLINTNEXTLINE(google-explicit-constructor)
  CacheLineAllocator(const CacheLineAllocator<U>&) noexcept {}

  T* allocate(std::size_t n) { return static_cast<T*>(::operator new(n * sizeof(T), alignment)); }
  void deallocate(T* p, std::size_t) noexcept { ::operator delete(p, alignment); }
  template <class U>
  friend bool operator==(const CacheLineAllocator&, const CacheLineAllocator<U>&) noexcept {
    return true;
  }
};

}  // namespace detail

/// When the queue keeps its keys in the heap and when in the radix heap (see the top of
/// this file). The defaults come from bench_engine's hold benchmarks (bench/README.md).
struct QueueLayout {
  std::size_t radix_from = 32768;  ///< a heap of this many keys becomes a radix heap
  std::size_t heap_below = 8192;   ///< a radix heap of fewer keys becomes a heap again
};

template <class Event>
class EventQueue {
 public:
  struct Entry {
    Tick time;
    Priority priority;
    std::uint64_t sequence;
    Event event;
  };

  explicit EventQueue(QueueLayout layout = {}) : layout_(layout) {
    CYBERDETER_CHECK(layout.heap_below <= layout.radix_from,
                     "event queue: heap_below must not exceed radix_from");
    heap_.assign(offset + padding, empty_key);
  }

  /// Schedules `event`; time must lie in [0, max_tick].
  EventHandle push(Tick time, Priority priority, Event event) {
    CYBERDETER_CHECK(time >= 0 && time <= max_tick, "event time out of range");
    if (next_sequence_ > detail::max_sequence) {
      throw std::length_error("event queue: more than 2^40 events scheduled in one run");
    }
    const std::uint32_t slot = acquire_slot(std::move(event));
    const detail::QueueKey key = detail::make_key(time, priority, next_sequence_++, slot);
    if (hole_) {  // never in the radix heap
      hole_ = false;
      sift_down_from_root(key);
    } else if (!radix_) {
      sift_up(key);
      if (keys_ >= layout_.radix_from) [[unlikely]]
        to_radix();
    } else {
      push_radix(key);
    }
    ++live_;
    return {slot, slots_[slot].generation};
  }

  /// Cancels a pending event; returns false if it already ran or was cancelled.
  bool cancel(EventHandle h) noexcept {
    if (!is_pending(h)) return false;
    ++slots_[h.slot].generation;  // even generation: dead; the key is dropped when it surfaces
    --live_;
    ++dead_;
    return true;
  }

  /// True if the event behind `h` is still scheduled.
  bool is_pending(EventHandle h) const noexcept {
    return h.slot < slots_.size() && slots_[h.slot].generation == h.generation;
  }

  bool empty() const noexcept { return live_ == 0; }
  /// Number of live (not cancelled) pending events.
  std::size_t size() const noexcept { return live_; }
  /// Number of events ever pushed (the next sequence number).
  std::uint64_t pushed() const noexcept { return next_sequence_; }
  /// True while the keys are in the radix heap (for tests and benchmarks).
  bool in_radix_heap() const noexcept { return radix_; }

  /// Time of the earliest live event. Requires !empty().
  [[gnu::always_inline]] Tick top_time() {
    if (radix_) [[unlikely]]
      return top_time_radix();
    settle_heap();
    return detail::key_time(heap_[offset]);
  }

  /// Removes and returns the earliest live event. Requires !empty().
  [[gnu::always_inline]] Entry pop() {
    if (radix_) [[unlikely]]
      return pop_radix();
    settle_heap();
    const detail::QueueKey top = heap_[offset];
    hole_ = true;  // the next push() or settle_heap() fills the root
    return take(top);
  }

  /// Reserves room for `n` simultaneously pending events.
  void reserve(std::size_t n) {
    const std::size_t in_heap = std::min(n, layout_.radix_from);
    if (heap_.size() < offset + in_heap + padding) {
      heap_.resize(offset + in_heap + padding, empty_key);
    }
    slots_.reserve(n);
    free_.reserve(n);
  }

  /// Drops every pending event; handles issued before stay invalid forever.
  void clear() {
    std::fill(heap_.begin(), heap_.end(), empty_key);
    keys_ = 0;
    hole_ = false;
    clear_radix();
    radix_ = false;
    dead_ = 0;
    free_.clear();
    for (std::uint32_t s = 0; s < slots_.size(); ++s) {
      if (slots_[s].generation % 2 == 1) ++slots_[s].generation;
      free_.push_back(s);
    }
    live_ = 0;
  }

 private:
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

  // Drops the key of a cancelled event that reached the top.
  void drop_dead(std::uint32_t slot) {
    free_.push_back(slot);
    --dead_;
  }

  // Frees the slot of a popped key and moves its event out.
  [[gnu::always_inline]] Entry take(detail::QueueKey top) {
    const std::uint32_t slot = detail::key_slot(top);
    ++slots_[slot].generation;
    --live_;
    free_.push_back(slot);
    return {detail::key_time(top), detail::key_priority(top), detail::key_sequence(top),
            std::move(slots_[slot].event)};
  }

  // ---- The heap ----------------------------------------------------------------------
  // Heap index h lives at heap_[offset + h]; the children of h are 4h+1..4h+4, which then
  // start at a multiple of 4 keys (64 bytes) in the cache-line aligned array. Every
  // position past the last key holds empty_key, which is greater than any real key (a
  // slot is never 2^32-1), so a node's four children can always be compared without
  // bounds checks; `padding` such keys cover the children and grandchildren that a
  // sift-down reads or prefetches past the end.
  static constexpr std::size_t arity = 4;
  static constexpr std::size_t offset = arity - 1;
  static constexpr std::size_t padding = arity * arity;
  static constexpr detail::QueueKey empty_key = ~detail::QueueKey{0};

  void sift_up(detail::QueueKey key) {
    std::size_t h = keys_++;
    if (heap_.size() < offset + keys_ + padding) {
      heap_.resize(offset + keys_ + padding, empty_key);
    }
    detail::QueueKey* const a = heap_.data() + offset;
    while (h > 0) {
      const std::size_t parent = (h - 1) / arity;
      if (!(key < a[parent])) break;
      a[h] = a[parent];
      h = parent;
    }
    a[h] = key;
  }

  // Puts `key` into the empty root and moves it down to its place.
  void sift_down_from_root(detail::QueueKey key) {
    detail::QueueKey* const a = heap_.data() + offset;
    const std::size_t n = keys_;
    std::size_t h = 0;
    for (;;) {
      const std::size_t first = arity * h + 1;
      if (first >= n) break;
      if (arity * first + 1 < n) {
        const detail::QueueKey* const next = a + arity * first + 1;
        __builtin_prefetch(next);
        __builtin_prefetch(next + 4);
        __builtin_prefetch(next + 8);
        __builtin_prefetch(next + 12);
      }
      // The smallest child: the winners of the pairs (0, 1) and (2, 3), and all four
      // possible finals compared at once, the pair winners choosing which final counts.
      const detail::QueueKey* const c = a + first;
      const detail::QueueKey k0 = c[0], k1 = c[1], k2 = c[2], k3 = c[3];
      const std::size_t win01 = k1 < k0;
      const std::size_t win23 = k3 < k2;
      const std::size_t finals = std::size_t{k2 < k0} | (std::size_t{k3 < k0} << 1) |
                                 (std::size_t{k2 < k1} << 2) | (std::size_t{k3 < k1} << 3);
      const std::size_t second_pair = (finals >> (2 * win01 + win23)) & 1;
      const std::size_t i = win01 ^ ((win01 ^ (2 + win23)) & (std::size_t{0} - second_pair));
      const detail::QueueKey least = c[i];
      if (!(least < key)) break;
      a[h] = least;
      h = first + i;
    }
    a[h] = key;
    __builtin_prefetch(&slots_[detail::key_slot(a[0])]);
  }

  // Fills the empty root with the last key.
  void fill_hole() {
    hole_ = false;
    detail::QueueKey* const a = heap_.data() + offset;
    const std::size_t last = --keys_;
    const detail::QueueKey key = a[last];
    a[last] = empty_key;
    if (last > 0) sift_down_from_root(key);
  }

  // Makes the root a live event: fills the hole and drops cancelled keys.
  [[gnu::always_inline]] void settle_heap() {
    CYBERDETER_CHECK(live_ > 0, "top/pop on an empty event queue");
    if (hole_) fill_hole();
    for (;;) {
      const std::uint32_t slot = detail::key_slot(heap_[offset]);
      if (slots_[slot].generation % 2 == 1) return;
      drop_dead(slot);
      fill_hole();
    }
  }

  // ---- The radix heap ----------------------------------------------------------------
  // A radix heap (Ahuja, Mehlhorn, Orlin and Tarjan 1990) on the 48-bit time of the keys,
  // with digits of `digit_bits` bits. `last_` is the time of the earliest key, or a time
  // before every key; no key is earlier. Keys at time last_ wait in `now_`, sorted, from
  // `now_head_` on. A key at a later time t lies in level l, the highest digit in which t
  // differs from last_, and in that level's bucket d, t's digit l (greater than last_'s).
  // Every key of a level is earlier than every key of a higher level, and within a level
  // a lower bucket holds earlier keys, so the next time lies in the lowest non-empty
  // bucket of the lowest non-empty level. When `now_` runs dry that bucket is emptied: at
  // level 0 all its keys share one time and become `now_` as they are; above, last_
  // becomes their least time and each key moves to a lower level. A key thus moves at
  // most once per level, and pushes and moves are appends that read and write buckets in
  // order, so the cost per event hardly grows with the number pending.
  static constexpr int digit_bits = 8;
  static constexpr std::size_t radix = std::size_t{1} << digit_bits;
  static constexpr int levels = (48 + digit_bits - 1) / digit_bits;
  static constexpr std::size_t words = radix / 64;  // of a level's bitmap

  // The radix heap's push, top_time and pop, kept out of line so that the heap's stay
  // small enough to be inlined where the model calls them.
  [[gnu::noinline]] void push_radix(detail::QueueKey key) {
    const Tick time = detail::key_time(key);
    if (time < last_) rebase(time);
    insert(key);
    ++radix_keys_;
  }

  [[gnu::noinline]] Tick top_time_radix() {
    settle_radix();
    return last_;
  }

  [[gnu::noinline]] Entry pop_radix() {
    settle_radix();
    const detail::QueueKey top = now_[now_head_++];
    --radix_keys_;
    if (now_head_ < now_.size()) __builtin_prefetch(&slots_[detail::key_slot(now_[now_head_])]);
    Entry entry = take(top);
    if (radix_keys_ < layout_.heap_below) to_heap();
    return entry;
  }

  // Files a key whose time is not before last_.
  void insert(detail::QueueKey key) {
    const Tick time = detail::key_time(key);
    if (time == last_) {
      insert_now(key);
      return;
    }
    file(key, time);
  }

  // Files a key whose time is after last_ into its level and bucket.
  void file(detail::QueueKey key, Tick time) {
    const auto diff = static_cast<std::uint64_t>(time ^ last_);
    const auto level = static_cast<unsigned>(63 - __builtin_clzll(diff)) / digit_bits;
    const auto digit = (static_cast<std::uint64_t>(time) >> (level * digit_bits)) & (radix - 1);
    buckets_[level * radix + digit].push_back(key);
    bitmap_[level * words + digit / 64] |= std::uint64_t{1} << (digit % 64);
    levels_ |= 1u << level;
  }

  // Adds a key at time last_ to the sorted run of now_. A new key carries the largest
  // sequence yet, so it goes last unless its priority is lower than others'.
  void insert_now(detail::QueueKey key) {
    now_.push_back(key);
    auto i = now_.size() - 1;
    while (i > now_head_ && key < now_[i - 1]) {
      now_[i] = now_[i - 1];
      --i;
    }
    now_[i] = key;
  }

  // Moves the next time's keys into now_ (now_ is used up). Requires a key in a bucket.
  void advance() {
    now_.clear();
    now_head_ = 0;
    const auto level = static_cast<unsigned>(__builtin_ctz(levels_));
    std::uint64_t* const bits = &bitmap_[level * words];
    std::size_t w = 0;
    while (bits[w] == 0) ++w;
    const std::size_t digit = 64 * w + static_cast<std::size_t>(__builtin_ctzll(bits[w]));
    bits[w] &= bits[w] - 1;
    if (std::all_of(bits, bits + words, [](std::uint64_t b) { return b == 0; })) {
      levels_ &= ~(1u << level);
    }
    auto& bucket = buckets_[level * radix + digit];
    if (level == 0 || bucket.size() == 1) {
      // One time: at level 0 every digit is fixed, so every key of the bucket has it.
      last_ = detail::key_time(bucket.front());
      now_.assign(bucket.begin(), bucket.end());  // not swap: each vector keeps its capacity
      bucket.clear();
    } else {
      // The least key's high word holds its time, then its priority and sequence bits.
      std::uint64_t least_high = std::numeric_limits<std::uint64_t>::max();
      for (const detail::QueueKey k : bucket) {
        least_high = std::min(least_high, static_cast<std::uint64_t>(k >> 64));
      }
      last_ = static_cast<Tick>(least_high >> 16);
      for (const detail::QueueKey k : bucket) {
        const Tick time = detail::key_time(k);
        if (time == last_) {
          now_.push_back(k);
        } else {
          file(k, time);
        }
      }
      bucket.clear();
    }
    if (now_.size() > 1) std::sort(now_.begin(), now_.end());
    __builtin_prefetch(&slots_[detail::key_slot(now_.front())]);
    if (now_.size() > 1) __builtin_prefetch(&slots_[detail::key_slot(now_[1])]);
  }

  // Makes now_[now_head_] the earliest live event, dropping cancelled keys.
  void settle_radix() {
    CYBERDETER_CHECK(live_ > 0, "top/pop on an empty event queue");
    for (;;) {
      if (now_head_ == now_.size()) advance();
      if (dead_ == 0) return;  // no cancelled key anywhere: no need to look at the slot
      const std::uint32_t slot = detail::key_slot(now_[now_head_]);
      if (slots_[slot].generation % 2 == 1) return;
      drop_dead(slot);
      ++now_head_;
      --radix_keys_;
    }
  }

  // Calls f(bucket) for each bucket that holds keys, then empties them all.
  template <class F>
  void empty_buckets(F&& f) {
    if (bitmap_.empty()) return;  // never a radix heap
    for (std::uint32_t level = 0; level < levels; ++level) {
      for (std::size_t w = 0; w < words; ++w) {
        for (std::uint64_t& bits = bitmap_[level * words + w]; bits != 0; bits &= bits - 1) {
          auto& bucket =
              buckets_[level * radix + 64 * w + static_cast<std::size_t>(__builtin_ctzll(bits))];
          f(bucket);
          bucket.clear();
        }
      }
    }
    levels_ = 0;
  }

  // Empties the radix heap.
  void clear_radix() {
    empty_buckets([](const std::vector<detail::QueueKey>&) {});
    now_.clear();
    now_head_ = 0;
    radix_keys_ = 0;
  }

  // Empties the radix heap and returns its keys, in no particular order.
  std::vector<detail::QueueKey> take_radix_keys() {
    std::vector<detail::QueueKey> keys;
    keys.reserve(radix_keys_);
    keys.insert(keys.end(), now_.begin() + static_cast<std::ptrdiff_t>(now_head_), now_.end());
    empty_buckets([&keys](const std::vector<detail::QueueKey>& bucket) {
      keys.insert(keys.end(), bucket.begin(), bucket.end());
    });
    clear_radix();
    return keys;
  }

  // Refiles every key relative to `time`, which is before last_: a key earlier than
  // last_ arrives (after top_time() looked past a stop and the clock stayed behind).
  void rebase(Tick time) {
    const std::vector<detail::QueueKey> keys = take_radix_keys();
    last_ = time;
    for (const detail::QueueKey k : keys) insert(k);
    radix_keys_ = keys.size();
  }

  // The heap has grown to radix_from keys: its keys move to the radix heap.
  [[gnu::noinline]] void to_radix() {
    if (buckets_.empty()) {
      buckets_.resize(levels * radix);
      bitmap_.assign(levels * words, 0);
    }
    if (hole_) fill_hole();
    detail::QueueKey* const a = heap_.data() + offset;
    last_ = detail::key_time(a[0]);  // the root is the earliest key
    for (std::size_t h = 0; h < keys_; ++h) {
      insert(a[h]);
      a[h] = empty_key;
    }
    radix_keys_ = keys_;
    keys_ = 0;
    radix_ = true;
  }

  // The radix heap has shrunk below heap_below keys: they move back to the heap. Keys in
  // ascending order are a valid heap.
  [[gnu::noinline]] void to_heap() {
    std::vector<detail::QueueKey> keys = take_radix_keys();
    std::sort(keys.begin(), keys.end());
    if (heap_.size() < offset + keys.size() + padding) {
      heap_.resize(offset + keys.size() + padding, empty_key);
    }
    std::copy(keys.begin(), keys.end(), heap_.begin() + static_cast<std::ptrdiff_t>(offset));
    keys_ = keys.size();
    hole_ = false;
    radix_ = false;
    if (keys_ > 0) __builtin_prefetch(&slots_[detail::key_slot(heap_[offset])]);
  }

  QueueLayout layout_;
  bool radix_ = false;  // the keys are in the radix heap, not the heap
  // The heap.
  std::vector<detail::QueueKey, detail::CacheLineAllocator<detail::QueueKey>> heap_;
  std::size_t keys_ = 0;  // keys in the heap, live or cancelled, counting the hole
  bool hole_ = false;     // the root's key was popped and nothing has replaced it yet
  // The radix heap.
  std::vector<detail::QueueKey> now_;  // keys at time last_, sorted, from now_head_ on
  std::size_t now_head_ = 0;
  // The buckets and their bitmap (a set bit: the bucket holds a key), allocated when the
  // queue first becomes a radix heap, so that a queue that stays small stays small.
  std::vector<std::vector<detail::QueueKey>> buckets_;
  std::vector<std::uint64_t> bitmap_;
  unsigned levels_ = 0;  // bit l: level l holds a key
  Tick last_ = 0;
  std::size_t radix_keys_ = 0;  // keys in the radix heap, live or cancelled
  // Both.
  std::vector<Slot> slots_;
  std::vector<std::uint32_t> free_;
  std::uint64_t next_sequence_ = 0;
  std::size_t live_ = 0;
  std::size_t dead_ = 0;  // cancelled keys not yet dropped
};

}  // namespace cyberdeter::sim
