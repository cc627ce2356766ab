// cyberdeter calibrate: history matching in waves (docs/calibration.md, "Plausible
// worlds"). Each wave is a sweep of worlds run by the executors of sim/ (threads, MPI
// ranks, or one shard of a job array), checkpointed under OUTPUT.parts/wave-K/ and merged
// into OUTPUT.parts/wave-K.h5; the next wave's design is computed from the merged waves
// alone. A kill loses at most a checkpoint's worth of runs, and `--resume` recomputes the
// same designs from the merged waves and runs only what no part holds.

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <thread>

#include "cli_common.hpp"
#include "cyberdeter/models/deterrence/calibration_run.hpp"
#include "cyberdeter/models/scenario_error.hpp"
#include "cyberdeter/sim/executor.hpp"
#include "cyberdeter/sim/merge.hpp"
#include "cyberdeter/sim/mpi.hpp"
#include "cyberdeter/sim/progress.hpp"

namespace cyberdeter::app {
namespace {

namespace det = models::deterrence;
namespace fs = std::filesystem;

struct CalibrateOptions {
  std::string file;
  std::string output;
  unsigned threads = 0;
  int compression = sim::h5::TableOptions{}.compression_level;
  bool quiet = false;
  bool resume = false;
  std::string shard;
  double checkpoint_seconds = 10.0;
  int until_wave = -1;
};

// The committed checkpoint parts of a wave, from every shard's directory.
std::vector<std::string> wave_parts(const fs::path& dir) {
  std::vector<std::string> parts;
  if (!fs::exists(dir)) return parts;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.find(".h5.partial-") != std::string::npos) {
      continue;  // being written, or left by a process that died: never read
    }
    if (entry.is_regular_file() && entry.path().extension() == ".h5") {
      parts.push_back(entry.path().string());
    }
  }
  std::sort(parts.begin(), parts.end());
  return parts;
}

// Removes the temporary files that earlier incarnations of this shard (or of the whole
// wave) left in its own directory when they died. Never another shard's: shards of a job
// array run at once, each writing its parts under a temporary name, and one shard's start
// must not pull the file from under another's rename.
void remove_partials(const fs::path& dir) {
  if (!fs::exists(dir)) return;
  std::vector<fs::path> stale;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    const auto at = name.find(".h5.partial-");
    if (at == std::string::npos || !left_by_a_dead_process(name.substr(at + 12))) continue;
    stale.push_back(entry.path());
  }
  std::error_code ignored;
  for (const auto& p : stale) fs::remove(p, ignored);
}

sim::TaskSet finished_tasks(const std::vector<std::string>& parts, const det::Wave& wave,
                            const std::string& dir) {
  sim::TaskSet done;
  for (const auto& path : parts) {
    sim::PartInfo info;
    std::uint64_t rows = 0;
    try {
      const auto file = sim::h5::File::open_read(path);
      info = sim::read_part_info(file);
      rows = file.row_count("/runs");
    } catch (const sim::h5::H5Error& e) {
      throw UsageError("cannot resume: " + std::string(e.what()) + "\n  (it is in " + dir +
                       "; move it away if it does not belong there)");
    }
    if (info.sweep_id != wave.plan.sweep_id) {
      throw UsageError("cannot resume: " + path +
                       " belongs to another wave or calibration: the "
                       "calibration file or its base scenario changed since the interrupted run. "
                       "Remove " +
                       dir + " to start again.");
    }
    if (info.program_version != version_string()) {
      throw UsageError("cannot resume: " + path + " was made by cyberdeter " +
                       info.program_version + " and this is " + version_string() +
                       ". Resume with the same build, or remove the progress directory.");
    }
    if (rows != info.tasks.size()) {
      throw UsageError("cannot resume: " + path + " lists " + sim::thousands(info.tasks.size()) +
                       " tasks but holds " + sim::thousands(rows) +
                       " rows: it is damaged. Remove it and resume again (its tasks run again)");
    }
    done.insert(info.tasks);
  }
  return done;
}

