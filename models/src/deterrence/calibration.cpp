#include "cyberdeter/models/deterrence/calibration.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include <boost/math/distributions/beta.hpp>
#include <boost/math/distributions/normal.hpp>

#include "../sweep_detail.hpp"
#include "../toml_reader.hpp"
#include "cyberdeter/models/catalog.hpp"
#include "cyberdeter/models/deterrence/model.hpp"
#include "cyberdeter/models/deterrence/scenario_loader.hpp"

namespace cyberdeter::models::deterrence {
namespace {

using detail::Range;
using detail::Reader;

constexpr std::array<std::string_view, 4> prior_names{"uniform", "log_uniform", "beta",
                                                      "truncated_normal"};
constexpr std::array<std::string_view, 3> statistic_names{"share", "per_year", "median"};
constexpr std::array<std::string_view, attacker_kind_count> kind_names{"state_sponsored",
                                                                       "criminal", "hacktivist"};
constexpr std::array<std::string_view, rung_count> rung_names{"none", "attribute", "coordinate",
                                                              "sanction"};
// What a median target can take the median of, from an incident's record.
constexpr std::array<std::string_view, 6> value_names{"response_lag_days",  "sanction_days",
                                                      "detection_lag_days", "attribution_lag_days",
                                                      "severity",           "damage"};

double incident_value(std::string_view name, const IncidentRow& r) {
  if (name == "response_lag_days") return r.response_day - r.landed_day;
  if (name == "sanction_days") return r.sanction_days;
  if (name == "detection_lag_days") return r.detected_day - r.landed_day;
  if (name == "attribution_lag_days") return r.attributed_day - r.detected_day;
  if (name == "severity") return r.severity;
  return r.damage;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) throw ScenarioError(path, 0, 0, "", "cannot read the file");
  return text.str();
}

// A key that holds one string or an array of strings.
std::vector<std::string> names_of(Reader& t, std::string_view key) {
  const toml::node* n = t.raw(key);
  if (n->is_string()) return {n->as_string()->get()};
  if (n->is_array()) {
    std::vector<std::string> out;
    for (std::size_t k = 0; k < n->as_array()->size(); ++k) {
      const toml::node& item = (*n->as_array())[k];
      if (!item.is_string()) t.fail_item(key, k, "expected a string");
      out.push_back(item.as_string()->get());
    }
    if (out.empty()) t.fail(key, "expected a name or a non-empty array of names");
    return out;
  }
  t.fail(key, "expected a name or an array of names");
}

template <class Names>
std::size_t index_of(Reader& t, std::string_view key, const std::string& name, const Names& names,
                     std::string_view what) {
  std::vector<std::string> all(names.begin(), names.end());
  const auto it = std::find(all.begin(), all.end(), name);
  if (it != all.end()) return static_cast<std::size_t>(it - all.begin());
  std::string list;
  for (const auto& n : all) list += (list.empty() ? "" : ", ") + n;
  const auto close = detail::closest_match(name, all);
  t.fail(key, "'" + name + "' is not " + std::string(what) +
                  (close ? " (did you mean '" + *close + "'?)" : "") + "; expected one of " + list);
}

IncidentFilter read_filter(Reader& t, const CalibrationSpec& cal, const Scenario& base) {
  IncidentFilter f;
  std::string text;
  const auto note = [&text](const std::string& part) { text += (text.empty() ? "" : ", ") + part; };
  if (t.has("kind")) {
    for (const auto& k : names_of(t, "kind")) {
      f.kinds.push_back(
          static_cast<std::uint8_t>(index_of(t, "kind", k, kind_names, "an attacker kind")));
      note("kind = " + k);
    }
  }
  if (t.has("attacker") && t.has("sponsor")) {
    t.fail("sponsor", "give `attacker` or `sponsor`, not both");
  }
  if (t.has("attacker")) {
    f.attackers_given = true;
    for (const auto& a : names_of(t, "attacker")) {
      f.attackers.push_back(static_cast<std::uint32_t>(
          index_of(t, "attacker", a, cal.attacker_names, "an attacker of the base scenario")));
      note("attacker = " + a);
    }
  }
  if (t.has("sponsor")) {
    f.attackers_given = true;
    for (const auto& s : names_of(t, "sponsor")) {
      const std::size_t state =
          index_of(t, "sponsor", s, cal.state_names, "a state of the base scenario");
      bool any = false;
      for (std::size_t a = 0; a < base.attackers.size(); ++a) {
        if (base.attackers[a].sponsor == state) {
          f.attackers.push_back(static_cast<std::uint32_t>(a));
          any = true;
        }
      }
      if (!any) t.fail("sponsor", "no attacker of the base scenario has sponsor '" + s + "'");
      note("sponsor = " + s);
    }
  }
  if (t.has("victim")) {
    for (const auto& v : names_of(t, "victim")) {
      f.victims.push_back(static_cast<std::uint32_t>(
          index_of(t, "victim", v, cal.state_names, "a state of the base scenario")));
      note("victim = " + v);
    }
  }
  if (t.has("rung")) {
    for (const auto& r : names_of(t, "rung")) {
      f.rungs.push_back(static_cast<std::uint8_t>(index_of(t, "rung", r, rung_names, "a rung")));
      note("rung = " + r);
    }
  }
  const auto flag = [&](std::string_view key, std::optional<bool>& out) {
    if (t.has(key)) {
      out = t.boolean(key, false);
      note(std::string(key) + (*out ? " = true" : " = false"));
    }
  };
  flag("detected", f.detected);
  flag("success", f.success);
  flag("attributed", f.attributed);
  flag("correct", f.correct);
  flag("public", f.is_public);
  flag("mega_event", f.mega_event);
  t.finish();
  f.text = "{" + text + "}";
  return f;
}

PriorSpec read_prior(Reader& t, const SweepParameter& p) {
  PriorSpec prior;
  const std::string kind = t.choice(
      "prior", "uniform", {prior_names[0], prior_names[1], prior_names[2], prior_names[3]});
  prior.kind = static_cast<PriorKind>(std::find(prior_names.begin(), prior_names.end(), kind) -
                                      prior_names.begin());
  const auto range = t.number_array("range", Range::any());
  if (!t.has("range")) t.fail_table("a parameter needs `range = [low, high]`, the prior's support");
  if (range.size() != 2 || !(range[0] < range[1]))
    t.fail("range", "expected [low, high] with low < high");
  prior.lo = range[0];
  prior.hi = range[1];
  if (prior.kind == PriorKind::log_uniform && prior.lo <= 0.0) {
    t.fail("range", "a log_uniform prior needs low > 0");
  }
  if (prior.kind == PriorKind::beta) {
    prior.alpha = t.required_number("alpha", Range::positive());
    prior.beta = t.required_number("beta", Range::positive());
  } else {
    for (const char* key : {"alpha", "beta"}) {
      if (t.has(key)) t.fail(key, "`" + std::string(key) + "` belongs to a beta prior");
    }
  }
  if (prior.kind == PriorKind::truncated_normal) {
    prior.mean = t.required_number("mean", Range::any());
    prior.sd = t.required_number("sd", Range::positive());
  } else {
    for (const char* key : {"mean", "sd"}) {
      if (t.has(key)) t.fail(key, "`" + std::string(key) + "` belongs to a truncated_normal prior");
    }
  }
  (void)p;
  return prior;
}

Target read_target(Reader& t, const CalibrationSpec& cal, const Scenario& base) {
  Target g;
  g.id = t.required_string("id");
  if (g.id.empty() || g.id.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                             "0123456789_") != std::string::npos) {
    t.fail("id", "expected letters, digits and _ only (it names the output's columns)");
  }
  g.name = t.string("name", g.id);
  const std::string statistic =
      t.choice("statistic", "share", {statistic_names[0], statistic_names[1], statistic_names[2]});
  g.statistic =
      static_cast<Statistic>(std::find(statistic_names.begin(), statistic_names.end(), statistic) -
                             statistic_names.begin());
  if (auto of = t.table("of")) {
    g.of = read_filter(*of, cal, base);
  } else {
    g.of.text = "{}";
  }
  if (t.has("where")) {
    if (g.statistic != Statistic::share)
      t.fail("where", "`where` picks a share's numerator: give it with statistic = \"share\"");
    auto where = t.table("where");
    g.where = read_filter(*where, cal, base);
  } else if (g.statistic == Statistic::share) {
    t.fail_table("a share needs `where`, the incidents of `of` it counts");
  }
  if (g.statistic == Statistic::median) {
    g.value = t.choice("value", "",
                       {value_names[0], value_names[1], value_names[2], value_names[3],
                        value_names[4], value_names[5]});
    if (g.value.empty()) t.fail_table("a median needs `value`, e.g. value = \"response_lag_days\"");
  } else if (t.has("value")) {
    t.fail("value", "`value` is the quantity of a median: give it with statistic = \"median\"");
  }
  const bool has_band = t.has("band"), has_cases = t.has("cases"), has_factor = t.has("factor");
  if (has_band + has_cases + has_factor != 1) {
    t.fail_table(
        "give the empirical figure one way: `band = [low, high]` (a range, used as given), "
        "`observed` with `cases` (a share p of n cases: p ± 2 sqrt(p(1 - p)/n)), or "
        "`observed` with `factor` (a median without its n: observed / factor to "
        "observed x factor)");
  }
  if (has_band) {
    if (t.has("observed"))
      t.fail("observed", "with `band`, the figure is its middle: leave out `observed`");
    const auto band = t.number_array("band", Range::any());
    if (band.size() != 2 || !(band[0] < band[1]))
      t.fail("band", "expected [low, high] with low < high");
    g.low = band[0];
    g.high = band[1];
    g.observed = 0.5 * (g.low + g.high);
    g.band_text = detail::toml_number(g.low) + "-" + detail::toml_number(g.high);
  } else if (has_cases) {
    if (g.statistic != Statistic::share)
      t.fail("cases", "`cases` gives a share's sampling band: use it with statistic = \"share\"");
    const auto n = t.integer("cases", 1, 1, std::numeric_limits<std::int32_t>::max());
    if (t.has("count") && t.has("observed"))
      t.fail("count", "give `observed` (a share) or `count` (of `cases`), not both");
    const double p =
        t.has("count")
            ? static_cast<double>(t.integer("count", 0, 1, n)) / static_cast<double>(n)
            : t.required_number("observed", Range::open_closed(0.0, 1.0).because("a share"));
    if (p >= 1.0)
      t.fail("count", "a share of all cases has no sampling band: give fewer than `cases`");
    const double half = 2.0 * std::sqrt(p * (1.0 - p) / static_cast<double>(n));
    g.observed = p;
    g.low = std::max(0.0, p - half);
    g.high = std::min(1.0, p + half);
    std::ostringstream text;
    text.precision(3);
    text << 100.0 * p << " % of " << n;
    g.band_text = text.str();
  } else {
    const double z = t.required_number("observed", Range::positive());
    const double f = t.required_number("factor", Range{1.0, 100.0, true, false});
    g.observed = z;
    g.low = z / f;
    g.high = z * f;
    g.band_text = detail::toml_number(z) + " (within a factor " + detail::toml_number(f) + ")";
  }
  g.sd_observed = (g.high - g.low) / 4.0;
  g.discrepancy = t.number("discrepancy", 0.0, Range::non_negative());
  g.source = t.required_string("source");
  g.note = t.string("note", "");
  t.finish();
  return g;
}

