// cyberdeter sweep: every design point times every replication, on threads, on MPI ranks
// or as one shard of a job array; resumable; merged into one file.
//
// The work goes through checkpoint parts in OUTPUT.parts/ (sim/executor.hpp): a kill at
// any moment loses at most the tasks since the last checkpoint, and `--resume` runs only
// what no committed part holds. At the end the parts are merged in task order into OUTPUT
// and the directory is removed, so /runs is the same bytes whatever ran it.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <thread>
#include <tuple>

#include "cli_common.hpp"
#include "cyberdeter/models/deterrence/sweep_run.hpp"
#include "cyberdeter/models/scenario_error.hpp"
#include "cyberdeter/models/sweep_backend.hpp"
#include "cyberdeter/sim/executor.hpp"
#include "cyberdeter/sim/hdf5.hpp"
#include "cyberdeter/sim/merge.hpp"
#include "cyberdeter/sim/mpi.hpp"
#include "cyberdeter/sim/progress.hpp"

namespace cyberdeter::app {
namespace {

namespace det = models::deterrence;
namespace fs = std::filesystem;

struct SweepOptions {
  std::string file;
  std::string output;
  unsigned threads = 0;
  int compression = sim::h5::TableOptions{}.compression_level;
  bool quiet = false;
  bool resume = false;
  bool timeseries = false;
  bool incidents = false;
  std::string shard;
  bool shard_given = false;
  double checkpoint_seconds = 10.0;
  std::string worlds;  // a calibration's output: run the design in each plausible world
  std::size_t max_worlds = 0;
};

std::string parts_dir_of(const std::string& output) { return output + ".parts"; }

// The committed parts in `dir`, sorted by name.
std::vector<std::string> committed_parts(const std::string& dir) {
  std::vector<std::string> parts;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.is_regular_file() && entry.path().extension() == ".h5") {
      parts.push_back(entry.path().string());
    }
  }
  std::sort(parts.begin(), parts.end());
  return parts;
}

// What an earlier, interrupted run of this sweep left: the tasks its committed parts hold.
// Files still under a temporary name were being written when it died: they are removed.
sim::TaskSet scan_progress(const std::string& dir, const models::SweepBackend& plan,
                           const sim::TaskSet& expected, const std::string& shard, bool timeseries,
                           bool incidents) {
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().filename().string().find(".h5.partial-") != std::string::npos) {
      fs::remove(entry.path());
    }
  }
  sim::TaskSet done;
  for (const auto& path : committed_parts(dir)) {
    sim::PartInfo info;
    bool part_timeseries = false;
    bool part_incidents = false;
    std::uint64_t rows = 0;
    try {
      const auto file = sim::h5::File::open_read(path);
      info = sim::read_part_info(file);
      part_timeseries = det::has_timeseries(file);
      part_incidents = det::has_incidents(file);
      rows = file.row_count("/runs");
    } catch (const sim::h5::H5Error& e) {
      throw UsageError("cannot resume: " + std::string(e.what()) +
                       "\n  (it is in the progress directory " + dir +
                       "; move it away if it does not belong there)");
    }
    if (rows != info.tasks.size()) {
      // The whole check of its rows comes at the final merge; a count that does not match
      // is refused before anything runs.
      throw UsageError("cannot resume: " + path + " lists " + sim::thousands(info.tasks.size()) +
                       " tasks but holds " + sim::thousands(rows) +
                       " rows in /runs: it is damaged. Remove it and resume again (its tasks "
                       "run again)");
    }
    if (info.sweep_id != plan.sweep_id()) {
      throw UsageError("cannot resume: " + path + " belongs to another sweep (id " +
                       info.sweep_id.substr(0, 12) + ", this one is " +
                       plan.sweep_id().substr(0, 12) +
                       "): the sweep file or its base scenario changed since the interrupted "
                       "run. Remove " +
                       dir + " to start again.");
    }
    if (info.shard != shard || !info.tasks.minus(expected).empty()) {
      const auto who = [](const std::string& s) {
        return s.empty() ? std::string("the whole sweep") : "shard " + s;
      };
      throw UsageError("cannot resume: " + path + " was written by a run of " + who(info.shard) +
                       ", and this run is " + who(shard) + ": resume with the same --shard");
    }
    if (info.program_version != version_string()) {
      throw UsageError("cannot resume: " + path + " was made by cyberdeter " +
                       info.program_version + " and this is " + version_string() +
                       ", whose results may differ. Resume with the same build, or remove " + dir +
                       " to start again.");
    }
    for (const auto& [option, held, wanted] :
         {std::tuple{"--timeseries", part_timeseries, timeseries},
          std::tuple{"--incidents", part_incidents, incidents}}) {
      if (held != wanted) {
        throw UsageError(std::string("cannot resume: the interrupted run was ") +
                         (held ? "with " : "without ") + option + "; resume it the same way");
      }
    }
    done.insert(info.tasks);
  }
  return done;
}

