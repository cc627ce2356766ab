#include "cyberdeter/models/reference/reference.hpp"

namespace cyberdeter::models::reference {

sim::h5::TableSchema<ReferenceRun> reference_runs_schema() {
  sim::h5::TableSchema<ReferenceRun> s(
      "One row per replication of a reference model (PHOLD or hold)");
  s.add("replication", &ReferenceRun::replication, "1", "Replication index, from 0")
      .add("seed", &ReferenceRun::seed, "1", "Run seed derived from (master seed, replication)")
      .add("events", &ReferenceRun::events, "count", "Events processed")
      .add("remote_events", &ReferenceRun::remote_events, "count",
           "PHOLD: events sent to another logical process (0 for hold)")
      .add("end_day", &ReferenceRun::end_day, "day", "Simulated time when the run stopped")
      .add("min_events_per_process", &ReferenceRun::min_events_per_process, "count",
           "Fewest events handled by one logical process")
      .add("max_events_per_process", &ReferenceRun::max_events_per_process, "count",
           "Most events handled by one logical process")
      .add("fingerprint", &ReferenceRun::fingerprint, "1",
           "FNV-1a hash of the event trajectory (time, priority, sequence, event)");
  return s;
}

void write_scenario(sim::h5::File& file, const ReferenceScenario& scenario) {
  file.create_group("/scenario");
  file.write_text("/scenario/text", scenario.text, "The scenario file as read, before overrides");
  file.write_text("/scenario/resolved", scenario.resolved_toml(),
                  "Every parameter after defaults and overrides, as TOML");
  file.set_attribute("/scenario", "model",
                     scenario.model == ReferenceScenario::Model::phold ? "phold" : "hold");
  file.set_attribute("/scenario", "source_path", scenario.path);
  file.set_attribute("/scenario", "master_seed", scenario.seed);
  file.set_attribute("/scenario", "replications", scenario.replications);
  file.set_attribute("/scenario", "horizon_days", scenario.horizon_days);
}

}  // namespace cyberdeter::models::reference
