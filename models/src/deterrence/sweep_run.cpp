#include "cyberdeter/models/deterrence/sweep_run.hpp"

#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <optional>
#include <sstream>

#include "../toml_reader.hpp"
#include "cyberdeter/models/deterrence/model.hpp"
#include "cyberdeter/models/deterrence/output.hpp"
#include "cyberdeter/models/deterrence/scenario_loader.hpp"
#include "cyberdeter/models/point_check.hpp"
#include "cyberdeter/models/scenario_error.hpp"
#include "cyberdeter/sim/merge.hpp"

namespace cyberdeter::models::deterrence {

namespace {

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) throw ScenarioError(path, 0, 0, "", "cannot read the file");
  return text.str();
}

std::size_t split_count(const std::string& path) { return detail::split_key_path(path).size(); }

sim::PartInfo part_info(const SweepPlan& plan, std::string shard, sim::TaskSet tasks) {
  sim::PartInfo info;
  info.sweep_id = plan.sweep_id;
  info.sweep_hash = plan.sweep_hash;
  info.total_tasks = plan.tasks();
  info.shard = std::move(shard);
  info.tasks = std::move(tasks);
  return info;
}

// A block's rows, from a worker to the writer.
struct Block final : sim::BlockOutput {
  std::vector<RunRow> runs;
  std::vector<StateRow> states;
  std::vector<AttackerRow> attackers;
  std::vector<PeriodRow> periods;
  std::vector<IncidentRow> incidents;
};

// Collects the rows a run streams, for the tables the sweep writes, tagged with the point.
class BlockSink final : public RunSink {
 public:
  BlockSink(Block& block, const SweepOutput& output, std::uint64_t point)
      : block_(block), periods_(output.timeseries), incidents_(output.incidents), point_(point) {}
  void period(const PeriodRow& row) override {
    if (!periods_) return;
    block_.periods.push_back(row);
    block_.periods.back().point = point_;
  }
  void incident(const IncidentRow& row) override {
    if (!incidents_) return;
    block_.incidents.push_back(row);
    block_.incidents.back().point = point_;
  }

 private:
  Block& block_;
  bool periods_;
  bool incidents_;
  std::uint64_t point_;
};

class Runner final : public sim::TaskRunner {
 public:
  Runner(const SweepPlan& plan, const SweepOutput& output) : plan_(plan), output_(output) {}

  std::unique_ptr<sim::BlockOutput> run(sim::TaskRange block) override {
    auto out = std::make_unique<Block>();
    out->runs.reserve(block.size());
    for (std::uint64_t task = block.begin; task < block.end; ++task) {
      const std::uint64_t point = plan_.point_of(task);
      if (point != loaded_point_ || !scenario_) {
        scenario_ = plan_.scenario(point);
        loaded_point_ = point;
      }
      BlockSink sink(*out, output_, point);
      RunResult result =
          run_replication(*scenario_, plan_.run_id(task), sink, {output_.incidents, false});
      result.run.point = point;
      out->runs.push_back(result.run);
      for (StateRow& row : result.states) {
        row.point = point;
        out->states.push_back(row);
      }
      for (AttackerRow& row : result.attackers) {
        row.point = point;
        out->attackers.push_back(row);
      }
    }
    return out;
  }

 private:
  const SweepPlan& plan_;
  SweepOutput output_;
  std::optional<Scenario> scenario_;
  std::uint64_t loaded_point_ = 0;
};