bool complete_output(const std::string& output, const det::CalibrationSpec& cal) {
  if (!fs::exists(output)) return false;
  try {
    const auto file = sim::h5::File::open_read(output);
    return file.exists("/calibration/text") &&
           file.read_dataset<std::string>("/calibration/text") == cal.text &&
           file.read_dataset<std::string>("/scenario/text") == cal.base_text;
  } catch (const sim::h5::H5Error&) {
    return false;
  }
}

int run_calibrate(const CalibrateOptions& opt) {
  const int launched = sim::mpi::launched_world_size();
  std::unique_ptr<sim::mpi::World> world;
  if (launched > 1) {
    if (!sim::mpi::built_with_mpi()) {
      throw UsageError("started by an MPI launcher with " + std::to_string(launched) +
                       " processes, but this cyberdeter was built without MPI. Run one process "
                       "(it uses --threads), use --shard I/N, or rebuild with MPI.");
    }
    world = std::make_unique<sim::mpi::World>();
  }
  const bool root = !world || world->rank() == 0;

  std::unique_ptr<det::CalibrationSpec> cal;
  std::optional<sim::Shard> shard;
  try {
    cal = std::make_unique<det::CalibrationSpec>(det::load_calibration(opt.file));
    try {
      shard =
          !opt.shard.empty() ? sim::parse_shard(opt.shard) : sim::shard_from_slurm_environment();
    } catch (const std::invalid_argument& e) {
      throw UsageError(std::string("--shard: ") + e.what());
    }
    if (shard && world) throw UsageError("--shard and MPI ranks do not mix: use one or the other");
    check_output_path(opt.output);
  } catch (...) {
    if (!root) return exit_status_of(std::current_exception());
    throw;
  }
  const std::string shard_text = shard ? sim::to_string(*shard) : "";
  const fs::path parts_dir = opt.output + ".parts";
  const unsigned threads = worker_threads(opt.threads, world != nullptr);

  std::string status = "run";
  if (root) {
    try {
      remove_stale_partials(opt.output);
      if (fs::exists(parts_dir)) {
        if (!opt.resume && !shard) {
          throw UsageError(parts_dir.string() +
                           " holds the progress of an interrupted calibration: add --resume to "
                           "finish it, or remove the directory to start again");
        }
      } else if (opt.resume && complete_output(opt.output, *cal)) {
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
      std::printf("%s is already complete for this calibration: nothing to do\n",
                  opt.output.c_str());
    }
    return exit_success;
  }
  if (status != "run") return std::stoi(status);

  det::CalibrationOutput output;
  output.storage = sim::h5::TableOptions{4096, opt.compression};
  output.provenance = [](sim::h5::File& f) { write_provenance(f); };
  output.check_interrupted = check_interrupted;
  output.program_version = version_string();
  output.shard = shard_text;

  det::HistoryMatch hm(*cal);
  std::vector<std::string> wave_files;
  std::uint64_t ran = 0, resumed = 0;
  const auto start = std::chrono::steady_clock::now();
  const std::size_t last_wave =
      opt.until_wave >= 0
          ? std::min<std::size_t>(static_cast<std::size_t>(opt.until_wave), cal->waves - 1)
          : cal->waves - 1;
  for (std::size_t k = 0; k <= last_wave; ++k) {
    const fs::path wave_file = parts_dir / ("wave-" + std::to_string(k) + ".h5");
    const fs::path wave_dir = parts_dir / ("wave-" + std::to_string(k));
    // Rank 0 designs the wave (from the merged waves) and sends it to the others.
    std::string text;
    std::string merged = "0";
    if (root) {
      det::Wave wave = hm.next_wave(threads);
      text = det::serialize(wave);
      merged = fs::exists(wave_file) ? "1" : "0";
    }
    if (world) {
      world->broadcast(text);
      world->broadcast(merged);
    }
    det::Wave wave = det::deserialize_wave(*cal, text);
    if (wave.values.empty()) {
      if (root && !opt.quiet) {
        std::printf(
            "wave %zu: no prior draw of %s is non-implausible by the emulators: the "
            "calibration stops here\n",
            k, sim::thousands(wave.candidates).c_str());
      }
      break;
    }
    if (merged == "1") {
      if (root) {
        try {
          hm.add_wave(wave, wave_file.string(), threads);
        } catch (const sim::MergeError& e) {
          throw UsageError(std::string("cannot resume: ") + e.what());
        }
        wave_files.push_back(wave_file.string());
        resumed += wave.plan.tasks();
      }
      continue;
    }
    // Rank 0 alone checks every world loads, and what earlier runs left.
    const sim::TaskSet all = sim::TaskSet::all(wave.plan.tasks());
    const sim::TaskSet expected = shard ? sim::shard_tasks(all.size(), *shard) : all;
    const fs::path my_dir = wave_dir / (shard ? "shard-" + std::to_string(shard->index) + "-of-" +
                                                    std::to_string(shard->count)
                                              : std::string("all"));
    sim::TaskSet done;
    status = "run";
    if (root) {
      try {
        det::validate_points(wave.plan, expected, threads);
        remove_partials(my_dir);
        done = finished_tasks(wave_parts(wave_dir), wave, wave_dir.string());
        fs::create_directories(my_dir);
      } catch (...) {
        status = std::to_string(exit_status_of(std::current_exception()));
        if (world) world->broadcast(status);
        throw;
      }
    }
    if (world) world->broadcast(status);
    if (status != "run") return std::stoi(status);
    const sim::TaskSet pending = expected.minus(done);
    resumed += expected.size() - pending.size();
    if (!pending.empty()) {
      const sim::SweepJob job = det::make_calibration_job(*cal, wave, output);
      sim::Progress progress(
          "wave " + std::to_string(k), expected.size(),
          root ? sim::progress_mode_for_stderr(opt.quiet) : sim::ProgressMode::quiet);
      sim::ExecuteOptions exec;
      exec.pending = pending;
      exec.threads = threads;
      exec.parts_dir = my_dir.string();
      exec.checkpoint =
          std::chrono::milliseconds(static_cast<long long>(opt.checkpoint_seconds * 1000));
      exec.check_interrupted = check_interrupted;
      const std::uint64_t before = expected.size() - pending.size();
      exec.on_progress = [&](std::uint64_t n) { progress.update(before + n); };
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
        throw Interrupted(std::string(e.what()) + ": the finished runs are saved in " +
                          parts_dir.string() + "; run the same command with --resume to finish");
      } catch (const std::exception& e) {
        if (world && world->size() > 1) {
          std::fprintf(stderr, "error (rank %d): %s\n", world->rank(), e.what());
          world->abort(exit_failure);
        }
        throw;
      }
      progress.finish();
      ran += pending.size();
    }
    if (!root) continue;
    if (shard) {
      if (!opt.quiet) {
        std::printf(
            "cyberdeter %s: calibration %s, wave %zu, shard %s: %s runs saved in %s\n"
            "  when every shard of the wave is done: cyberdeter calibrate %s -o %s "
            "--resume --until-wave %zu\n",
            version_string().c_str(), cal->name.c_str(), k, shard_text.c_str(),
            sim::thousands(expected.size()).c_str(), my_dir.c_str(), opt.file.c_str(),
            opt.output.c_str(), k);
      }
      return exit_success;
    }
    try {
      det::write_wave_file(*cal, wave, output, wave_parts(wave_dir), wave_file.string());
    } catch (const Interrupted& e) {
      throw Interrupted(std::string(e.what()) + " while merging wave " + std::to_string(k) +
                        ": every run is saved in " + parts_dir.string() +
                        "; run the same command with --resume");
    } catch (const sim::MergeError& e) {
      throw UsageError("wave " + std::to_string(k) + ": " + e.what());
    }
    fs::remove_all(wave_dir);
    hm.add_wave(wave, wave_file.string(), threads);
    wave_files.push_back(wave_file.string());
    if (!opt.quiet) {
      const auto s = hm.summary();
      std::fprintf(stderr,
                   "wave %zu: %zu worlds (%.3g %% of the prior left by the earlier waves), %s "
                   "non-implausible by their runs\n",
                   k, wave.values.size(), 100.0 * s.region_share.back(),
                   sim::thousands(s.non_implausible.back()).c_str());
    }
  }
  if (!root) return exit_success;
  if (shard) {
    // Every wave is merged: writing the output is the merge job's (one process, not N).
    if (!opt.quiet) {
      std::printf(
          "every wave of %s is merged: cyberdeter calibrate %s -o %s --resume writes "
          "the output\n",
          opt.file.c_str(), opt.file.c_str(), opt.output.c_str());
    }
    return exit_success;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (opt.until_wave >= 0 && static_cast<std::size_t>(opt.until_wave) + 1 < cal->waves &&
      hm.waves_done() == static_cast<std::size_t>(opt.until_wave) + 1) {
    if (!opt.quiet) {
      std::printf(
          "cyberdeter %s: calibration %s: waves 0-%d merged in %s; continue with "
          "--resume\n",
          version_string().c_str(), cal->name.c_str(), opt.until_wave, parts_dir.c_str());
    }
    return exit_success;
  }
  hm.write_output(opt.output, wave_files, output);
  fs::remove_all(parts_dir);
  if (!opt.quiet) {
    const auto s = hm.summary();
    std::printf("cyberdeter %s: calibration %s, %zu parameters against %zu targets\n",
                version_string().c_str(), cal->name.empty() ? cal->path.c_str() : cal->name.c_str(),
                cal->parameters.size(), cal->targets.size());
    for (std::size_t k = 0; k < s.worlds.size(); ++k) {
      std::printf(
          "  wave %zu   %s worlds x %llu replications; prior left non-implausible %.3g %%; "
          "%s worlds non-implausible by their runs\n",
          k, sim::thousands(s.worlds[k]).c_str(),
          static_cast<unsigned long long>(cal->replications), 100.0 * s.region_share[k],
          sim::thousands(s.non_implausible[k]).c_str());
    }
    std::printf("  plausible %s of %s worlds (cutoff %.3g)\n", sim::thousands(s.plausible).c_str(),
                sim::thousands(s.total_worlds).c_str(), cal->cutoff);
    std::printf("  ran      %s runs on %u thread%s%s, %.2f s\n", sim::thousands(ran).c_str(),
                threads, threads == 1 ? "" : "s",
                world ? (" x " + std::to_string(world->size()) + " MPI ranks").c_str() : "",
                seconds);
    if (resumed > 0)
      std::printf("  resumed  %s runs were already done\n", sim::thousands(resumed).c_str());
    std::printf("  output   %s\n", opt.output.c_str());
  }
  return exit_success;
}

}  // namespace