// An output that a finished run of the same sweep (and share) already wrote.
bool already_complete(const std::string& output, const models::SweepBackend& plan,
                      const sim::TaskSet& expected) {
  if (!fs::exists(output)) return false;
  try {
    const auto file = sim::h5::File::open_read(output);
    const auto info = sim::read_part_info(file);
    return info.sweep_id == plan.sweep_id() && info.tasks == expected;
  } catch (const sim::h5::H5Error&) {
    return false;
  }
}

int run_sweep(SweepOptions opt) {
  const int launched = sim::mpi::launched_world_size();
  std::unique_ptr<sim::mpi::World> world;
  if (launched > 1) {
    if (!sim::mpi::built_with_mpi()) {
      throw UsageError("started by an MPI launcher with " + std::to_string(launched) +
                       " processes, but this cyberdeter was built without MPI, so each would "
                       "run the whole sweep. Run one process (it uses --threads), use "
                       "--shard I/N, or rebuild with MPI (libopenmpi-dev).");
    }
    world = std::make_unique<sim::mpi::World>();
  }
  const bool root = !world || world->rank() == 0;
  const int ranks = world ? world->size() : 1;

  // Bad input is found identically by every rank: rank 0 reports it, the others leave
  // quietly with the same status.
  std::unique_ptr<models::SweepBackend> plan;
  std::optional<sim::Shard> shard;
  try {
    std::string worlds;
    if (opt.max_worlds > 0 && opt.worlds.empty()) {
      throw UsageError("--max-worlds picks among the worlds of --worlds CALIBRATION.h5: give it");
    }
    if (!opt.worlds.empty()) {
      if (!fs::is_regular_file(opt.worlds))
        throw UsageError("--worlds: " + opt.worlds + ": no such file");
      try {
        const models::Sweep sweep = models::load_sweep(opt.file);
        std::ifstream in(sweep.base_path, std::ios::binary);
        std::ostringstream base;
        base << in.rdbuf();
        worlds = det::worlds_text(opt.worlds, base.str(), opt.file, opt.max_worlds);
      } catch (const sim::h5::H5Error& e) {
        throw UsageError(std::string("--worlds: ") + e.what());
      }
    }
    plan = models::plan_any_sweep(opt.file, worlds);
    // A question that needs the incidents' records (a window, counts by attacker kind)
    // gets them without --incidents, so that `analysis answer` works on the output.
    if (plan->sweep().question && plan->sweep().question->needs_incidents) opt.incidents = true;
    if (!plan->has_extras() && (opt.timeseries || opt.incidents)) {
      throw UsageError("--timeseries and --incidents apply to sweeps of the deterrence model; " +
                       opt.file + " sweeps " + plan->model());
    }
    try {
      shard =
          !opt.shard.empty() ? sim::parse_shard(opt.shard) : sim::shard_from_slurm_environment();
    } catch (const std::invalid_argument& e) {
      throw UsageError(std::string("--shard: ") + e.what());
    }
    check_output_path(opt.output);
  } catch (...) {
    if (!root) return exit_status_of(std::current_exception());
    throw;
  }
  const std::uint64_t total = plan->tasks();
  const sim::TaskSet expected = shard ? sim::shard_tasks(total, *shard) : sim::TaskSet::all(total);
  const std::string shard_text = shard ? sim::to_string(*shard) : "";
  const std::string parts_dir = parts_dir_of(opt.output);

  // Threads for the points' check and the run.
  const unsigned threads = worker_threads(opt.threads, world != nullptr);

  // Rank 0 alone checks the points and looks at the file system, then tells the others
  // whether to go on.
  sim::TaskSet done;
  std::string status = "run";
  if (root) {
    try {
      // Every point of this process's share is loaded once before anything runs.
      plan->validate_points(expected, threads);
      for (const auto& name : remove_stale_partials(opt.output)) {
        if (!opt.quiet) {
          std::fprintf(stderr, "removed %s, left by a run that no longer exists\n", name.c_str());
        }
      }
      if (fs::exists(parts_dir)) {
        if (!opt.resume) {
          throw UsageError(parts_dir +
                           " holds the progress of an interrupted run: add --resume to finish "
                           "it, or remove the directory to start again");
        }
        done = scan_progress(parts_dir, *plan, expected, shard_text, opt.timeseries, opt.incidents);
      } else if (opt.resume && already_complete(opt.output, *plan, expected)) {
        status = "complete";
      } else {
        fs::create_directories(parts_dir);
      }
    } catch (...) {
      status = std::to_string(exit_status_of(std::current_exception()));
      if (world) world->broadcast(status);
      throw;
    }
  }
  if (world) world->broadcast(status);
  if (status == "complete") {
    if (root && !opt.quiet) {
      std::printf("%s is already complete for this sweep: nothing to do\n", opt.output.c_str());
    }
    return exit_success;
  }
  if (status != "run") return std::stoi(status);

  const sim::TaskSet pending = expected.minus(done);
  det::SweepOutput output;
  output.timeseries = opt.timeseries;
  output.incidents = opt.incidents;
  output.storage = sim::h5::TableOptions{4096, opt.compression};
  output.provenance = [](sim::h5::File& f) { write_provenance(f); };
  output.check_interrupted = check_interrupted;
  output.program_version = version_string();
  output.shard = shard_text;
  const sim::SweepJob job = plan->make_job(output);

  sim::h5::set_filter_threads(threads);  // compress chunks on as many; bytes do not depend on it
  sim::Progress progress(
      "sweep", expected.size(),
      root ? sim::progress_mode_for_stderr(opt.quiet) : sim::ProgressMode::quiet);
  sim::ExecuteOptions exec;
  exec.pending = pending;
  exec.threads = threads;
  exec.parts_dir = parts_dir;
  exec.checkpoint =
      std::chrono::milliseconds(static_cast<long long>(opt.checkpoint_seconds * 1000));
  exec.check_interrupted = check_interrupted;
  exec.on_progress = [&](std::uint64_t n) { progress.update(done.size() + n); };

  const auto start = std::chrono::steady_clock::now();
  try {
    if (world) {
      sim::mpi::execute(*world, job, exec);
    } else {
      sim::execute_threads(job, exec);
    }
  } catch (const Interrupted& e) {
    progress.finish();
    if (world) world->abandon();
    if (!root) return exit_interrupted;
    // Count what is safe now, for the message.
    sim::TaskSet saved;
    try {
      for (const auto& path : committed_parts(parts_dir)) {
        saved.insert(sim::read_part_info(sim::h5::File::open_read(path)).tasks);
      }
    } catch (...) {
    }
    throw Interrupted(std::string(e.what()) + ": " + sim::thousands(saved.size()) + " of " +
                      sim::thousands(expected.size()) + " runs are saved in " + parts_dir +
                      "; run the same command with --resume to finish");
  } catch (const std::exception& e) {
    if (world && world->size() > 1) {
      std::fprintf(stderr, "error (rank %d): %s\n", world->rank(), e.what());
      world->abort(exit_failure);
    }
    throw;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  progress.finish();
  if (!root) return exit_success;

  std::uint64_t rows = 0;
  try {
    rows = plan->write_file(output, committed_parts(parts_dir), expected, shard_text, opt.output);
  } catch (const Interrupted& e) {
    throw Interrupted(std::string(e.what()) + " during the final merge: every run is saved in " +
                      parts_dir + "; run the same command with --resume to merge them");
  }
  fs::remove_all(parts_dir);

  if (!opt.quiet) {
    const auto& sw = plan->sweep();
    std::printf("cyberdeter %s: sweep %s, %zu points x %llu replications = %s runs\n",
                version_string().c_str(), sw.name.empty() ? sw.path.c_str() : sw.name.c_str(),
                plan->points(), static_cast<unsigned long long>(sw.replications),
                sim::thousands(total).c_str());
    if (shard) {
      std::printf("  shard    %s: %s runs\n", shard_text.c_str(),
                  sim::thousands(expected.size()).c_str());
    }
    std::string workers = std::to_string(threads) + " thread" + (threads == 1 ? "" : "s");
    if (world) workers = std::to_string(ranks) + " MPI ranks x " + workers;
    std::printf("  ran      %s runs on %s, %.2f s, %s runs/s\n",
                sim::thousands(pending.size()).c_str(), workers.c_str(), seconds,
                sim::thousands(static_cast<std::uint64_t>(
                                   seconds > 0 ? static_cast<double>(pending.size()) / seconds : 0))
                    .c_str());
    if (!done.empty()) {
      std::printf("  resumed  %s runs were already done\n", sim::thousands(done.size()).c_str());
    }
    if (plan->worlds() > 0) {
      std::printf("  worlds   %s plausible worlds of %s x %zu points of the sweep file\n",
                  sim::thousands(plan->worlds()).c_str(), opt.worlds.c_str(),
                  plan->points() / plan->worlds());
    }
    std::printf("  output   %s (/design: %zu points, /runs: %s rows%s)\n", opt.output.c_str(),
                plan->points(), sim::thousands(rows).c_str(),
                std::string(opt.timeseries ? ", /timeseries" : "")
                    .append(opt.incidents ? ", /incidents" : "")
                    .c_str());
  }
  return exit_success;
}

}  // namespace

