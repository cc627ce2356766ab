#include <algorithm>
#include <vector>

#include "cyberdeter/models/reference/reference.hpp"
#include "cyberdeter/sim/simulation.hpp"

namespace cyberdeter::models::reference {
namespace {

struct PholdEvent {
  std::uint32_t process;
  std::uint32_t sender;
  std::uint64_t trace_key() const noexcept { return (std::uint64_t{process} << 32) | sender; }
};

class Phold {
 public:
  Phold(const PholdParams& p, const sim::StreamFactory& streams)
      : params_(p), lookahead_(sim::to_ticks(p.lookahead_days)), counts_(p.logical_processes, 0) {
    rngs_.reserve(p.logical_processes);
    for (std::uint32_t i = 0; i < p.logical_processes; ++i) {
      rngs_.push_back(streams.stream(sim::StreamKey("phold.process", i)));
    }
  }

  void start(sim::Simulation<PholdEvent>& s) {
    for (std::uint32_t lp = 0; lp < params_.logical_processes; ++lp) {
      for (std::uint32_t k = 0; k < params_.events_per_process; ++k) {
        s.schedule_in(delay(rngs_[lp]), PholdEvent{lp, lp});
      }
    }
  }

  void operator()(sim::Simulation<PholdEvent>& s, const PholdEvent& e) {
    ++counts_[e.process];
    auto& rng = rngs_[e.process];
    std::uint32_t target = e.process;
    const auto n = params_.logical_processes;
    if (n > 1 && rng.uniform() < params_.remote_fraction) {
      // Uniform over the other n - 1 processes.
      const auto k = static_cast<std::uint32_t>(rng.uniform_int(0, n - 2));
      target = k >= e.process ? k + 1 : k;
      ++remote_;
    }
    s.schedule_in(delay(rng), PholdEvent{target, e.process});
  }

  std::uint64_t remote() const { return remote_; }
  const std::vector<std::uint64_t>& counts() const { return counts_; }

 private:
  sim::Tick delay(sim::RandomStream& rng) const {
    return lookahead_ + sim::to_ticks(rng.exponential(1.0 / params_.mean_delay_days));
  }

  PholdParams params_;
  sim::Tick lookahead_;
  std::vector<sim::RandomStream> rngs_;
  std::vector<std::uint64_t> counts_;
  std::uint64_t remote_ = 0;
};

}  // namespace

ReferenceRun run_phold(const PholdParams& params, const sim::RunId& id, sim::Tick horizon) {
  const sim::StreamFactory streams(id);
  sim::Simulation<PholdEvent> simulation;
  simulation.reserve(std::size_t{params.logical_processes} * params.events_per_process);
  Phold model(params, streams);
  model.start(simulation);
  sim::TraceHash trace;
  simulation.run(model, sim::StopCondition{horizon}, trace);

  ReferenceRun row;
  row.replication = id.replication;
  row.seed = streams.seed();
  row.events = simulation.events_processed();
  row.remote_events = model.remote();
  row.end_day = simulation.now_days();
  const auto [lo, hi] = std::minmax_element(model.counts().begin(), model.counts().end());
  row.min_events_per_process = lo == model.counts().end() ? 0 : *lo;
  row.max_events_per_process = hi == model.counts().end() ? 0 : *hi;
  row.fingerprint = trace.value();
  return row;
}

}  // namespace cyberdeter::models::reference