class Part final : public sim::PartWriter {
 public:
  Part(const SweepPlan& plan, const SweepOutput& output, const std::string& path)
      : plan_(plan),
        program_version_(output.program_version),
        shard_(output.shard),
        file_(sim::h5::File::create(path)) {
    if (output.provenance) output.provenance(file_);
    runs_.emplace(file_.create_table("/runs", runs_schema(), output.storage));
    states_.emplace(file_.create_table("/states", states_schema(), output.storage));
    attackers_.emplace(file_.create_table("/attackers", attackers_schema(), output.storage));
    if (output.timeseries) {
      periods_.emplace(file_.create_table("/timeseries", timeseries_schema(), output.storage));
    }
    if (output.incidents) {
      incidents_.emplace(file_.create_table("/incidents", incidents_schema(), output.storage));
    }
  }
  void write(const sim::BlockOutput& output) override {
    const auto& block = static_cast<const Block&>(output);
    runs_->append(std::span<const RunRow>(block.runs));
    states_->append(std::span<const StateRow>(block.states));
    attackers_->append(std::span<const AttackerRow>(block.attackers));
    if (periods_) periods_->append(std::span<const PeriodRow>(block.periods));
    if (incidents_) incidents_->append(std::span<const IncidentRow>(block.incidents));
  }
  void commit(const sim::TaskSet& tasks) override {
    sim::PartInfo info = part_info(plan_, shard_, tasks);
    info.program_version = program_version_;
    sim::write_part_info(file_, info);
    file_.set_attribute("/sweep", "timeseries", std::int64_t{periods_ ? 1 : 0});
    file_.set_attribute("/sweep", "incidents", std::int64_t{incidents_ ? 1 : 0});
    file_.commit();
  }

 private:
  const SweepPlan& plan_;
  std::string program_version_;
  std::string shard_;
  sim::h5::File file_;
  std::optional<sim::h5::Table<RunRow>> runs_;
  std::optional<sim::h5::Table<StateRow>> states_;
  std::optional<sim::h5::Table<AttackerRow>> attackers_;
  std::optional<sim::h5::Table<PeriodRow>> periods_;
  std::optional<sim::h5::Table<IncidentRow>> incidents_;
};

void write_sweep_attributes(sim::h5::File& file, const Sweep& sw, const std::string& worlds) {
  file.create_group("/sweep");
  file.write_text("/sweep/text", sw.text, "The sweep file as read");
  if (!worlds.empty()) {
    file.write_text("/sweep/worlds", worlds,
                    "The plausible worlds the design is crossed with (sweep --worlds)");
  }
  file.set_attribute("/sweep", "source_path", sw.path);
  file.set_attribute("/sweep", "name", sw.name);
  file.set_attribute("/sweep", "master_seed", sw.seed);
  file.set_attribute("/sweep", "replications", sw.replications);
}

// Which optional tables a file has (or gets).
struct Extras {
  bool timeseries = false;
  bool incidents = false;
  friend bool operator==(const Extras&, const Extras&) = default;
};

std::string describe(const Extras& e) {
  std::string out;
  if (e.timeseries) out += " --timeseries";
  if (e.incidents) out += " --incidents";
  return out.empty() ? " neither --timeseries nor --incidents" : out;
}

struct OpenParts {
  std::vector<sim::h5::File> files;
  std::vector<const sim::h5::File*> pointers;
  std::vector<sim::MergeInput> inputs;
  Extras extras;  // what the parts hold (all the same)
};

OpenParts open_parts(const std::vector<std::string>& paths) {
  sim::raise_open_file_limit();
  OpenParts parts;
  parts.files.reserve(paths.size());
  for (const auto& path : paths) {
    Extras extras;
    try {
      parts.files.push_back(sim::h5::File::open_read(path));
      parts.inputs.push_back({path, sim::read_part_info(parts.files.back())});
      extras = {has_timeseries(parts.files.back()), has_incidents(parts.files.back())};
    } catch (const sim::h5::H5Error& e) {
      // A part that cannot be read is bad input, like one that does not fit.
      throw sim::MergeError(path + ": cannot be read as a part of a sweep: " + e.what());
    }
    if (parts.files.size() == 1) {
      parts.extras = extras;
    } else if (extras != parts.extras) {
      throw sim::MergeError(path + " was written with" + describe(extras) + ", but " +
                            paths.front() + " with" + describe(parts.extras) +
                            ": run every part with the same options");
    }
  }
  for (const auto& f : parts.files) parts.pointers.push_back(&f);
  return parts;
}

