#pragma once
// A sweep of any model but the deterrence model, written once: the same plan, tasks, parts
// and merge as the deterrence model's sweep (deterrence/sweep_run.cpp), with the model's
// own tables. A model gives a description M (reference/anu_sweep.cpp, games/games_sweep.cpp):
//
//   using Scenario = ...;   the model's scenario, loaded from text with overrides
//   using Point = ...;      what its tasks need at one design point (the scenario, and
//                           whatever is computed once per point, e.g. an equilibrium)
//   using Rows = std::tuple<std::vector<R1>, ...>;   one task's rows, table by table
//   static constexpr const char* model;               the scenario's `model`
//   static Scenario load(const std::string& text, const std::string& path,
//                        const std::vector<std::string>& overrides);     throws ScenarioError
//   static Point prepare(Scenario);                                      throws ScenarioError
//   static void run(const Point&, const sim::RunId&, std::uint64_t point, Rows&);
//   static std::tuple<SweepTable<R1>, ...> tables(const Sweep&, const Scenario& base);
//   static void write_scenario(sim::h5::File&, const Scenario& base);   /scenario
//
// Every row type has `point` and `replication`: a table's rows are in task order
// (point-major), and a task's rows depend only on its run id, so threads, MPI ranks, shards
// and resume give the same bytes.

#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "cyberdeter/models/point_check.hpp"
#include "cyberdeter/models/scenario_error.hpp"
#include "cyberdeter/models/sweep_backend.hpp"
#include "cyberdeter/sim/merge.hpp"

namespace cyberdeter::models::detail {

/// One table of a model's sweep output.
template <class Row>
struct SweepTable {
  std::string path;  ///< "/runs"
  sim::h5::TableSchema<Row> schema;
  /// Rows per task when the merge can know it (it then checks every part against it);
  /// empty: any number.
  std::function<std::optional<std::uint64_t>(std::uint64_t)> rows_per_task;
};

/// One row per task (a sweep's /runs).
inline std::function<std::optional<std::uint64_t>(std::uint64_t)> one_row_per_task() {
  return [](std::uint64_t) { return std::optional<std::uint64_t>(1); };
}

/// The open tables of a tuple of SweepTables.
template <class Specs>
struct OpenTables;
template <class... R>
struct OpenTables<std::tuple<SweepTable<R>...>> {
  using type = std::tuple<sim::h5::Table<R>...>;
  // Created in the order of the specs (a braced list is evaluated left to right).
  static type create(sim::h5::File& file, const std::tuple<SweepTable<R>...>& specs,
                     const sim::h5::TableOptions& storage) {
    return std::apply(
        [&](const auto&... spec) {
          return type{file.create_table(spec.path, spec.schema, storage)...};
        },
        specs);
  }
};

template <class M>
class ModelSweep {
 public:
  using Scenario = typename M::Scenario;
  using Point = typename M::Point;
  using Rows = typename M::Rows;
  using Tables = decltype(M::tables(std::declval<const Sweep&>(), std::declval<const Scenario&>()));

  struct Plan {
    Sweep sweep;
    std::vector<DesignPoint> points;
    std::string base_text;
    Scenario base;
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
    Point point(std::uint64_t k) const {
      return M::prepare(M::load(base_text, sweep.base_path, points.at(k).overrides));
    }
  };

  static Plan make_plan(Sweep sweep, std::string base_text) {
    Plan plan;
    plan.sweep = std::move(sweep);
    plan.points = expand(plan.sweep);
    plan.base_text = std::move(base_text);
    plan.base = M::load(plan.base_text, plan.sweep.base_path, {});
    plan.sweep_hash = sim::sha1_hex(plan.sweep.text);
    plan.sweep_id = sim::sha1_hex(plan.sweep.text + '\0' + plan.base_text);
    return plan;
  }

  static std::unique_ptr<SweepBackend> plan_sweep(Sweep sweep, std::string base_text) {
    return std::make_unique<Backend>(make_plan(std::move(sweep), std::move(base_text)));
  }

