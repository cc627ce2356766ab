#pragma once
// One replication of the deterrence model (docs/model.md §11). The whole event flow is
// in models/src/deterrence/model.cpp.

#include <cstdint>

#include "cyberdeter/models/deterrence/records.hpp"
#include "cyberdeter/models/deterrence/scenario.hpp"
#include "cyberdeter/sim/random.hpp"

namespace cyberdeter::models::deterrence {

struct Wargame;

struct RunOptions {
  bool incidents = false;  ///< send every incident's record to the sink
  bool choices = false;    ///< send every attacker decision's EU terms to the sink
  /// Players who take some states' decisions (wargame.hpp); null: the doctrine decides.
  /// Without turns, a decider that always answers as the model would leaves the run's
  /// every row unchanged.
  const Wargame* wargame = nullptr;
};

/// Runs replication `replication` of `scenario` until its horizon. Deterministic in
/// (scenario, scenario.run.seed, replication): every stochastic process draws from its
/// own named stream, so two scenarios that differ in one policy see the same
/// opportunities, detections and attribution draws until the policy makes them differ.
RunResult run_replication(const Scenario& scenario, std::uint64_t replication, RunSink& sink,
                          const RunOptions& options = {});

/// The same with an explicit run identity (a sweep sets `design_point` when its points
/// should not share random numbers); the scenario's own seed is then ignored.
RunResult run_replication(const Scenario& scenario, const sim::RunId& id, RunSink& sink,
                          const RunOptions& options = {});

/// The rows a whole run writes to /timeseries: one per reporting period, the last one
/// shorter when the horizon is not a multiple of `reporting_days`.
std::uint64_t reporting_periods(const RunSettings& run);

}  // namespace cyberdeter::models::deterrence
