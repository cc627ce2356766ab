// Loading `model = "timing_game"` scenario files, and the HDF5 layout of their runs.

#include <cmath>
#include <sstream>

#include "../toml_reader.hpp"
#include "cyberdeter/models/games/timing.hpp"

namespace cyberdeter::models::games {
namespace {

using detail::Range;
using detail::Reader;

void read_stakes(Reader& t, Stakes& stakes) {
  const std::string kind = t.choice("distribution", "uniform", {"uniform", "discrete"});
  if (kind == "uniform") {
    stakes.kind = Stakes::Kind::uniform;
    stakes.uniform.lo = t.number("lo", 0.0, Range::closed(0.0, 1e12));
    stakes.uniform.hi = t.number("hi", 1.0, Range::closed(0.0, 1e12));
    if (!(stakes.uniform.hi > stakes.uniform.lo)) {
      t.fail(t.has("hi") ? "hi" : "lo",
             "expected hi > lo, got lo = " + detail::toml_number(stakes.uniform.lo) +
                 " and hi = " + detail::toml_number(stakes.uniform.hi));
    }
  } else {
    stakes.kind = Stakes::Kind::discrete;
    if (!t.has("values")) t.fail_table("missing required key 'values' (the possible stakes)");
    stakes.values = t.number_array("values", Range::closed(0.0, 1e12));
    if (stakes.values.empty()) t.fail("values", "expected at least one value");
    if (!t.has("weights")) {
      stakes.weights.assign(stakes.values.size(), 1.0);
    } else {
      stakes.weights = t.number_array("weights", Range::positive());
      if (stakes.weights.size() != stakes.values.size()) {
        t.fail("weights", "expected " + std::to_string(stakes.values.size()) +
                              " weights (one per value), got " +
                              std::to_string(stakes.weights.size()));
      }
    }
  }
  t.finish();
}

class Loader {
 public:
  explicit Loader(const detail::Document& doc) : doc_(doc), root_(doc, doc.root, "") {}