void add_calibrate_command(CLI::App& app, Action& action) {
  auto* cmd = app.add_subcommand(
      "calibrate",
      "Calibrate a scenario's uncertain parameters against empirical targets by history "
      "matching in waves, keeping every world the data cannot rule out: on threads, MPI ranks "
      "or job-array shards, resumable");
  auto opt = std::make_shared<CalibrateOptions>();
  cmd->add_option("file", opt->file, "CalibrationSpec file (TOML)")->required();
  add_batch_output_option(*cmd, opt->output);
  add_worker_threads_option(*cmd, opt->threads);
  cmd->add_option("--shard", opt->shard,
                  "Run shard I of N (1-based) of the current wave, then stop; merge the wave "
                  "with --resume --until-wave K. Default inside a Slurm job array: from "
                  "SLURM_ARRAY_TASK_ID")
      ->type_name("I/N");
  cmd->add_flag("--resume", opt->resume,
                "Continue an interrupted calibration: finished waves are read back, and only "
                "the runs no checkpoint holds run");
  cmd->add_option("--until-wave", opt->until_wave,
                  "Stop after merging wave K (0-based; for job arrays, one wave per array)")
      ->check(CLI::Range(0, 49));
  add_checkpoint_option(*cmd, opt->checkpoint_seconds);
  add_compression_option(*cmd, opt->compression);
  cmd->add_flag("-q,--quiet", opt->quiet, "No progress line and no summary");
  cmd->callback([&action, opt] { action = [opt] { return run_calibrate(*opt); }; });
}

}  // namespace cyberdeter::app
