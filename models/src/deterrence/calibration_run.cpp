#include "cyberdeter/models/deterrence/calibration_run.hpp"

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <future>
#include <limits>
#include <numeric>
#include <sstream>
#include <thread>

#include "../sweep_detail.hpp"
#include "../toml_reader.hpp"
#include "cyberdeter/models/deterrence/output.hpp"
#include "cyberdeter/models/deterrence/scenario_loader.hpp"
#include "cyberdeter/sim/design.hpp"
#include "cyberdeter/sim/merge.hpp"

namespace cyberdeter::models::deterrence {
namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();

std::string hex(double v) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%a", v);
  return buffer;
}

// The stream of wave k's design: a function of the calibration's seed and k only.
sim::RandomStream wave_stream(const CalibrationSpec& cal, std::size_t k) {
  return sim::RandomStream(
      sim::mix64(sim::mix64(cal.seed, sim::stable_hash("calibration wave")), k));
}

Eigen::VectorXd unit_of(const CalibrationSpec& cal, const std::vector<double>& values) {
  Eigen::VectorXd x(static_cast<Eigen::Index>(values.size()));
  for (std::size_t i = 0; i < values.size(); ++i) {
    x(static_cast<Eigen::Index>(i)) = cal.parameters[i].prior.to_unit(values[i]);
  }
  return x;
}

// Runs fn(i) for i in [0, n) on up to `threads` threads; each i's result is its own, so
// the outcome does not depend on the number of threads.
template <class F>
void parallel_for(std::size_t n, unsigned threads, F fn) {
  const std::size_t workers = std::max<std::size_t>(1, std::min<std::size_t>(threads, n));
  if (workers <= 1) {
    for (std::size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  std::vector<std::future<void>> done;
  for (std::size_t w = 0; w < workers; ++w) {
    done.push_back(std::async(std::launch::async, [w, workers, n, &fn] {
      for (std::size_t i = w; i < n; i += workers) fn(i);
    }));
  }
  for (auto& f : done) f.get();
}

class Runner final : public sim::TaskRunner {
 public:
  Runner(const CalibrationSpec& cal, const Wave& wave) : cal_(cal), wave_(wave) {}
  struct Block final : sim::BlockOutput {
    std::vector<CalibrationRow> rows;
  };
  std::unique_ptr<sim::BlockOutput> run(sim::TaskRange block) override {
    auto out = std::make_unique<Block>();
    out->rows.reserve(block.size());
    const SweepPlan& plan = wave_.plan;
    for (std::uint64_t task = block.begin; task < block.end; ++task) {
      const std::uint64_t point = plan.point_of(task);
      if (point != loaded_ || !scenario_) {
        scenario_ = plan.scenario(point);
        loaded_ = point;
      }
      CalibrationRow row = calibration_run(cal_, *scenario_, plan.run_id(task));
      row.point = point;
      row.world = wave_.world_offset + point;
      row.wave = static_cast<std::uint32_t>(wave_.index);
      out->rows.push_back(row);
    }
    return out;
  }

 private:
  const CalibrationSpec& cal_;
  const Wave& wave_;
  std::optional<Scenario> scenario_;
  std::uint64_t loaded_ = 0;
};

sim::PartInfo wave_part_info(const Wave& wave, std::string shard, sim::TaskSet tasks,
                             std::string version) {
  sim::PartInfo info;
  info.sweep_id = wave.plan.sweep_id;
  info.sweep_hash = wave.plan.sweep_hash;
  info.total_tasks = wave.plan.tasks();
  info.shard = std::move(shard);
  info.tasks = std::move(tasks);
  info.program_version = std::move(version);
  return info;
}

class Part final : public sim::PartWriter {
 public:
  Part(const CalibrationSpec& cal, const Wave& wave, const CalibrationOutput& output,
       const std::string& path)
      : wave_(wave), output_(output), file_(sim::h5::File::create(path)) {
    if (output.provenance) output.provenance(file_);
    runs_.emplace(file_.create_table("/runs", calibration_runs_schema(cal), output.storage));
  }
  void write(const sim::BlockOutput& block) override {
    runs_->append(std::span<const CalibrationRow>(static_cast<const Runner::Block&>(block).rows));
  }
  void commit(const sim::TaskSet& tasks) override {
    sim::write_part_info(file_,
                         wave_part_info(wave_, output_.shard, tasks, output_.program_version));
    file_.commit();
  }

 private:
  const Wave& wave_;
  CalibrationOutput output_;
  sim::h5::File file_;
  std::optional<sim::h5::Table<CalibrationRow>> runs_;
};

struct Quantiles {
  double mean = nan, sd = nan, q05 = nan, q50 = nan, q95 = nan;
};

Quantiles weighted(std::vector<std::pair<double, double>> vw) {
  Quantiles q;
  if (vw.empty()) return q;
  std::sort(vw.begin(), vw.end());
  double total = 0.0, mean = 0.0;
  for (const auto& [v, w] : vw) {
    total += w;
    mean += w * v;
  }
  mean /= total;
  double var = 0.0;
  for (const auto& [v, w] : vw) var += w * (v - mean) * (v - mean);
  q.mean = mean;
  q.sd = std::sqrt(var / total);
  const auto at = [&](double p) {
    double cum = 0.0;
    for (const auto& [v, w] : vw) {
      cum += w;
      if (cum >= p * total) return v;
    }
    return vw.back().first;
  };
  q.q05 = at(0.05);
  q.q50 = at(0.5);
  q.q95 = at(0.95);
  return q;
}

Quantiles prior_quantiles(const PriorSpec& p) {
  Quantiles q;
  constexpr int n = 4000;
  double mean = 0.0, m2 = 0.0;
  for (int i = 0; i < n; ++i) {
    const double v = p.quantile((i + 0.5) / n);
    mean += v;
    m2 += v * v;
  }
  mean /= n;
  q.mean = mean;
  q.sd = std::sqrt(std::max(m2 / n - mean * mean, 0.0));
  q.q05 = p.quantile(0.05);
  q.q50 = p.quantile(0.5);
  q.q95 = p.quantile(0.95);
  return q;
}

}  // namespace

std::vector<std::string> world_overrides(const CalibrationSpec& cal,
                                         const std::vector<double>& values) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < values.size(); ++i) {
    for (auto& o :
         detail::parameter_overrides(cal.parameters[i].sweep, detail::toml_number(values[i]))) {
      out.push_back(std::move(o));
    }
  }
  return out;
}

