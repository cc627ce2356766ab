#include <vector>

#include <catch2/catch.hpp>

#include "cyberdeter/sim/random.hpp"
#include "cyberdeter/sim/simulation.hpp"

using namespace cyberdeter::sim;

namespace {

struct Ping {
  int id = 0;
  std::uint64_t trace_key() const { return static_cast<std::uint64_t>(id); }
};

// A small stochastic model: each event spawns one successor after an exponential delay
// drawn from the stream of its id, and sometimes a second one.
struct Branching {
  std::vector<RandomStream> streams;
  std::vector<std::pair<Tick, int>> log;

  explicit Branching(std::uint64_t seed) {
    const StreamFactory factory(RunId{seed, 0, {}});
    for (int i = 0; i < 8; ++i)
      streams.push_back(factory.stream(StreamKey("node", static_cast<std::uint64_t>(i))));
  }
  void operator()(Simulation<Ping>& sim, Ping& e) {
    log.emplace_back(sim.now(), e.id);
    auto& rng = streams[static_cast<std::size_t>(e.id)];
    const int next = static_cast<int>(rng.uniform_int(0, 7));
    sim.schedule_in(to_ticks(rng.exponential(1.0)), Ping{next});
    if (rng.uniform() < 0.05 && sim.pending() < 50)
      sim.schedule_in(to_ticks(rng.exponential(2.0)), Ping{next});
  }
};

std::uint64_t fingerprint(std::uint64_t seed, std::uint64_t events) {
  Simulation<Ping> sim;
  Branching model(seed);
  for (int i = 0; i < 8; ++i) sim.schedule_at(0, Ping{i});
  TraceHash trace;
  sim.run(model, StopCondition{max_tick, events}, trace);
  return trace.value();
}

}  // namespace

TEST_CASE("the run loop dispatches in order and advances the clock", "[engine]") {
  Simulation<Ping> sim;
  sim.schedule_at(30, {3});
  sim.schedule_at(10, {1});
  sim.schedule_at(20, {2});
  std::vector<std::pair<Tick, int>> seen;
  const auto reason =
      sim.run([&](Simulation<Ping>& s, Ping& e) { seen.emplace_back(s.now(), e.id); });
  CHECK(reason == StopReason::queue_empty);
  CHECK(seen == std::vector<std::pair<Tick, int>>{{10, 1}, {20, 2}, {30, 3}});
  CHECK(sim.events_processed() == 3);
  CHECK(sim.now() == 30);
}

TEST_CASE("the horizon leaves later events pending and a second run continues", "[engine]") {
  Simulation<Ping> sim;
  for (int i = 1; i <= 10; ++i) sim.schedule_at(i * 100, {i});
  std::vector<int> seen;
  auto handler = [&](Simulation<Ping>&, Ping& e) { seen.push_back(e.id); };
  CHECK(sim.run(handler, StopCondition{500}) == StopReason::horizon);
  CHECK(seen == std::vector<int>{1, 2, 3, 4, 5});  // t = 500 is inside the horizon
  CHECK(sim.now() == 500);
  CHECK(sim.pending() == 5);
  CHECK(sim.run(handler, StopCondition{550}) == StopReason::horizon);
  CHECK(sim.now() == 550);
  CHECK(sim.run(handler) == StopReason::queue_empty);
  CHECK(seen.size() == 10);
}

TEST_CASE("an event budget, a predicate and a stop request end a run", "[engine]") {
  Simulation<Ping> sim;
  sim.schedule_at(0, {0});
  int handled = 0;
  auto forever = [&](Simulation<Ping>& s, Ping& e) {
    ++handled;
    s.schedule_in(1, Ping{e.id + 1});
    if (e.id == 100) s.request_stop();
  };
  CHECK(sim.run(forever, StopCondition{max_tick, 10}) == StopReason::event_budget);
  CHECK(handled == 10);
  CHECK(sim.run(forever, {}, NullObserver{},
                [](const Simulation<Ping>& s) { return s.now() >= 40; }) == StopReason::predicate);
  CHECK(sim.now() == 40);
  CHECK(sim.run(forever) == StopReason::requested);
  CHECK(handled == 101);
}

TEST_CASE("the observer sees every event before the handler", "[engine]") {
  Simulation<Ping> sim;
  for (int i = 0; i < 5; ++i) sim.schedule_at(i, {i});
  std::vector<int> order;
  auto observer = [&](const Simulation<Ping>&, const Simulation<Ping>::Entry& e) {
    order.push_back(-e.event.id - 1);
  };
  sim.run([&](Simulation<Ping>&, Ping& e) { order.push_back(e.id); }, {}, observer);
  CHECK(order == std::vector<int>{-1, 0, -2, 1, -3, 2, -4, 3, -5, 4});
}

TEST_CASE("cancellation through the simulation", "[engine][cancel]") {
  Simulation<Ping> sim;
  const auto a = sim.schedule_at(10, {1});
  sim.schedule_at(20, {2});
  std::vector<int> seen;
  sim.run(
      [&](Simulation<Ping>& s, Ping& e) {
        seen.push_back(e.id);
        if (e.id == 2) CHECK_FALSE(s.cancel(a));
      },
      StopCondition{5});
  CHECK(sim.cancel(a));
  sim.run([&](Simulation<Ping>&, Ping& e) { seen.push_back(e.id); });
  CHECK(seen == std::vector<int>{2});
}

TEST_CASE("schedule_in saturates at the end of representable time", "[engine]") {
  Simulation<Ping> sim;
  sim.schedule_at(100, {1});
  sim.run(
      [](Simulation<Ping>& s, Ping& e) {
        if (e.id == 1) s.schedule_in(max_tick, Ping{2});
      },
      StopCondition{100});
  std::vector<Tick> times;
  sim.run([&](Simulation<Ping>& s, Ping&) { times.push_back(s.now()); });
  CHECK(times == std::vector<Tick>{max_tick});
}

TEST_CASE("two runs with the same seed have identical trajectories", "[engine][determinism]") {
  const auto a = fingerprint(42, 100'000);
  const auto b = fingerprint(42, 100'000);
  const auto c = fingerprint(43, 100'000);
  CHECK(a == b);
  CHECK(a != c);
}
