// cyberdeter sweep: every design point times every replication, on a pool of threads.
//
// Determinism rule: a task's numbers depend only on (master seed, replication[, point]),
// never on which thread ran it, and /runs is written in task order (point-major), so the
// file is bit-identical whatever the number of threads. Threads take the next task when
// they finish one (dynamic assignment); the main thread alone talks to HDF5, and workers
// stay within a bounded window ahead of it, so memory does not grow with the sweep.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <exception>
#include <map>
#include <mutex>
#include <thread>

#include "cli_common.hpp"
#include "cyberdeter/models/deterrence/model.hpp"
#include "cyberdeter/models/deterrence/output.hpp"
#include "cyberdeter/models/deterrence/scenario_loader.hpp"
#include "cyberdeter/models/scenario_error.hpp"
#include "cyberdeter/models/sweep.hpp"

namespace cyberdeter::app {
namespace {

namespace det = models::deterrence;

struct SweepOptions {
  std::string file;
  std::string output;
  unsigned threads = 0;
  int compression = sim::h5::TableOptions{}.compression_level;
  bool quiet = false;
};

// Every point's scenario, loaded before anything runs: a combination of values that the
// model rejects (say, thresholds out of order) is bad input, reported with its point.
std::vector<det::Scenario> load_points(const models::Sweep& sw,
                                       const std::vector<models::DesignPoint>& points) {
  std::vector<det::Scenario> scenarios;
  scenarios.reserve(points.size());
  for (std::size_t k = 0; k < points.size(); ++k) {
    try {
      scenarios.push_back(det::load_scenario(sw.base_path, points[k].overrides));
    } catch (const models::ScenarioError& e) {
      std::string values;
      for (const auto& o : points[k].overrides) values += (values.empty() ? "" : ", ") + o;
      throw models::ScenarioError(sw.path, 0, 0, "",
                                  "design point " + std::to_string(k) + " (" + values +
                                      ") makes the base scenario invalid: " + e.message());
    }
  }
  return scenarios;
}

void write_design(sim::h5::File& file, const models::Sweep& sw,
                  const std::vector<models::DesignPoint>& points) {
  file.create_group("/design");
  std::vector<std::int64_t> index(points.size());
  for (std::size_t k = 0; k < points.size(); ++k) index[k] = static_cast<std::int64_t>(k);
  file.write_dataset("/design/point", index, "1", "Design point index (the point column of /runs)");
  std::vector<std::string> names, paths;
  for (std::size_t i = 0; i < sw.parameters.size(); ++i) {
    const auto& p = sw.parameters[i];
    std::vector<double> values(points.size());
    for (std::size_t k = 0; k < points.size(); ++k) values[k] = points[k].values[i];
    const std::string dataset = "/design/" + p.name;
    file.write_dataset(dataset, values, "",
                       p.values.empty() ? "Value of " + p.path + " at each point"
                                        : "Index into the `values` attribute at each point");
    file.set_attribute(dataset, "path", p.path);
    if (!p.values.empty()) file.set_attribute(dataset, "values", std::span(p.values));
    names.push_back(p.name);
    paths.push_back(p.path);
  }
  file.set_attribute("/design", "parameters", std::span(names));
  file.set_attribute("/design", "paths", std::span(paths));
  file.set_attribute("/design", "kind", models::to_string(sw.design));
  file.set_attribute("/design", "replications", sw.replications);
  file.set_attribute("/design", "common_random_numbers",
                     std::int64_t{sw.common_random_numbers ? 1 : 0});
}

int run_sweep(const SweepOptions& opt) {
  const models::Sweep sw = models::load_sweep(opt.file);
  const std::vector<models::DesignPoint> points = models::expand(sw);
  const std::vector<det::Scenario> scenarios = load_points(sw, points);
  check_output_path(opt.output);

  auto file = sim::h5::File::create(opt.output);
  write_provenance(file);
  file.create_group("/sweep");
  file.write_text("/sweep/text", sw.text, "The sweep file as read");
  file.set_attribute("/sweep", "source_path", sw.path);
  file.set_attribute("/sweep", "master_seed", sw.seed);
  det::write_scenario(file, scenarios.front());
  write_design(file, sw, points);
  auto runs =
      file.create_table("/runs", det::runs_schema(), sim::h5::TableOptions{4096, opt.compression});

  const std::uint64_t total = points.size() * sw.replications;
  const unsigned threads = std::max(
      1u, opt.threads != 0 ? opt.threads : std::max(1u, std::thread::hardware_concurrency()));
  const std::uint64_t window = 64ULL * threads;  // tasks a worker may run ahead of the writer

  std::mutex mutex;
  std::condition_variable changed;
  std::map<std::uint64_t, det::RunRow> finished;
  std::uint64_t written = 0;
  std::atomic<std::uint64_t> next{0};
  std::exception_ptr failure;
  bool stopping = false;

  auto worker = [&] {
    det::RunSink discard;
    for (;;) {
      const std::uint64_t task = next++;
      if (task >= total) return;
      {
        std::unique_lock lock(mutex);
        changed.wait(lock, [&] { return task < written + window || stopping; });
        if (stopping) return;
      }
      try {
        const std::uint64_t point = task / sw.replications;
        const std::uint64_t replication = task % sw.replications;
        sim::RunId id{sw.seed, replication, {}};
        if (!sw.common_random_numbers) id.design_point = point;
        det::RunRow row = det::run_replication(scenarios[point], id, discard).run;
        row.point = point;
        std::lock_guard lock(mutex);
        finished.emplace(task, row);
      } catch (...) {
        std::lock_guard lock(mutex);
        if (!failure) failure = std::current_exception();
        stopping = true;
      }
      changed.notify_all();
    }
  };

  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> pool;
  for (unsigned i = 0; i < threads; ++i) pool.emplace_back(worker);
  auto stop_pool = [&] {
    {
      std::lock_guard lock(mutex);
      stopping = true;
    }
    changed.notify_all();
    for (auto& t : pool) t.join();
    pool.clear();
  };
  try {
    while (written < total) {
      check_interrupted();
      std::unique_lock lock(mutex);
      changed.wait_for(lock, std::chrono::milliseconds(200),
                       [&] { return finished.count(written) != 0 || failure; });
      if (failure) std::rethrow_exception(failure);
      while (!finished.empty() && finished.begin()->first == written) {
        runs.append(finished.begin()->second);
        finished.erase(finished.begin());
        ++written;
      }
      lock.unlock();
      changed.notify_all();
    }
  } catch (...) {
    stop_pool();
    throw;
  }
  stop_pool();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  file.commit();

  if (!opt.quiet) {
    std::printf("cyberdeter %s: sweep %s, %zu points x %llu replications = %llu runs\n",
                version_string().c_str(), sw.name.empty() ? sw.path.c_str() : sw.name.c_str(),
                points.size(), static_cast<unsigned long long>(sw.replications),
                static_cast<unsigned long long>(total));
    std::printf("  %u thread%s, %.2f s, %.0f runs/s\n", threads, threads == 1 ? "" : "s", seconds,
                seconds > 0 ? static_cast<double>(total) / seconds : 0.0);
    std::printf("  output   %s (/design: %zu points, /runs: %llu rows)\n", opt.output.c_str(),
                points.size(), static_cast<unsigned long long>(total));
  }
  return exit_success;
}

}  // namespace

void add_sweep_command(CLI::App& app, Action& action) {
  auto* cmd = app.add_subcommand(
      "sweep", "Run every point of a sweep file's design, each with its replications, on threads");
  auto opt = std::make_shared<SweepOptions>();
  cmd->add_option("file", opt->file, "Sweep file (TOML)")->required();
  cmd->add_option("-o,--output", opt->output, "Output HDF5 file (written atomically)")->required();
  cmd->add_option("--threads", opt->threads, "Worker threads (default: all cores)")
      ->check(CLI::Range(1u, 4096u));
  cmd->add_option("--compression", opt->compression,
                  "Deflate level of the tables, 0 (none, fastest) to 9 (smallest)")
      ->check(CLI::Range(0, 9))
      ->capture_default_str();
  cmd->add_flag("-q,--quiet", opt->quiet, "Print nothing on success");
  cmd->callback([&action, opt] { action = [opt] { return run_sweep(*opt); }; });
}

}  // namespace cyberdeter::app