sim::h5::TableSchema<CalibrationRow> calibration_runs_schema(const CalibrationSpec& cal) {
  sim::h5::TableSchema<CalibrationRow> s(
      "One row per run of a world: each target's numerator and denominator (the world's value "
      "is the sum of numerators over the sum of denominators) and the state groups' margin");
  s.add("point", &CalibrationRow::point, "1", "The world's index within its wave")
      .add("replication", &CalibrationRow::replication, "1", "Replication index, from 0")
      .add("world", &CalibrationRow::world, "1", "The world's index over all waves (/worlds row)")
      .add("wave", &CalibrationRow::wave, "1", "The wave, from 0")
      .add("events", &CalibrationRow::events, "count", "Events processed")
      .add("launched", &CalibrationRow::launched, "count", "Operations launched")
      .add("ss_decisions", &CalibrationRow::ss_decisions, "count",
           "Decisions of state-sponsored groups")
      .add("ss_attack_sum", &CalibrationRow::ss_attack_sum, "count",
           "Their sum over decisions of P(attack) = 1 - P(none) (docs/model.md §13)")
      .add("ss_margin_sum", &CalibrationRow::ss_margin_sum, "VU",
           "Their sum over decisions of the best target's EU (the attack margin)");
  for (std::size_t j = 0; j < cal.targets.size(); ++j) {
    const Target& g = cal.targets[j];
    const char* unit = g.statistic == Statistic::share      ? "count"
                       : g.statistic == Statistic::per_year ? "count"
                                                            : "day";
    s.add_field(
        g.id + "_num", [j](const CalibrationRow& r) -> const double& { return r.num[j]; }, unit,
        "Numerator of target '" + g.name + "' in this run");
    s.add_field(
        g.id + "_den", [j](const CalibrationRow& r) -> const double& { return r.den[j]; },
        g.statistic == Statistic::per_year ? "year" : "count",
        "Denominator of target '" + g.name + "' in this run");
  }
  return s;
}

SweepPlan wave_plan(const CalibrationSpec& cal, std::size_t index,
                    const std::vector<std::vector<double>>& values, std::uint64_t candidates) {
  SweepPlan plan;
  plan.sweep.path = cal.path;
  plan.sweep.text = cal.text;
  plan.sweep.base_path = cal.base_path;
  plan.sweep.name = cal.name;
  plan.sweep.replications = cal.replications;
  plan.sweep.seed = cal.seed;
  plan.sweep.common_random_numbers = true;
  for (const auto& p : cal.parameters) plan.sweep.parameters.push_back(p.sweep);
  std::string design =
      "wave " + std::to_string(index) + " candidates " + std::to_string(candidates);
  for (const auto& world : values) {
    DesignPoint point;
    point.values = world;
    point.overrides = world_overrides(cal, world);
    for (double v : world) design += ' ' + hex(v);
    plan.points.push_back(std::move(point));
  }
  plan.base_text = cal.base_text;
  plan.source = std::make_shared<const ScenarioSource>(plan.base_text, cal.base_path);
  plan.base = plan.source->load();
  plan.sweep_hash = sim::sha1_hex(cal.text);
  plan.sweep_id = sim::sha1_hex(cal.text + '\0' + cal.base_text + '\0' + design);
  return plan;
}

