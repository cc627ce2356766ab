#include <algorithm>
#include <functional>
#include <limits>
#include <map>
#include <queue>
#include <set>
#include <tuple>
#include <vector>

#include <catch2/catch.hpp>

#include "cyberdeter/sim/event_queue.hpp"
#include "cyberdeter/sim/random.hpp"

using namespace cyberdeter::sim;

namespace {
struct Ev {
  int id = 0;
};

constexpr std::size_t never = std::numeric_limits<std::size_t>::max();

/// The queue as the engine builds it, as a heap or a radix heap at every size, and with
/// switch points so low that it changes structure again and again.
std::vector<std::pair<const char*, QueueLayout>> layouts() {
  return {{"default", QueueLayout{}},
          {"heap only", QueueLayout{never, never}},
          {"radix heap only", QueueLayout{0, 0}},
          {"switching at 8 and 2", QueueLayout{8, 2}},
          {"switching at 64 and 64", QueueLayout{64, 64}}};
}
}  // namespace

TEST_CASE("events pop in time order", "[queue]") {
  EventQueue<Ev> q;
  q.push(30, default_priority, {3});
  q.push(10, default_priority, {1});
  q.push(20, default_priority, {2});
  REQUIRE(q.size() == 3);
  CHECK(q.pop().event.id == 1);
  CHECK(q.pop().event.id == 2);
  CHECK(q.pop().event.id == 3);
  CHECK(q.empty());
}

TEST_CASE("ties break by priority, then by insertion order", "[queue]") {
  EventQueue<Ev> q;
  q.push(5, 200, {1});
  q.push(5, 10, {2});
  q.push(5, 200, {3});
  q.push(5, 10, {4});
  q.push(4, 255, {5});
  std::vector<int> order;
  while (!q.empty()) order.push_back(q.pop().event.id);
  CHECK(order == std::vector<int>{5, 2, 4, 1, 3});
}

TEST_CASE("entries report time, priority and a unique sequence", "[queue]") {
  EventQueue<Ev> q;
  q.push(max_tick, 7, {1});
  q.push(0, 0, {2});
  auto a = q.pop();
  auto b = q.pop();
  CHECK(a.time == 0);
  CHECK(a.priority == 0);
  CHECK(a.sequence == 1);
  CHECK(b.time == max_tick);
  CHECK(b.priority == 7);
  CHECK(b.sequence == 0);
}

TEST_CASE("the queue matches a reference ordering on random workloads", "[queue]") {
  // Reference: sort by (time, priority, sequence). Times are drawn from a small range so
  // that ties are frequent, and pops are interleaved with pushes as in a simulation.
  for (const auto& [name, layout] : layouts()) {
    INFO("layout: " << name);
    RandomStream rng(12345);
    EventQueue<Ev> q(layout);
    using Ref = std::tuple<Tick, int, std::uint64_t, int>;
    std::priority_queue<Ref, std::vector<Ref>, std::greater<>> ref;
    std::uint64_t seq = 0;
    int next_id = 0;
    Tick now = 0;
    for (int step = 0; step < 200'000; ++step) {
      if (ref.empty() || rng.uniform() < 0.52) {
        // Now and then a time far ahead, so that every level of the radix heap is used.
        const Tick t = now + (rng.uniform() < 0.01 ? rng.uniform_int(0, Tick{1} << 46)
                                                   : rng.uniform_int(0, 50));
        const auto p = static_cast<Priority>(rng.uniform_int(0, 3));
        q.push(t, p, {next_id});
        ref.emplace(t, p, seq++, next_id++);
      } else {
        const auto got = q.pop();
        const auto want = ref.top();
        ref.pop();
        REQUIRE(got.time == std::get<0>(want));
        REQUIRE(got.event.id == std::get<3>(want));
        now = got.time;
      }
    }
    CHECK(q.size() == ref.size());
  }
}

TEST_CASE("cancelled events never run and free their place", "[queue][cancel]") {
  EventQueue<Ev> q;
  const auto h1 = q.push(10, default_priority, {1});
  const auto h2 = q.push(20, default_priority, {2});
  const auto h3 = q.push(30, default_priority, {3});
  CHECK(q.is_pending(h2));
  CHECK(q.cancel(h2));
  CHECK_FALSE(q.is_pending(h2));
  CHECK_FALSE(q.cancel(h2));  // twice is harmless
  CHECK(q.size() == 2);
  CHECK(q.pop().event.id == 1);
  CHECK_FALSE(q.is_pending(h1));
  CHECK_FALSE(q.cancel(h1));  // already ran
  CHECK(q.top_time() == 30);
  CHECK(q.pop().event.id == 3);
  CHECK(q.empty());
  CHECK_FALSE(q.is_pending(h3));
  CHECK_FALSE(q.cancel(EventHandle{}));
}

TEST_CASE("a stale handle does not cancel the event that reuses its slot", "[queue][cancel]") {
  EventQueue<Ev> q;
  const auto old = q.push(1, default_priority, {1});
  CHECK(q.pop().event.id == 1);
  const auto fresh = q.push(2, default_priority, {2});
  REQUIRE(fresh.slot == old.slot);  // the slot is reused...
  CHECK_FALSE(q.cancel(old));       // ...but the old handle's generation is stale
  CHECK(q.is_pending(fresh));
  CHECK(q.pop().event.id == 2);
}