// The number of rows a table holds for each run of a design point: the base scenario's
// count unless the sweep varies what decides it, then each point's (loaded once).
class RowsPerPoint {
 public:
  using Count = std::uint64_t (*)(const Scenario&);
  // `decides` tells whether a swept path can change the count.
  RowsPerPoint(const SweepPlan& plan, Count count, bool (*decides)(const std::string& path))
      : plan_(plan), count_(count) {
    for (const auto& p : plan.sweep.parameters) {
      for (const auto& path : p.paths) per_point_ = per_point_ || decides(path);
    }
    base_ = count(plan.base);
  }
  std::uint64_t operator()(std::uint64_t point) {
    if (!per_point_) return base_;
    if (const auto it = cache_.find(point); it != cache_.end()) return it->second;
    return cache_[point] = count_(plan_.scenario(point));
  }

 private:
  const SweepPlan& plan_;
  Count count_;
  bool per_point_ = false;
  std::uint64_t base_ = 0;
  std::map<std::uint64_t, std::uint64_t> cache_;
};

std::uint64_t periods_of(const Scenario& sc) { return reporting_periods(sc.run); }
std::uint64_t states_of(const Scenario& sc) { return sc.states.size(); }
std::uint64_t attackers_of(const Scenario& sc) { return sc.attackers.size(); }
bool decides_periods(const std::string& path) {
  return path == "run.horizon_days" || path == "run.reporting_days";
}
// A whole table of states or attackers (`states`, `states.NAME`) can add or remove some.
bool decides_states(const std::string& path) {
  return path == "states" || (path.starts_with("states.") && split_count(path) == 2);
}
bool decides_attackers(const std::string& path) {
  return path == "attackers" || (path.starts_with("attackers.") && split_count(path) == 2);
}

std::uint64_t merge_tables(const SweepPlan& plan, const OpenParts& parts, sim::h5::File& out,
                           const SweepOutput& output, const Extras& extras) {
  const std::uint64_t replications = plan.sweep.replications;
  const auto task_of = [replications](const auto& row) {
    return row.point * replications + row.replication;
  };
  const auto words = [replications](const sim::TaskSet& t) {
    return describe_tasks(t, replications);
  };
  // Every task the parts list has exactly one row in /runs and one per reporting period
  // in /timeseries: a part with rows deleted or duplicated is refused, not merged short.
  const auto one_run = [](std::uint64_t) { return std::optional<std::uint64_t>(1); };
  auto runs = out.create_table("/runs", runs_schema(), output.storage);
  sim::merge_table(parts.pointers, parts.inputs, "/runs", runs_schema(), runs, task_of, one_run,
                   words);
  if (output.check_interrupted) output.check_interrupted();
  // One row per state and per attacker of each run, one per reporting period.
  const auto per_task = [&plan](RowsPerPoint& rows) {
    return [&plan, &rows](std::uint64_t task) {
      return std::optional<std::uint64_t>(rows(plan.point_of(task)));
    };
  };
  RowsPerPoint states_per_point(plan, states_of, decides_states);
  auto states = out.create_table("/states", states_schema(), output.storage);
  sim::merge_table(parts.pointers, parts.inputs, "/states", states_schema(), states, task_of,
                   per_task(states_per_point), words);
  RowsPerPoint attackers_per_point(plan, attackers_of, decides_attackers);
  auto attackers = out.create_table("/attackers", attackers_schema(), output.storage);
  sim::merge_table(parts.pointers, parts.inputs, "/attackers", attackers_schema(), attackers,
                   task_of, per_task(attackers_per_point), words);
  if (extras.timeseries) {
    RowsPerPoint periods_per_point(plan, periods_of, decides_periods);
    auto periods = out.create_table("/timeseries", timeseries_schema(), output.storage);
    sim::merge_table(parts.pointers, parts.inputs, "/timeseries", timeseries_schema(), periods,
                     task_of, per_task(periods_per_point), words);
  }
  if (extras.incidents) {
    auto incidents = out.create_table("/incidents", incidents_schema(), output.storage);
    sim::merge_table(parts.pointers, parts.inputs, "/incidents", incidents_schema(), incidents,
                     task_of, sim::AnyRowCount{}, words);
  }
  return runs.size();
}

