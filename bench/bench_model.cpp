// Benchmarks of the deterrence model on the built-in scenarios: events per second of one
// replication on one thread, with and without incident and choice records (collected in
// memory, so this measures the model; the HDF5 cost is measured by bench/model_cli.sh).
#include <benchmark/benchmark.h>

#include <fstream>
#include <sstream>
#include <string>

#include "cyberdeter/models/deterrence/model.hpp"
#include "cyberdeter/models/deterrence/scenario_loader.hpp"

namespace {

using namespace cyberdeter::models::deterrence;

const Scenario& japan() {
  static const Scenario sc =
      load_scenario(std::string(CYBERDETER_SOURCE_DIR) + "/scenarios/japan_2015_2021.toml");
  return sc;
}

struct CountingSink : RunSink {
  std::uint64_t rows = 0;
  void period(const PeriodRow&) override { ++rows; }
  void incident(const IncidentRow& r) override { rows += r.success ? 1 : 0; }
  void choice(const ChoiceRow&) override { ++rows; }
};

void run(benchmark::State& state, RunOptions options) {
  const Scenario& sc = japan();
  std::uint64_t replication = 0;
  std::uint64_t events = 0;
  CountingSink sink;
  for (auto _ : state) {
    const RunResult r = run_replication(sc, replication++, sink, options);
    events += r.run.events;
    benchmark::DoNotOptimize(r.run.fingerprint);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(events));
  state.counters["replications/s"] =
      benchmark::Counter(static_cast<double>(replication), benchmark::Counter::kIsRate);
}

void BM_ModelJapan(benchmark::State& state) { run(state, RunOptions{false, false}); }
void BM_ModelJapanIncidents(benchmark::State& state) { run(state, RunOptions{true, false}); }
void BM_ModelJapanChoices(benchmark::State& state) { run(state, RunOptions{true, true}); }

// Loading one design point of a sweep: the base parsed once (ScenarioSource), then two
// overrides applied and the whole scenario validated, as a sweep does for every point.
void BM_LoadJapanPoint(benchmark::State& state) {
  const std::string path = std::string(CYBERDETER_SOURCE_DIR) + "/scenarios/japan_2015_2021.toml";
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  const ScenarioSource source(text.str(), path);
  std::uint64_t i = 0;
  for (auto _ : state) {
    const double x = 0.5 + 1.5 * static_cast<double>(i % 1000) / 1000.0;
    const Scenario sc = source.load(
        {"attackers.APT10.operation_cost=" + std::to_string(x), "states.Japan.defense=0.3"});
    benchmark::DoNotOptimize(sc.attackers.size());
    ++i;
  }
}

BENCHMARK(BM_ModelJapan)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_LoadJapanPoint)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ModelJapanIncidents)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ModelJapanChoices)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