TEST_CASE("cancelling the top event exposes the next", "[queue][cancel]") {
  EventQueue<Ev> q;
  std::vector<EventHandle> handles;
  for (int i = 0; i < 100; ++i) handles.push_back(q.push(i, default_priority, {i}));
  for (int i = 0; i < 100; i += 2) CHECK(q.cancel(handles[static_cast<std::size_t>(i)]));
  CHECK(q.size() == 50);
  for (int i = 1; i < 100; i += 2) {
    CHECK(q.top_time() == i);
    CHECK(q.pop().event.id == i);
  }
  CHECK(q.empty());
}

TEST_CASE("clear drops everything and invalidates handles", "[queue]") {
  EventQueue<Ev> q;
  const auto h = q.push(5, default_priority, {1});
  q.push(6, default_priority, {2});
  q.clear();
  CHECK(q.empty());
  CHECK_FALSE(q.is_pending(h));
  q.push(7, default_priority, {3});
  CHECK(q.pop().event.id == 3);
}

TEST_CASE("the queue agrees with a reference under random push, pop, cancel, top and clear",
          "[queue][cancel][property]") {
  // Each round draws its own mix of operations and spread of times, so that ties, deep
  // heaps, many tombstones and cleared queues all occur.
  for (int round = 0; round < 15; ++round) {
    const auto [name, layout] = layouts()[static_cast<std::size_t>(round) % layouts().size()];
    INFO("layout: " << name);
    RandomStream rng(static_cast<std::uint64_t>(round) + 1);
    EventQueue<Ev> q(layout);
    using Key = std::tuple<Tick, int, std::uint64_t, int>;
    std::set<Key> ref;
    std::map<int, std::pair<EventHandle, Key>> handles;
    std::vector<int> ids;
    std::uint64_t seq = 0;
    int next_id = 0;
    Tick now = 0;
    const double p_push = 0.35 + 0.3 * rng.uniform();
    const double p_cancel = 0.3 * rng.uniform();
    const Tick spread = rng.uniform_int(1, 1000);
    INFO("round " << round);
    for (int step = 0; step < 50'000; ++step) {
      const double u = rng.uniform();
      if (ref.empty() || u < p_push) {
        const Tick t = now + (rng.uniform() < 0.01 ? rng.uniform_int(0, Tick{1} << 46)
                                                   : rng.uniform_int(0, spread));
        const auto p = static_cast<Priority>(rng.uniform_int(0, 2));
        const Key k{t, p, seq++, next_id};
        handles[next_id] = {q.push(t, p, {next_id}), k};
        ref.insert(k);
        ids.push_back(next_id++);
      } else if (u < p_push + p_cancel && !ids.empty()) {
        const auto idx =
            static_cast<std::size_t>(rng.uniform_int(0, static_cast<std::int64_t>(ids.size()) - 1));
        const auto& [h, k] = handles[ids[idx]];
        const bool live = ref.count(k) > 0;
        REQUIRE(q.is_pending(h) == live);
        REQUIRE(q.cancel(h) == live);
        ref.erase(k);
        ids[idx] = ids.back();
        ids.pop_back();
      } else if (rng.uniform() < 0.3) {
        REQUIRE(q.top_time() == std::get<0>(*ref.begin()));
      } else {
        const auto got = q.pop();
        const Key want = *ref.begin();
        ref.erase(ref.begin());
        REQUIRE(got.event.id == std::get<3>(want));
        REQUIRE(got.time == std::get<0>(want));
        REQUIRE(got.priority == std::get<1>(want));
        REQUIRE(got.sequence == std::get<2>(want));
        REQUIRE_FALSE(q.is_pending(handles[got.event.id].first));
        now = got.time;
      }
      REQUIRE(q.size() == ref.size());
      if (step % 20011 == 20010) {
        q.clear();
        for (const auto& [id, hk] : handles) REQUIRE_FALSE(q.is_pending(hk.first));
        ref.clear();
        ids.clear();
      }
    }
  }
}

TEST_CASE("an event earlier than the time top_time() looked ahead to runs first", "[queue]") {
  // A run stops at a horizon before the next event, which top_time() has already found;
  // the model then schedules an event between the horizon and that next event.
  for (const auto& [name, layout] : layouts()) {
    INFO("layout: " << name);
    EventQueue<Ev> q(layout);
    for (int i = 0; i < 100; ++i) q.push(1000 + 1000 * i, default_priority, {i});
    CHECK(q.top_time() == 1000);
    q.push(500, default_priority, {-1});
    q.push(999, 0, {-2});
    CHECK(q.top_time() == 500);
    CHECK(q.pop().event.id == -1);
    CHECK(q.pop().event.id == -2);
    for (int i = 0; i < 100; ++i) {
      const auto e = q.pop();
      REQUIRE(e.event.id == i);
      REQUIRE(e.time == 1000 + 1000 * i);
    }
    CHECK(q.empty());
  }
}

TEST_CASE("the queue changes structure at its switch points and keeps its order", "[queue]") {
  EventQueue<Ev> q(QueueLayout{16, 4});
  std::vector<EventHandle> handles;
  for (int i = 0; i < 15; ++i) handles.push_back(q.push(100 - i, default_priority, {i}));
  CHECK_FALSE(q.in_radix_heap());
  handles.push_back(q.push(1, default_priority, {15}));
  CHECK(q.in_radix_heap());     // 16 keys
  CHECK(q.cancel(handles[3]));  // time 97: a dead key moves with the others
  std::vector<int> order;
  while (!q.empty()) {
    order.push_back(q.pop().event.id);
    if (q.size() < 3) CHECK_FALSE(q.in_radix_heap());  // fewer than 4 keys
  }
  CHECK(order.front() == 15);
  CHECK(std::find(order.begin(), order.end(), 3) == order.end());
  CHECK(std::is_sorted(order.begin() + 1, order.end(), std::greater<>{}));
  CHECK(order.size() == 15);
}
