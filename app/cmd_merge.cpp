// cyberdeter merge: the files of a sweep's shards into one file, after checking that they
// belong to the same sweep and together hold every task exactly once.

#include <cstdio>
#include <filesystem>
#include <memory>
#include <system_error>

#include "cli_common.hpp"
#include "cyberdeter/models/deterrence/sweep_run.hpp"
#include "cyberdeter/models/sweep_backend.hpp"
#include "cyberdeter/sim/progress.hpp"
#include "cyberdeter/sim/tasks.hpp"

namespace cyberdeter::app {
namespace {

struct MergeOptions {
  std::vector<std::string> inputs;
  std::string output;
  int compression = sim::h5::TableOptions{}.compression_level;
  bool quiet = false;
};

int run_merge(const MergeOptions& opt) {
  check_output_path(opt.output);
  for (const auto& input : opt.inputs) {
    if (!std::filesystem::is_regular_file(input)) {
      throw UsageError(input + ": no such file");
    }
    std::error_code ignored;
    if (std::filesystem::equivalent(input, opt.output, ignored)) {
      throw UsageError(input + " is both an input and the output");
    }
    try {
      (void)sim::read_part_info(sim::h5::File::open_read(input));
    } catch (const sim::h5::H5Error& e) {
      throw UsageError(std::string(e.what()));
    }
  }
  for (const auto& name : remove_stale_partials(opt.output)) {
    if (!opt.quiet) {
      std::fprintf(stderr, "removed %s, left by a merge that no longer exists\n", name.c_str());
    }
  }
  models::deterrence::SweepOutput output;
  output.storage = sim::h5::TableOptions{4096, opt.compression};
  output.provenance = [](sim::h5::File& f) { write_provenance(f); };
  output.program_version = version_string();
  const auto summary = models::merge_any_sweep_files(opt.inputs, opt.output, output);
  if (!opt.quiet) {
    std::printf("cyberdeter %s: merged %zu files of sweep %s\n", version_string().c_str(),
                opt.inputs.size(), summary.sweep_name.c_str());
    std::printf("  output   %s (/design: %s points, /runs: %s rows)\n", opt.output.c_str(),
                sim::thousands(summary.points).c_str(), sim::thousands(summary.runs).c_str());
  }
  return exit_success;
}

}  // namespace

void add_merge_command(CLI::App& app, Action& action) {
  auto* cmd = app.add_subcommand(
      "merge",
      "Merge the output files of a sweep's shards (cyberdeter sweep --shard I/N) into one "
      "file, checking that they are one sweep and hold every task exactly once");
  auto opt = std::make_shared<MergeOptions>();
  cmd->add_option("parts", opt->inputs, "The shards' output files (HDF5)")->required();
  cmd->add_option("-o,--output", opt->output, "Merged HDF5 file (written atomically)")->required();
  add_compression_option(*cmd, opt->compression);
  cmd->add_flag("-q,--quiet", opt->quiet, "Print nothing on success");
  cmd->callback([&action, opt] { action = [opt] { return run_merge(*opt); }; });
}

}  // namespace cyberdeter::app