  TimingScenario load() {
    TimingScenario sc;
    sc.path = doc_.path;
    sc.text = doc_.text;
    root_.finish({"model", "name", "description", "run", "game", "evaluate", "search"});
    if (!root_.has("model")) root_.fail_table("missing required key 'model' (\"timing_game\")");
    root_.choice("model", "", {"timing_game"});
    sc.name = root_.string("name", "");
    sc.description = root_.string("description", "");
    if (auto run = root_.table("run")) {
      sc.replications = static_cast<std::uint64_t>(run->integer("replications", 10, 1, 1'000'000));
      sc.episodes = static_cast<std::uint64_t>(run->integer("episodes", 20'000, 2, 1'000'000'000));
      sc.seed = static_cast<std::uint64_t>(
          run->integer("seed", 1, 0, std::numeric_limits<std::int64_t>::max()));
      run->finish();
    }
    if (auto game = root_.table("game")) {
      auto& g = sc.game;
      g.discount = game->number("discount", g.discount, Range::half_open(0.0, 1.0));
      g.stealth = game->number("stealth", g.stealth, Range::probability());
      g.persistence = game->number("persistence", g.persistence, Range::probability());
      if (auto stakes = game->table("stakes")) read_stakes(*stakes, g.stakes);
      game->finish();
    }
    if (auto evaluate = root_.table("evaluate")) {
      sc.thresholds = evaluate->number_array("thresholds", Range::closed(0.0, 1e12));
      if (sc.thresholds.size() > 10'000) {
        evaluate->fail("thresholds", "expected at most 10000 thresholds");
      }
      evaluate->finish();
    }
    if (auto search = root_.table("search")) {
      sc.search = search->boolean("enabled", sc.search);
      sc.grid_points = static_cast<std::uint64_t>(search->integer("grid_points", 21, 3, 100'000));
      sc.tolerance = search->number("tolerance", sc.tolerance, Range::positive());
      sc.check_episodes =
          static_cast<std::uint64_t>(search->integer("check_episodes", 0, 0, 1'000'000'000));
      search->finish();
    }
    // An episode lasts at most truncation_periods(w) periods of one tick each.
    const double periods = static_cast<double>(sc.episodes) *
                           static_cast<double>(truncation_periods(sc.game.discount));
    if (periods > 1e14) {
      root_.fail("run", "episodes times the truncation horizon (" +
                            std::to_string(truncation_periods(sc.game.discount)) +
                            " periods for this discount) must be at most 1e14");
    }
    return sc;
  }

 private:
  const detail::Document& doc_;
  Reader root_;
};

std::string toml_array(const std::vector<double>& v) {
  std::string out = "[";
  for (std::size_t i = 0; i < v.size(); ++i) {
    out += (i > 0 ? ", " : "") + detail::toml_number(v[i]);
  }
  return out + "]";
}

}  // namespace

namespace {

// The fixed tables of a timing-game file, which an override may create: [run], [game],
// [game.stakes], [evaluate], [search].
bool creatable(const std::vector<std::string>& path, std::size_t depth) {
  const std::string& last = path[depth];
  if (depth == 0) {
    return last == "run" || last == "game" || last == "evaluate" || last == "search";
  }
  return depth == 1 && path[0] == "game" && last == "stakes";
}

}  // namespace

TimingScenario load_timing_scenario_text(std::string text, std::string path,
                                         const std::vector<std::string>& overrides) {
  detail::Document doc = detail::parse_text(std::move(text), std::move(path));
  for (const auto& o : overrides) detail::apply_override_creating(doc, o, creatable);
  return Loader(doc).load();
}

TimingScenario load_timing_scenario(const std::string& path,
                                    const std::vector<std::string>& overrides) {
  detail::Document doc = detail::parse_file(path);
  for (const auto& o : overrides) detail::apply_override_creating(doc, o, creatable);
  return Loader(doc).load();
}

std::string TimingScenario::resolved_toml() const {
  using detail::toml_number;
  std::ostringstream os;
  os << "model = \"timing_game\"\nname = " << detail::toml_string(name)
     << "\ndescription = " << detail::toml_string(description)
     << "\n\n[run]\nreplications = " << replications << "\nepisodes = " << episodes
     << "\nseed = " << seed << "\n\n[game]\ndiscount = " << toml_number(game.discount)
     << "\nstealth = " << toml_number(game.stealth)
     << "\npersistence = " << toml_number(game.persistence) << "\n\n[game.stakes]\n";
  if (game.stakes.kind == Stakes::Kind::uniform) {
    os << "distribution = \"uniform\"\nlo = " << toml_number(game.stakes.uniform.lo)
       << "\nhi = " << toml_number(game.stakes.uniform.hi) << "\n";
  } else {
    os << "distribution = \"discrete\"\nvalues = " << toml_array(game.stakes.values)
       << "\nweights = " << toml_array(game.stakes.weights) << "\n";
  }
  os << "\n[evaluate]\nthresholds = " << toml_array(thresholds)
     << "\n\n[search]\nenabled = " << (search ? "true" : "false")
     << "\ngrid_points = " << grid_points << "\ntolerance = " << toml_number(tolerance)
     << "\ncheck_episodes = " << (check_episodes > 0 ? check_episodes : episodes) << "\n";
  return os.str();
}

sim::h5::TableSchema<TimingRunRow> timing_runs_schema() {
  using R = TimingRunRow;
  sim::h5::TableSchema<R> s("Timing game: one row per replication (the attacker's search for T)");
  s.add("point", &R::point, "1", "Design point (sweeps); 0 for `run`")
      .add("replication", &R::replication, "1", "Replication index, from 0")
      .add("seed", &R::seed, "1", "Run seed derived from (master seed, replication[, point])")
      .add("threshold_found", &R::threshold_found, "stakes",
           "T-hat: the threshold the search found (NaN without search)")
      .add("value_in_sample", &R::value_in_sample, "stakes",
           "Simulated V(T-hat) on the episodes the search used (biased upwards by the search)")
      .add("value_checked", &R::value_checked, "stakes",
           "Simulated V(T-hat) on independent episodes (search.check_episodes)")
      .add("value_checked_se", &R::value_checked_se, "stakes", "Standard error of value_checked")
      .add("value_theory_found", &R::value_theory_found, "stakes", "V(T-hat) in closed form")
      .add("threshold_theory", &R::threshold_theory, "stakes", "T* in closed form")
      .add("value_theory", &R::value_theory, "stakes", "V(T*) in closed form")
      .add("evaluations", &R::evaluations, "count", "Simulated V(T) the search evaluated")
      .add("events", &R::events, "count", "Events processed by the engine (all evaluations)")
      .add("fingerprint", &R::fingerprint, "1",
           "The trajectory hashes of every evaluation in /values, folded in order");
  return s;
}

sim::h5::TableSchema<TimingValueRow> timing_values_schema() {
  using R = TimingValueRow;
  sim::h5::TableSchema<R> s("Timing game: one row per simulated V(T)");
  s.add("point", &R::point, "1", "Design point (sweeps); 0 for `run`")
      .add("replication", &R::replication, "1", "Replication index, from 0")
      .add("purpose", &R::purpose, "1",
           "0 a threshold of evaluate.thresholds, 1 a step of the search, 2 the check of T-hat")
      .add("threshold", &R::threshold, "stakes", "T: use the resource iff stakes >= T")
      .add("episodes", &R::episodes, "count", "Episodes simulated")
      .add("value", &R::value, "stakes", "Mean discounted gain per episode: simulated V(T)")
      .add("standard_error", &R::standard_error, "stakes", "Standard error of value")
      .add("value_theory", &R::value_theory, "stakes", "V(T) in closed form")
      .add("uses", &R::uses, "count", "Mean uses of the resource per episode")
      .add("periods", &R::periods, "period", "Mean periods per episode")
      .add("truncated", &R::truncated, "count",
           "Episodes cut at the truncation horizon (w^t < 1e-12) with the resource still held")
      .add("events", &R::events, "count", "Events processed by the engine")
      .add("fingerprint", &R::fingerprint, "1",
           "FNV-1a hash of the episodes' event trajectory, each period carrying what the "
           "previous one did (used, survived)");
  return s;
}

void write_timing_scenario_group(sim::h5::File& file, const TimingScenario& sc) {
  file.create_group("/scenario");
  file.write_text("/scenario/text", sc.text, "The scenario file as read, before overrides");
  file.write_text("/scenario/resolved", sc.resolved_toml(),
                  "Every parameter after defaults and overrides, as TOML");
  file.set_attribute("/scenario", "model", "timing_game");
  file.set_attribute("/scenario", "name", sc.name);
  file.set_attribute("/scenario", "source_path", sc.path);
  file.set_attribute("/scenario", "master_seed", sc.seed);
  file.set_attribute("/scenario", "replications", sc.replications);
  file.set_attribute("/scenario", "episodes", sc.episodes);
  file.set_attribute("/scenario", "truncation_periods", truncation_periods(sc.game.discount));
}

void write_timing_scenario(sim::h5::File& file, const TimingScenario& sc,
                           const TimingOptimum& theory) {
  write_timing_scenario_group(file, sc);
  file.create_group("/equilibrium");
  file.set_attribute("/equilibrium", "threshold", theory.threshold);
  file.set_attribute("/equilibrium", "value", theory.value);
  file.set_attribute("/equilibrium", "value_at_zero", theory.value_at_zero);
  file.set_attribute("/equilibrium", "method", theory.method);
}

}  // namespace cyberdeter::models::games