CalibrationSpec read_calibration(detail::Document doc, std::optional<std::string> base_text) {
  CalibrationSpec cal;
  cal.path = doc.path;
  cal.text = doc.text;
  Reader root(doc, doc.root, "");
  const std::string base = root.required_string("base");
  const std::filesystem::path base_path =
      std::filesystem::path(base).is_absolute()
          ? std::filesystem::path(base)
          : std::filesystem::path(cal.path).parent_path() / base;
  cal.base_path = base_path.lexically_normal().string();
  cal.name = root.string("name", "");
  if (base_text) {
    cal.base_text = std::move(*base_text);
  } else {
    try {
      const std::string model = model_of(cal.base_path);
      if (model != "deterrence") {
        root.fail("base", "'" + cal.base_path + "' is a " + model +
                              " scenario; calibration runs deterrence scenarios only");
      }
      cal.base_text = read_text(cal.base_path);
    } catch (const ScenarioError& e) {
      root.fail("base", "the base scenario is invalid: " + std::string(e.what()));
    }
  }
  const ScenarioSource source(cal.base_text, cal.base_path);
  Scenario base_scenario;
  toml::table resolved;
  try {
    base_scenario = source.load();
    resolved = toml::parse(resolved_toml(base_scenario));
  } catch (const ScenarioError& e) {
    root.fail("base", "the base scenario is invalid: " + std::string(e.what()));
  }
  for (const auto& s : base_scenario.states) cal.state_names.push_back(s.name);
  for (const auto& a : base_scenario.attackers) {
    cal.attacker_names.push_back(a.name);
    cal.attacker_kinds.push_back(static_cast<std::uint8_t>(a.kind));
  }
  cal.horizon_years = base_scenario.run.horizon_days / 365.25;

  if (auto run = root.table("run")) {
    cal.replications = static_cast<std::uint64_t>(run->integer("replications", 10, 2, 1'000'000));
    cal.seed = static_cast<std::uint64_t>(
        run->integer("seed", 1, 0, std::numeric_limits<std::int64_t>::max()));
    run->finish();
  }
  Reader method = root.required_table("method");
  (void)method.choice("kind", "history_matching", {"history_matching"});
  cal.waves = static_cast<std::size_t>(method.integer("waves", 4, 1, 50));
  cal.points = static_cast<std::size_t>(method.integer("points", 500, 10, 1'000'000));
  cal.cutoff = method.number("cutoff", 3.0, Range::positive());
  cal.candidates = static_cast<std::size_t>(
      method.integer("candidates", static_cast<std::int64_t>(40 * cal.points), 1, 100'000'000));
  if (cal.candidates < cal.points) {
    method.fail("candidates", "expected at least `points` (" + std::to_string(cal.points) +
                                  "): the emulators screen candidates to find each wave's worlds");
  }
  cal.emulator_points = static_cast<std::size_t>(method.integer("emulator_points", 250, 10, 2000));
  method.finish();

  auto parameters = root.table_array("parameters");
  if (parameters.empty()) root.fail_table("a calibration needs at least one [[parameters]] table");
  for (auto& t : parameters) {
    CalibrationParameter cp;
    detail::read_parameter_paths(t, resolved, cp.sweep);
    detail::read_parameter_link(t, resolved, cp.sweep, true);
    cp.prior = read_prior(t, cp.sweep);
    cp.sweep.has_range = true;
    cp.sweep.lo = cp.prior.lo;
    cp.sweep.hi = cp.prior.hi;
    cp.source = t.required_string("source");
    for (const auto& other : cal.parameters) {
      for (const auto& path : cp.sweep.paths) {
        if (std::find(other.sweep.paths.begin(), other.sweep.paths.end(), path) !=
            other.sweep.paths.end()) {
          t.fail(t.has("paths") ? "paths" : "path",
                 "'" + path + "' is set twice (also by parameter '" + other.sweep.name + "')");
        }
      }
      if (other.sweep.name == cp.sweep.name) {
        t.fail(t.has("name") ? "name" : "path", "two parameters are named '" + cp.sweep.name + "'");
      }
    }
    for (const double v : {cp.prior.lo, cp.prior.hi}) {
      try {
        (void)source.load(detail::parameter_overrides(cp.sweep, detail::toml_number(v)));
      } catch (const ScenarioError& e) {
        t.fail(t.has("paths") ? "paths" : "path",
               "with value " + detail::toml_number(v) +
                   " the base scenario is invalid: " + e.message());
      }
    }
    t.finish();
    cal.parameters.push_back(std::move(cp));
  }
  auto targets = root.table_array("targets");
  if (targets.empty()) root.fail_table("a calibration needs at least one [[targets]] table");
  if (targets.size() > max_targets) {
    root.fail("targets", "at most " + std::to_string(max_targets) + " targets");
  }
  for (auto& t : targets) {
    Target g = read_target(t, cal, base_scenario);
    for (const auto& other : cal.targets) {
      if (other.id == g.id) t.fail("id", "two targets have id '" + g.id + "'");
    }
    cal.targets.push_back(std::move(g));
  }
  root.finish();
  return cal;
}