void add_sweep_command(CLI::App& app, Action& action) {
  auto* cmd = app.add_subcommand(
      "sweep",
      "Run every point of a sweep file's design, each with its replications: on threads, on "
      "MPI ranks (under mpirun or srun), or as one shard of a job array");
  auto opt = std::make_shared<SweepOptions>();
  cmd->add_option("file", opt->file, "Sweep file (TOML)")->required();
  add_batch_output_option(*cmd, opt->output);
  add_worker_threads_option(*cmd, opt->threads);
  auto* shard_option =
      cmd->add_option("--shard", opt->shard,
                      "Run shard I of N (1-based, e.g. 3/8): a deterministic share of the tasks, "
                      "written to OUTPUT for `cyberdeter merge`. Default inside a Slurm job "
                      "array: from SLURM_ARRAY_TASK_ID")
          ->type_name("I/N")
          ->check(
              [](const std::string& value) {
                try {
                  (void)sim::parse_shard(value);
                  return std::string();
                } catch (const std::invalid_argument& e) {
                  return std::string(e.what());
                }
              },
              "I/N");
  cmd->add_flag("--resume", opt->resume,
                "Continue an interrupted run of the same command: only the tasks not yet in "
                "OUTPUT.parts/ run");
  cmd->add_option("--worlds", opt->worlds,
                  "A calibration's output (cyberdeter calibrate): run the sweep's design in "
                  "each of its plausible worlds, with common random numbers within each")
      ->type_name("CALIBRATION.h5");
  cmd->add_option("--max-worlds", opt->max_worlds,
                  "With --worlds: at most this many plausible worlds, evenly spaced in the "
                  "calibration's order (their weights renormalised)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{10'000'000}));
  cmd->add_flag("--timeseries", opt->timeseries,
                "Also write /timeseries (one row per run and reporting period)");
  cmd->add_flag("--incidents", opt->incidents,
                "Also write /incidents (every incident's whole record; large)");
  add_checkpoint_option(*cmd, opt->checkpoint_seconds);
  add_compression_option(*cmd, opt->compression);
  cmd->add_flag("-q,--quiet", opt->quiet, "No progress line and no summary");
  cmd->callback([&action, opt, shard_option] {
    opt->shard_given = shard_option->count() > 0;
    action = [opt] { return run_sweep(*opt); };
  });
}

}  // namespace cyberdeter::app
