#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>

#include "cli_common.hpp"
#include "cyberdeter/models/reference/reference.hpp"
#include "cyberdeter/models/schema.hpp"
#include "cyberdeter/sim/build_info.hpp"

namespace cyberdeter::app {
namespace {

struct RunOptions {
  std::string file;
  std::string output;
  std::optional<std::uint64_t> replications;
  std::optional<std::uint64_t> seed;
  std::optional<double> horizon_days;
  std::vector<std::string> overrides;
  bool quiet = false;
};

void check_output_path(const std::string& output) {
  const auto parent = std::filesystem::path(output).parent_path();
  if (!parent.empty() && !std::filesystem::is_directory(parent)) {
    throw UsageError("output directory " + parent.string() + " does not exist");
  }
}

std::string with_thousands(std::uint64_t n) {
  const std::string digits = std::to_string(n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

int run_reference(const RunOptions& opt) {
  using namespace models::reference;
  ReferenceScenario sc = load_reference_scenario(opt.file, opt.overrides);
  if (opt.replications) sc.replications = *opt.replications;
  if (opt.seed) sc.seed = *opt.seed;
  if (opt.horizon_days) sc.horizon_days = *opt.horizon_days;
  check_output_path(opt.output);

  auto file = sim::h5::File::create(opt.output);
  sim::h5::write_provenance(file, {"cyberdeter", build::version(), build::git_revision(),
                                   invocation(), "", models::schema_version});
  write_scenario(file, sc);
  auto runs = file.create_table("/runs", reference_runs_schema());

  const auto start = std::chrono::steady_clock::now();
  std::uint64_t events = 0;
  for (std::uint64_t r = 0; r < sc.replications; ++r) {
    const ReferenceRun row = sc.run(r);
    events += row.events;
    runs.append(row);
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  file.commit();

  if (!opt.quiet) {
    const char* model = sc.model == ReferenceScenario::Model::phold ? "phold" : "hold";
    std::printf("cyberdeter %s: %s, %llu replication%s of %g days (seed %llu)\n",
                version_string().c_str(), model,
                static_cast<unsigned long long>(sc.replications), sc.replications == 1 ? "" : "s",
                sc.horizon_days, static_cast<unsigned long long>(sc.seed));
    std::printf("  events processed  %s (%s per replication)\n", with_thousands(events).c_str(),
                with_thousands(events / sc.replications).c_str());
    std::printf("  engine speed      %.2f M events/s on one thread (%.2f s)\n",
                seconds > 0 ? static_cast<double>(events) / seconds / 1e6 : 0.0, seconds);
    std::printf("  output            %s (/runs: %llu rows)\n", opt.output.c_str(),
                static_cast<unsigned long long>(sc.replications));
  }
  return exit_success;
}

}  // namespace

void add_run_command(CLI::App& app, Action& action) {
  auto* cmd = app.add_subcommand("run", "Run a scenario's replications and write an HDF5 file");
  auto opt = std::make_shared<RunOptions>();
  cmd->add_option("file", opt->file, "Scenario file (TOML)")->required();
  cmd->add_option("-o,--output", opt->output, "Output HDF5 file (written atomically)")->required();
  cmd->add_option("--replications", opt->replications, "Number of replications (overrides [run])")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1'000'000'000}));
  cmd->add_option("--seed", opt->seed, "Master seed (overrides [run]); same seed, same file");
  cmd->add_option("--horizon-days", opt->horizon_days, "Simulated days per replication")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--set", opt->overrides,
                  "Override a parameter: KEY.PATH=VALUE, e.g. phold.remote_fraction=0.5 (repeatable)");
  cmd->add_flag("-q,--quiet", opt->quiet, "Print nothing on success");
  cmd->callback([&action, opt] { action = [opt] { return run_reference(*opt); }; });
}

}  // namespace cyberdeter::app