// Collects one run's targets from the incidents it streams.
class TargetSink final : public RunSink {
 public:
  TargetSink(const CalibrationSpec& cal, CalibrationRow& row)
      : cal_(cal), row_(row), values_(cal.targets.size()) {}
  void incident(const IncidentRow& r) override {
    for (std::size_t j = 0; j < cal_.targets.size(); ++j) {
      const Target& g = cal_.targets[j];
      if (!g.of.matches(r)) continue;
      switch (g.statistic) {
        case Statistic::share:
          row_.den[j] += 1.0;
          if (g.where.matches(r)) row_.num[j] += 1.0;
          break;
        case Statistic::per_year: row_.num[j] += 1.0; break;
        case Statistic::median: values_[j].push_back(incident_value(g.value, r)); break;
      }
    }
  }
  void finish() {
    for (std::size_t j = 0; j < cal_.targets.size(); ++j) {
      const Target& g = cal_.targets[j];
      if (g.statistic == Statistic::per_year) row_.den[j] = cal_.horizon_years;
      if (g.statistic != Statistic::median) continue;
      auto& v = values_[j];
      if (v.empty()) continue;
      std::sort(v.begin(), v.end());
      const std::size_t n = v.size();
      row_.num[j] = n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
      row_.den[j] = 1.0;
    }
  }