std::string serialize(const Wave& wave) {
  std::ostringstream out;
  out << wave.index << ' ' << wave.candidates << ' ' << wave.accepted << ' ' << wave.world_offset
      << ' ' << wave.values.size() << '\n';
  for (const auto& world : wave.values) {
    for (double v : world) out << hex(v) << ' ';
    out << '\n';
  }
  return out.str();
}

Wave deserialize_wave(const CalibrationSpec& cal, const std::string& text) {
  std::istringstream in(text);
  Wave wave;
  std::size_t count = 0;
  in >> wave.index >> wave.candidates >> wave.accepted >> wave.world_offset >> count;
  wave.values.assign(count, std::vector<double>(cal.parameters.size()));
  for (auto& world : wave.values) {
    for (double& v : world) {
      std::string word;
      in >> word;
      v = std::strtod(word.c_str(), nullptr);
    }
  }
  wave.plan = wave_plan(cal, wave.index, wave.values, wave.candidates);
  return wave;
}

HistoryMatch::HistoryMatch(const CalibrationSpec& cal) : cal_(cal) {}

bool HistoryMatch::in_region(const std::vector<double>& values, std::size_t from,
                             std::size_t to) const {
  const Eigen::VectorXd x = unit_of(cal_, values);
  for (std::size_t k = from; k < to; ++k) {
    for (std::size_t j = 0; j < cal_.targets.size(); ++j) {
      const auto& em = waves_[k].emulators[j];
      if (!em) continue;
      const Target& g = cal_.targets[j];
      const double fixed = g.sd_observed * g.sd_observed + g.discrepancy * g.discrepancy;
      const double mean = em->predict_mean(x);
      const double gap = std::abs(g.observed - mean);
      // Implausible even with the emulator's largest variance: no need to compute it.
      if (gap > cal_.cutoff * std::sqrt(fixed + em->max_variance())) return false;
      if (gap <= cal_.cutoff * std::sqrt(fixed)) continue;
      double m = 0.0, v = 0.0;
      em->predict(x, m, v);
      if (gap > cal_.cutoff * std::sqrt(fixed + v)) return false;
    }
  }
  return true;
}

Wave HistoryMatch::next_wave(unsigned threads) const {
  Wave wave;
  wave.index = waves_.size();
  for (const auto& w : waves_) wave.world_offset += w.wave.values.size();
  const std::size_t d = cal_.parameters.size();
  sim::RandomStream rng = wave_stream(cal_, wave.index);
  if (wave.index == 0) {
    for (const auto& row : sim::design::latin_hypercube(cal_.points, d, rng)) {
      std::vector<double> world(d);
      for (std::size_t i = 0; i < d; ++i) world[i] = cal_.parameters[i].prior.quantile(row[i]);
      wave.values.push_back(std::move(world));
    }
    wave.candidates = wave.accepted = cal_.points;
  } else {
    // Candidates drawn in a fixed order from one stream, screened in parallel a chunk at a
    // time (memory does not grow with `candidates`); kept in draw order.
    constexpr std::size_t chunk = 65536;
    std::vector<std::vector<double>> candidates;
    std::vector<char> keep;
    for (std::size_t first = 0; first < cal_.candidates; first += chunk) {
      const std::size_t n = std::min(chunk, cal_.candidates - first);
      candidates.assign(n, std::vector<double>(d));
      for (auto& c : candidates) {
        for (std::size_t i = 0; i < d; ++i) c[i] = cal_.parameters[i].prior.quantile(rng.uniform());
      }
      keep.assign(n, 0);
      parallel_for(n, threads, [&](std::size_t i) {
        keep[i] = in_region(candidates[i], 0, waves_.size()) ? 1 : 0;
      });
      for (std::size_t i = 0; i < n; ++i) {
        if (!keep[i]) continue;
        ++wave.accepted;
        if (wave.values.size() < cal_.points) wave.values.push_back(candidates[i]);
      }
    }
    wave.candidates = cal_.candidates;
  }
  wave.plan = wave_plan(cal_, wave.index, wave.values, wave.candidates);
  return wave;
}

