// A sweep of the ANU deterrence model: the same plan, tasks, parts and merge as the
// deterrence model's sweep (deterrence/sweep_run.cpp), with the ANU model's tables: /runs
// (one row per task), /intensities (one per task and intensity) and /trajectory.

#include <limits>
#include <optional>

#include "cyberdeter/models/reference/anu.hpp"
#include "cyberdeter/models/scenario_error.hpp"
#include "cyberdeter/models/sweep_backend.hpp"
#include "cyberdeter/sim/merge.hpp"

namespace cyberdeter::models::anu {
namespace {

struct Plan {
  Sweep sweep;
  std::vector<DesignPoint> points;
  std::string base_text;
  AnuScenario base;
  std::string sweep_id;
  std::string sweep_hash;

  std::uint64_t tasks() const { return points.size() * sweep.replications; }
  std::uint64_t point_of(std::uint64_t task) const { return task / sweep.replications; }
  std::uint64_t replication_of(std::uint64_t task) const { return task % sweep.replications; }
  sim::RunId run_id(std::uint64_t task) const {
    sim::RunId id{sweep.seed, replication_of(task), {}};
    if (!sweep.common_random_numbers) id.design_point = point_of(task);
    return id;
  }
  AnuScenario scenario(std::uint64_t point) const {
    return load_anu_scenario_text(base_text, sweep.base_path, points.at(point).overrides);
  }
  // Rows of /intensities per task, when every point has the same number of intensities.
  std::optional<std::uint64_t> intensities_per_task() const {
    for (const auto& p : sweep.parameters) {
      for (const auto& path : p.paths) {
        if (path == "anu.intensities" || path == "anu") return std::nullopt;
      }
    }
    return base.params.intensities;
  }
};

struct Block final : sim::BlockOutput {
  std::vector<AnuRun> runs;
  std::vector<AnuIntensityRow> intensities;
  std::vector<AnuTrajectoryRow> trajectory;
};

class Runner final : public sim::TaskRunner {
 public:
  explicit Runner(const Plan& plan) : plan_(plan) {}
  std::unique_ptr<sim::BlockOutput> run(sim::TaskRange block) override {
    auto out = std::make_unique<Block>();
    for (std::uint64_t task = block.begin; task < block.end; ++task) {
      const std::uint64_t point = plan_.point_of(task);
      if (!scenario_ || point != loaded_point_) {
        scenario_ = plan_.scenario(point);
        loaded_point_ = point;
      }
      AnuResult r = run_anu(scenario_->params, plan_.run_id(task));
      r.run.point = point;  // also under common random numbers, where the run id has none
      out->runs.push_back(r.run);
      for (auto& row : r.intensities) out->intensities.push_back((row.point = point, row));
      for (auto& row : r.trajectory) out->trajectory.push_back((row.point = point, row));
    }
    return out;
  }

 private:
  const Plan& plan_;
  std::optional<AnuScenario> scenario_;
  std::uint64_t loaded_point_ = 0;
};

sim::PartInfo part_info(const Plan& plan, std::string shard, sim::TaskSet tasks,
                        std::string program_version) {
  sim::PartInfo info;
  info.sweep_id = plan.sweep_id;
  info.sweep_hash = plan.sweep_hash;
  info.total_tasks = plan.tasks();
  info.shard = std::move(shard);
  info.tasks = std::move(tasks);
  info.program_version = std::move(program_version);
  return info;
}

class Part final : public sim::PartWriter {
 public:
  Part(const Plan& plan, const deterrence::SweepOutput& output, const std::string& path)
      : plan_(plan),
        output_(output),
        file_(sim::h5::File::create(path)),
        runs_(file_.create_table("/runs", anu_runs_schema(), output.storage)),
        intensities_(file_.create_table("/intensities", anu_intensities_schema(), output.storage)),
        trajectory_(file_.create_table("/trajectory", anu_trajectory_schema(), output.storage)) {
    if (output.provenance) output.provenance(file_);
  }
  void write(const sim::BlockOutput& output) override {
    const auto& block = static_cast<const Block&>(output);
    runs_.append(std::span<const AnuRun>(block.runs));
    intensities_.append(std::span<const AnuIntensityRow>(block.intensities));
    trajectory_.append(std::span<const AnuTrajectoryRow>(block.trajectory));
  }
  void commit(const sim::TaskSet& tasks) override {
    sim::write_part_info(file_, part_info(plan_, output_.shard, tasks, output_.program_version));
    file_.commit();
  }