  /// `cyberdeter merge` of this model's sweep outputs (deterrence::merge_sweep_files' contract).
  static deterrence::MergeSummary merge_files(const std::vector<std::string>& inputs,
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

 private:
  struct Block final : sim::BlockOutput {
    Rows rows;
  };

  class Runner final : public sim::TaskRunner {
   public:
    explicit Runner(const Plan& plan) : plan_(plan) {}
    std::unique_ptr<sim::BlockOutput> run(sim::TaskRange block) override {
      auto out = std::make_unique<Block>();
      for (std::uint64_t task = block.begin; task < block.end; ++task) {
        const std::uint64_t k = plan_.point_of(task);
        if (!point_ || k != loaded_) {
          point_.emplace(plan_.point(k));
          loaded_ = k;
        }
        // The point is set here, also under common random numbers, where the run id has none.
        M::run(*point_, plan_.run_id(task), k, out->rows);
      }
      return out;
    }

   private:
    const Plan& plan_;
    std::optional<Point> point_;
    std::uint64_t loaded_ = 0;
  };

  static sim::PartInfo part_info(const Plan& plan, std::string shard, sim::TaskSet tasks,
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
          tables_(
              OpenTables<Tables>::create(file_, M::tables(plan.sweep, plan.base), output.storage)) {
      if (output.provenance) output.provenance(file_);
    }
    void write(const sim::BlockOutput& output) override {
      const auto& block = static_cast<const Block&>(output);
      write_each(block.rows, std::make_index_sequence<std::tuple_size_v<Rows>>{});
    }
    void commit(const sim::TaskSet& tasks) override {
      sim::write_part_info(file_, part_info(plan_, output_.shard, tasks, output_.program_version));
      file_.commit();
    }

   private:
    template <std::size_t... I>
    void write_each(const Rows& rows, std::index_sequence<I...>) {
      (std::get<I>(tables_).append(std::span(std::get<I>(rows))), ...);
    }

    const Plan& plan_;
    deterrence::SweepOutput output_;
    sim::h5::File file_;
    typename OpenTables<Tables>::type tables_;
  };

  // Checks the parts against `expected`, then writes the whole file.
  static std::uint64_t write_merged(const Plan& plan, const deterrence::SweepOutput& output,
                                    const std::vector<std::string>& paths,
                                    const sim::TaskSet& expected, const std::string& shard,
                                    const std::string& path) {
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
        throw sim::MergeError(part + ": has /timeseries or /incidents, which the " +
                              std::string(M::model) + " model has not");
      }
    }
    const std::uint64_t reps = plan.sweep.replications;
    const auto words = [reps](const sim::TaskSet& t) {
      return deterrence::describe_tasks(t, reps);
    };
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
    M::write_scenario(file, plan.base);
    deterrence::write_design(file, plan.sweep, plan.points);

    const auto task_of = [reps](const auto& row) { return row.point * reps + row.replication; };
    std::uint64_t rows = 0;
    std::apply(
        [&](const auto&... spec) {
          ((merge_one(pointers, inputs, file, output, spec, task_of, words, rows)), ...);
        },
        M::tables(plan.sweep, plan.base));
    file.commit();  // after the last check: a stopped sweep never publishes its output
    return rows;
  }

  // Merges one table; `rows` is set to the first table's (/runs) row count.
  template <class Row, class TaskOf, class Words>
  static void merge_one(const std::vector<const sim::h5::File*>& pointers,
                        const std::vector<sim::MergeInput>& inputs, sim::h5::File& file,
                        const deterrence::SweepOutput& output, const SweepTable<Row>& spec,
                        TaskOf task_of, const Words& words, std::uint64_t& rows) {
    auto table = file.create_table(spec.path, spec.schema, output.storage);
    if (spec.rows_per_task) {
      sim::merge_table(pointers, inputs, spec.path, spec.schema, table, task_of, spec.rows_per_task,
                       words);
    } else {
      sim::merge_table(pointers, inputs, spec.path, spec.schema, table, task_of, sim::AnyRowCount{},
                       words);
    }
    if (spec.path == "/runs") rows = table.size();
    if (output.check_interrupted) output.check_interrupted();
  }

  class Backend final : public SweepBackend {
   public:
    explicit Backend(Plan plan) : plan_(std::move(plan)) {}
    std::string model() const override { return M::model; }
    const Sweep& sweep() const override { return plan_.sweep; }
    std::size_t points() const override { return plan_.points.size(); }
    const std::string& sweep_id() const override { return plan_.sweep_id; }
    bool has_extras() const override { return false; }
    void validate_points(const sim::TaskSet& tasks, unsigned threads) const override {
      check_points(
          tasks, [this](std::uint64_t task) { return plan_.point_of(task); }, plan_.points,
          plan_.sweep.path, threads,
          [this](std::uint64_t k, std::size_t) { (void)plan_.point(k); });
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
};

}  // namespace cyberdeter::models::detail
