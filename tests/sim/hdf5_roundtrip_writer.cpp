// Writes a file of known values for tests/python/test_hdf5_roundtrip.py, which reads it
// with h5py, pandas and h5dump. Row i of /runs holds values computed from i (see make_row).

#include "cyberdeter/sim/build_info.hpp"
#include "cyberdeter/sim/hdf5.hpp"

#include <array>
#include <cstdint>
#include <exception>
#include <iostream>
#include <span>
#include <string>
#include <vector>

namespace h5 = cyberdeter::sim::h5;

namespace {

constexpr std::uint64_t row_total = 2500;
constexpr std::size_t chunk_rows = 1000;
constexpr const char* scenario_text = "# Round-trip scenario\nname = \"Zürich ✓\"\nyears = 5\n";

struct RunRow {
  std::int64_t replication = 0;
  std::uint32_t point = 0;
  std::int32_t attacks = 0;
  double damage = 0.0;
  float share = 0.0F;
  bool deterred = false;
  std::array<char, 16> name{};
  std::uint8_t code = 0;
  std::int8_t delta = 0;
  std::int16_t level = 0;
  std::uint16_t port = 0;
  std::uint64_t events = 0;
};

RunRow make_row(std::uint64_t i) {
  const auto signed_i = static_cast<std::int64_t>(i);
  RunRow row;
  row.replication = signed_i;
  row.point = static_cast<std::uint32_t>(i % 7);
  row.attacks = static_cast<std::int32_t>(signed_i * 3 % 11 - 5);
  row.damage = static_cast<double>(i) * 0.5;
  row.share = static_cast<float>(i) / 4.0F;
  row.deterred = i % 3 == 0;
  row.name = h5::to_fixed<16>("name-" + std::to_string(i));
  row.code = static_cast<std::uint8_t>(i % 256);
  row.delta = static_cast<std::int8_t>(signed_i % 256 - 128);
  row.level = static_cast<std::int16_t>(signed_i - 1000);
  row.port = static_cast<std::uint16_t>(i * 20 % 65536);
  row.events = (std::uint64_t{1} << 40U) + i;
  return row;
}

h5::TableSchema<RunRow> run_schema() {
  h5::TableSchema<RunRow> schema("One row per run");
  schema.add("replication", &RunRow::replication, "1", "Replication index")
      .add("point", &RunRow::point, "1", "Design point")
      .add("attacks", &RunRow::attacks, "count", "Attacks launched")
      .add("damage", &RunRow::damage, "VU", "Total damage")
      .add("share", &RunRow::share, "1", "Share of attacks attributed")
      .add("deterred", &RunRow::deterred, "", "Whether deterrence held")
      .add("name", &RunRow::name, "", "Run name")
      .add("code", &RunRow::code, "1", "A uint8 code")
      .add("delta", &RunRow::delta, "1", "An int8 offset")
      .add("level", &RunRow::level, "1", "An int16 level")
      .add("port", &RunRow::port, "1", "A uint16 port")
      .add("events", &RunRow::events, "count", "Events processed");
  return schema;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> arguments(argv, argv + argc);
  if (arguments.size() != 2) {
    std::cerr << "usage: hdf5_roundtrip_writer OUTPUT.h5\n";
    return 2;
  }
  try {
    std::string command_line;
    for (const std::string& argument : arguments) {
      command_line += (command_line.empty() ? "" : " ") + argument;
    }
    auto file = h5::File::create(arguments[1]);
    h5::write_provenance(
        file, h5::Provenance{"hdf5_roundtrip_writer", cyberdeter::build::version(),
                             cyberdeter::build::git_revision(), command_line, "", "test-1"});

    auto runs = file.create_table("/runs", run_schema(), h5::TableOptions{chunk_rows, 4});
    // Single rows and batches of 37, in row order, as a sweep would produce them.
    std::vector<RunRow> batch;
    const auto append_batch = [&runs, &batch] {
      runs.append(std::span<const RunRow>(batch));
      batch.clear();
    };
    for (std::uint64_t i = 0; i < row_total; ++i) {
      if (i % 5 == 0 && i < 200) {
        append_batch();
        runs.append(make_row(i));
      } else {
        batch.push_back(make_row(i));
        if (batch.size() == 37) append_batch();
      }
    }
    append_batch();
    file.set_attribute("/runs", "replications", row_total);

    file.write_text("/scenario/text", scenario_text, "The scenario file as given");
    const std::vector<double> values = {0.5, 1.0, 2.0};
    file.write_dataset("/design/values", values, "days", "Attribution delay at each point");
    const std::vector<std::string> names = {"states.Japan.doctrine.sanction.enabled"};
    file.write_dataset("/design/names", names, "Parameter paths");
    file.commit();
  } catch (const std::exception& error) {
    std::cerr << "hdf5_roundtrip_writer: " << error.what() << '\n';
    return 1;
  }
  return 0;
}