 private:
  const Plan& plan_;
  deterrence::SweepOutput output_;
  sim::h5::File file_;
  sim::h5::Table<AnuRun> runs_;
  sim::h5::Table<AnuIntensityRow> intensities_;
  sim::h5::Table<AnuTrajectoryRow> trajectory_;
};

// Checks the parts against `expected`, then writes the whole file.
std::uint64_t write_merged(const Plan& plan, const deterrence::SweepOutput& output,
                           const std::vector<std::string>& paths, const sim::TaskSet& expected,
                           const std::string& shard, const std::string& path) {
  sim::raise_open_file_limit();
  std::vector<sim::h5::File> files;
  std::vector<sim::MergeInput> inputs;
  files.reserve(paths.size());
  for (const auto& part : paths) {
    try {
      files.push_back(sim::h5::File::open_read(part));
      inputs.push_back({part, sim::read_part_info(files.back())});
    } catch (const sim::h5::H5Error& e) {
      throw sim::MergeError(part + ": cannot be read as a part of a sweep: " + e.what());
    }
    if (files.back().exists("/timeseries") || files.back().exists("/incidents")) {
      throw sim::MergeError(part + ": has /timeseries or /incidents, which the ANU model has not");
    }
  }
  const std::uint64_t reps = plan.sweep.replications;
  const auto words = [reps](const sim::TaskSet& t) { return deterrence::describe_tasks(t, reps); };
  if (!inputs.empty() || !expected.empty()) sim::check_parts(inputs, expected, words);
  for (const auto& input : inputs) {
    if (input.info.sweep_id != plan.sweep_id) {
      throw sim::MergeError(input.path + " belongs to another sweep (id " +
                            input.info.sweep_id.substr(0, 12) + ", expected " +
                            plan.sweep_id.substr(0, 12) + ")");
    }
  }
  std::vector<const sim::h5::File*> pointers;
  for (const auto& f : files) pointers.push_back(&f);

  auto file = sim::h5::File::create(path);
  if (output.provenance) output.provenance(file);
  deterrence::write_sweep_attributes(file, plan.sweep);
  sim::write_part_info(file, part_info(plan, shard, expected,
                                       inputs.empty() ? output.program_version
                                                      : inputs.front().info.program_version));
  file.set_attribute("/sweep", "timeseries", std::int64_t{0});
  file.set_attribute("/sweep", "incidents", std::int64_t{0});
  write_anu_scenario(file, plan.base);
  deterrence::write_design(file, plan.sweep, plan.points);

  const auto task_of = [reps](const auto& row) { return row.point * reps + row.replication; };
  const auto one = [](std::uint64_t) { return std::optional<std::uint64_t>(1); };
  auto runs = file.create_table("/runs", anu_runs_schema(), output.storage);
  sim::merge_table(pointers, inputs, "/runs", anu_runs_schema(), runs, task_of, one, words);
  if (output.check_interrupted) output.check_interrupted();
  auto intensities = file.create_table("/intensities", anu_intensities_schema(), output.storage);
  const auto per_task = plan.intensities_per_task();
  const auto intensity_rows = [per_task](std::uint64_t) { return per_task; };
  sim::merge_table(pointers, inputs, "/intensities", anu_intensities_schema(), intensities, task_of,
                   intensity_rows, words);
  if (output.check_interrupted) output.check_interrupted();
  auto trajectory = file.create_table("/trajectory", anu_trajectory_schema(), output.storage);
  sim::merge_table(pointers, inputs, "/trajectory", anu_trajectory_schema(), trajectory, task_of,
                   sim::AnyRowCount{}, words);
  if (output.check_interrupted) output.check_interrupted();
  const std::uint64_t rows = runs.size();
  file.commit();  // after the last check: a stopped sweep never publishes its output
  return rows;
}

Plan make_plan(Sweep sweep, std::string base_text) {
  Plan plan;
  plan.sweep = std::move(sweep);
  plan.points = expand(plan.sweep);
  plan.base_text = std::move(base_text);
  plan.base = load_anu_scenario_text(plan.base_text, plan.sweep.base_path);
  plan.sweep_hash = sim::sha1_hex(plan.sweep.text);
  plan.sweep_id = sim::sha1_hex(plan.sweep.text + '\0' + plan.base_text);
  return plan;
}

class Backend final : public SweepBackend {
 public:
  explicit Backend(Plan plan) : plan_(std::move(plan)) {}
  std::string model() const override { return "anu_deterrence"; }
  const Sweep& sweep() const override { return plan_.sweep; }
  std::size_t points() const override { return plan_.points.size(); }
  const std::string& sweep_id() const override { return plan_.sweep_id; }
  bool has_extras() const override { return false; }
  void validate_points(const sim::TaskSet& tasks) const override {
    std::uint64_t last = std::numeric_limits<std::uint64_t>::max();
    for (const sim::TaskRange& range : tasks.ranges()) {
      for (std::uint64_t k = plan_.point_of(range.begin); k <= plan_.point_of(range.end - 1); ++k) {
        if (k == last) continue;
        last = k;
        try {
          (void)plan_.scenario(k);
        } catch (const ScenarioError& e) {
          std::string values;
          for (const auto& o : plan_.points[k].overrides)
            values += (values.empty() ? "" : ", ") + o;
          throw ScenarioError(plan_.sweep.path, 0, 0, "",
                              "design point " + std::to_string(k) + " (" + values +
                                  ") makes the base scenario invalid: " + e.message());
        }
      }
    }
  }
  sim::SweepJob make_job(const deterrence::SweepOutput& output) const override {
    sim::SweepJob job;
    job.make_runner = [this] { return std::make_unique<Runner>(plan_); };
    job.open_part = [this, output](const std::string& path) {
      return std::make_unique<Part>(plan_, output, path);
    };
    return job;
  }
  std::uint64_t write_file(const deterrence::SweepOutput& output,
                           const std::vector<std::string>& parts, const sim::TaskSet& expected,
                           const std::string& shard, const std::string& path) const override {
    return write_merged(plan_, output, parts, expected, shard, path);
  }

