#pragma once
// Queue prototypes that bench_engine measures against the engine's EventQueue. They live
// here, not in sim/, because the engine did not adopt them (bench/README.md says why).
// QuaternaryHeap and CalendarQueue keep the engine's exact order, earliest time first and
// ties by insertion sequence; BareKeyHeap does not (it is a bound, not a queue to adopt).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

namespace cyberdeter::bench {

/// A 4-ary min-heap that moves whole elements (the events inline, as std::priority_queue
/// does), with a bottom-up sift-down. `Later(a, b)` is true when a runs after b.
template <class T, class Later>
class QuaternaryHeap {
 public:
  void reserve(std::size_t n) { heap_.reserve(n); }
  bool empty() const noexcept { return heap_.empty(); }

  void push(T value) {
    heap_.push_back(std::move(value));
    sift_up(heap_.size() - 1);
  }

  /// Removes and returns the earliest element. Requires !empty().
  T pop() {
    T top = std::move(heap_.front());
    T last = std::move(heap_.back());
    heap_.pop_back();
    const std::size_t n = heap_.size();
    if (n == 0) return top;
    // Walk down to a leaf along the earliest children, then let `last` rise from there:
    // `last` came from the bottom, so it usually belongs near the bottom again.
    std::size_t h = 0;
    for (;;) {
      const std::size_t first = 4 * h + 1;
      if (first >= n) break;
      const std::size_t end = std::min(first + 4, n);
      std::size_t best = first;
      for (std::size_t c = first + 1; c < end; ++c) {
        if (later_(heap_[best], heap_[c])) best = c;
      }
      heap_[h] = std::move(heap_[best]);
      h = best;
    }
    heap_[h] = std::move(last);
    sift_up(h);
    return top;
  }

 private:
  void sift_up(std::size_t h) {
    T value = std::move(heap_[h]);
    while (h > 0) {
      const std::size_t parent = (h - 1) / 4;
      if (!later_(heap_[parent], value)) break;
      heap_[h] = std::move(heap_[parent]);
      h = parent;
    }
    heap_[h] = std::move(value);
  }

  std::vector<T> heap_;
  [[no_unique_address]] Later later_;
};

/// A calendar queue (R. Brown, CACM 31(10), 1988): time is cut into buckets of a fixed
/// width that wrap around a "year"; each bucket is a list sorted by (time, sequence), and
/// pop scans buckets from the current one. The bucket count doubles or halves with the
/// size, and the width is re-estimated from the gaps between the earliest events then.
template <class Event>
class CalendarQueue {
 public:
  struct Entry {
    std::int64_t time;
    std::uint64_t sequence;
    Event event;
  };

  CalendarQueue() { rebuild(min_buckets, 1); }

  void reserve(std::size_t n) { nodes_.reserve(n); }
  bool empty() const noexcept { return size_ == 0; }
  std::size_t size() const noexcept { return size_; }

  void push(std::int64_t time, Event event) {
    std::uint32_t id;
    if (free_ != nil) {
      id = free_;
      free_ = nodes_[id].next;
      nodes_[id] = Node{time, sequence_++, std::move(event), nil};
    } else {
      id = static_cast<std::uint32_t>(nodes_.size());
      nodes_.push_back(Node{time, sequence_++, std::move(event), nil});
    }
    if (size_ == 0 || time < bucket_top_ - width_) start_at(time);
    link(id);
    if (++size_ > 2 * buckets_.size()) resize(2 * buckets_.size());
  }

  /// Removes and returns the earliest event. Requires !empty().
  Entry pop() {
    std::size_t scanned = 0;
    for (;;) {
      std::uint32_t& head = buckets_[current_];
      if (head != nil && nodes_[head].time < bucket_top_) {
        const std::uint32_t id = head;
        head = nodes_[id].next;
        Entry out{nodes_[id].time, nodes_[id].sequence, std::move(nodes_[id].event)};
        nodes_[id].next = free_;
        free_ = id;
        --size_;
        if (size_ < buckets_.size() / 2 && buckets_.size() > min_buckets) {
          resize(buckets_.size() / 2);
        }
        return out;
      }
      current_ = (current_ + 1) & (buckets_.size() - 1);
      bucket_top_ += width_;
      if (++scanned == buckets_.size()) {
        // A whole year without an event: jump straight to the earliest one.
        std::int64_t earliest = std::numeric_limits<std::int64_t>::max();
        for (const std::uint32_t b : buckets_) {
          if (b != nil) earliest = std::min(earliest, nodes_[b].time);
        }
        start_at(earliest);
        scanned = 0;
      }
    }
  }

 private:
  static constexpr std::uint32_t nil = std::numeric_limits<std::uint32_t>::max();
  static constexpr std::size_t min_buckets = 16;

  struct Node {
    std::int64_t time;
    std::uint64_t sequence;
    Event event;
    std::uint32_t next;
  };

  static bool before(const Node& a, const Node& b) noexcept {
    return a.time < b.time || (a.time == b.time && a.sequence < b.sequence);
  }

  std::size_t bucket_of(std::int64_t time) const noexcept {
    return static_cast<std::size_t>(time / width_) & (buckets_.size() - 1);
  }

  void start_at(std::int64_t time) {
    current_ = bucket_of(time);
    bucket_top_ = (time / width_ + 1) * width_;
  }

  void link(std::uint32_t id) {
    std::uint32_t* at = &buckets_[bucket_of(nodes_[id].time)];
    while (*at != nil && before(nodes_[*at], nodes_[id])) at = &nodes_[*at].next;
    nodes_[id].next = *at;
    *at = id;
  }

