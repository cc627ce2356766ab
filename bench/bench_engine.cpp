// Engine benchmarks: the classic hold model on the run loop, the same loop on a plain
// std::priority_queue, a comparison of queue implementations, and the cost of cancelling.
//
// The hold loops that are compared draw the same random numbers in the same order (one
// stream, one exponential draw per scheduled event, in days converted with to_ticks) and
// carry the same 24-byte event, so two benchmarks at the same size differ only in their
// queue and run loop. main() checks that before it measures anything: the engine, the
// baseline and every queue of the comparison must process the same events in the same
// order. Each benchmark fills its queue with `pending` events and
// then runs `pending` more (a warm-up, so that the queue has reached its steady shape)
// before the timed region; each timed iteration then handles a batch of events.

#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <queue>
#include <tuple>
#include <utility>
#include <vector>

#include <boost/heap/d_ary_heap.hpp>
#include <boost/heap/pairing_heap.hpp>

#include "cyberdeter/sim/event_queue.hpp"
#include "cyberdeter/sim/random.hpp"
#include "cyberdeter/sim/simulation.hpp"
#include "cyberdeter/sim/time.hpp"
#include "key_heap_queue.hpp"
#include "prototype_queues.hpp"

namespace {

using cyberdeter::sim::default_priority;
using cyberdeter::sim::EventQueue;
using cyberdeter::sim::max_tick;
using cyberdeter::sim::RandomStream;
using cyberdeter::sim::Simulation;
using cyberdeter::sim::StopCondition;
using cyberdeter::sim::Tick;

/// What a model event looks like: a kind and agent indices, no pointers (24 bytes).
struct ModelEvent {
  std::uint16_t kind = 0;
  std::uint16_t flags = 0;
  std::uint32_t actor = 0;
  std::uint32_t target = 0;
  std::uint32_t campaign = 0;
  std::uint64_t incident = 0;
};
static_assert(sizeof(ModelEvent) == 24);

/// The baseline's queue element: the event inline with its time and sequence (40 bytes).
struct Item {
  Tick time;
  std::uint64_t sequence;
  ModelEvent event;
};
static_assert(sizeof(Item) == 40);

/// Orders items earliest first (for max-heaps such as std::priority_queue).
struct Later {
  bool operator()(const Item& a, const Item& b) const noexcept {
    return std::tie(a.time, a.sequence) > std::tie(b.time, b.sequence);
  }
};

constexpr std::uint64_t events_per_iteration = 4096;

RandomStream hold_stream() {
  return cyberdeter::sim::StreamFactory(20'240'601).stream(cyberdeter::sim::StreamKey("hold"));
}

/// The hold increment: exponential with a mean of one day, in ticks.
Tick next_delay(RandomStream& rng) { return cyberdeter::sim::to_ticks(rng.exponential(1.0)); }

/// A harder increment for queues that bet on the spread of event times: nine events in
/// ten follow after about an hour, the tenth after about a year (two draws per event).
Tick mixed_delay(RandomStream& rng) {
  const bool slow = rng.uniform() < 0.1;
  return cyberdeter::sim::to_ticks(rng.exponential(slow ? 1.0 / 365.0 : 24.0));
}

ModelEvent initial_event(std::uint64_t i) {
  return {static_cast<std::uint16_t>(i % 8),   0,
          static_cast<std::uint32_t>(i % 193), static_cast<std::uint32_t>(i % 37),
          static_cast<std::uint32_t>(i % 11),  i};
}

/// The work a handler does with the event it handles: derive the follow-up event.
ModelEvent next_event(const ModelEvent& e) {
  return {static_cast<std::uint16_t>((e.kind + 1) % 8),
          e.flags,
          e.target,
          e.actor,
          e.campaign,
          e.incident + 1};
}

std::uint64_t pending_of(const benchmark::State& state) {
  return static_cast<std::uint64_t>(state.range(0));
}

void set_rate(benchmark::State& state) {
  state.SetItemsProcessed(state.iterations() *
                          static_cast<benchmark::IterationCount>(events_per_iteration));
}

// ---------------------------------------------------------------------------------------
// 1. The engine: Simulation::run with a handler.

using Sim = Simulation<ModelEvent>;

void fill(Sim& sim, RandomStream& rng, std::uint64_t pending) {
  sim.reserve(pending);
  for (std::uint64_t i = 0; i < pending; ++i) sim.schedule_at(next_delay(rng), initial_event(i));
}

template <class Handler>
void warm_up(Sim& sim, Handler&& handler, std::uint64_t pending) {
  sim.run(handler, StopCondition{max_tick, pending});
}

void BM_Hold(benchmark::State& state) {
  RandomStream rng = hold_stream();
  Sim sim;
  fill(sim, rng, pending_of(state));
  const auto handler = [&rng](Sim& s, ModelEvent& e) {
    s.schedule_in(next_delay(rng), next_event(e));
  };
  warm_up(sim, handler, pending_of(state));
  const StopCondition batch{max_tick, events_per_iteration};
  for (auto _ : state) sim.run(handler, batch);
  benchmark::DoNotOptimize(sim.now());
  set_rate(state);
}

// ---------------------------------------------------------------------------------------
// 2. The baseline: the same loop by hand on std::priority_queue.

using StdQueue = std::priority_queue<Item, std::vector<Item>, Later>;

void fill(StdQueue& queue, RandomStream& rng, std::uint64_t pending, std::uint64_t& sequence) {
  std::vector<Item> items;
  items.reserve(pending);
  queue = StdQueue(Later{}, std::move(items));  // keeps the reserved capacity
  for (std::uint64_t i = 0; i < pending; ++i) {
    queue.push({next_delay(rng), sequence++, initial_event(i)});
  }
}

/// The loop that Simulation::run replaces: pop the earliest event, handle it.
Tick hold(StdQueue& queue, RandomStream& rng, std::uint64_t& sequence, std::uint64_t events) {
  Tick now = 0;
  for (std::uint64_t i = 0; i < events; ++i) {
    const Item item = queue.top();
    queue.pop();
    now = item.time;
    queue.push({now + next_delay(rng), sequence++, next_event(item.event)});
  }
  return now;
}

void BM_HoldStdPriorityQueue(benchmark::State& state) {
  RandomStream rng = hold_stream();
  StdQueue queue;
  std::uint64_t sequence = 0;
  fill(queue, rng, pending_of(state), sequence);
  hold(queue, rng, sequence, pending_of(state));
  for (auto _ : state) benchmark::DoNotOptimize(hold(queue, rng, sequence, events_per_iteration));
  set_rate(state);
}

/// The cost of the draws alone (one exponential and a conversion per event).
void BM_HoldDrawsOnly(benchmark::State& state) {
  RandomStream rng = hold_stream();
  Tick sum = 0;
  for (auto _ : state) {
    for (std::uint64_t i = 0; i < events_per_iteration; ++i) sum += next_delay(rng);
  }
  benchmark::DoNotOptimize(sum);
  set_rate(state);
}

// ---------------------------------------------------------------------------------------
// 3. Queue implementations, without the run loop. Each adapter offers push(time,
// sequence, event) and pop() -> Item; ties break by sequence as in the engine.

struct StdPriorityQueueAdapter {
  StdQueue queue;
  void reserve(std::size_t n) {
    std::vector<Item> items;
    items.reserve(n);
    queue = StdQueue(Later{}, std::move(items));
  }
  void push(Tick t, std::uint64_t s, const ModelEvent& e) { queue.push({t, s, e}); }
  Item pop() {
    const Item top = queue.top();
    queue.pop();
    return top;
  }
};

template <class Heap>
struct BoostHeapAdapter {
  Heap queue;
  void reserve(std::size_t n) {
    if constexpr (requires { queue.reserve(n); }) queue.reserve(n);
  }
  void push(Tick t, std::uint64_t s, const ModelEvent& e) { queue.push(Item{t, s, e}); }
  Item pop() {
    const Item top = queue.top();
    queue.pop();
    return top;
  }
};
using BoostDaryAdapter = BoostHeapAdapter<
    boost::heap::d_ary_heap<Item, boost::heap::arity<4>, boost::heap::compare<Later>>>;
using BoostPairingAdapter =
    BoostHeapAdapter<boost::heap::pairing_heap<Item, boost::heap::compare<Later>>>;

struct InlineQuaternaryAdapter {
  cyberdeter::bench::QuaternaryHeap<Item, Later> queue;
  void reserve(std::size_t n) { queue.reserve(n); }
  void push(Tick t, std::uint64_t s, const ModelEvent& e) { queue.push({t, s, e}); }
  Item pop() { return queue.pop(); }
};

/// A queue without priorities: push(time, event), and pop() returning the time, the
/// event and, if the queue keeps one, the sequence.
template <class Queue>
struct TimeEventAdapter {
  Queue queue;
  void reserve(std::size_t n) { queue.reserve(n); }
  void push(Tick t, std::uint64_t, const ModelEvent& e) { queue.push(t, e); }
  Item pop() {
    const auto top = queue.pop();
    if constexpr (requires { top.sequence; }) {
      return {top.time, top.sequence, top.event};
    } else {
      return {top.time, 0, top.event};
    }
  }
};

using CalendarAdapter = TimeEventAdapter<cyberdeter::bench::CalendarQueue<ModelEvent>>;
/// The bound of prototype_queues.hpp; not checked by all_queues_agree (its ties break by
/// slot, not by sequence), and run only where its 16-bit slots suffice.
using BareKeyAdapter = TimeEventAdapter<cyberdeter::bench::BareKeyHeap<ModelEvent>>;

/// A queue with the engine's interface (push with a priority, pop an Entry).
template <class Queue>
struct EngineLikeAdapter {
  Queue queue;
  void reserve(std::size_t n) { queue.reserve(n); }
  void push(Tick t, std::uint64_t, const ModelEvent& e) { queue.push(t, default_priority, e); }
  Item pop() {
    auto top = queue.pop();
    return {top.time, top.sequence, top.event};
  }
};

/// The engine's queue held as a radix heap at every size (to place its switch point).
struct RadixOnlyQueue : EventQueue<ModelEvent> {
  RadixOnlyQueue() : EventQueue<ModelEvent>(cyberdeter::sim::QueueLayout{0, 0}) {}
};

using EngineQueueAdapter = EngineLikeAdapter<EventQueue<ModelEvent>>;
/// The engine's queue until 2026-12-07, a heap at every size (bench/key_heap_queue.hpp).
using KeyHeapAdapter = EngineLikeAdapter<cyberdeter::bench::KeyHeapEventQueue<ModelEvent>>;
using RadixOnlyAdapter = EngineLikeAdapter<RadixOnlyQueue>;

using Delay = Tick (*)(RandomStream&);

template <class Queue, Delay delay>
Tick hold(Queue& queue, RandomStream& rng, std::uint64_t& sequence, std::uint64_t events) {
  Tick now = 0;
  for (std::uint64_t i = 0; i < events; ++i) {
    const Item item = queue.pop();
    now = item.time;
    queue.push(now + delay(rng), sequence++, next_event(item.event));
  }
  return now;
}

template <class Queue, Delay delay = next_delay>
void BM_QueueHold(benchmark::State& state) {
  RandomStream rng = hold_stream();
  Queue queue;
  const std::uint64_t pending = pending_of(state);
  queue.reserve(pending);
  std::uint64_t sequence = 0;
  for (std::uint64_t i = 0; i < pending; ++i) {
    queue.push(delay(rng), sequence++, initial_event(i));
  }
  hold<Queue, delay>(queue, rng, sequence, pending);
  for (auto _ : state) {
    benchmark::DoNotOptimize(hold<Queue, delay>(queue, rng, sequence, events_per_iteration));
  }
  set_rate(state);
}

// ---------------------------------------------------------------------------------------
// 4. Cancellation: every event schedules its follow-up and a timeout, and cancels the
// timeout that the previous event scheduled. The live count stays at `pending`, and about
// `pending` cancelled keys wait in the heap until they surface (lazy deletion).

void BM_HoldCancel(benchmark::State& state) {
  RandomStream rng = hold_stream();
  Sim sim;
  const std::uint64_t pending = pending_of(state);
  sim.reserve(2 * pending + 1);  // live events plus the cancelled ones still in the heap
  fill(sim, rng, pending);
  cyberdeter::sim::EventHandle timeout;
  std::uint64_t cancelled = 0;
  const auto handler = [&](Sim& s, ModelEvent& e) {
    const ModelEvent next = next_event(e);
    s.schedule_in(next_delay(rng), next);
    if (s.cancel(timeout)) ++cancelled;
    timeout = s.schedule_in(next_delay(rng), next);
  };
  warm_up(sim, handler, pending);
  cancelled = 0;
  const StopCondition batch{max_tick, events_per_iteration};
  for (auto _ : state) sim.run(handler, batch);
  state.counters["cancelled_per_event"] = benchmark::Counter(
      static_cast<double>(cancelled) /
      (static_cast<double>(state.iterations()) * static_cast<double>(events_per_iteration)));
  set_rate(state);
}

// ---------------------------------------------------------------------------------------

/// The engine and the baseline must process the same events in the same order, or the
/// comparison measures something else. Returns false (and says why) when they differ.
bool same_trajectory(std::uint64_t pending, std::uint64_t events) {
  RandomStream rng_sim = hold_stream();
  Sim sim;
  fill(sim, rng_sim, pending);
  std::vector<std::tuple<Tick, std::uint64_t>> seen;
  seen.reserve(events);
  sim.run(
      [&](Sim& s, ModelEvent& e) {
        seen.emplace_back(s.now(), e.incident);
        s.schedule_in(next_delay(rng_sim), next_event(e));
      },
      StopCondition{max_tick, events});

  RandomStream rng_std = hold_stream();
  StdQueue queue;
  std::uint64_t sequence = 0;
  fill(queue, rng_std, pending, sequence);
  for (std::uint64_t i = 0; i < events; ++i) {
    const Item item = queue.top();
    queue.pop();
    if (seen[i] != std::tuple(item.time, item.event.incident)) {
      std::fprintf(stderr, "bench_engine: trajectories differ at event %llu\n",
                   static_cast<unsigned long long>(i));
      return false;
    }
    queue.push({item.time + next_delay(rng_std), sequence++, next_event(item.event)});
  }
  return true;
}

/// Every queue of the comparison must pop the events in the baseline's order.
template <class Queue>
bool same_order(const char* name, std::uint64_t pending, std::uint64_t events) {
  RandomStream rng_ref = hold_stream();
  StdPriorityQueueAdapter reference;
  RandomStream rng = hold_stream();
  Queue queue;
  std::uint64_t sequence = 0;
  for (std::uint64_t i = 0; i < pending; ++i) {
    reference.push(next_delay(rng_ref), sequence, initial_event(i));
    queue.push(next_delay(rng), sequence++, initial_event(i));
  }
  for (std::uint64_t i = 0; i < events; ++i) {
    const Item want = reference.pop();
    const Item got = queue.pop();
    if (got.time != want.time || got.event.incident != want.event.incident) {
      std::fprintf(stderr, "bench_engine: %s pops out of order at event %llu\n", name,
                   static_cast<unsigned long long>(i));
      return false;
    }
    reference.push(want.time + next_delay(rng_ref), sequence, next_event(want.event));
    queue.push(got.time + next_delay(rng), sequence++, next_event(got.event));
  }
  return true;
}

bool all_queues_agree() {
  constexpr std::uint64_t pending = 1000;
  constexpr std::uint64_t events = 100'000;
  return same_trajectory(pending, 2 * events) &&
         same_order<BoostDaryAdapter>("boost::heap::d_ary_heap", pending, events) &&
         same_order<BoostPairingAdapter>("boost::heap::pairing_heap", pending, events) &&
         same_order<InlineQuaternaryAdapter>("QuaternaryHeap", pending, events) &&
         same_order<CalendarAdapter>("CalendarQueue", pending, events) &&
         same_order<KeyHeapAdapter>("KeyHeapEventQueue", pending, events) &&
         same_order<EngineQueueAdapter>("EventQueue", pending, events) &&
         same_order<RadixOnlyAdapter>("EventQueue (radix heap only)", pending, events);
}

constexpr std::int64_t sizes[] = {100, 10'000, 1'000'000};

void register_benchmarks() {
  // Engine and baseline side by side at each size, so that a plain run (and
  // --benchmark_enable_random_interleaving) sees them under the same machine load.
  for (const std::int64_t n : sizes) {
    benchmark::RegisterBenchmark("BM_Hold", BM_Hold)->Arg(n);
    benchmark::RegisterBenchmark("BM_HoldStdPriorityQueue", BM_HoldStdPriorityQueue)->Arg(n);
  }
  benchmark::RegisterBenchmark("BM_HoldDrawsOnly", BM_HoldDrawsOnly);
  for (const std::int64_t n : sizes) {
    benchmark::RegisterBenchmark("BM_QueueHold_StdPriorityQueue",
                                 BM_QueueHold<StdPriorityQueueAdapter>)
        ->Arg(n);
    benchmark::RegisterBenchmark("BM_QueueHold_BoostDaryHeap4", BM_QueueHold<BoostDaryAdapter>)
        ->Arg(n);
    benchmark::RegisterBenchmark("BM_QueueHold_BoostPairingHeap", BM_QueueHold<BoostPairingAdapter>)
        ->Arg(n);
    benchmark::RegisterBenchmark("BM_QueueHold_InlineQuaternaryHeap",
                                 BM_QueueHold<InlineQuaternaryAdapter>)
        ->Arg(n);
    benchmark::RegisterBenchmark("BM_QueueHold_CalendarQueue", BM_QueueHold<CalendarAdapter>)
        ->Arg(n);
    benchmark::RegisterBenchmark("BM_QueueHold_KeyHeap", BM_QueueHold<KeyHeapAdapter>)->Arg(n);
    benchmark::RegisterBenchmark("BM_QueueHold_EngineQueue", BM_QueueHold<EngineQueueAdapter>)
        ->Arg(n);
  }
  // The lower bound for narrower keys, where 16-bit slots suffice.
  for (const std::int64_t n : {sizes[0], sizes[1]}) {
    benchmark::RegisterBenchmark("BM_QueueHold_BareKeyBound", BM_QueueHold<BareKeyAdapter>)->Arg(n);
  }
  // The calendar queue needs minutes to warm up at a million pending with mixed delays.
  for (const std::int64_t n : {sizes[0], sizes[1]}) {
    benchmark::RegisterBenchmark("BM_QueueHoldMixed_CalendarQueue",
                                 BM_QueueHold<CalendarAdapter, mixed_delay>)
        ->Arg(n);
    benchmark::RegisterBenchmark("BM_QueueHoldMixed_KeyHeap",
                                 BM_QueueHold<KeyHeapAdapter, mixed_delay>)
        ->Arg(n);
    benchmark::RegisterBenchmark("BM_QueueHoldMixed_EngineQueue",
                                 BM_QueueHold<EngineQueueAdapter, mixed_delay>)
        ->Arg(n);
  }
  for (const std::int64_t n : sizes) {
    benchmark::RegisterBenchmark("BM_HoldCancel", BM_HoldCancel)->Arg(n);
  }
  // Where a radix heap overtakes the heap (QueueLayout's defaults): each alone.
  for (const std::int64_t n : {250, 1'000, 4'000, 16'000, 64'000}) {
    benchmark::RegisterBenchmark("BM_Switch_Heap", BM_QueueHold<KeyHeapAdapter>)->Arg(n);
    benchmark::RegisterBenchmark("BM_Switch_Radix", BM_QueueHold<RadixOnlyAdapter>)->Arg(n);
    benchmark::RegisterBenchmark("BM_SwitchMixed_Heap", BM_QueueHold<KeyHeapAdapter, mixed_delay>)
        ->Arg(n);
    benchmark::RegisterBenchmark("BM_SwitchMixed_Radix",
                                 BM_QueueHold<RadixOnlyAdapter, mixed_delay>)
        ->Arg(n);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (!all_queues_agree()) return 1;
  register_benchmarks();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
