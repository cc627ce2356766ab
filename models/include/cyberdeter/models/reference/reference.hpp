#pragma once
// Reference models that run on the engine: PHOLD, the standard parallel-DES benchmark
// (as in ROSS: every logical process owns its random stream), and the classic hold model.
// They validate the engine's determinism, measure its speed, and give the `run` command
// something to run that needs no deterrence model.

#include <cstdint>
#include <string>
#include <vector>

#include "cyberdeter/sim/hdf5.hpp"
#include "cyberdeter/sim/random.hpp"
#include "cyberdeter/sim/time.hpp"

namespace cyberdeter::models::reference {

struct PholdParams {
  std::uint32_t logical_processes = 64;
  std::uint32_t events_per_process = 16;  ///< initial population per logical process
  double remote_fraction = 0.9;           ///< share of events sent to another process
  double lookahead_days = 0.1;            ///< minimum delay of every event
  double mean_delay_days = 1.0;           ///< mean of the exponential part of the delay
};

struct HoldParams {
  std::uint32_t pending = 10'000;    ///< events kept in the queue
  double mean_increment_days = 1.0;  ///< mean of the exponential hold time
};

/// One row of /runs for a reference model.
struct ReferenceRun {
  std::uint64_t replication = 0;
  std::uint64_t seed = 0;  ///< run seed derived from (master seed, replication)
  std::uint64_t events = 0;
  std::uint64_t remote_events = 0;  ///< PHOLD: events sent to another process
  double end_day = 0.0;
  std::uint64_t min_events_per_process = 0;
  std::uint64_t max_events_per_process = 0;
  std::uint64_t fingerprint = 0;  ///< hash of the event trajectory (sim::TraceHash)
};

/// Runs PHOLD until `horizon`; deterministic in (params, id).
ReferenceRun run_phold(const PholdParams& params, const sim::RunId& id, sim::Tick horizon);
/// Runs the hold model until `horizon`; deterministic in (params, id).
ReferenceRun run_hold(const HoldParams& params, const sim::RunId& id, sim::Tick horizon);

/// A reference scenario file: `model = "phold"` or `"hold"`, a [run] table and the
/// model's table.
struct ReferenceScenario {
  enum class Model { phold, hold };

  std::string path;
  std::string text;  ///< the file as read
  Model model = Model::phold;
  std::uint64_t replications = 1;
  std::uint64_t seed = 1;
  double horizon_days = 365.0;
  PholdParams phold;
  HoldParams hold;

  /// Resolved parameters as TOML (every key, defaults filled in).
  std::string resolved_toml() const;
  ReferenceRun run(std::uint64_t replication) const;
};

/// Loads and validates a reference scenario, applying "key.path=value" overrides first.
/// Throws ScenarioError (file, line, column, key) on bad input.
ReferenceScenario load_reference_scenario(const std::string& path,
                                          const std::vector<std::string>& overrides = {});

/// Layout of /runs for the reference models: one row per replication.
sim::h5::TableSchema<ReferenceRun> reference_runs_schema();

/// Writes /scenario: the file's text, its resolved parameters and the model's name.
void write_scenario(sim::h5::File& file, const ReferenceScenario& scenario);

/// True if the file names a reference model (`model = "phold"` or `"hold"`).
bool is_reference_model(const std::string& model_name);

}  // namespace cyberdeter::models::reference