 private:
  const CalibrationSpec& cal_;
  CalibrationRow& row_;
  std::vector<std::vector<double>> values_;
};

}  // namespace

std::string_view to_string(PriorKind kind) noexcept {
  return prior_names[static_cast<std::size_t>(kind)];
}

double PriorSpec::quantile(double u) const {
  u = std::clamp(u, 0.0, 1.0);
  switch (kind) {
    case PriorKind::uniform: return lo + u * (hi - lo);
    case PriorKind::log_uniform: return std::exp(std::log(lo) + u * (std::log(hi) - std::log(lo)));
    case PriorKind::beta: {
      const boost::math::beta_distribution<double> b(alpha, beta);
      return lo + (hi - lo) * boost::math::quantile(b, u);
    }
    case PriorKind::truncated_normal: {
      const boost::math::normal_distribution<double> n(mean, sd);
      const double a = boost::math::cdf(n, lo), b = boost::math::cdf(n, hi);
      const double p = std::clamp(a + u * (b - a), 1e-300, 1.0 - 1e-16);
      return std::clamp(boost::math::quantile(n, p), lo, hi);
    }
  }
  return lo;
}

double PriorSpec::density(double x) const {
  if (x < lo || x > hi) return 0.0;
  switch (kind) {
    case PriorKind::uniform: return 1.0 / (hi - lo);
    case PriorKind::log_uniform: return 1.0 / (x * (std::log(hi) - std::log(lo)));
    case PriorKind::beta: {
      const boost::math::beta_distribution<double> b(alpha, beta);
      return boost::math::pdf(b, (x - lo) / (hi - lo)) / (hi - lo);
    }
    case PriorKind::truncated_normal: {
      const boost::math::normal_distribution<double> n(mean, sd);
      return boost::math::pdf(n, x) / (boost::math::cdf(n, hi) - boost::math::cdf(n, lo));
    }
  }
  return 0.0;
}