// Checks the parts against `expected`, then writes the whole file with the optional tables
// `extras` (the parts must hold the same, if there are any: a shard with no tasks has none).
std::uint64_t write_merged(const SweepPlan& plan, const SweepOutput& output, const OpenParts& open,
                           const sim::TaskSet& expected, const std::string& shard,
                           const std::string& path, const Extras& extras) {
  const std::uint64_t reps = plan.sweep.replications;
  if (!open.inputs.empty() || !expected.empty()) {
    sim::check_parts(open.inputs, expected,
                     [reps](const sim::TaskSet& t) { return describe_tasks(t, reps); });
  }
  if (!open.inputs.empty() && open.extras != extras) {
    throw sim::MergeError("the parts were written with" + describe(open.extras) +
                          ", this run is with" + describe(extras));
  }
  for (const auto& input : open.inputs) {
    if (input.info.sweep_id != plan.sweep_id) {
      throw sim::MergeError(input.path + " belongs to another sweep (id " +
                            input.info.sweep_id.substr(0, 12) + ", expected " +
                            plan.sweep_id.substr(0, 12) + ")");
    }
  }
  auto file = sim::h5::File::create(path);
  if (output.provenance) output.provenance(file);
  write_sweep_attributes(file, plan.sweep, plan.worlds_text);
  sim::PartInfo info = part_info(plan, shard, expected);
  info.program_version =
      open.inputs.empty() ? output.program_version : open.inputs.front().info.program_version;
  sim::write_part_info(file, info);
  file.set_attribute("/sweep", "timeseries", std::int64_t{extras.timeseries ? 1 : 0});
  file.set_attribute("/sweep", "incidents", std::int64_t{extras.incidents ? 1 : 0});
  write_scenario(file, plan.base);
  write_design(file, plan.sweep, plan.points);
  const std::uint64_t rows = merge_tables(plan, open, file, output, extras);
  // A signal that came during the merge: the output is not published (the parts stay for
  // --resume, which merges them again).
  if (output.check_interrupted) output.check_interrupted();
  file.commit();
  return rows;
}

}  // namespace

void write_design(sim::h5::File& file, const Sweep& sw, const std::vector<DesignPoint>& points) {
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
    file.set_attribute(dataset, "paths", std::span(p.paths));
    file.set_attribute(dataset, "link", std::string(p.link == Link::scale ? "scale" : "same"));
    if (!p.values.empty()) file.set_attribute(dataset, "values", std::span(p.values));
    if (!p.labels.empty()) file.set_attribute(dataset, "labels", std::span(p.labels));
    names.push_back(p.name);
    paths.push_back(p.path);
  }
  file.set_attribute("/design", "parameters", std::span(names));
  file.set_attribute("/design", "paths", std::span(paths));
  file.set_attribute("/design", "kind", to_string(sw.design));
  file.set_attribute("/design", "replications", sw.replications);
  file.set_attribute("/design", "common_random_numbers",
                     std::int64_t{sw.common_random_numbers ? 1 : 0});
}

void write_sweep_attributes(sim::h5::File& file, const Sweep& sw) {
  write_sweep_attributes(file, sw, "");
}

sim::RunId SweepPlan::run_id(std::uint64_t task) const {
  sim::RunId id{sweep.seed, replication_of(task), {}};
  if (!sweep.common_random_numbers) id.design_point = point_of(task);
  return id;
}

void CheckedScenarios::put(std::uint64_t point, Scenario scenario) {
  const std::lock_guard lock(mutex_);
  scenarios_.insert_or_assign(point, std::move(scenario));
}

