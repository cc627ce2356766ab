// Loading and validating `model = "attribution_game"` scenario files. docs/games.md lists
// every key with its meaning, default and range; this file enforces exactly those.

#include <algorithm>
#include <cmath>
#include <sstream>

#include "../toml_reader.hpp"
#include "cyberdeter/models/games/attribution_model.hpp"

namespace cyberdeter::models::games {
namespace {

using detail::Range;
using detail::Reader;

constexpr std::int64_t max_count = 1'000'000'000;
constexpr double sum_tolerance = 1e-9;

// A distribution table such as [attackers.A.benefit] (docs/games.md "Distributions"):
// `distribution` = "uniform" (lo, hi), "beta" (alpha, beta, lo, hi), "truncated_normal"
// (mean, sd, lo, hi), "triangular" (lo, mode, hi) or "discrete" (values, weights).
Distribution read_distribution_table(Reader& t) {
  const std::string kind = t.choice(
      "distribution", "uniform", {"uniform", "beta", "truncated_normal", "triangular", "discrete"});
  Distribution d;
  const Range finite = Range::closed(-1e12, 1e12);
  if (kind == "discrete") {
    d.kind = Distribution::Kind::discrete;
    if (!t.has("values")) t.fail_table("missing required key 'values' (the possible values)");
    auto values = t.number_array("values", finite);
    if (values.empty()) t.fail("values", "expected at least one value");
    if (values.size() > 100'000) t.fail("values", "expected at most 100000 values");
    std::vector<double> weights(values.size(), 1.0);
    if (t.has("weights")) {
      weights = t.number_array("weights", Range::positive());
      if (weights.size() != values.size()) {
        t.fail("weights", "expected " + std::to_string(values.size()) +
                              " weights (one per value), got " + std::to_string(weights.size()));
      }
    }
    std::vector<std::size_t> order(values.size());
    for (std::size_t k = 0; k < order.size(); ++k) order[k] = k;
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return values[a] < values[b]; });
    double total = 0.0;
    for (const double w : weights) total += w;
    for (std::size_t k = 0; k < order.size(); ++k) {
      if (k > 0 && values[order[k]] == values[order[k - 1]]) {
        t.fail_item("values", order[k],
                    "the value " + detail::toml_number(values[order[k]]) + " appears twice");
      }
      d.values.push_back(values[order[k]]);
      d.weights.push_back(total == 1.0 ? weights[order[k]] : weights[order[k]] / total);
    }
    d.lo = d.values.front();
    d.hi = d.values.back();
    t.finish();
    return d;
  }
  d.lo = t.number("lo", 0.0, finite);
  d.hi = t.number("hi", 1.0, finite);
  if (!(d.hi > d.lo)) {
    t.fail(t.has("hi") ? "hi" : "lo", "expected hi > lo, got lo = " + detail::toml_number(d.lo) +
                                          " and hi = " + detail::toml_number(d.hi));
  }
  if (kind == "beta") {
    d.kind = Distribution::Kind::beta;
    d.alpha = t.number("alpha", 1.0, Range::closed(1e-3, 1e3));
    d.beta = t.number("beta", 1.0, Range::closed(1e-3, 1e3));
  } else if (kind == "truncated_normal") {
    d.kind = Distribution::Kind::truncated_normal;
    if (!t.has("mean")) t.fail_table("missing required key 'mean' (the normal's mean)");
    if (!t.has("sd")) t.fail_table("missing required key 'sd' (the normal's standard deviation)");
    d.mean = t.number("mean", 0.0, finite);
    d.sd = t.number("sd", 1.0, Range::positive());
    // The interval must hold enough of the normal for the quantile to keep its precision.
    const double a = (d.lo - d.mean) / d.sd, b = (d.hi - d.mean) / d.sd;
    const double r = std::sqrt(0.5);
    const double mass = a > 0.0 ? 0.5 * (std::erfc(a * r) - std::erfc(b * r))
                                : 0.5 * (std::erfc(-b * r) - std::erfc(-a * r));
    if (!(mass > 1e-300)) {
      t.fail("sd", "[lo, hi] = [" + detail::toml_number(d.lo) + ", " + detail::toml_number(d.hi) +
                       "] lies too far in the tail of the normal (mean " +
                       detail::toml_number(d.mean) + ", sd " + detail::toml_number(d.sd) +
                       ") to be computed: widen it, or move the mean");
    }
  } else if (kind == "triangular") {
    d.kind = Distribution::Kind::triangular;
    d.mode = t.number("mode", 0.5 * (d.lo + d.hi), Range::closed(d.lo, d.hi));
  }
  t.finish();
  return d;
}

// A probability vector: non-negative entries summing to 1, `size` of them.
std::vector<double> read_distribution(Reader& t, std::string_view key, std::size_t size,
                                      const std::string& what) {
  auto v = t.number_array(key, Range::probability());
  if (v.size() != size) {
    t.fail(key, "expected " + std::to_string(size) + " probabilities (" + what + "), got " +
                    std::to_string(v.size()));
  }
  double sum = 0.0;
  for (const double x : v) sum += x;
  if (std::abs(sum - 1.0) > sum_tolerance) {
    std::ostringstream os;
    os.precision(17);
    os << "expected probabilities that sum to 1, got a sum of " << sum;
    t.fail(key, os.str());
  }
  return v;
}

void read_attacker_learning(Reader& t, AttackerLearning& l) {
  l.retaliated_if_attack =
      t.number("retaliated_if_attack", l.retaliated_if_attack, Range::probability());
  l.retaliated_if_hold = t.number("retaliated_if_hold", l.retaliated_if_hold, Range::probability());
  l.weight = t.number("weight", l.weight, Range::positive());
  l.exploration = t.number("exploration", l.exploration, Range::probability());
}

class Loader {
 public:
  explicit Loader(const detail::Document& doc) : doc_(doc), root_(doc, doc.root, "") {}
  AttributionScenario load();

