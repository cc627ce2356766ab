#include "cyberdeter/models/reference/reference.hpp"
#include "cyberdeter/sim/simulation.hpp"

namespace cyberdeter::models::reference {
namespace {

struct HoldEvent {
  std::uint64_t id;
  std::uint64_t trace_key() const noexcept { return id; }
};

}  // namespace

ReferenceRun run_hold(const HoldParams& params, const sim::RunId& id, sim::Tick horizon) {
  const sim::StreamFactory streams(id);
  auto rng = streams.stream(sim::StreamKey("hold.increment"));
  const double rate = 1.0 / params.mean_increment_days;
  sim::Simulation<HoldEvent> simulation;
  simulation.reserve(params.pending);
  for (std::uint64_t i = 0; i < params.pending; ++i) {
    simulation.schedule_in(sim::to_ticks(rng.exponential(rate)), HoldEvent{i});
  }
  sim::TraceHash trace;
  simulation.run(
      [&](sim::Simulation<HoldEvent>& s, const HoldEvent& e) {
        s.schedule_in(sim::to_ticks(rng.exponential(rate)), e);
      },
      sim::StopCondition{horizon}, trace);

  ReferenceRun row;
  row.replication = id.replication;
  row.seed = streams.seed();
  row.events = simulation.events_processed();
  row.end_day = simulation.now_days();
  row.min_events_per_process = row.events;
  row.max_events_per_process = row.events;
  row.fingerprint = trace.value();
  return row;
}

}  // namespace cyberdeter::models::reference