std::optional<Scenario> CheckedScenarios::take(std::uint64_t point) {
  const std::lock_guard lock(mutex_);
  const auto it = scenarios_.find(point);
  if (it == scenarios_.end()) return std::nullopt;
  std::optional<Scenario> out(std::move(it->second));
  scenarios_.erase(it);
  return out;
}

std::size_t CheckedScenarios::size() const {
  const std::lock_guard lock(mutex_);
  return scenarios_.size();
}

Scenario SweepPlan::scenario(std::uint64_t point) const {
  if (auto kept = checked->take(point)) return std::move(*kept);
  return source->load_point(points.at(point).overrides);
}

namespace {

struct World {
  std::int64_t index = 0;
  double weight = 0.0;
  std::vector<double> values;
  std::vector<std::string> overrides;
};

// Reads the [[worlds]] text of worlds_text(); `names` and `paths` get the parameters.
std::vector<World> parse_worlds(const std::string& text, const std::string& where,
                                std::vector<std::string>& names,
                                std::vector<std::vector<std::string>>& paths) {
  const auto fail = [&where](const std::string& what) -> ScenarioError {
    return ScenarioError(where, 0, 0, "--worlds", what);
  };
  toml::table doc;
  try {
    doc = toml::parse(text);
  } catch (const toml::parse_error& e) {
    throw fail(std::string("the worlds do not parse: ") + std::string(e.description()));
  }
  if (const auto* params = doc["parameters"].as_array()) {
    for (const auto& p : *params) {
      const auto* t = p.as_table();
      if (t == nullptr) throw fail("bad [[parameters]] in the worlds");
      names.push_back((*t)["name"].value_or(std::string()));
      std::vector<std::string> ps;
      if (const auto* a = (*t)["paths"].as_array()) {
        for (const auto& x : *a) ps.push_back(x.value_or(std::string()));
      }
      paths.push_back(std::move(ps));
    }
  }
  std::vector<World> out;
  if (const auto* worlds = doc["worlds"].as_array()) {
    for (const auto& node : *worlds) {
      const auto* t = node.as_table();
      if (t == nullptr) throw fail("bad [[worlds]]");
      World w;
      w.index = (*t)["world"].value_or(std::int64_t{0});
      w.weight = (*t)["weight"].value_or(0.0);
      if (const auto* v = (*t)["values"].as_array()) {
        for (const auto& x : *v) w.values.push_back(x.value_or(0.0));
      }
      if (const auto* o = (*t)["overrides"].as_array()) {
        for (const auto& x : *o) w.overrides.push_back(x.value_or(std::string()));
      }
      if (w.values.size() != names.size()) throw fail("a world has the wrong number of values");
      out.push_back(std::move(w));
    }
  }
  if (out.empty()) {
    throw fail("the calibration has no plausible world: there is nothing to run the sweep in");
  }
  return out;
}

SweepPlan make_plan(Sweep sweep, std::string base_text, std::string worlds = "") {
  SweepPlan plan;
  plan.sweep = std::move(sweep);
  plan.points = expand(plan.sweep);
  plan.base_text = std::move(base_text);
  plan.source = std::make_shared<const ScenarioSource>(plan.base_text, plan.sweep.base_path);
  plan.base = plan.source->load();
  plan.sweep_hash = sim::sha1_hex(plan.sweep.text);
  plan.sweep_id = sim::sha1_hex(plan.sweep.text + '\0' + plan.base_text +
                                (worlds.empty() ? std::string() : '\0' + worlds));
  if (worlds.empty()) return plan;
  // Cross the design with the worlds: world-major, so that a world's points are together.
  std::vector<std::string> names;
  std::vector<std::vector<std::string>> world_paths;
  const std::vector<World> list = parse_worlds(worlds, plan.sweep.path, names, world_paths);
  for (std::size_t i = 0; i < names.size(); ++i) {
    for (const auto& p : plan.sweep.parameters) {
      if (p.name == names[i] || p.name == "world") {
        throw ScenarioError(plan.sweep.path, 0, 0, "parameters",
                            "parameter '" + p.name +
                                "' has the name of a calibrated parameter "
                                "(or 'world'): rename it");
      }
      // The same path, or one inside the other (a whole table replaced): either would
      // silently undo the world's value.
      const auto overlaps = [](const std::string& a, const std::string& b) {
        const auto inside = [](const std::string& x, const std::string& y) {
          return x.size() > y.size() && x.starts_with(y) &&
                 (x[y.size()] == '.' || x[y.size()] == '[');
        };
        return a == b || inside(a, b) || inside(b, a);
      };
      for (const auto& path : p.paths) {
        if (std::any_of(world_paths[i].begin(), world_paths[i].end(),
                        [&](const std::string& w) { return overlaps(path, w); })) {
          throw ScenarioError(plan.sweep.path, 0, 0, "parameters",
                              "parameter '" + p.name + "' sets '" + path +
                                  "', which the worlds' '" + names[i] +
                                  "' sets: a path may be set by one parameter only. "
                                  "Leave it to the worlds, or sweep something else");
        }
      }
    }
  }
  std::vector<SweepParameter> params;
  SweepParameter world;
  world.name = "world";
  world.path = "(calibrated world)";
  for (const auto& w : list) world.values.push_back(std::to_string(w.index));
  params.push_back(world);
  for (std::size_t i = 0; i < names.size(); ++i) {
    SweepParameter p;
    p.name = names[i];
    p.paths = world_paths[i];
    for (const auto& s : p.paths) p.path += (p.path.empty() ? "" : ", ") + s;
    params.push_back(std::move(p));
  }
  for (auto& p : plan.sweep.parameters) params.push_back(std::move(p));
  plan.sweep.parameters = std::move(params);
  std::vector<DesignPoint> crossed;
  for (std::size_t w = 0; w < list.size(); ++w) {
    for (const auto& point : plan.points) {
      DesignPoint p;
      p.values.push_back(static_cast<double>(w));
      p.values.insert(p.values.end(), list[w].values.begin(), list[w].values.end());
      p.values.insert(p.values.end(), point.values.begin(), point.values.end());
      p.overrides = list[w].overrides;
      p.overrides.insert(p.overrides.end(), point.overrides.begin(), point.overrides.end());
      crossed.push_back(std::move(p));
    }
  }
  plan.points = std::move(crossed);
  plan.worlds_text = std::move(worlds);
  plan.worlds = list.size();
  return plan;
}

}  // namespace