void HistoryMatch::add_wave(const Wave& wave, const std::string& wave_file, unsigned threads) {
  const auto file = sim::h5::File::open_read(wave_file);
  const sim::PartInfo info = sim::read_part_info(file);
  if (info.sweep_id != wave.plan.sweep_id || !info.complete()) {
    throw sim::MergeError(wave_file + " is not wave " + std::to_string(wave.index) +
                          " of this calibration (the calibration file, its base scenario or an "
                          "earlier wave changed): remove it, or the progress directory, to start "
                          "again");
  }
  WaveResults res;
  res.wave = wave;
  // A finished wave keeps its worlds' values, not their overrides (a few KB per world).
  res.wave.plan.points = {};
  const auto schema = calibration_runs_schema(cal_);
  const std::uint64_t r = cal_.replications;
  // Worlds are read a few thousand rows at a time: memory does not grow with the runs.
  const std::uint64_t worlds = wave.values.size();
  const std::uint64_t per_read = std::max<std::uint64_t>(1, 4096 / r);
  for (std::uint64_t first = 0; first < worlds; first += per_read) {
    const std::uint64_t count = std::min(per_read, worlds - first);
    const auto rows = sim::h5::read_table(file, "/runs", schema, first * r, count * r);
    for (std::uint64_t p = first; p < first + count; ++p) {
      const auto begin = rows.begin() + static_cast<std::ptrdiff_t>((p - first) * r);
      const std::vector<CalibrationRow> mine(begin, begin + static_cast<std::ptrdiff_t>(r));
      for (const auto& row : mine) {
        if (row.point != p) throw sim::MergeError(wave_file + ": /runs is not in task order");
      }
      res.worlds.push_back(summarize_world(cal_, mine));
      const auto imp = implausibility(cal_, res.worlds.back());
      res.max_implausibility.push_back(*std::max_element(imp.begin(), imp.end()));
    }
  }
  // One emulator per target, trained on the wave's first `emulator_points` worlds with a
  // finite value (design order: the Latin hypercube or the screened draws).
  const std::size_t m = cal_.targets.size(), d = cal_.parameters.size();
  res.emulators.resize(m);
  parallel_for(m, threads, [&](std::size_t j) {
    std::vector<std::size_t> use;
    for (std::size_t w = 0; w < res.worlds.size() && use.size() < cal_.emulator_points; ++w) {
      if (std::isfinite(res.worlds[w].value[j]) && std::isfinite(res.worlds[w].variance[j])) {
        use.push_back(w);
      }
    }
    if (use.size() < d + 2) return;
    Eigen::MatrixXd x(static_cast<Eigen::Index>(use.size()), static_cast<Eigen::Index>(d));
    Eigen::VectorXd y(x.rows()), noise(x.rows());
    for (std::size_t i = 0; i < use.size(); ++i) {
      x.row(static_cast<Eigen::Index>(i)) = unit_of(cal_, wave.values[use[i]]).transpose();
      y(static_cast<Eigen::Index>(i)) = res.worlds[use[i]].value[j];
      noise(static_cast<Eigen::Index>(i)) = res.worlds[use[i]].variance[j];
    }
    res.emulators[j].emplace(x, y, noise);
  });
  waves_.push_back(std::move(res));
}

std::vector<bool> HistoryMatch::plausible() const {
  std::vector<bool> out;
  for (std::size_t k = 0; k < waves_.size(); ++k) {
    const auto& w = waves_[k];
    for (std::size_t i = 0; i < w.worlds.size(); ++i) {
      out.push_back(w.max_implausibility[i] <= cal_.cutoff &&
                    in_region(w.wave.values[i], k, waves_.size()));
    }
  }
  return out;
}

std::vector<std::vector<double>> HistoryMatch::plausible_values() const {
  const auto flags = plausible();
  std::vector<std::vector<double>> out;
  std::size_t i = 0;
  for (const auto& w : waves_) {
    for (const auto& v : w.wave.values) {
      if (flags[i++]) out.push_back(v);
    }
  }
  return out;
}

HistoryMatch::Summary HistoryMatch::summary() const {
  Summary s;
  double share = 1.0;
  for (const auto& w : waves_) {
    s.worlds.push_back(w.worlds.size());
    s.non_implausible.push_back(static_cast<std::uint64_t>(
        std::count_if(w.max_implausibility.begin(), w.max_implausibility.end(),
                      [&](double v) { return v <= cal_.cutoff; })));
    share = w.wave.index == 0
                ? 1.0
                : static_cast<double>(w.wave.accepted) /
                      static_cast<double>(std::max<std::uint64_t>(w.wave.candidates, 1));
    s.region_share.push_back(share);
    s.total_worlds += w.worlds.size();
  }
  const auto p = plausible();
  s.plausible = static_cast<std::uint64_t>(std::count(p.begin(), p.end(), true));
  return s;
}