  void resize(std::size_t buckets) {
    // Width: three times the mean gap between the earliest events, ignoring gaps more
    // than twice the mean (Brown's rule, on a sample of the front of the queue).
    std::vector<std::int64_t> times;
    times.reserve(size_);
    for (const std::uint32_t b : buckets_) {
      for (std::uint32_t id = b; id != nil; id = nodes_[id].next) times.push_back(nodes_[id].time);
    }
    const std::size_t sample = std::min<std::size_t>(times.size(), 64);
    std::int64_t width = width_;
    if (sample >= 2) {
      std::partial_sort(times.begin(), times.begin() + static_cast<std::ptrdiff_t>(sample),
                        times.end());
      const double mean =
          static_cast<double>(times[sample - 1] - times[0]) / static_cast<double>(sample - 1);
      double sum = 0.0;
      std::size_t count = 0;
      for (std::size_t i = 1; i < sample; ++i) {
        const auto gap = static_cast<double>(times[i] - times[i - 1]);
        if (gap <= 2.0 * mean) {
          sum += gap;
          ++count;
        }
      }
      const double gap = count > 0 ? sum / static_cast<double>(count) : mean;
      width = std::max<std::int64_t>(1, static_cast<std::int64_t>(3.0 * gap));
    }
    rebuild(buckets, width);
  }

  void rebuild(std::size_t buckets, std::int64_t width) {
    std::vector<std::uint32_t> old = std::move(buckets_);
    buckets_.assign(buckets, nil);
    width_ = width;
    std::int64_t earliest = std::numeric_limits<std::int64_t>::max();
    for (const std::uint32_t b : old) {
      for (std::uint32_t id = b; id != nil;) {
        const std::uint32_t next = nodes_[id].next;
        earliest = std::min(earliest, nodes_[id].time);
        link(id);
        id = next;
      }
    }
    if (earliest != std::numeric_limits<std::int64_t>::max()) start_at(earliest);
  }

  std::vector<Node> nodes_;
  std::vector<std::uint32_t> buckets_;
  std::uint32_t free_ = nil;
  std::size_t size_ = 0;
  std::uint64_t sequence_ = 0;
  std::int64_t width_ = 1;
  std::size_t current_ = 0;
  std::int64_t bucket_top_ = 0;
};

/// A lower bound on what any 4-ary heap with the engine's slot pool can cost: 8-byte keys
/// (the time and a 16-bit slot, nothing else), one array, the engine's hole at the root
/// and its branch-free choice of the least child. It has no priorities, no sequence (ties
/// break by slot, so it does NOT keep the engine's order and is not a valid event queue),
/// no cancellation, no checks, and at most 65,536 pending events. The engine's 16-byte
/// keys carry time, priority, sequence and slot; what this heap gains over them is the
/// most that narrower keys could gain.
template <class Event>
class BareKeyHeap {
 public:
  struct Entry {
    std::int64_t time;
    Event event;
  };

  void reserve(std::size_t n) {
    keys_.assign(n + 3 + 16, empty);  // 3 before the root (children at 4h+1 align), 16 after
    events_.resize(n + 1);
    free_.clear();
    for (std::size_t s = events_.size(); s-- > 0;) free_.push_back(static_cast<std::uint16_t>(s));
  }

  /// Requires fewer than reserve(n)'s n + 1 events pending.
  void push(std::int64_t time, const Event& event) {
    const std::uint16_t slot = free_.back();
    free_.pop_back();
    events_[slot] = event;
    const std::uint64_t key = (static_cast<std::uint64_t>(time) << 16) | slot;
    std::uint64_t* const a = keys_.data() + 3;
    if (hole_) {
      hole_ = false;
      sift_down_from_root(key);
      return;
    }
    std::size_t h = size_++;
    while (h > 0) {
      const std::size_t parent = (h - 1) / 4;
      if (!(key < a[parent])) break;
      a[h] = a[parent];
      h = parent;
    }
    a[h] = key;
  }

  /// Requires a pending event.
  Entry pop() {
    std::uint64_t* const a = keys_.data() + 3;
    if (hole_) {
      hole_ = false;
      const std::uint64_t last = a[--size_];
      a[size_] = empty;
      sift_down_from_root(last);
    }
    const std::uint64_t top = a[0];
    hole_ = true;
    const auto slot = static_cast<std::uint16_t>(top & 0xFFFFu);
    free_.push_back(slot);
    return {static_cast<std::int64_t>(top >> 16), events_[slot]};
  }

 private:
  static constexpr std::uint64_t empty = ~std::uint64_t{0};

  void sift_down_from_root(std::uint64_t key) {
    std::uint64_t* const a = keys_.data() + 3;
    std::size_t h = 0;
    for (;;) {
      const std::size_t first = 4 * h + 1;
      if (first >= size_) break;
      const std::uint64_t* const c = a + first;
      const std::size_t win01 = c[1] < c[0];
      const std::size_t win23 = 2 + std::size_t{c[3] < c[2]};
      const std::uint64_t least01 = c[win01];
      const std::uint64_t least23 = c[win23];
      const std::size_t i = least23 < least01 ? win23 : win01;
      const std::uint64_t least = c[i];
      if (!(least < key)) break;
      a[h] = least;
      h = first + i;
    }
    a[h] = key;
  }

  std::vector<std::uint64_t> keys_;
  std::size_t size_ = 0;
  bool hole_ = false;
  std::vector<Event> events_;
  std::vector<std::uint16_t> free_;
};

}  // namespace cyberdeter::bench