SweepPlan plan_sweep_text(std::string sweep_text, std::string sweep_path, std::string base_text,
                          std::string worlds_text) {
  return make_plan(load_sweep_text(std::move(sweep_text), std::move(sweep_path), base_text),
                   base_text, std::move(worlds_text));
}

SweepPlan plan_sweep(const std::string& path, const std::string& worlds_text) {
  Sweep sweep = load_sweep(path);
  std::string base_text = read_text(sweep.base_path);
  return make_plan(std::move(sweep), std::move(base_text), worlds_text);
}

std::string worlds_text(const std::string& calibration_output, const std::string& base_text,
                        const std::string& sweep_path, std::size_t max_worlds) {
  const auto file = sim::h5::File::open_read(calibration_output);
  if (!file.exists("/calibration/text") || !file.exists("/plausible/world")) {
    throw sim::h5::H5Error("not the output of `cyberdeter calibrate` (no /calibration, /plausible)",
                           calibration_output);
  }
  if (file.read_dataset<std::string>("/scenario/text") != base_text) {
    throw ScenarioError(sweep_path, 0, 0, "base",
                        "the sweep's base scenario is not the one " + calibration_output +
                            " was calibrated on: its worlds are settings of that scenario");
  }
  const auto index = file.read_dataset<std::vector<std::int64_t>>("/plausible/world");
  const auto weight = file.read_dataset<std::vector<double>>("/plausible/weight");
  const auto overrides = file.read_dataset<std::vector<std::string>>("/plausible/overrides");
  const auto names = file.read_attribute<std::vector<std::string>>("/design", "parameters");
  std::ostringstream out;
  out << "# the plausible worlds of " << calibration_output << " (calibration "
      << file.read_attribute<std::string>("/calibration", "calibration_sha1") << ")\n";
  std::vector<std::vector<double>> values;
  const auto priors = file.read_dataset<std::vector<std::string>>("/parameters/prior");
  std::vector<std::pair<const char*, std::vector<double>>> numbers;
  for (const char* key : {"low", "high", "alpha", "beta", "normal_mean", "normal_sd"}) {
    numbers.emplace_back(key,
                         file.read_dataset<std::vector<double>>(std::string("/parameters/") + key));
  }
  for (std::size_t i = 0; i < names.size(); ++i) {
    const auto& n = names[i];
    out << "[[parameters]]\nname = " << detail::toml_string(n)
        << "\nprior = " << detail::toml_string(priors.at(i)) << "\n";
    for (const auto& [key, column] : numbers) {
      if (std::isfinite(column.at(i)))
        out << key << " = " << detail::toml_number(column[i]) << "\n";
    }
    out << "paths = [";
    const auto paths = file.read_attribute<std::vector<std::string>>("/design/" + n, "paths");
    for (std::size_t k = 0; k < paths.size(); ++k)
      out << (k ? ", " : "") << detail::toml_string(paths[k]);
    out << "]\n";
    values.push_back(file.read_dataset<std::vector<double>>("/design/" + n));
  }
  // Evenly spaced picks (i * n / m) when fewer worlds are asked for than there are.
  std::vector<std::size_t> picks;
  const std::size_t n = index.size();
  const std::size_t m = max_worlds > 0 && max_worlds < n ? max_worlds : n;
  for (std::size_t k = 0; k < m; ++k) picks.push_back(k * n / m);
  double total = 0.0;
  for (std::size_t i : picks) total += weight[i];
  if (m < n) {
    out << "# a subsample: " << m << " of the " << n
        << " plausible worlds, evenly spaced, weights renormalised\n";
  }
  for (std::size_t i : picks) {
    out << "[[worlds]]\nworld = " << index[i]
        << "\nweight = " << detail::toml_number(total > 0 ? weight[i] / total : 0.0)
        << "\nvalues = [";
    for (std::size_t k = 0; k < names.size(); ++k) {
      out << (k ? ", " : "")
          << detail::toml_number(values[k].at(static_cast<std::size_t>(index[i])));
    }
    out << "]\noverrides = [";
    std::istringstream lines(overrides[i]);
    std::string line;
    bool first = true;
    while (std::getline(lines, line)) {
      out << (first ? "" : ", ") << detail::toml_string(line);
      first = false;
    }
    out << "]\n";
  }
  return out.str();
}