sim::SweepJob make_calibration_job(const CalibrationSpec& cal, const Wave& wave,
                                   const CalibrationOutput& output) {
  sim::SweepJob job;
  job.make_runner = [&cal, &wave] { return std::make_unique<Runner>(cal, wave); };
  job.open_part = [&cal, &wave, output](const std::string& path) {
    return std::make_unique<Part>(cal, wave, output, path);
  };
  return job;
}

void write_wave_file(const CalibrationSpec& cal, const Wave& wave, const CalibrationOutput& output,
                     const std::vector<std::string>& parts, const std::string& path) {
  sim::raise_open_file_limit();
  std::vector<sim::h5::File> files;
  std::vector<sim::MergeInput> inputs;
  for (const auto& p : parts) {
    try {
      files.push_back(sim::h5::File::open_read(p));
      inputs.push_back({p, sim::read_part_info(files.back())});
    } catch (const sim::h5::H5Error& e) {
      throw sim::MergeError(p + ": cannot be read as a part of this wave: " + e.what());
    }
    if (inputs.back().info.sweep_id != wave.plan.sweep_id) {
      throw sim::MergeError(p + " belongs to another wave or calibration");
    }
  }
  const std::uint64_t reps = cal.replications;
  const auto words = [reps](const sim::TaskSet& t) { return describe_tasks(t, reps); };
  const sim::TaskSet all = sim::TaskSet::all(wave.plan.tasks());
  sim::check_parts(inputs, all, words);
  std::vector<const sim::h5::File*> pointers;
  for (const auto& f : files) pointers.push_back(&f);
  auto out = sim::h5::File::create(path);
  if (output.provenance) output.provenance(out);
  auto info = wave_part_info(
      wave, "", all, inputs.empty() ? output.program_version : inputs.front().info.program_version);
  sim::write_part_info(out, info);
  const auto schema = calibration_runs_schema(cal);
  auto runs = out.create_table("/runs", schema, output.storage);
  sim::merge_table(
      pointers, inputs, "/runs", schema, runs,
      [reps](const CalibrationRow& row) { return row.point * reps + row.replication; },
      [](std::uint64_t) { return std::optional<std::uint64_t>(1); }, words);
  if (output.check_interrupted) output.check_interrupted();
  out.commit();
}