double PriorSpec::cdf(double x) const {
  if (x <= lo) return 0.0;
  if (x >= hi) return 1.0;
  switch (kind) {
    case PriorKind::uniform:
    case PriorKind::log_uniform: return to_unit(x);
    case PriorKind::beta: {
      const boost::math::beta_distribution<double> b(alpha, beta);
      return boost::math::cdf(b, (x - lo) / (hi - lo));
    }
    case PriorKind::truncated_normal: {
      const boost::math::normal_distribution<double> n(mean, sd);
      const double a = boost::math::cdf(n, lo), b = boost::math::cdf(n, hi);
      return (boost::math::cdf(n, x) - a) / (b - a);
    }
  }
  return 0.0;
}

double PriorSpec::to_unit(double x) const {
  if (kind == PriorKind::log_uniform) {
    return (std::log(x) - std::log(lo)) / (std::log(hi) - std::log(lo));
  }
  return (x - lo) / (hi - lo);
}

bool IncidentFilter::matches(const IncidentRow& r) const {
  const auto in = [](const auto& list, auto v) {
    return list.empty() || std::find(list.begin(), list.end(), v) != list.end();
  };
  if (!in(kinds, r.attacker_kind)) return false;
  if (attackers_given && !in(attackers, r.attacker)) return false;
  if (!in(victims, r.victim)) return false;
  if (!in(rungs, r.rung_final)) return false;
  if (detected && *detected != r.detected) return false;
  if (success && *success != r.success) return false;
  if (attributed && *attributed != r.attributed) return false;
  if (correct && *correct != r.correct) return false;
  if (is_public && *is_public != (r.rung_final >= static_cast<std::uint8_t>(Rung::attribute))) {
    return false;
  }
  if (mega_event && *mega_event != r.mega_event) return false;
  return true;
}