void validate_points(const SweepPlan& plan, const sim::TaskSet& tasks, unsigned threads) {
  // The points a run needs first are the lowest: keep those that fit in the budget.
  const std::size_t each = std::max<std::size_t>(
      footprint(plan.base) - std::min(footprint(plan.base), plan.base.text.capacity() + 1), 1);
  const std::size_t keep = plan.checked_budget / each;
  check_points(
      tasks, [&plan](std::uint64_t task) { return plan.point_of(task); }, plan.points,
      plan.sweep.path, threads,
      [&plan, keep](std::uint64_t k, std::size_t rank) {
        Scenario sc = plan.source->load_point(plan.points.at(k).overrides);
        if (rank < keep) plan.checked->put(k, std::move(sc));
      });
}

std::string describe_tasks(const sim::TaskSet& tasks, std::uint64_t replications,
                           std::size_t max_ranges) {
  const std::uint64_t r = std::max<std::uint64_t>(replications, 1);
  std::string out;
  std::size_t shown = 0;
  for (const sim::TaskRange& range : tasks.ranges()) {
    if (shown == max_ranges) {
      out += "; and " + std::to_string(tasks.ranges().size() - shown) + " more ranges";
      break;
    }
    if (shown++ != 0) out += "; ";
    const std::uint64_t p0 = range.begin / r, r0 = range.begin % r;
    const std::uint64_t p1 = (range.end - 1) / r, r1 = (range.end - 1) % r;
    if (r0 == 0 && r1 == r - 1) {
      out += p0 == p1 ? "point " + std::to_string(p0)
                      : "points " + std::to_string(p0) + "-" + std::to_string(p1);
    } else if (p0 == p1) {
      out += "point " + std::to_string(p0) + " replication" + (r0 == r1 ? " " : "s ") +
             std::to_string(r0) + (r0 == r1 ? "" : "-" + std::to_string(r1));
    } else {
      out += "point " + std::to_string(p0) + " replication " + std::to_string(r0) + " to point " +
             std::to_string(p1) + " replication " + std::to_string(r1);
    }
  }
  return out;
}