 private:
  void read_run(Reader& run);
  void read_signals(std::vector<std::pair<std::string, Reader>>& attackers);

  const detail::Document& doc_;
  Reader root_;
  AttributionScenario sc_;
};

AttributionScenario Loader::load() {
  sc_.path = doc_.path;
  sc_.text = doc_.text;
  root_.finish({"model", "name", "description", "run", "game", "signals", "defender", "learning",
                "attackers"});
  if (!root_.has("model")) root_.fail_table("missing required key 'model' (\"attribution_game\")");
  root_.choice("model", "", {"attribution_game"});
  sc_.name = root_.string("name", "");
  sc_.description = root_.string("description", "");
  if (auto run = root_.table("run")) read_run(*run);

  if (auto game = root_.table("game")) {
    sc_.game.opportunity_probability = game->number(
        "opportunity_probability", sc_.game.opportunity_probability, Range::open_closed(0.0, 1.0));
    const std::string mode = game->choice("mode", "fixed", {"fixed", "learning"});
    sc_.mode = mode == "fixed" ? AttributionMode::fixed : AttributionMode::learning;
    game->finish();
  }

  // Learning defaults first: the attackers' own tables override them.
  AttackerLearning learning_defaults;
  if (auto learning = root_.table("learning")) {
    sc_.learning.step_exponent =
        learning->number("step_exponent", sc_.learning.step_exponent, Range::open_closed(0.5, 1.0));
    if (auto a = learning->table("attackers")) {
      read_attacker_learning(*a, learning_defaults);
      a->finish();
    }
    if (auto d = learning->table("defender")) {
      learning_defaults.defender_belief = d->number(
          "attack_probability", learning_defaults.defender_belief, Range::open_closed(0.0, 1.0));
      sc_.learning.defender_weight =
          d->number("weight", sc_.learning.defender_weight, Range::positive());
      d->finish();
    }
    learning->finish();
  }
  sc_.learning.defaults = learning_defaults;

  if (auto defender = root_.table("defender")) {
    if (auto cost = defender->table("cost"))
      sc_.game.defender_cost = read_distribution_table(*cost);
    defender->finish();
  }

  auto attackers = root_.named_tables("attackers");
  if (attackers.empty())
    root_.fail("attackers", "expected at least one attacker ([attackers.NAME])");
  if (attackers.size() > 1000) root_.fail("attackers", "expected at most 1000 attackers");
  for (auto& [name, t] : attackers) {
    GameAttacker a;
    a.name = name;
    if (auto benefit = t.table("benefit")) a.benefit = read_distribution_table(*benefit);
    a.retaliation_cost = t.number("retaliation_cost", a.retaliation_cost, Range::positive());
    a.rationality = t.number("rationality", a.rationality, Range::open_closed(0.0, infinity));
    AttackerLearning l = learning_defaults;
    if (auto lt = t.table("learning")) {
      read_attacker_learning(*lt, l);
      l.defender_belief =
          lt->number("defender_belief", l.defender_belief, Range::open_closed(0.0, 1.0));
      lt->finish();
    }
    sc_.game.attackers.push_back(std::move(a));
    sc_.learning.attackers.push_back(l);
  }
  read_signals(attackers);
  for (auto& [name, t] : attackers) t.finish();

  // A symmetric game (identical attackers, signals generated from equal δ and μ) lets the
  // solver use scalar bisection.
  if (sc_.signals_generated) {
    const auto& first = sc_.game.attackers.front();
    bool same = true;
    for (std::size_t i = 0; i < sc_.game.attackers.size(); ++i) {
      const auto& a = sc_.game.attackers[i];
      same = same && a.benefit == first.benefit && a.retaliation_cost == first.retaliation_cost &&
             a.rationality == first.rationality &&
             sc_.generated.detection[i] == sc_.generated.detection[0] &&
             sc_.generated.identification[i] == sc_.generated.identification[0];
    }
    sc_.game.symmetric = same;
  }
  return sc_;
}

void Loader::read_run(Reader& run) {
  sc_.replications = static_cast<std::uint64_t>(run.integer("replications", 10, 1, 1'000'000));
  sc_.rounds = static_cast<std::uint64_t>(run.integer("rounds", 100'000, 1, max_count));
  sc_.seed = static_cast<std::uint64_t>(
      run.integer("seed", 1, 0, std::numeric_limits<std::int64_t>::max()));
  const auto rounds = static_cast<std::int64_t>(sc_.rounds);
  sc_.burn_in_rounds = static_cast<std::uint64_t>(run.integer("burn_in_rounds", 0, 0, rounds - 1));
  sc_.trajectory_rounds =
      static_cast<std::uint64_t>(run.integer("trajectory_rounds", 0, 0, max_count));
  run.finish();
}

void Loader::read_signals(std::vector<std::pair<std::string, Reader>>& attackers) {
  const std::size_t n = attackers.size();
  auto signals = root_.table("signals");
  const bool explicit_matrices = signals && (signals->has("names") || signals->has("nobody"));
  auto& game = sc_.game;
  if (explicit_matrices) {
    if (!signals->has("names")) signals->fail_table("missing required key 'names' (signal names)");
    if (!signals->has("nobody")) {
      signals->fail_table(
          "missing required key 'nobody' (π_0, the signal distribution when "
          "nobody attacked)");
    }
    game.signal_names = signals->string_array("names");
    if (game.signal_names.size() < 2) signals->fail("names", "expected at least two signals");
    if (game.signal_names.size() > 1000) signals->fail("names", "expected at most 1000 signals");
    for (std::size_t s = 0; s < game.signal_names.size(); ++s) {
      for (std::size_t r = 0; r < s; ++r) {
        if (game.signal_names[r] == game.signal_names[s]) {
          signals->fail_item("names", s, "signal \"" + game.signal_names[s] + "\" appears twice");
        }
      }
    }
    const std::size_t count = game.signal_names.size();
    game.nobody = read_distribution(*signals, "nobody", count, "one per signal name");
    for (const char* key : {"detection", "identification", "false_alarm"}) {
      if (signals->has(key)) {
        signals->fail(key,
                      "applies to generated signals only; with explicit 'names' and "
                      "'nobody' give each attacker's 'signal'");
      }
    }
    signals->finish();
    for (std::size_t i = 0; i < n; ++i) {
      auto& t = attackers[i].second;
      for (const char* key : {"detection", "identification"}) {
        if (t.has(key)) {
          t.fail(key,
                 "applies to generated signals only; [signals] gives explicit 'names', so "
                 "give 'signal' here");
        }
      }
      if (!t.has("signal")) {
        t.fail_table("missing required key 'signal' (π_i: " + std::to_string(count) +
                     " probabilities, one per signal name)");
      }
      game.attackers[i].signal =
          read_distribution(t, "signal", count, "one per name in signals.names");
    }
    return;
  }

  sc_.signals_generated = true;
  auto& g = sc_.generated;
  double detection = 0.8;
  double identification = 0.9;
  bool identification_given = false;
  if (signals) {
    detection = signals->number("detection", detection, Range::probability());
    identification_given = signals->has("identification");
    identification = signals->number("identification", identification, Range::probability());
    g.false_alarm = signals->number("false_alarm", g.false_alarm, Range::probability());
    if (static_cast<double>(n) * g.false_alarm > 1.0) {
      signals->fail("false_alarm", "expected false_alarm <= 1/" + std::to_string(n) +
                                       ": each of the " + std::to_string(n) +
                                       " labels gets a false alarm with this probability");
    }
    signals->finish();
  }
  g.detection.assign(n, detection);
  g.identification.assign(n, identification);
  for (std::size_t i = 0; i < n; ++i) {
    auto& t = attackers[i].second;
    if (t.has("signal")) {
      t.fail("signal",
             "explicit signal distributions need [signals] 'names' and 'nobody'; "
             "otherwise signals are generated from detection and identification");
    }
    g.detection[i] = t.number("detection", detection, Range::probability());
    if (t.has("identification")) identification_given = true;
    g.identification[i] = t.number("identification", identification, Range::probability());
    if (n == 1 && identification_given && g.identification[i] != 1.0) {
      (t.has("identification") ? t : *signals)
          .fail("identification",
                "with one attacker every detection points to it: identification must be 1");
    }
  }
  if (n == 1) g.identification.assign(1, 1.0);
  g.default_detection = detection;
  g.default_identification = n == 1 ? 1.0 : identification;
  generate_signals(game, g);
}

}  // namespace

std::uint64_t AttributionScenario::block_rounds() const noexcept {
  if (trajectory_rounds > 0) return std::min(trajectory_rounds, rounds);
  return rounds >= 100 ? rounds / 100 : 1;
}

namespace {

// The fixed tables of an attribution-game file, which an override may create: [run],
// [game], [signals], [defender.cost], [learning.attackers], [learning.defender] and an
// attacker's [attackers.NAME.benefit] and [attackers.NAME.learning] (not the attacker).
bool creatable(const std::vector<std::string>& path, std::size_t depth) {
  const std::string& last = path[depth];
  if (depth == 0) {
    return last == "run" || last == "game" || last == "signals" || last == "defender" ||
           last == "learning";
  }
  if (depth == 1) {
    return (path[0] == "defender" && last == "cost") ||
           (path[0] == "learning" && (last == "attackers" || last == "defender"));
  }
  return depth == 2 && path[0] == "attackers" && (last == "benefit" || last == "learning");
}

}  // namespace

AttributionScenario load_attribution_scenario_text(std::string text, std::string path,
                                                   const std::vector<std::string>& overrides) {
  detail::Document doc = detail::parse_text(std::move(text), std::move(path));
  for (const auto& o : overrides) detail::apply_override_creating(doc, o, creatable);
  return Loader(doc).load();
}

AttributionScenario load_attribution_scenario(const std::string& path,
                                              const std::vector<std::string>& overrides) {
  detail::Document doc = detail::parse_file(path);
  for (const auto& o : overrides) detail::apply_override_creating(doc, o, creatable);
  return Loader(doc).load();
}

namespace {

std::string toml_array(const std::vector<double>& v) {
  std::string out = "[";
  for (std::size_t i = 0; i < v.size(); ++i) {
    out += (i > 0 ? ", " : "") + detail::toml_number(v[i]);
  }
  return out + "]";
}

std::string toml_array(const std::vector<std::string>& v) {
  std::string out = "[";
  for (std::size_t i = 0; i < v.size(); ++i) {
    out += (i > 0 ? ", " : "") + detail::toml_string(v[i]);
  }
  return out + "]";
}

void write_distribution(std::ostream& os, const std::string& table, const Distribution& d) {
  os << "\n[" << table << "]\n" << d.toml();
}

}  // namespace

std::string AttributionScenario::resolved_toml() const {
  using detail::toml_number;
  std::ostringstream os;
  os << "model = \"attribution_game\"\nname = " << detail::toml_string(name)
     << "\ndescription = " << detail::toml_string(description)
     << "\n\n[run]\nreplications = " << replications << "\nrounds = " << rounds
     << "\nseed = " << seed << "\nburn_in_rounds = " << burn_in_rounds
     << "\ntrajectory_rounds = " << block_rounds()
     << "\n\n[game]\nopportunity_probability = " << toml_number(game.opportunity_probability)
     << "\nmode = \"" << (mode == AttributionMode::fixed ? "fixed" : "learning") << "\"\n";
  write_distribution(os, "defender.cost", game.defender_cost);
  os << "\n[signals]\n";
  if (signals_generated) {
    os << "detection = " << toml_number(generated.default_detection)
       << "\nidentification = " << toml_number(generated.default_identification)
       << "\nfalse_alarm = " << toml_number(generated.false_alarm) << "\n";
  } else {
    os << "names = " << toml_array(game.signal_names) << "\nnobody = " << toml_array(game.nobody)
       << "\n";
  }
  const auto& d = learning.defaults;
  os << "\n[learning]\nstep_exponent = " << toml_number(learning.step_exponent)
     << "\n\n[learning.attackers]\nretaliated_if_attack = " << toml_number(d.retaliated_if_attack)
     << "\nretaliated_if_hold = " << toml_number(d.retaliated_if_hold)
     << "\nweight = " << toml_number(d.weight) << "\nexploration = " << toml_number(d.exploration)
     << "\n\n[learning.defender]\nattack_probability = " << toml_number(d.defender_belief)
     << "\nweight = " << toml_number(learning.defender_weight) << "\n";
  for (std::size_t i = 0; i < game.attackers.size(); ++i) {
    const auto& a = game.attackers[i];
    const auto& l = learning.attackers[i];
    const std::string table = "attackers." + detail::toml_key(a.name);
    os << "\n[" << table << "]\nretaliation_cost = " << toml_number(a.retaliation_cost)
       << "\nrationality = " << toml_number(a.rationality) << "\n";
    if (signals_generated) {
      os << "detection = " << toml_number(generated.detection[i])
         << "\nidentification = " << toml_number(generated.identification[i]) << "\n";
    } else {
      os << "signal = " << toml_array(a.signal) << "\n";
    }
    write_distribution(os, table + ".benefit", a.benefit);
    os << "\n[" << table
       << ".learning]\nretaliated_if_attack = " << toml_number(l.retaliated_if_attack)
       << "\nretaliated_if_hold = " << toml_number(l.retaliated_if_hold)
       << "\nweight = " << toml_number(l.weight) << "\nexploration = " << toml_number(l.exploration)
       << "\ndefender_belief = " << toml_number(l.defender_belief) << "\n";
  }
  return os.str();
}

}  // namespace cyberdeter::models::games