CalibrationSpec load_calibration(const std::string& path) {
  return read_calibration(detail::parse_file(path), std::nullopt);
}

CalibrationSpec load_calibration_text(std::string text, std::string path, std::string base_text) {
  return read_calibration(detail::parse_text(std::move(text), std::move(path)),
                          std::move(base_text));
}

CalibrationRow calibration_run(const CalibrationSpec& cal, const Scenario& scenario,
                               const sim::RunId& id) {
  CalibrationRow row;
  row.replication = id.replication;
  TargetSink sink(cal, row);
  const RunResult result = run_replication(scenario, id, sink, {true, false});
  sink.finish();
  row.events = result.run.events;
  row.launched = result.run.total.launched;
  for (const AttackerRow& a : result.attackers) {
    if (scenario.attackers[a.attacker].kind != AttackerKind::state_sponsored) continue;
    const double d = static_cast<double>(a.decisions);
    row.ss_decisions += d;
    row.ss_attack_sum += d * (1.0 - a.p_none_mean);
    row.ss_margin_sum += d * a.margin_mean;
  }
  return row;
}

WorldSummary summarize_world(const CalibrationSpec& cal, const std::vector<CalibrationRow>& runs) {
  WorldSummary w;
  const std::size_t m = cal.targets.size();
  w.value.assign(m, std::numeric_limits<double>::quiet_NaN());
  w.variance.assign(m, std::numeric_limits<double>::quiet_NaN());
  w.runs = runs.size();
  double decisions = 0.0, attack = 0.0, margin = 0.0;
  for (const auto& r : runs) {
    decisions += r.ss_decisions;
    attack += r.ss_attack_sum;
    margin += r.ss_margin_sum;
  }
  w.ss_attack = decisions > 0 ? attack / decisions : std::numeric_limits<double>::quiet_NaN();
  w.ss_margin = decisions > 0 ? margin / decisions : std::numeric_limits<double>::quiet_NaN();
  const double n = static_cast<double>(runs.size());
  for (std::size_t j = 0; j < m; ++j) {
    double num = 0.0, den = 0.0;
    for (const auto& r : runs) {
      num += r.num[j];
      den += r.den[j];
    }
    if (den <= 0.0) continue;
    const double ratio = num / den;
    // Delta method for a ratio of sums over independent runs: Var(ΣN/ΣD) ≈
    // Σ(N_i − ratio·D_i)² / (ΣD)² · n/(n − 1).
    double ss = 0.0;
    for (const auto& r : runs) {
      const double e = r.num[j] - ratio * r.den[j];
      ss += e * e;
    }
    w.value[j] = ratio;
    w.variance[j] =
        n > 1 ? ss / (den * den) * n / (n - 1.0) : std::numeric_limits<double>::infinity();
  }
  return w;
}

std::vector<double> implausibility(const CalibrationSpec& cal, const WorldSummary& w) {
  std::vector<double> out(cal.targets.size(), std::numeric_limits<double>::infinity());
  for (std::size_t j = 0; j < cal.targets.size(); ++j) {
    const Target& g = cal.targets[j];
    if (!std::isfinite(w.value[j])) continue;
    const double var =
        g.sd_observed * g.sd_observed + g.discrepancy * g.discrepancy + w.variance[j];
    out[j] = std::abs(g.observed - w.value[j]) / std::sqrt(var);
  }
  return out;
}

}  // namespace cyberdeter::models::deterrence