sim::SweepJob make_sweep_job(const SweepPlan& plan, const SweepOutput& output) {
  sim::SweepJob job;
  job.make_runner = [&plan, output] { return std::make_unique<Runner>(plan, output); };
  job.open_part = [&plan, output](const std::string& path) {
    return std::make_unique<Part>(plan, output, path);
  };
  return job;
}

bool has_timeseries(const sim::h5::File& file) { return file.exists("/timeseries"); }

bool has_incidents(const sim::h5::File& file) { return file.exists("/incidents"); }

std::uint64_t write_sweep_file(const SweepPlan& plan, const SweepOutput& output,
                               const std::vector<std::string>& parts, const sim::TaskSet& expected,
                               const std::string& shard, const std::string& path) {
  return write_merged(plan, output, open_parts(parts), expected, shard, path,
                      Extras{output.timeseries, output.incidents});
}

MergeSummary merge_sweep_files(const std::vector<std::string>& inputs, const std::string& path,
                               const SweepOutput& output) {
  const OpenParts open = open_parts(inputs);
  const sim::h5::File& first = open.files.front();
  for (const char* dataset : {"/scenario/text", "/sweep/text"}) {
    if (!first.exists(dataset)) {
      throw sim::MergeError(first.path() + ": has no " + dataset +
                            ": it is a checkpoint part, not the output of `cyberdeter sweep`");
    }
  }
  // The header is rebuilt from the texts the parts carry, not copied: the merge needs
  // neither the sweep file nor the base scenario, and checks that the texts are the ones
  // the sweep id was made from.
  std::string sweep_text, source_path, base_text, worlds;
  try {
    sweep_text = first.read_dataset<std::string>("/sweep/text");
    source_path = first.read_attribute<std::string>("/sweep", "source_path");
    base_text = first.read_dataset<std::string>("/scenario/text");
    if (first.exists("/sweep/worlds")) worlds = first.read_dataset<std::string>("/sweep/worlds");
  } catch (const sim::h5::H5Error& e) {
    throw sim::MergeError(first.path() + ": cannot be read as a part of a sweep: " + e.what());
  }
  // Checked before the texts are read as a sweep: a part whose texts were damaged is
  // refused as such, not reported as a bad sweep file.
  if (sim::sha1_hex(sweep_text + '\0' + base_text +
                    (worlds.empty() ? std::string() : '\0' + worlds)) !=
      open.inputs.front().info.sweep_id) {
    throw sim::MergeError(first.path() +
                          ": its sweep file and base scenario texts do not give its sweep id");
  }
  const SweepPlan plan =
      plan_sweep_text(std::move(sweep_text), source_path, base_text, std::move(worlds));
  MergeSummary summary;
  summary.sweep_name = plan.sweep.name.empty() ? plan.sweep.path : plan.sweep.name;
  summary.replications = plan.sweep.replications;
  summary.points = plan.points.size();
  summary.runs =
      write_merged(plan, output, open, sim::TaskSet::all(plan.tasks()), "", path, open.extras);
  return summary;
}

}  // namespace cyberdeter::models::deterrence
