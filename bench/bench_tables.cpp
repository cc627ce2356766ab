// Writing a table: chunks filtered by HDF5's pipeline inside H5Dwrite on the writing
// thread (serial), against chunks filtered on the filter threads and stored with
// H5Dwrite_chunk (the default). The rows look like the deterrence model's incident rows
// (ids, counters, days, a few flags, some random doubles), 200,000 of them, deflate level 1.
// Timed: the appends and the final flush; not commit(), whose fsync is disk time. The file
// goes to the temporary directory and is removed.

#include <unistd.h>

#include <benchmark/benchmark.h>

#include <cstdint>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "cyberdeter/sim/hdf5.hpp"

namespace {

namespace h5 = cyberdeter::sim::h5;

struct Row {
  std::uint64_t replication = 0;
  std::uint64_t incident = 0;
  std::uint32_t attacker = 0;
  std::uint32_t victim = 0;
  std::uint8_t kind = 0;
  double decided_day = 0;
  double landed_day = 0;
  bool success = false;
  double severity = 0;
  double damage = 0;
  bool detected = false;
  double confidence = 0;
  std::int32_t named = -1;
};

h5::TableSchema<Row> schema() {
  h5::TableSchema<Row> s("incident-like rows");
  s.add("replication", &Row::replication, "1", "")
      .add("incident", &Row::incident, "1", "")
      .add("attacker", &Row::attacker, "1", "")
      .add("victim", &Row::victim, "1", "")
      .add("kind", &Row::kind, "1", "")
      .add("decided_day", &Row::decided_day, "day", "")
      .add("landed_day", &Row::landed_day, "day", "")
      .add("success", &Row::success, "1", "")
      .add("severity", &Row::severity, "VU", "")
      .add("damage", &Row::damage, "VU", "")
      .add("detected", &Row::detected, "1", "")
      .add("confidence", &Row::confidence, "1", "")
      .add("named", &Row::named, "1", "");
  return s;
}

std::vector<Row> rows(std::size_t count) {
  std::mt19937_64 random(3);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::vector<Row> out(count);
  for (std::size_t i = 0; i < count; ++i) {
    Row& r = out[i];
    r.replication = i / 700;
    r.incident = i % 700;
    r.attacker = static_cast<std::uint32_t>(random() % 4);
    r.victim = static_cast<std::uint32_t>(random() % 12);
    r.kind = static_cast<std::uint8_t>(r.attacker % 2);
    r.decided_day = static_cast<double>(i % 700) * 3.6 + unit(random);
    r.landed_day = r.decided_day + 10 * unit(random);
    r.success = unit(random) < 0.6;
    r.severity = r.success ? 5 * unit(random) : 0.0;
    r.damage = r.severity * 0.3;
    r.detected = unit(random) < 0.5;
    r.confidence = r.detected ? unit(random) : 0.0;
    r.named = r.detected ? static_cast<std::int32_t>(r.attacker) : -1;
  }
  return out;
}

void write_table(benchmark::State& state, bool parallel) {
  const std::vector<Row> data = rows(200'000);
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("cyberdeter-bench-tables-" + std::to_string(::getpid()) + ".h5"))
                               .string();
  h5::set_filter_threads(static_cast<unsigned>(state.range(0)));
  const auto s = schema();
  for (auto _ : state) {
    auto file = h5::File::create(path);
    auto table = file.create_table("/t", s, h5::TableOptions{4096, 1, parallel});
    for (std::size_t at = 0; at < data.size(); at += 1024) {
      table.append(
          std::span<const Row>(data).subspan(at, std::min<std::size_t>(1024, data.size() - at)));
    }
    table.flush();
    state.PauseTiming();  // not the close and fsync of commit(): disk time, the same for both
    file.commit();
    state.ResumeTiming();
  }
  std::filesystem::remove(path);
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(data.size()));
}

void BM_TableWrite_HDF5Pipeline(benchmark::State& state) { write_table(state, false); }
void BM_TableWrite_FilterThreads(benchmark::State& state) { write_table(state, true); }

}  // namespace

BENCHMARK(BM_TableWrite_HDF5Pipeline)->Arg(0)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_TableWrite_FilterThreads)
    ->Arg(0)
    ->Arg(1)
    ->Arg(2)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
