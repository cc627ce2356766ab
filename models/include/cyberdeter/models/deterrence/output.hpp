#pragma once
// The HDF5 layout of the deterrence model's output (docs/hdf5-schema.md): table schemas
// for the rows of records.hpp, and a sink that streams them into a file.

#include <memory>

#include "cyberdeter/models/deterrence/model.hpp"
#include "cyberdeter/models/deterrence/records.hpp"
#include "cyberdeter/models/deterrence/scenario.hpp"
#include "cyberdeter/sim/hdf5.hpp"

namespace cyberdeter::models::deterrence {

sim::h5::TableSchema<RunRow> runs_schema();
sim::h5::TableSchema<PeriodRow> timeseries_schema();
sim::h5::TableSchema<StateRow> states_schema();
sim::h5::TableSchema<AttackerRow> attackers_schema();
sim::h5::TableSchema<BeliefRow> beliefs_schema();
sim::h5::TableSchema<IncidentRow> incidents_schema();
sim::h5::TableSchema<ChoiceRow> choices_schema();

/// Writes /scenario: the file's text, its resolved parameters, and the names that the
/// index columns of every table refer to (states, attackers, sectors, rungs, kinds).
void write_scenario(sim::h5::File& file, const Scenario& scenario);

/// Streams a run's rows into /runs, /timeseries, /states, /attackers, /beliefs and, when
/// asked, /incidents and /choices of `file`. Rows are handed in batches to one background
/// writer thread, which makes every HDF5 call (compression included) while the model runs
/// on the caller's thread; the order of rows is the order they were produced. Call
/// close() before committing the file; no other HDF5 call on `file` may overlap.
class H5Sink : public RunSink {
 public:
  H5Sink(sim::h5::File& file, const RunOptions& options, const sim::h5::TableOptions& storage = {});
  ~H5Sink() override;

  void period(const PeriodRow& row) override;
  void incident(const IncidentRow& row) override;
  void choice(const ChoiceRow& row) override;
  /// Appends the end-of-run rows of one replication.
  void finish(const RunResult& result);
  /// Writes everything still buffered and waits for the writer; rethrows its errors.
  void close();

 private:
  struct Tables;
  std::unique_ptr<Tables> tables_;
};

}  // namespace cyberdeter::models::deterrence