 private:
  Plan plan_;
};

}  // namespace

std::unique_ptr<SweepBackend> plan_anu_sweep(Sweep sweep, std::string base_text) {
  return std::make_unique<Backend>(make_plan(std::move(sweep), std::move(base_text)));
}

deterrence::MergeSummary merge_anu_sweep_files(const std::vector<std::string>& inputs,
                                               const std::string& path,
                                               const deterrence::SweepOutput& output) {
  std::string sweep_text, sweep_path, base_text, first_id;
  try {
    const auto first = sim::h5::File::open_read(inputs.front());
    for (const char* dataset : {"/scenario/text", "/sweep/text"}) {
      if (!first.exists(dataset)) {
        throw sim::MergeError(inputs.front() + ": has no " + dataset +
                              ": it is a checkpoint part, not the output of `cyberdeter sweep`");
      }
    }
    sweep_text = first.read_dataset<std::string>("/sweep/text");
    sweep_path = first.read_attribute<std::string>("/sweep", "source_path");
    base_text = first.read_dataset<std::string>("/scenario/text");
    first_id = sim::read_part_info(first).sweep_id;
  } catch (const sim::h5::H5Error& e) {
    throw sim::MergeError(inputs.front() + ": cannot be read as a part of a sweep: " + e.what());
  }
  const Plan plan = make_plan(load_sweep_text(sweep_text, sweep_path, base_text), base_text);
  if (plan.sweep_id != first_id) {
    throw sim::MergeError(inputs.front() +
                          ": its sweep file and base scenario texts do not give its sweep id");
  }
  deterrence::MergeSummary summary;
  summary.sweep_name = plan.sweep.name.empty() ? plan.sweep.path : plan.sweep.name;
  summary.replications = plan.sweep.replications;
  summary.points = plan.points.size();
  summary.runs = write_merged(plan, output, inputs, sim::TaskSet::all(plan.tasks()), "", path);
  return summary;
}

}  // namespace cyberdeter::models::anu