void HistoryMatch::write_output(const std::string& path, const std::vector<std::string>& wave_files,
                                const CalibrationOutput& output) const {
  auto file = sim::h5::File::create(path);
  if (output.provenance) output.provenance(file);
  file.create_group("/calibration");
  file.write_text("/calibration/text", cal_.text, "The calibration file as read");
  file.set_attribute("/calibration", "source_path", cal_.path);
  file.set_attribute("/calibration", "name", cal_.name);
  file.set_attribute("/calibration", "method", std::string("history_matching"));
  file.set_attribute("/calibration", "waves", static_cast<std::uint64_t>(cal_.waves));
  file.set_attribute("/calibration", "points", static_cast<std::uint64_t>(cal_.points));
  file.set_attribute("/calibration", "replications", cal_.replications);
  file.set_attribute("/calibration", "master_seed", cal_.seed);
  file.set_attribute("/calibration", "cutoff", cal_.cutoff);
  file.set_attribute("/calibration", "candidates", static_cast<std::uint64_t>(cal_.candidates));
  file.set_attribute("/calibration", "emulator_points",
                     static_cast<std::uint64_t>(cal_.emulator_points));
  file.set_attribute("/calibration", "calibration_sha1", sim::sha1_hex(cal_.text));
  write_scenario(file, waves_.empty() ? ScenarioSource(cal_.base_text, cal_.base_path).load()
                                      : waves_.front().wave.plan.base);

  // /parameters and /targets: what was calibrated against what.
  const std::size_t d = cal_.parameters.size(), m = cal_.targets.size();
  const auto plausible_flags = plausible();
  std::vector<std::size_t> plausible_worlds;
  for (std::size_t i = 0; i < plausible_flags.size(); ++i) {
    if (plausible_flags[i]) plausible_worlds.push_back(i);
  }
  // Every plausible world weighs the same: each wave's worlds are prior draws restricted to
  // its non-implausible region, and the plausible set lies inside the last (and smallest)
  // region, where every wave's proposal is the prior up to a constant (docs/calibration.md).
  const double weight =
      plausible_worlds.empty() ? 0.0 : 1.0 / static_cast<double>(plausible_worlds.size());
  std::vector<std::vector<double>> all_values;
  std::vector<std::int64_t> world_wave;
  for (const auto& w : waves_) {
    for (const auto& v : w.wave.values) {
      all_values.push_back(v);
      world_wave.push_back(static_cast<std::int64_t>(w.wave.index));
    }
  }
  {
    file.create_group("/parameters");
    std::vector<std::string> names, paths, priors, sources, link;
    std::vector<double> lo, hi, alpha, beta, mean, sd;
    std::vector<double> pm, ps, p05, p50, p95, qm, qs, q05, q50, q95, ratio;
    for (std::size_t i = 0; i < d; ++i) {
      const auto& p = cal_.parameters[i];
      names.push_back(p.sweep.name);
      std::string joined;
      for (const auto& s : p.sweep.paths) joined += (joined.empty() ? "" : ", ") + s;
      paths.push_back(joined);
      link.push_back(p.sweep.link == Link::scale ? "scale" : "same");
      priors.push_back(std::string(to_string(p.prior.kind)));
      sources.push_back(p.source);
      lo.push_back(p.prior.lo);
      hi.push_back(p.prior.hi);
      alpha.push_back(p.prior.kind == PriorKind::beta ? p.prior.alpha : nan);
      beta.push_back(p.prior.kind == PriorKind::beta ? p.prior.beta : nan);
      mean.push_back(p.prior.kind == PriorKind::truncated_normal ? p.prior.mean : nan);
      sd.push_back(p.prior.kind == PriorKind::truncated_normal ? p.prior.sd : nan);
      const Quantiles pq = prior_quantiles(p.prior);
      std::vector<std::pair<double, double>> vw;
      for (std::size_t w : plausible_worlds) vw.emplace_back(all_values[w][i], weight);
      const Quantiles q = weighted(vw);
      pm.push_back(pq.mean), ps.push_back(pq.sd), p05.push_back(pq.q05), p50.push_back(pq.q50),
          p95.push_back(pq.q95);
      qm.push_back(q.mean), qs.push_back(q.sd), q05.push_back(q.q05), q50.push_back(q.q50),
          q95.push_back(q.q95);
      // The prior mass between the plausible worlds' 5 % and 95 % quantiles, over the 0.9
      // the prior puts between its own: near 1 (at most 1/0.9), the targets leave the
      // parameter where the prior put it; near 0, they pin it.
      ratio.push_back(vw.empty() ? nan : (p.prior.cdf(q.q95) - p.prior.cdf(q.q05)) / 0.9);
    }
    file.write_dataset("/parameters/name", names, "Parameter names (columns of /design)");
    file.write_dataset("/parameters/paths", paths, "Scenario paths each sets, joined by ', '");
    file.write_dataset("/parameters/link", link,
                       "same: every path takes the value; scale: base value times it");
    file.write_dataset("/parameters/prior", priors,
                       "uniform, log_uniform, beta or truncated_normal");
    file.write_dataset("/parameters/source", sources, "Why this prior ([M] or a source)");
    const auto num = [&](const char* name, const std::vector<double>& v, const char* what) {
      file.write_dataset(std::string("/parameters/") + name, v, "", what);
    };
    num("low", lo, "Lower end of the prior's support");
    num("high", hi, "Upper end of the prior's support");
    num("alpha", alpha, "Beta prior: shape alpha (on [low, high]); NaN for others");
    num("beta", beta, "Beta prior: shape beta; NaN for others");
    num("normal_mean", mean, "Truncated normal prior: mean before truncation; NaN for others");
    num("normal_sd", sd, "Truncated normal prior: sd before truncation; NaN for others");
    num("prior_mean", pm, "Mean of the prior");
    num("prior_sd", ps, "Standard deviation of the prior");
    num("prior_q05", p05, "5 % quantile of the prior");
    num("prior_q50", p50, "Median of the prior");
    num("prior_q95", p95, "95 % quantile of the prior");
    num("plausible_mean", qm, "Weighted mean over the plausible worlds");
    num("plausible_sd", qs, "Weighted standard deviation over the plausible worlds");
    num("plausible_q05", q05, "5 % weighted quantile over the plausible worlds");
    num("plausible_q50", q50, "Weighted median over the plausible worlds");
    num("plausible_q95", q95, "95 % weighted quantile over the plausible worlds");
    num("interval_ratio", ratio,
        "Prior mass of the plausible 90 % interval over 0.9: near 1 (at most 1/0.9), the "
        "targets do not identify the parameter");
  }
  {
    file.create_group("/targets");
    std::vector<std::string> ids, names, stats, of, where, value, band, sources, notes;
    std::vector<double> lo, hi, z, sdo, disc;
    for (const auto& g : cal_.targets) {
      ids.push_back(g.id);
      names.push_back(g.name);
      stats.push_back(g.statistic == Statistic::share      ? "share"
                      : g.statistic == Statistic::per_year ? "per_year"
                                                           : "median");
      of.push_back(g.of.text);
      where.push_back(g.statistic == Statistic::share ? g.where.text : "");
      value.push_back(g.value);
      band.push_back(g.band_text);
      sources.push_back(g.source);
      notes.push_back(g.note);
      lo.push_back(g.low);
      hi.push_back(g.high);
      z.push_back(g.observed);
      sdo.push_back(g.sd_observed);
      disc.push_back(g.discrepancy);
    }
    file.write_dataset("/targets/id", ids, "Target ids (column stems of /runs and /worlds)");
    file.write_dataset("/targets/name", names, "Targets in words");
    file.write_dataset("/targets/statistic", stats, "share, per_year or median");
    file.write_dataset("/targets/of", of, "The incidents it counts (filter as TOML)");
    file.write_dataset("/targets/where", where, "A share's numerator among them (filter as TOML)");
    file.write_dataset("/targets/value", value, "A median's quantity");
    file.write_dataset("/targets/figure", band, "The empirical figure as the source gives it");
    file.write_dataset("/targets/source", sources, "The dataset");
    file.write_dataset("/targets/note", notes, "Note");
    file.write_dataset("/targets/low", lo, "", "Lower end of the empirical band");
    file.write_dataset("/targets/high", hi, "", "Upper end of the empirical band");
    file.write_dataset("/targets/observed", z, "",
                       "z: the figure the implausibility measures from");
    file.write_dataset("/targets/sd_observed", sdo, "", "Observation sd: the band is z ± 2 sd");
    file.write_dataset("/targets/discrepancy", disc, "", "Model discrepancy sd [M]");
  }
  // /design: every world of every wave.
  {
    file.create_group("/design");
    std::vector<std::int64_t> index(all_values.size());
    std::iota(index.begin(), index.end(), 0);
    file.write_dataset("/design/world", index, "1", "World index (the world column of /runs)");
    file.write_dataset("/design/wave", world_wave, "1", "The wave that simulated the world");
    std::vector<std::string> names;
    for (std::size_t i = 0; i < d; ++i) {
      std::vector<double> v(all_values.size());
      for (std::size_t w = 0; w < all_values.size(); ++w) v[w] = all_values[w][i];
      const auto& p = cal_.parameters[i];
      const std::string ds = "/design/" + p.sweep.name;
      file.write_dataset(ds, v, "", "Value of " + p.sweep.path + " in each world");
      file.set_attribute(ds, "path", p.sweep.path);
      file.set_attribute(ds, "paths", std::span(p.sweep.paths));
      file.set_attribute(ds, "link", std::string(p.sweep.link == Link::scale ? "scale" : "same"));
      file.set_attribute(ds, "prior", std::string(to_string(p.prior.kind)));
      names.push_back(p.sweep.name);
    }
    file.set_attribute("/design", "parameters", std::span(names));
    file.set_attribute("/design", "replications", cal_.replications);
  }
  // /worlds: each world's targets, implausibility and verdict.
  {
    file.create_group("/worlds");
    const std::size_t n = all_values.size();
    std::vector<double> max_imp, ss_attack, ss_margin, weights(n, 0.0);
    std::vector<std::int64_t> non_implausible, plausible_col(n, 0);
    std::vector<std::vector<double>> val(m), var(m), imp(m);
    for (const auto& w : waves_) {
      for (std::size_t i = 0; i < w.worlds.size(); ++i) {
        const auto im = implausibility(cal_, w.worlds[i]);
        for (std::size_t j = 0; j < m; ++j) {
          val[j].push_back(w.worlds[i].value[j]);
          var[j].push_back(w.worlds[i].variance[j]);
          imp[j].push_back(im[j]);
        }
        max_imp.push_back(w.max_implausibility[i]);
        non_implausible.push_back(w.max_implausibility[i] <= cal_.cutoff ? 1 : 0);
        ss_attack.push_back(w.worlds[i].ss_attack);
        ss_margin.push_back(w.worlds[i].ss_margin);
      }
    }
    for (std::size_t w : plausible_worlds) {
      plausible_col[w] = 1;
      weights[w] = weight;
    }
    for (std::size_t j = 0; j < m; ++j) {
      const auto& g = cal_.targets[j];
      file.write_dataset("/worlds/" + g.id, val[j], "",
                         "The world's value of '" + g.name + "' over its runs");
      file.write_dataset("/worlds/" + g.id + "_variance", var[j], "",
                         "Monte Carlo variance of that value (delta method over runs)");
      file.write_dataset("/worlds/" + g.id + "_implausibility", imp[j], "1",
                         "|z - value| / sqrt(sd_observed² + discrepancy² + variance)");
    }
    file.write_dataset("/worlds/max_implausibility", max_imp, "1",
                       "Largest implausibility over the targets");
    file.write_dataset("/worlds/non_implausible", non_implausible, "1",
                       "1 if max_implausibility <= cutoff (by its own runs)");
    file.write_dataset("/worlds/plausible", plausible_col, "1",
                       "1 if non-implausible and inside the last wave's region (every emulator)");
    file.write_dataset("/worlds/weight", weights, "1",
                       "Weight among the plausible worlds (sums to 1)");
    file.write_dataset(
        "/worlds/ss_attack", ss_attack, "1",
        "State-sponsored groups' P(attack) per decision (1 - P(none), docs/model.md §13)");
    file.write_dataset("/worlds/ss_margin", ss_margin, "VU",
                       "Their mean attack margin (best target's EU)");
  }
  // /waves: one row per wave.
  {
    file.create_group("/waves");
    const Summary s = summary();
    std::vector<std::int64_t> worlds, candidates, accepted, passing;
    std::vector<double> share, passing_share;
    for (std::size_t k = 0; k < waves_.size(); ++k) {
      worlds.push_back(static_cast<std::int64_t>(s.worlds[k]));
      candidates.push_back(static_cast<std::int64_t>(waves_[k].wave.candidates));
      accepted.push_back(static_cast<std::int64_t>(waves_[k].wave.accepted));
      passing.push_back(static_cast<std::int64_t>(s.non_implausible[k]));
      share.push_back(s.region_share[k]);
      passing_share.push_back(s.worlds[k] ? static_cast<double>(s.non_implausible[k]) /
                                                static_cast<double>(s.worlds[k])
                                          : nan);
    }
    file.write_dataset("/waves/worlds", worlds, "count", "Worlds simulated in the wave");
    file.write_dataset("/waves/candidates", candidates, "count",
                       "PriorSpec draws screened by the earlier waves' emulators");
    file.write_dataset("/waves/accepted", accepted, "count",
                       "Of them, non-implausible by every earlier emulator");
    file.write_dataset(
        "/waves/region_share", share, "1",
        "Share of the prior the earlier waves leave non-implausible (accepted / candidates)");
    file.write_dataset("/waves/non_implausible", passing, "count",
                       "Worlds of the wave non-implausible by their own runs");
    file.write_dataset("/waves/non_implausible_share", passing_share, "1",
                       "non_implausible / worlds");
    for (std::size_t j = 0; j < m; ++j) {
      std::vector<double> loo, signal;
      for (const auto& w : waves_) {
        loo.push_back(w.emulators[j] ? w.emulators[j]->loo_coverage() : nan);
        signal.push_back(w.emulators[j] ? w.emulators[j]->signal_sd() : nan);
      }
      file.write_dataset("/waves/loo_" + cal_.targets[j].id, loo, "1",
                         "Emulator check: share of its training worlds within 3 sd of the "
                         "leave-one-out prediction (NaN: no emulator)");
      file.write_dataset("/waves/signal_sd_" + cal_.targets[j].id, signal, "",
                         "Emulator's signal sd in the target's unit");
    }
    file.set_attribute("/waves", "plausible", s.plausible);
  }
  // /plausible: the worlds a policy question runs in (`sweep --worlds`).
  {
    file.create_group("/plausible");
    std::vector<std::int64_t> index;
    std::vector<double> w;
    std::vector<std::string> overrides;
    for (std::size_t i : plausible_worlds) {
      index.push_back(static_cast<std::int64_t>(i));
      w.push_back(weight);
      std::string text;
      for (const auto& o : world_overrides(cal_, all_values[i]))
        text += (text.empty() ? "" : "\n") + o;
      overrides.push_back(text);
    }
    file.write_dataset("/plausible/world", index, "1", "World index (/worlds row)");
    file.write_dataset("/plausible/weight", w, "1", "Weight (sums to 1)");
    file.write_dataset("/plausible/overrides", overrides,
                       "The world's scenario overrides, one PATH=VALUE per line");
  }
  // /runs: every run of every wave, in wave then task order.
  {
    const auto schema = calibration_runs_schema(cal_);
    auto runs = file.create_table("/runs", schema, output.storage);
    for (const auto& wf : wave_files) {
      const auto in = sim::h5::File::open_read(wf);
      const std::uint64_t rows = in.row_count("/runs");
      for (std::uint64_t first = 0; first < rows; first += 4096) {
        const auto chunk = sim::h5::read_table(in, "/runs", schema, first,
                                               std::min<std::uint64_t>(4096, rows - first));
        runs.append(std::span<const CalibrationRow>(chunk));
      }
      if (output.check_interrupted) output.check_interrupted();
    }
  }
  if (output.check_interrupted) output.check_interrupted();
  file.commit();
}

}  // namespace cyberdeter::models::deterrence
