#include "cyberdeter/models/deterrence/scenario_loader.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <utility>

#include "../toml_reader.hpp"
#include "cyberdeter/sim/time.hpp"

// Reads a deterrence scenario (the spec of every key is scenario.hpp; the user's reference
// is docs/scenario-reference.md). Every check runs before a run can start: types and
// ranges while reading each table, unknown keys when a table is finished, and the checks
// that involve several keys or tables right after. Errors are thrown at the first problem.

namespace cyberdeter::models::deterrence {
namespace {

using detail::Document;
using detail::Range;
using detail::Reader;

constexpr std::array<Rung, 3> public_rungs{Rung::attribute, Rung::coordinate, Rung::sanction};
const double max_days = sim::to_days(sim::max_tick);
// Ceiling of a defense program that gives no `bound` (scenario.hpp; the model applies it).
constexpr double default_defense_bound = 0.95;

// Every key has a range the model can simulate (docs/model.md §12): within these bounds
// every derived quantity (utilities, costs, rates after programs) stays finite and every
// repeating process lasts at least one tick. The bounds are [M]: far beyond any world a
// scenario describes, and near enough that products of several stay far below 1e308.
constexpr double max_value = 1e12;          // VU: gains, costs, thresholds
constexpr double max_factor = 1e6;          // multipliers, weights, sensitivities
constexpr double max_count = 1e9;           // pseudo-observations, persons
constexpr double max_severity_sigma = 5.0;  // the median severity is then e^-12.5 of the mean
constexpr double max_product = 1e30;        // multipliers that compound (exercises, mega-events)
constexpr double max_resilience = 0.95;     // [M] no layer of resilience avoids all damage
const double max_rate = static_cast<double>(sim::ticks_per_day);  // per day: one per tick
const double one_tick = sim::to_days(1);

Range value() { return Range::closed(0.0, max_value); }
Range factor() { return Range::closed(0.0, max_factor); }
Range positive_factor() { return Range::open_closed(0.0, max_factor); }
Range multiplier() { return Range::closed(1.0, max_factor); }
Range pseudo_count() { return Range::open_closed(0.0, max_count); }
constexpr const char* per_tick = "per day: at most one per tick of one second";
Range rate() { return Range::open_closed(0.0, max_rate).because(per_tick); }
Range rate_or_zero() { return Range::closed(0.0, max_rate).because(per_tick); }
// A repeating interval lasts at least one tick.
Range period() {
  return Range::closed(one_tick, max_days).because("days: from one tick of one second");
}
Range mean_days() { return Range::open_closed(0.0, max_days); }  // a mean delay
Range day() { return Range::closed(0.0, max_days); }
Range unit_open() { return {0.0, 1.0, true, true}; }                   // (0, 1)
Range positive_or_inf() { return Range::open_closed(0.0, infinity); }  // (0, inf]
Range day_or_inf() { return Range::closed(0.0, infinity); }            // [0, inf]

std::string show(double v) { return detail::toml_number(v); }

std::string list_names(const std::vector<std::string>& names) {
  constexpr std::size_t shown = 12;
  std::string out;
  for (std::size_t i = 0; i < names.size() && i < shown; ++i) {
    out += (i == 0 ? "'" : ", '") + names[i] + "'";
  }
  if (names.size() > shown) out += ", ... (" + std::to_string(names.size()) + " in all)";
  return out;
}

// "unknown state 'Japn' (did you mean 'Japan'?)" or "...; the states are 'A', 'B'".
std::string unknown_name(const std::string& what, const std::string& plural,
                         const std::string& name, const std::vector<std::string>& known) {
  std::string message = "unknown " + what + " '" + name + "'";
  if (const auto close = detail::closest_match(name, known)) {
    return message + " (did you mean '" + *close + "'?)";
  }
  if (known.empty()) return message + " (the scenario defines no " + plural + ")";
  return message + "; the " + plural + " are " + list_names(known);
}

std::optional<std::size_t> find_name(const std::vector<std::string>& names, std::string_view name) {
  const auto it = std::find(names.begin(), names.end(), name);
  if (it == names.end()) return std::nullopt;
  return static_cast<std::size_t>(it - names.begin());
}

std::string rung_name(std::size_t i) {  // 0: resolve, 1..3: the public rungs
  return i == 0 ? "resolve" : std::string(to_string(public_rungs[i - 1])) + " threshold";
}

std::array<double, 4> threshold_chain(double resolve, const Doctrine& d) {
  return {resolve, d.attribute.threshold, d.coordinate.threshold, d.sanction.threshold};
}

// The first link of resolve <= attribute <= coordinate <= sanction that is broken.
std::optional<std::size_t> first_disorder(const std::array<double, 4>& chain) {
  for (std::size_t i = 0; i + 1 < chain.size(); ++i) {
    if (chain[i] > chain[i + 1]) return i;
  }
  return std::nullopt;
}

const char* const ordering_rule =
    "thresholds must be ordered resolve <= attribute <= coordinate <= sanction";

// The rung tables a state's doctrine wrote, to locate errors about their thresholds.
struct DoctrinePlaces {
  std::array<std::optional<Reader>, 3> rungs;  // [states.S.doctrine.<rung>], if written
};

class Loader {
 public:
  explicit Loader(const Document& doc) : doc_(doc), root_(doc, doc.root, "") {}

  Scenario load();

 private:
  void read_run(Reader& t);
  void read_calibration(Reader& t);
  void read_sectors();
  void read_states();
  void read_state(Reader& t, std::size_t index);
  void read_doctrine(Reader& d, Doctrine& doctrine, DoctrinePlaces& places);
  void read_relation(Reader& state, const char* key, Eigen::MatrixXd& matrix, std::size_t row);
  void check_doctrine(Reader& state, const State& s, const DoctrinePlaces& places);
  void read_communities();
  void read_attackers();
  void read_attacker(Reader& t, Attacker& a);
  void read_prior(Reader& p, Prior& prior);
  void read_scarce(Reader& s, Scarce& scarce);
  void read_programs();
  void read_mega_events();
  void read_policy_changes();
  void read_scheduled();

  std::size_t state_ref(const Reader& t, std::string_view key, const std::string& name) const;
  std::size_t state_item(const Reader& t, std::string_view key, std::size_t index,
                         const std::string& name) const;
  void check_name(const Reader& t, const std::string& name) const;
  void check_events(const Reader& t, std::string_view key, double expected,
                    const std::string& what) const;
  void check_product(const Reader& t, std::string_view key, double product,
                     const std::string& what) const;

  const Document& doc_;
  Reader root_;
  Scenario sc_;
  std::vector<std::string> state_names_;
  std::vector<std::string> sector_names_;
  std::vector<std::string> community_names_;
  std::vector<Reader> community_tables_;
};

Scenario Loader::load() {
  sc_.path = doc_.path;
  // Unknown top-level keys first: "[attacker.X]" should be named as a typo, not as "no
  // attackers".
  root_.finish({"model", "name", "description", "run", "calibration", "sectors", "states",
                "attackers", "communities", "programs", "mega_events", "policy_changes",
                "scheduled"});
  if (const std::string name = root_.string("model", "deterrence"); name != "deterrence") {
    root_.fail("model", "expected \"deterrence\" (or no 'model' key), got \"" + name + "\"");
  }
  if (auto calibration = root_.table("calibration")) read_calibration(*calibration);
  sc_.name = root_.string("name", "");
  sc_.description = root_.string("description", "");
  if (auto t = root_.table("run")) read_run(*t);
  read_sectors();
  read_states();
  read_communities();
  read_attackers();
  read_programs();
  read_mega_events();
  read_policy_changes();
  read_scheduled();
  root_.finish();
  return std::move(sc_);
}

// A process that would generate more events per replication than run.max_events allows is
// refused before anything runs, at the key that drives it.
void Loader::check_events(const Reader& t, std::string_view key, double expected,
                          const std::string& what) const {
  if (expected <= static_cast<double>(sc_.run.max_events)) return;
  t.fail(key, "gives about " + show(std::round(expected)) + " " + what +
                  " per replication, more than run.max_events (" +
                  std::to_string(sc_.run.max_events) +
                  "): lower it or run.horizon_days, or raise run.max_events");
}

// Multipliers that compound must keep every rate and gain finite.
void Loader::check_product(const Reader& t, std::string_view key, double product,
                           const std::string& what) const {
  if (product <= max_product) return;
  t.fail(key, what + " multiply to " + show(product) + ", more than " + show(max_product) +
                  " (the model's rates and gains must stay finite)");
}

void Loader::check_name(const Reader& t, const std::string& name) const {
  if (name.empty()) t.fail_table("a name must not be empty");
  const bool bad = std::any_of(name.begin(), name.end(), [](char c) {
    return c == '"' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
  });
  if (bad) t.fail_table("a name must not contain quotes or control characters");
}

std::size_t Loader::state_ref(const Reader& t, std::string_view key,
                              const std::string& name) const {
  if (const auto i = find_name(state_names_, name)) return *i;
  t.fail(key, unknown_name("state", "states", name, state_names_));
}

std::size_t Loader::state_item(const Reader& t, std::string_view key, std::size_t index,
                               const std::string& name) const {
  if (const auto i = find_name(state_names_, name)) return *i;
  t.fail_item(key, index, unknown_name("state", "states", name, state_names_));
}

void Loader::read_run(Reader& t) {
  RunSettings& r = sc_.run;
  r.replications = static_cast<std::uint64_t>(
      t.integer("replications", static_cast<std::int64_t>(r.replications), 1, 1'000'000'000));
  r.seed = static_cast<std::uint64_t>(t.integer("seed", static_cast<std::int64_t>(r.seed), 0,
                                                std::numeric_limits<std::int64_t>::max()));
  r.horizon_days = t.number("horizon_days", r.horizon_days, period());
  r.reporting_days = t.number("reporting_days", r.reporting_days, period());
  r.max_events = static_cast<std::uint64_t>(
      t.integer("max_events", static_cast<std::int64_t>(r.max_events), 1, 1'000'000'000'000));
  r.start_date = t.optional_date("start_date").value_or(r.start_date);
  r.value_unit = t.string("value_unit", r.value_unit);
  t.finish();
  if (r.value_unit.empty())
    t.fail("value_unit", "must not be empty (say what one value unit means)");
  check_events(t, "reporting_days", r.horizon_days / r.reporting_days, "reporting periods");
  if (r.reporting_days > r.horizon_days) {
    t.fail(t.has("reporting_days") ? "reporting_days" : "horizon_days",
           "reporting_days (" + show(r.reporting_days) + ") must be at most horizon_days (" +
               show(r.horizon_days) + ")");
  }
}

void Loader::read_calibration(Reader& t) {
  Calibration& m = sc_.calibration;
  m.severity_sigma =
      t.number("severity_sigma", m.severity_sigma, Range::closed(0.0, max_severity_sigma));
  m.severity_reference =
      t.number("severity_reference", m.severity_reference, Range::closed(1e-6, max_value));
  m.confidence_correct = t.number("confidence_correct", m.confidence_correct, unit_open());
  m.confidence_wrong = t.number("confidence_wrong", m.confidence_wrong, unit_open());
  m.confidence_concentration =
      t.number("confidence_concentration", m.confidence_concentration, positive_factor());
  m.coordination_days = t.number("coordination_days", m.coordination_days, mean_days());
  m.coalition_deadline_days =
      t.number("coalition_deadline_days", m.coalition_deadline_days, mean_days());
  m.join_base = t.number("join_base", m.join_base, Range::closed(-max_factor, max_factor));
  m.join_alignment = t.number("join_alignment", m.join_alignment, factor());
  m.join_confidence = t.number("join_confidence", m.join_confidence, factor());
  m.join_dependence = t.number("join_dependence", m.join_dependence, factor());
  m.split_discount = t.number("split_discount", m.split_discount, Range::probability());
  m.evidence_weight = t.number("evidence_weight", m.evidence_weight, factor());
  m.signer_weight_share =
      t.number("signer_weight_share", m.signer_weight_share, Range::probability());
  m.workforce_reference =
      t.number("workforce_reference", m.workforce_reference, Range::closed(1e-6, max_count));
  m.workforce_elasticity =
      t.number("workforce_elasticity", m.workforce_elasticity, Range::half_open(0.0, 1.0));
  m.outsourced_discount =
      t.number("outsourced_discount", m.outsourced_discount, Range::probability());
  m.learn_quiet_hardening = t.boolean("learn_quiet_hardening", m.learn_quiet_hardening);
  m.exercise_window_days = t.number("exercise_window_days", m.exercise_window_days, mean_days());
  t.finish();
  if (m.confidence_correct < m.confidence_wrong) {
    t.fail(t.has("confidence_correct") ? "confidence_correct" : "confidence_wrong",
           "confidence_correct (" + show(m.confidence_correct) +
               ") must be at least confidence_wrong (" + show(m.confidence_wrong) +
               "): a right judgement is on average at least as confident as a wrong one");
  }
}

void Loader::read_sectors() {
  if (!root_.has("sectors")) {
    root_.table("sectors");  // marks the key as known, for suggestions
    sc_.sectors.push_back(Sector{"general", 1.0});
    sector_names_.push_back("general");
    return;
  }
  auto tables = root_.named_tables("sectors");
  if (tables.empty()) {
    root_.fail("sectors",
               "at least one sector is required (or omit [sectors] for one sector "
               "named \"general\")");
  }
  for (auto& [name, t] : tables) {
    check_name(t, name);
    Sector s{name, 1.0};
    s.value_multiplier = t.number("value_multiplier", s.value_multiplier, positive_factor());
    t.finish();
    sc_.sectors.push_back(std::move(s));
    sector_names_.push_back(name);
  }
}

void Loader::read_states() {
  if (!root_.has("states")) {
    root_.fail("states", "missing required table [states]: a scenario needs at least one state");
  }
  auto tables = root_.named_tables("states");
  if (tables.empty()) root_.fail("states", "at least one state is required ([states.NAME])");
  for (auto& [name, t] : tables) {
    check_name(t, name);
    state_names_.push_back(name);
  }
  const auto n = static_cast<Eigen::Index>(tables.size());
  sc_.alignment = Eigen::MatrixXd::Zero(n, n);
  sc_.dependence = Eigen::MatrixXd::Zero(n, n);
  sc_.states.resize(tables.size());
  for (std::size_t i = 0; i < tables.size(); ++i) {
    sc_.states[i].name = tables[i].first;
    read_state(tables[i].second, i);
  }
}

void Loader::read_state(Reader& t, std::size_t index) {
  State& s = sc_.states[index];
  s.economy = t.number("economy", s.economy, positive_factor());
  s.defense = t.number("defense", s.defense, Range::half_open(0.0, 1.0));
  s.detection_rate = t.number("detection_rate", s.detection_rate, rate());
  s.detection_window_days = t.number("detection_window_days", s.detection_window_days, mean_days());
  s.attribution_days = t.number("attribution_days", s.attribution_days, mean_days());
  s.attribution_shape =
      t.number("attribution_shape", s.attribution_shape, Range::closed(1e-3, max_factor));
  s.attribution_accuracy =
      t.number("attribution_accuracy", s.attribution_accuracy, Range::probability());
  s.resolve = t.number("resolve", s.resolve, value());
  s.naming_aversion = t.number("naming_aversion", s.naming_aversion, factor());
  s.hardening = t.number("hardening", s.hardening, factor());
  s.workforce = t.number("workforce", s.workforce, pseudo_count());
  s.in_house_share = t.number("in_house_share", s.in_house_share, Range::open_closed(0.0, 1.0));
  s.board_engagement = t.number("board_engagement", s.board_engagement, Range::probability());
  s.resilience = t.number("resilience", s.resilience, Range::closed(0.0, max_resilience));
  s.recovery_days = t.number("recovery_days", s.recovery_days, mean_days());
  s.targetable = t.boolean("targetable", s.targetable);
  DoctrinePlaces places;
  if (auto d = t.table("doctrine")) read_doctrine(*d, s.doctrine, places);
  read_relation(t, "alignment", sc_.alignment, index);
  read_relation(t, "dependence", sc_.dependence, index);
  t.finish();
  check_doctrine(t, s, places);
}

void Loader::read_doctrine(Reader& d, Doctrine& doctrine, DoctrinePlaces& places) {
  doctrine.sanction_days = d.number("sanction_days", doctrine.sanction_days, mean_days());
  doctrine.noise = d.number("noise", doctrine.noise, value());
  doctrine.evidence = d.number("evidence", doctrine.evidence, Range::probability());
  for (std::size_t i = 0; i < public_rungs.size(); ++i) {
    if (auto r = d.table(to_string(public_rungs[i]))) {
      RungPolicy& p = doctrine.rung(public_rungs[i]);
      p.enabled = r->boolean("enabled", p.enabled);
      p.threshold = r->number("threshold", p.threshold, value());
      r->finish();
      places.rungs[i] = std::move(*r);
    }
  }
  d.finish();
}

void Loader::check_doctrine(Reader& state, const State& s, const DoctrinePlaces& places) {
  const auto chain = threshold_chain(s.resolve, s.doctrine);
  const auto broken = first_disorder(chain);
  if (!broken) return;
  const std::size_t lo = *broken;
  const std::size_t hi = lo + 1;
  // Blame the threshold the user wrote: the upper one if written, else the lower one.
  const auto written = [&](std::size_t i) {
    return i == 0 ? state.has("resolve")
                  : places.rungs[i - 1].has_value() && places.rungs[i - 1]->has("threshold");
  };
  const auto describe = [&](std::size_t i) {
    return rung_name(i) + " = " + show(chain[i]) + (written(i) ? "" : " (default)");
  };
  const std::string message =
      std::string(ordering_rule) + ", but " + describe(lo) + " > " + describe(hi);
  for (const std::size_t i : {hi, lo}) {
    if (!written(i)) continue;
    if (i == 0) state.fail("resolve", message);
    places.rungs[i - 1]->fail("threshold", message);
  }
  state.fail_table(message);
}

void Loader::read_relation(Reader& state, const char* key, Eigen::MatrixXd& matrix,
                           std::size_t row) {
  auto t = state.table(key);
  if (!t) return;
  for (const auto& other : t->keys()) {
    const auto column = find_name(state_names_, other);
    if (!column) t->fail(other, unknown_name("state", "states", other, state_names_));
    if (*column == row) {
      t->fail(other, std::string("a state's ") + key +
                         " with itself is not a parameter (the diagonal is 0): name other "
                         "states only");
    }
    matrix(static_cast<Eigen::Index>(row), static_cast<Eigen::Index>(*column)) =
        t->number(other, 0.0, Range::probability());
  }
  t->finish();
}

void Loader::read_communities() {
  for (auto& [name, t] : root_.named_tables("communities")) {
    check_name(t, name);
    Community c;
    c.name = name;
    const auto members = t.string_array("members");
    c.detection_factor = t.number("detection_factor", c.detection_factor, multiplier());
    c.accuracy_factor = t.number("accuracy_factor", c.accuracy_factor, multiplier());
    t.finish();
    if (!t.has("members"))
      t.fail("members", "missing required key (the member states, e.g. [\"Japan\"])");
    for (std::size_t i = 0; i < members.size(); ++i) {
      const std::size_t s = state_item(t, "members", i, members[i]);
      if (std::find(c.members.begin(), c.members.end(), s) != c.members.end()) {
        t.fail_item("members", i, "'" + members[i] + "' is listed twice");
      }
      c.members.push_back(s);
    }
    for (const std::size_t member : c.members) {
      double detection = c.detection_factor, accuracy = c.accuracy_factor;
      for (const Community& other : sc_.communities) {
        if (std::find(other.members.begin(), other.members.end(), member) == other.members.end())
          continue;
        detection *= other.detection_factor;
        accuracy *= other.accuracy_factor;
      }
      const std::string whose = "the communities of '" + sc_.states[member].name + "'";
      check_product(t, "detection_factor", detection, "the detection factors of " + whose);
      check_product(t, "accuracy_factor", accuracy, "the accuracy factors of " + whose);
    }
    sc_.communities.push_back(std::move(c));
    community_names_.push_back(name);
    community_tables_.push_back(t);
  }
}

void Loader::read_attackers() {
  if (!root_.has("attackers")) {
    root_.fail("attackers",
               "missing required table [attackers]: a scenario needs at least one attacker");
  }
  auto tables = root_.named_tables("attackers");
  if (tables.empty())
    root_.fail("attackers", "at least one attacker is required ([attackers.NAME])");
  sc_.attackers.resize(tables.size());
  for (std::size_t i = 0; i < tables.size(); ++i) {
    check_name(tables[i].second, tables[i].first);
    sc_.attackers[i].name = tables[i].first;
    read_attacker(tables[i].second, sc_.attackers[i]);
  }
}

void Loader::read_attacker(Reader& t, Attacker& a) {
  const std::string kind =
      t.choice("kind", "criminal", {"state_sponsored", "criminal", "hacktivist"});
  a.kind = kind == "state_sponsored" ? AttackerKind::state_sponsored
           : kind == "criminal"      ? AttackerKind::criminal
                                     : AttackerKind::hacktivist;
  const std::string sponsor = t.string("sponsor", "");
  a.capability = t.number("capability", a.capability, Range::open_closed(0.0, 1.0));
  a.opportunity_rate = t.number("opportunity_rate", a.opportunity_rate, rate());
  a.gain = t.number("gain", a.gain, value());
  a.operation_cost = t.number("operation_cost", a.operation_cost, value());
  a.false_flag = t.number("false_flag", a.false_flag, Range::probability());
  a.reputation_cost = t.number("reputation_cost", a.reputation_cost, value());
  a.coalition_exponent =
      t.number("coalition_exponent", a.coalition_exponent, Range::closed(0.0, 10.0));
  a.sanction_cost = t.number("sanction_cost", a.sanction_cost, value());
  a.discount = t.number("discount", a.discount, factor());
  a.rationality = t.number("rationality", a.rationality, positive_or_inf());
  a.observe_others = t.number("observe_others", a.observe_others, Range::probability());
  a.preparation_days = t.number("preparation_days", a.preparation_days, day());
  a.silence_days = t.number("silence_days", a.silence_days, Range::closed(one_tick, max_days));
  a.disruption = t.number("disruption", a.disruption, Range::probability());
  check_events(t, "opportunity_rate", a.opportunity_rate * sc_.run.horizon_days, "opportunities");
  const auto targets = t.string_array("targets");
  auto gains = t.table("gain_by_target");
  auto weights = t.table("sector_weights");
  auto prior = t.table("prior");
  if (prior) read_prior(*prior, a.prior);
  if (auto s = t.table("scarce")) read_scarce(*s, a.scarce);
  t.finish();

  // Sponsor.
  if (t.has("sponsor")) {
    a.sponsor = state_ref(t, "sponsor", sponsor);
  } else if (a.kind == AttackerKind::state_sponsored) {
    t.fail("sponsor",
           "missing: a state_sponsored attacker needs a sponsor (the name of the "
           "state behind it)");
  }

  // Targets: as listed, or every targetable state but the sponsor.
  if (t.has("targets")) {
    if (targets.empty()) {
      t.fail("targets",
             "the list of targets is empty: name at least one state, or omit "
             "'targets' for every targetable state");
    }
    for (std::size_t i = 0; i < targets.size(); ++i) {
      const std::size_t s = state_item(t, "targets", i, targets[i]);
      if (std::find(a.targets.begin(), a.targets.end(), s) != a.targets.end()) {
        t.fail_item("targets", i, "'" + targets[i] + "' is listed twice");
      }
      if (a.sponsor == s) {
        t.fail_item("targets", i, "'" + targets[i] + "' is the attacker's own sponsor");
      }
      if (!sc_.states[s].targetable) {
        t.fail_item("targets", i, "'" + targets[i] + "' has targetable = false");
      }
      a.targets.push_back(s);
    }
  } else {
    for (std::size_t s = 0; s < sc_.states.size(); ++s) {
      if (sc_.states[s].targetable && a.sponsor != s) a.targets.push_back(s);
    }
    if (a.targets.empty()) {
      t.fail("targets",
             "the attacker has no possible target: every state other than its "
             "sponsor has targetable = false");
    }
  }

  // Gains per target.
  a.gain_by_target.assign(sc_.states.size(), a.gain);
  if (gains) {
    for (const auto& name : gains->keys()) {
      const std::size_t s = state_ref(*gains, name, name);
      // Gains against other non-targets are kept (a sweep may narrow `targets`), but the
      // sponsor is never a target.
      if (a.sponsor == s) gains->fail(name, "'" + name + "' is the attacker's own sponsor");
      a.gain_by_target[s] = gains->number(name, a.gain, value());
    }
    gains->finish();
  }

  // Sector weights: relative; equal if not given, 0 for sectors a given table omits.
  if (weights) {
    a.sector_weights.assign(sc_.sectors.size(), 0.0);
    double total = 0.0;
    for (const auto& name : weights->keys()) {
      const auto k = find_name(sector_names_, name);
      if (!k) weights->fail(name, unknown_name("sector", "sectors", name, sector_names_));
      a.sector_weights[*k] = weights->number(name, 0.0, factor());
      total += a.sector_weights[*k];
    }
    weights->finish();
    if (!(total > 0.0)) {
      t.fail("sector_weights",
             "the sector weights must have a positive sum (omit the table "
             "for equal weights)");
    }
  } else {
    a.sector_weights.assign(sc_.sectors.size(), 1.0);
  }

  // Beliefs about coalitions cannot exceed the number of states that could sign.
  if (prior && a.prior.coalition_size > static_cast<double>(sc_.states.size())) {
    prior->fail("coalition_size", "the prior mean coalition size (" + show(a.prior.coalition_size) +
                                      ") exceeds the number of states (" +
                                      std::to_string(sc_.states.size()) + ")");
  }
}

void Loader::read_prior(Reader& p, Prior& prior) {
  prior.attributed = p.number("attributed", prior.attributed, pseudo_count());
  prior.not_attributed = p.number("not_attributed", prior.not_attributed, pseudo_count());
  if (p.has("rungs")) {
    const auto rungs = p.number_array("rungs", pseudo_count());
    if (rungs.size() != rung_count) {
      p.fail("rungs",
             "expected exactly 4 numbers > 0 (pseudo-counts of none, attribute, "
             "coordinate, sanction), got " +
                 std::to_string(rungs.size()));
    }
    std::copy(rungs.begin(), rungs.end(), prior.rungs.begin());
  } else {
    p.number_array("rungs", pseudo_count());  // marks the key as known
  }
  prior.coalition_size = p.number("coalition_size", prior.coalition_size, multiplier());
  prior.delay_days = p.number("delay_days", prior.delay_days, day());
  prior.sanction_weight = p.number("sanction_weight", prior.sanction_weight, factor());
  prior.weight = p.number("weight", prior.weight, pseudo_count());
  p.finish();
}

void Loader::read_scarce(Reader& s, Scarce& scarce) {
  constexpr std::int64_t max_capabilities = 1'000'000;  // [M]: each held one decays on its own
  scarce.enabled = s.boolean("enabled", true);          // writing the table switches it on
  scarce.stock = static_cast<std::uint32_t>(s.integer("stock", scarce.stock, 0, max_capabilities));
  scarce.max_stock =
      static_cast<std::uint32_t>(s.integer("max_stock", scarce.max_stock, 1, max_capabilities));
  scarce.stealth = s.number("stealth", scarce.stealth, Range::probability());
  scarce.persistence = s.number("persistence", scarce.persistence, Range::probability());
  scarce.arrival_rate = s.number("arrival_rate", scarce.arrival_rate, rate_or_zero());
  scarce.period_days = s.number("period_days", scarce.period_days, period());
  scarce.threshold = s.optional_number("threshold", value());
  s.finish();
  check_events(s, "arrival_rate", scarce.arrival_rate * sc_.run.horizon_days,
               "capability arrivals");
  check_events(s, "period_days",
               static_cast<double>(scarce.max_stock) * sc_.run.horizon_days / scarce.period_days,
               "capability survival draws (max_stock x horizon_days / period_days)");
  if (scarce.stock > scarce.max_stock) {
    s.fail(s.has("stock") ? "stock" : "max_stock", "stock (" + std::to_string(scarce.stock) +
                                                       ") must be at most max_stock (" +
                                                       std::to_string(scarce.max_stock) + ")");
  }
  if (scarce.enabled && scarce.stock == 0 && scarce.arrival_rate == 0.0) {
    s.fail("stock",
           "the attacker starts with no capability and never receives one "
           "(arrival_rate = 0): it could never act");
  }
}

void Loader::read_programs() {
  for (auto& t : root_.table_array("programs")) {
    Program p;
    p.name = t.string("name", "");
    if (!t.has("kind")) {
      t.fail("kind",
             "missing: one of \"training\", \"investment\", \"exercise\", "
             "\"capacity_building\", \"information_sharing\"");
    }
    const std::string kind = t.choice(
        "kind", "",
        {"training", "investment", "exercise", "capacity_building", "information_sharing"});
    p.kind = kind == "training"            ? ProgramKind::training
             : kind == "investment"        ? ProgramKind::investment
             : kind == "exercise"          ? ProgramKind::exercise
             : kind == "capacity_building" ? ProgramKind::capacity_building
                                           : ProgramKind::information_sharing;
    if (!t.has("owner")) t.fail("owner", "missing: the state that runs the program");
    p.owner = state_ref(t, "owner", t.string("owner", ""));
    const std::string beneficiary = t.string("beneficiary", "");
    p.beneficiary = t.has("beneficiary") ? state_ref(t, "beneficiary", beneficiary) : p.owner;
    p.start_day = t.number("start_day", p.start_day, day());
    const auto end_day = t.optional_number("end_day", day_or_inf());
    p.rate = t.number("rate", p.rate, Range::closed(0.0, max_factor));
    p.multiplicative =
        t.choice("mode", "multiplicative", {"multiplicative", "additive"}) == "multiplicative";
    p.bound = t.optional_number("bound", pseudo_count());
    p.detection_multiplier = t.number("detection_multiplier", p.detection_multiplier, multiplier());
    p.detection_bound = t.number("detection_bound", p.detection_bound, multiplier());
    p.resilience = t.number("resilience", p.resilience, Range::closed(0.0, max_resilience));
    p.retained = t.number("retained", p.retained, Range::probability());
    p.retention_days = t.number("retention_days", p.retention_days, mean_days());
    p.cost_per_year = t.number("cost_per_year", p.cost_per_year, value());
    const std::string community = t.string("community", "");
    // A key that the program's kind ignores is a misunderstanding worth naming.
    const bool grows = p.kind == ProgramKind::training || p.kind == ProgramKind::investment ||
                       p.kind == ProgramKind::capacity_building;
    for (const char* key : {"rate", "mode", "bound"}) {
      if (!grows && t.has(key)) {
        t.fail(key,
               "applies only to programs of kind \"training\", \"investment\" and "
               "\"capacity_building\" (an " +
                   kind + " program does not grow a parameter)");
      }
    }
    if (p.kind != ProgramKind::exercise && t.has("detection_multiplier")) {
      t.fail("detection_multiplier", "applies only to programs of kind \"exercise\"");
    }
    if (p.kind != ProgramKind::capacity_building && t.has("detection_bound")) {
      t.fail("detection_bound", "applies only to programs of kind \"capacity_building\"");
    }
    for (const char* key : {"retained", "retention_days"}) {
      if (t.has(key) && !t.has("resilience")) {
        t.fail(key, "describes what a program's `resilience` leaves behind; give `resilience`");
      }
    }
    if (p.kind != ProgramKind::information_sharing && t.has("community")) {
      t.fail("community", "applies only to programs of kind \"information_sharing\"");
    }
    t.finish();

    if (p.kind == ProgramKind::capacity_building) {
      if (!t.has("beneficiary"))
        t.fail("beneficiary", "missing: capacity building needs the partner state it benefits");
      if (p.beneficiary == p.owner)
        t.fail("beneficiary",
               "must differ from the owner: capacity building benefits another state");
    }
    if (p.kind == ProgramKind::information_sharing) {
      if (!t.has("community")) t.fail("community", "missing: the community the beneficiary joins");
      const auto c = find_name(community_names_, community);
      if (!c)
        t.fail("community", unknown_name("community", "communities", community, community_names_));
      p.community = *c;
      const auto& members = sc_.communities[*c].members;
      if (std::find(members.begin(), members.end(), p.beneficiary) != members.end()) {
        t.fail("community", "'" + sc_.states[p.beneficiary].name + "' is already a member of '" +
                                community + "': the program would change nothing");
      }
    }
    if (end_day) {
      if (!(*end_day > p.start_day)) {
        t.fail("end_day", "end_day (" + show(*end_day) + ") must be after start_day (" +
                              show(p.start_day) + ")");
      }
      p.end_day = *end_day;
    } else if (p.kind == ProgramKind::exercise) {
      p.end_day = p.start_day + sc_.calibration.exercise_window_days;
    }
    // The bound caps the grown parameter, so a bound at or below its starting value
    // would never raise it (and would cut it down to the bound).
    const State& b = sc_.states[p.beneficiary];
    if (p.kind == ProgramKind::investment || p.kind == ProgramKind::capacity_building) {
      if (p.bound && !(*p.bound < 1.0)) {
        t.fail("bound", "expected a number in (0, 1) for a program that raises defense, got " +
                            show(*p.bound));
      }
      const double bound = p.bound.value_or(default_defense_bound);
      if (!(bound > b.defense)) {
        t.fail("bound", "bound (" + show(bound) + (p.bound ? "" : ", the default") +
                            ") must exceed the defense of '" + b.name + "' (" + show(b.defense) +
                            "): the program could never raise it");
      }
    }
    if (p.kind == ProgramKind::training && p.bound && !(*p.bound > b.workforce)) {
      t.fail("bound", "bound (" + show(*p.bound) + ") must exceed the workforce of '" + b.name +
                          "' (" + show(b.workforce) + "): the program could never raise it");
    }
    // What a growing program reaches by the horizon must stay within the ranges of the
    // quantity it grows (a ceiling, if it has one, caps the growth).
    const double active_years =
        std::max(0.0, std::min(p.end_day, sc_.run.horizon_days) - p.start_day) / 365.25;
    const double growth = std::exp(active_years * std::log1p(p.rate));
    if (p.kind == ProgramKind::training && !p.bound) {
      // Together with the beneficiary's other unbounded training programs.
      double multiplied = p.multiplicative ? growth : 1.0;
      double added = p.multiplicative ? 0.0 : p.rate * active_years;
      for (const Program& other : sc_.programs) {
        if (other.kind != ProgramKind::training || other.bound ||
            other.beneficiary != p.beneficiary) {
          continue;
        }
        const double years =
            std::max(0.0, std::min(other.end_day, sc_.run.horizon_days) - other.start_day) / 365.25;
        if (other.multiplicative) {
          multiplied *= std::exp(years * std::log1p(other.rate));
        } else {
          added += other.rate * years;
        }
      }
      const double reached = b.workforce * multiplied + added;
      if (!(reached <= max_count)) {
        t.fail("rate", "grows the workforce of '" + b.name + "' from " + show(b.workforce) +
                           " to " + show(reached) + " by the horizon (with its other training " +
                           "programs without bound), more than " + show(max_count) +
                           ": give a `bound` or a lower rate");
      }
    }
    sc_.programs.push_back(std::move(p));
  }

  // A community may start empty only if an information_sharing program brings members.
  for (std::size_t c = 0; c < sc_.communities.size(); ++c) {
    if (!sc_.communities[c].members.empty()) continue;
    const bool joined = std::any_of(sc_.programs.begin(), sc_.programs.end(),
                                    [&](const Program& p) { return p.community == c; });
    if (!joined) {
      community_tables_[c].fail("members",
                                "a community needs at least one member state, or an "
                                "information_sharing program that brings one");
    }
  }
}

void Loader::read_mega_events() {
  for (auto& t : root_.table_array("mega_events")) {
    MegaEvent e;
    e.name = t.string("name", "");
    if (!t.has("host")) t.fail("host", "missing: the state that hosts the event");
    e.host = state_ref(t, "host", t.string("host", ""));
    if (!t.has("start_day")) t.fail("start_day", "missing: the first day of the event");
    e.start_day = t.number("start_day", e.start_day, day());
    if (!t.has("end_day")) t.fail("end_day", "missing: the last day of the event");
    e.end_day = t.number("end_day", e.end_day, day());
    e.value_multiplier = t.number("value_multiplier", e.value_multiplier, multiplier());
    t.finish();
    if (e.end_day < e.start_day) {
      t.fail("end_day", "end_day (" + show(e.end_day) + ") must not be before start_day (" +
                            show(e.start_day) + ")");
    }
    double product = e.value_multiplier;
    for (const MegaEvent& other : sc_.mega_events) {
      if (other.host == e.host) product *= other.value_multiplier;
    }
    check_product(t, "value_multiplier", product,
                  "the mega-events of '" + sc_.states[e.host].name + "' (if they overlap)");
    sc_.mega_events.push_back(std::move(e));
  }
}

void Loader::read_policy_changes() {
  auto tables = root_.table_array("policy_changes");
  for (auto& t : tables) {
    PolicyChange c;
    if (!t.has("day")) t.fail("day", "missing: the day the change takes effect");
    c.day = t.number("day", c.day, day());
    if (!t.has("state")) t.fail("state", "missing: the state whose doctrine changes");
    c.state = state_ref(t, "state", t.string("state", ""));
    if (!t.has("rung"))
      t.fail("rung", "missing: one of \"attribute\", \"coordinate\", \"sanction\"");
    const std::string rung = t.choice("rung", "", {"attribute", "coordinate", "sanction"});
    c.rung = rung == "attribute"    ? Rung::attribute
             : rung == "coordinate" ? Rung::coordinate
                                    : Rung::sanction;
    const bool enabled = t.boolean("enabled", false);
    if (t.has("enabled")) c.enabled = enabled;
    c.threshold = t.optional_number("threshold", value());
    t.finish();
    if (!c.enabled && !c.threshold) {
      t.fail_table("a policy change must set 'enabled', 'threshold' or both");
    }
    sc_.policy_changes.push_back(c);
  }

  // Replay the changes in day order (file order within a day); after each day every
  // changed doctrine must still be ordered. Changes of one day count as simultaneous, so
  // lowering two thresholds together works in either order.
  std::vector<std::size_t> order(sc_.policy_changes.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return sc_.policy_changes[a].day < sc_.policy_changes[b].day;
  });
  std::vector<Doctrine> doctrines;
  for (const auto& s : sc_.states) doctrines.push_back(s.doctrine);
  for (std::size_t first = 0; first < order.size();) {
    std::size_t last = first;
    while (last < order.size() &&
           sc_.policy_changes[order[last]].day == sc_.policy_changes[order[first]].day) {
      const auto& c = sc_.policy_changes[order[last]];
      RungPolicy& p = doctrines[c.state].rung(c.rung);
      if (c.enabled) p.enabled = *c.enabled;
      if (c.threshold) p.threshold = *c.threshold;
      ++last;
    }
    for (std::size_t k = first; k < last; ++k) {
      const auto& c = sc_.policy_changes[order[k]];
      const auto chain = threshold_chain(sc_.states[c.state].resolve, doctrines[c.state]);
      const auto broken = first_disorder(chain);
      if (!broken) continue;
      // Blame the last change of the day that moved one of the two thresholds.
      std::size_t blamed = order[k];
      bool found = false;
      for (const std::size_t level : {*broken + 1, *broken}) {
        if (level == 0) continue;
        for (std::size_t j = last; j-- > first && !found;) {
          const auto& other = sc_.policy_changes[order[j]];
          if (other.state == c.state && other.threshold && other.rung == public_rungs[level - 1]) {
            blamed = order[j];
            found = true;
          }
        }
        if (found) break;
      }
      tables[blamed].fail("threshold", "after the policy changes of day " + show(c.day) +
                                           ", the doctrine of '" + sc_.states[c.state].name +
                                           "' is no longer ordered: " + rung_name(*broken) + " = " +
                                           show(chain[*broken]) + " > " + rung_name(*broken + 1) +
                                           " = " + show(chain[*broken + 1]) + " (" + ordering_rule +
                                           ")");
    }
    first = last;
  }
}

void Loader::read_scheduled() {
  std::vector<std::string> attacker_names;
  for (const auto& a : sc_.attackers) attacker_names.push_back(a.name);
  const auto attacker_ref = [&](Reader& t, std::string_view key) {
    const std::string name = t.string(key, "");
    const auto i = find_name(attacker_names, name);
    if (!i) t.fail(key, unknown_name("attacker", "attackers", name, attacker_names));
    return *i;
  };
  for (auto& t : root_.table_array("scheduled")) {
    ScheduledEvent e;
    e.name = t.string("name", "");
    e.enabled = t.boolean("enabled", e.enabled);
    if (!t.has("state")) t.fail("state", "missing: the state that acts");
    e.state = state_ref(t, "state", t.string("state", ""));
    if (!t.has("action")) {
      t.fail("action",
             "missing: one of \"attribute\", \"coordinate\", \"sanction\", \"disclose\", "
             "\"policy\"");
    }
    const std::string action =
        t.choice("action", "", {"attribute", "coordinate", "sanction", "disclose", "policy"});
    e.action = action == "attribute"    ? ScheduledAction::attribute
               : action == "coordinate" ? ScheduledAction::coordinate
               : action == "sanction"   ? ScheduledAction::sanction
               : action == "disclose"   ? ScheduledAction::disclose
                                        : ScheduledAction::policy;
    // When: a day, or the first detection or judgement of the target's operations.
    if (t.has("day") == t.has("on")) {
      t.fail(t.has("day") ? "on" : "day",
             "give either `day` (when it happens) or `on` = \"detected\" or \"attributed\" (the "
             "first such operation of `target` triggers it), not both and not neither");
    }
    if (t.has("day")) {
      e.day = t.number("day", e.day, day());
    } else {
      const std::string on = t.choice("on", "detected", {"detected", "attributed"});
      e.trigger = on == "detected" ? ScheduledTrigger::detected : ScheduledTrigger::attributed;
      if (t.has("victim")) e.victim = state_ref(t, "victim", t.string("victim", ""));
      e.after_day = t.number("after_day", e.after_day, day());
    }
    if (e.trigger == ScheduledTrigger::day) {
      for (const char* key : {"victim", "after_day"}) {
        if (t.has(key)) t.fail(key, "applies only to an event triggered `on` an operation");
      }
    }
    e.delay_days = t.number("delay_days", e.delay_days, day());
    const bool names = e.action != ScheduledAction::policy;
    if (t.has("target")) {
      e.target = attacker_ref(t, "target");
    } else if (names || e.trigger != ScheduledTrigger::day) {
      t.fail("target", names ? "missing: the attacker the act is about"
                             : "missing: the attacker whose operation triggers the change");
    }
    if (!names && e.trigger == ScheduledTrigger::day && t.has("target")) {
      t.fail("target", "a policy change on a day names no attacker");
    }
    if (t.has("signers")) {
      if (e.action != ScheduledAction::coordinate && e.action != ScheduledAction::sanction) {
        t.fail("signers", "applies only to `action` = \"coordinate\" or \"sanction\"");
      }
      const auto signers = t.string_array("signers");
      for (std::size_t k = 0; k < signers.size(); ++k) {
        const std::size_t signer = state_item(t, "signers", k, signers[k]);
        if (signer == e.state) t.fail_item("signers", k, "the acting state signs already");
        if (signer == sc_.attackers[*e.target].sponsor) {
          t.fail_item("signers", k, "'" + signers[k] + "' sponsors the target");
        }
        if (std::find(e.signers.begin(), e.signers.end(), signer) != e.signers.end()) {
          t.fail_item("signers", k, "'" + signers[k] + "' is listed twice");
        }
        e.signers.push_back(signer);
      }
    }
    // The statement's content (docs/model.md §7.5): who names the target in words of its
    // own instead of co-signing, and how much evidence is released.
    const bool statement =
        e.action == ScheduledAction::coordinate || e.action == ScheduledAction::sanction;
    if (t.has("separate")) {
      if (!statement)
        t.fail("separate", "applies only to `action` = \"coordinate\" or \"sanction\"");
      const auto separate = t.string_array("separate");
      for (std::size_t k = 0; k < separate.size(); ++k) {
        const std::size_t who = state_item(t, "separate", k, separate[k]);
        if (who == e.state) t.fail_item("separate", k, "the acting state signs the statement");
        if (who == sc_.attackers[*e.target].sponsor) {
          t.fail_item("separate", k, "'" + separate[k] + "' sponsors the target");
        }
        if (std::find(e.signers.begin(), e.signers.end(), who) != e.signers.end()) {
          t.fail_item("separate", k, "'" + separate[k] + "' co-signs already (in `signers`)");
        }
        if (std::find(e.separate.begin(), e.separate.end(), who) != e.separate.end()) {
          t.fail_item("separate", k, "'" + separate[k] + "' is listed twice");
        }
        e.separate.push_back(who);
      }
    }
    if (t.has("evidence")) {
      if (e.action == ScheduledAction::disclose || e.action == ScheduledAction::policy) {
        t.fail("evidence",
               "applies only to a public act: `action` = \"attribute\", "
               "\"coordinate\" or \"sanction\"");
      }
      e.evidence = t.number("evidence", e.evidence, Range::probability());
    }
    if (names && e.target && sc_.attackers[*e.target].sponsor == e.state) {
      t.fail("state",
             "'" + sc_.states[e.state].name + "' sponsors '" + sc_.attackers[*e.target].name + "'");
    }
    const bool disclose = e.action == ScheduledAction::disclose;
    e.capability_loss = t.number("capability_loss", e.capability_loss, Range::probability());
    e.duration_days = t.number("duration_days", e.duration_days, mean_days());
    for (const char* key : {"capability_loss", "duration_days"}) {
      if (!disclose && t.has(key)) t.fail(key, "applies only to `action` = \"disclose\"");
    }
    const bool policy = e.action == ScheduledAction::policy;
    if (t.has("rung")) {
      const std::string rung = t.choice("rung", "", {"attribute", "coordinate", "sanction"});
      e.rung = rung == "attribute"    ? Rung::attribute
               : rung == "coordinate" ? Rung::coordinate
                                      : Rung::sanction;
    }
    if (t.has("rung_enabled")) e.rung_enabled = t.boolean("rung_enabled", false);
    e.threshold = t.optional_number("threshold", value());
    for (const char* key : {"rung", "rung_enabled", "threshold"}) {
      if (!policy && t.has(key)) t.fail(key, "applies only to `action` = \"policy\"");
    }
    t.finish();
    if (policy) {
      if (!t.has("rung")) t.fail("rung", "missing: the rung of the doctrine it changes");
      if (!e.rung_enabled && !e.threshold) {
        t.fail_table("a policy change must set `rung_enabled`, `threshold` or both");
      }
      // It may happen at any time: the doctrine must stay ordered whatever the scenario's
      // policy changes have done by then.
      Doctrine doctrine = sc_.states[e.state].doctrine;
      std::vector<const PolicyChange*> changes;
      for (const auto& c : sc_.policy_changes) {
        if (c.state == e.state) changes.push_back(&c);
      }
      std::stable_sort(changes.begin(), changes.end(),
                       [](const auto* a, const auto* b) { return a->day < b->day; });
      for (std::size_t k = 0; k <= changes.size(); ++k) {
        Doctrine changed = doctrine;
        RungPolicy& p = changed.rung(e.rung);
        if (e.rung_enabled) p.enabled = *e.rung_enabled;
        if (e.threshold) p.threshold = *e.threshold;
        const auto chain = threshold_chain(sc_.states[e.state].resolve, changed);
        if (const auto broken = first_disorder(chain)) {
          t.fail(
              "threshold",
              std::string("the doctrine of '") + sc_.states[e.state].name +
                  "' would no longer be ordered" +
                  (k == 0 ? "" : " after the policy changes of day " + show(changes[k - 1]->day)) +
                  ": " + rung_name(*broken) + " = " + show(chain[*broken]) + " > " +
                  rung_name(*broken + 1) + " = " + show(chain[*broken + 1]) + " (" + ordering_rule +
                  ")");
        }
        if (k < changes.size()) {
          RungPolicy& q = doctrine.rung(changes[k]->rung);
          if (changes[k]->enabled) q.enabled = *changes[k]->enabled;
          if (changes[k]->threshold) q.threshold = *changes[k]->threshold;
        }
      }
    }
    sc_.scheduled.push_back(std::move(e));
  }
}

// The fixed sub-tables an override may create along its path (e.g. [states.Japan.doctrine.
// sanction] for "states.Japan.doctrine.sanction.enabled=true"), so that every parameter
// path of docs/scenario-reference.md can be overridden whether or not the file wrote its
// table. Named entries (states.NAME...) are never created: a misspelt name stays an error.
bool creatable(const std::vector<std::string>& path, std::size_t depth) {
  const std::string& last = path[depth];
  if (depth == 0) return last == "run" || last == "calibration";
  if (depth == 2 && path[0] == "states") {
    return last == "doctrine" || last == "alignment" || last == "dependence";
  }
  if (depth == 3 && path[0] == "states" && path[2] == "doctrine") {
    return last == "attribute" || last == "coordinate" || last == "sanction";
  }
  if (depth == 2 && path[0] == "attackers") {
    return last == "prior" || last == "scarce" || last == "gain_by_target" ||
           last == "sector_weights";
  }
  return false;
}

// Applies `overrides` to `doc` (logging them in `log`, if any) and loads it; the scenario's
// text is `text`, the file as read.
Scenario load_document(Document& doc, const std::vector<std::string>& overrides,
                       detail::OverrideLog* log, std::string text) {
  for (const auto& o : overrides) detail::apply_override_creating(doc, o, creatable, log);
  Loader loader(doc);
  Scenario sc = loader.load();
  sc.text = std::move(text);
  return sc;
}

// ---- resolved_toml ------------------------------------------------------------------

class Writer {
 public:
  void table(const std::string& header) { os_ << "\n[" << header << "]\n"; }
  void array_table(const std::string& header) { os_ << "\n[[" << header << "]]\n"; }
  void number(std::string_view key, double v) { line(key, detail::toml_number(v)); }
  void integer(std::string_view key, std::uint64_t v) { line(key, std::to_string(v)); }
  void boolean(std::string_view key, bool v) { line(key, v ? "true" : "false"); }
  void string(std::string_view key, std::string_view v) { line(key, detail::toml_string(v)); }
  void line(std::string_view key, const std::string& value) {
    os_ << detail::toml_key(key) << " = " << value << "\n";
  }
  void comment(const std::string& text) { os_ << "# " << text << "\n"; }
  std::string str() const { return os_.str(); }

 private:
  std::ostringstream os_;
};

std::string name_list(const Scenario& sc, const std::vector<std::size_t>& states) {
  std::string out = "[";
  for (std::size_t i = 0; i < states.size(); ++i) {
    out += (i == 0 ? "" : ", ") + detail::toml_string(sc.states[states[i]].name);
  }
  return out + "]";
}

}  // namespace

Scenario load_scenario(const std::string& path, const std::vector<std::string>& overrides) {
  Document doc = detail::parse_file(path);
  return load_document(doc, overrides, nullptr, std::move(doc.text));
}

Scenario load_scenario_text(std::string text, std::string path,
                            const std::vector<std::string>& overrides) {
  Document doc = detail::parse_text(std::move(text), std::move(path));
  return load_document(doc, overrides, nullptr, std::move(doc.text));
}

// The base document, and working copies of it that loads borrow: a load applies its
// overrides to a copy, loads it and undoes the overrides, so that a copy serves load after
// load and the whole document is copied once per thread rather than once per load. Copies,
// not the parsed document itself: toml++ does not copy a node's position, and a point's
// errors must be the ones a copy gives (as they were when every load copied the document).
struct ScenarioSource::Parsed {
  explicit Parsed(Document parsed) : doc(std::move(parsed)) {}
  Document doc;
  mutable std::mutex mutex;
  mutable std::vector<std::unique_ptr<Document>> spare;  // copies with no override applied

  std::unique_ptr<Document> borrow() const {
    {
      const std::lock_guard lock(mutex);
      if (!spare.empty()) {
        auto copy = std::move(spare.back());
        spare.pop_back();
        return copy;
      }
    }
    return std::make_unique<Document>(Document{doc.path, "", doc.root});  // text: not read
  }
  void give_back(std::unique_ptr<Document> copy) const {
    const std::lock_guard lock(mutex);
    spare.push_back(std::move(copy));
  }
};

ScenarioSource::ScenarioSource(std::string text, std::string path)
    : parsed_(
          std::make_shared<const Parsed>(detail::parse_text(std::move(text), std::move(path)))) {}

Scenario ScenarioSource::load(const std::vector<std::string>& overrides) const {
  Scenario sc = load_point(overrides);
  sc.text = parsed_->doc.text;
  return sc;
}

Scenario ScenarioSource::load_point(const std::vector<std::string>& overrides) const {
  std::unique_ptr<Document> copy = parsed_->borrow();
  detail::OverrideLog log;
  // Back to the spare copies whether the load succeeds or throws, if the overrides can be
  // undone (a copy whose table an override replaced is dropped).
  struct Return {
    const Parsed& parsed;
    std::unique_ptr<Document>& copy;
    detail::OverrideLog& log;
    ~Return() {
      try {
        if (log.undo()) parsed.give_back(std::move(copy));
      } catch (...) {
        // Out of memory while undoing: the copy is half restored, so it is dropped.
      }
    }
  } give_back{*parsed_, copy, log};
  return load_document(*copy, overrides, &log, "");
}

std::string resolved_toml(const Scenario& sc) {
  using detail::toml_key;
  using detail::toml_number;
  Writer w;
  w.string("model", "deterrence");
  w.string("name", sc.name);
  w.string("description", sc.description);

  w.table("run");
  w.integer("replications", sc.run.replications);
  w.integer("seed", sc.run.seed);
  w.number("horizon_days", sc.run.horizon_days);
  w.number("reporting_days", sc.run.reporting_days);
  w.integer("max_events", sc.run.max_events);
  if (sc.run.start_date.empty()) {
    w.comment("start_date: not set");
  } else {
    w.string("start_date", sc.run.start_date);
  }
  w.string("value_unit", sc.run.value_unit);

  const Calibration& m = sc.calibration;
  w.table("calibration");
  w.number("severity_sigma", m.severity_sigma);
  w.number("severity_reference", m.severity_reference);
  w.number("confidence_correct", m.confidence_correct);
  w.number("confidence_wrong", m.confidence_wrong);
  w.number("confidence_concentration", m.confidence_concentration);
  w.number("coordination_days", m.coordination_days);
  w.number("coalition_deadline_days", m.coalition_deadline_days);
  w.number("join_base", m.join_base);
  w.number("join_alignment", m.join_alignment);
  w.number("join_confidence", m.join_confidence);
  w.number("join_dependence", m.join_dependence);
  w.number("split_discount", m.split_discount);
  w.number("evidence_weight", m.evidence_weight);
  w.number("signer_weight_share", m.signer_weight_share);
  w.number("workforce_reference", m.workforce_reference);
  w.number("workforce_elasticity", m.workforce_elasticity);
  w.number("outsourced_discount", m.outsourced_discount);
  w.boolean("learn_quiet_hardening", m.learn_quiet_hardening);
  w.number("exercise_window_days", m.exercise_window_days);

  for (const auto& s : sc.sectors) {
    w.table("sectors." + toml_key(s.name));
    w.number("value_multiplier", s.value_multiplier);
  }

  for (std::size_t i = 0; i < sc.states.size(); ++i) {
    const State& s = sc.states[i];
    const std::string head = "states." + toml_key(s.name);
    w.table(head);
    w.number("economy", s.economy);
    w.number("defense", s.defense);
    w.number("detection_rate", s.detection_rate);
    w.number("detection_window_days", s.detection_window_days);
    w.number("attribution_days", s.attribution_days);
    w.number("attribution_shape", s.attribution_shape);
    w.number("attribution_accuracy", s.attribution_accuracy);
    w.number("resolve", s.resolve);
    w.number("naming_aversion", s.naming_aversion);
    w.number("hardening", s.hardening);
    w.number("workforce", s.workforce);
    w.number("in_house_share", s.in_house_share);
    w.number("board_engagement", s.board_engagement);
    w.number("resilience", s.resilience);
    w.number("recovery_days", s.recovery_days);
    w.boolean("targetable", s.targetable);
    w.table(head + ".doctrine");
    w.number("sanction_days", s.doctrine.sanction_days);
    w.number("noise", s.doctrine.noise);
    w.number("evidence", s.doctrine.evidence);
    for (const Rung r : public_rungs) {
      w.table(head + ".doctrine." + std::string(to_string(r)));
      w.boolean("enabled", s.doctrine.rung(r).enabled);
      w.number("threshold", s.doctrine.rung(r).threshold);
    }
    const std::pair<const char*, const Eigen::MatrixXd*> relations[] = {
        {"alignment", &sc.alignment}, {"dependence", &sc.dependence}};
    for (const auto& [key, matrix] : relations) {
      w.table(head + "." + key);
      for (std::size_t j = 0; j < sc.states.size(); ++j) {
        if (j == i) continue;
        w.number(sc.states[j].name,
                 (*matrix)(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)));
      }
    }
  }

  for (const auto& c : sc.communities) {
    w.table("communities." + toml_key(c.name));
    w.line("members", name_list(sc, c.members));
    w.number("detection_factor", c.detection_factor);
    w.number("accuracy_factor", c.accuracy_factor);
  }

  for (const auto& a : sc.attackers) {
    const std::string head = "attackers." + toml_key(a.name);
    w.table(head);
    w.string("kind", to_string(a.kind));
    if (a.sponsor) w.string("sponsor", sc.states[*a.sponsor].name);
    w.number("capability", a.capability);
    w.number("opportunity_rate", a.opportunity_rate);
    w.number("gain", a.gain);
    w.number("operation_cost", a.operation_cost);
    w.number("false_flag", a.false_flag);
    w.number("reputation_cost", a.reputation_cost);
    w.number("coalition_exponent", a.coalition_exponent);
    w.number("sanction_cost", a.sanction_cost);
    w.number("discount", a.discount);
    w.number("rationality", a.rationality);
    w.number("observe_others", a.observe_others);
    w.number("preparation_days", a.preparation_days);
    w.number("silence_days", a.silence_days);
    w.number("disruption", a.disruption);
    w.line("targets", name_list(sc, a.targets));
    // Every target's gain, and the gains set for states that are not targets.
    std::string gains;
    for (std::size_t s = 0; s < sc.states.size(); ++s) {
      const bool target = std::find(a.targets.begin(), a.targets.end(), s) != a.targets.end();
      if (!target && a.gain_by_target.at(s) == a.gain) continue;
      gains += (gains.empty() ? "" : ", ") + toml_key(sc.states[s].name) + " = " +
               toml_number(a.gain_by_target.at(s));
    }
    w.line("gain_by_target", "{ " + gains + " }");
    std::string weights;
    for (std::size_t k = 0; k < sc.sectors.size(); ++k) {
      weights += (k == 0 ? "" : ", ") + toml_key(sc.sectors[k].name) + " = " +
                 toml_number(a.sector_weights.at(k));
    }
    w.line("sector_weights", "{ " + weights + " }");
    w.table(head + ".prior");
    w.number("attributed", a.prior.attributed);
    w.number("not_attributed", a.prior.not_attributed);
    std::string rungs;
    for (const double r : a.prior.rungs) rungs += (rungs.empty() ? "" : ", ") + toml_number(r);
    w.line("rungs", "[" + rungs + "]");
    w.number("coalition_size", a.prior.coalition_size);
    w.number("delay_days", a.prior.delay_days);
    w.number("sanction_weight", a.prior.sanction_weight);
    w.number("weight", a.prior.weight);
    w.table(head + ".scarce");
    w.boolean("enabled", a.scarce.enabled);
    w.integer("stock", a.scarce.stock);
    w.integer("max_stock", a.scarce.max_stock);
    w.number("stealth", a.scarce.stealth);
    w.number("persistence", a.scarce.persistence);
    w.number("arrival_rate", a.scarce.arrival_rate);
    w.number("period_days", a.scarce.period_days);
    if (a.scarce.threshold) {
      w.number("threshold", *a.scarce.threshold);
    } else {
      w.comment("threshold: not set (computed from expected stakes)");
    }
  }

  for (const auto& p : sc.programs) {
    w.array_table("programs");
    w.string("name", p.name);
    w.string("kind", to_string(p.kind));
    w.string("owner", sc.states[p.owner].name);
    w.string("beneficiary", sc.states[p.beneficiary].name);
    w.number("start_day", p.start_day);
    w.number("end_day", p.end_day);
    if (p.kind == ProgramKind::training || p.kind == ProgramKind::investment ||
        p.kind == ProgramKind::capacity_building) {
      w.number("rate", p.rate);
      w.string("mode", p.multiplicative ? "multiplicative" : "additive");
      if (p.bound) {
        w.number("bound", *p.bound);
      } else if (p.kind == ProgramKind::training) {
        w.comment("bound: not set (no ceiling)");
      } else {
        w.comment("bound: not set (0.95)");
      }
    }
    if (p.kind == ProgramKind::exercise) w.number("detection_multiplier", p.detection_multiplier);
    if (p.kind == ProgramKind::capacity_building) w.number("detection_bound", p.detection_bound);
    if (p.community) w.string("community", sc.communities[*p.community].name);
    w.number("resilience", p.resilience);
    if (p.resilience > 0.0) {
      w.number("retained", p.retained);
      w.number("retention_days", p.retention_days);
    }
    w.number("cost_per_year", p.cost_per_year);
  }

  for (const auto& e : sc.mega_events) {
    w.array_table("mega_events");
    w.string("name", e.name);
    w.string("host", sc.states[e.host].name);
    w.number("start_day", e.start_day);
    w.number("end_day", e.end_day);
    w.number("value_multiplier", e.value_multiplier);
  }

  for (const auto& c : sc.policy_changes) {
    w.array_table("policy_changes");
    w.number("day", c.day);
    w.string("state", sc.states[c.state].name);
    w.string("rung", to_string(c.rung));
    if (c.enabled) w.boolean("enabled", *c.enabled);
    if (c.threshold) w.number("threshold", *c.threshold);
  }

  for (const auto& e : sc.scheduled) {
    w.array_table("scheduled");
    w.string("name", e.name);
    w.boolean("enabled", e.enabled);
    w.string("state", sc.states[e.state].name);
    w.string("action", to_string(e.action));
    if (e.target) w.string("target", sc.attackers[*e.target].name);
    if (e.action == ScheduledAction::coordinate || e.action == ScheduledAction::sanction) {
      w.line("signers", name_list(sc, e.signers));
      w.line("separate", name_list(sc, e.separate));
    }
    if (e.action == ScheduledAction::attribute || e.action == ScheduledAction::coordinate ||
        e.action == ScheduledAction::sanction) {
      w.number("evidence", e.evidence);
    }
    if (e.trigger == ScheduledTrigger::day) {
      w.number("day", e.day);
    } else {
      w.string("on", e.trigger == ScheduledTrigger::detected ? "detected" : "attributed");
      w.string("victim", sc.states[e.victim.value_or(e.state)].name);
      w.number("after_day", e.after_day);
    }
    w.number("delay_days", e.delay_days);
    if (e.action == ScheduledAction::disclose) {
      w.number("capability_loss", e.capability_loss);
      w.number("duration_days", e.duration_days);
    }
    if (e.action == ScheduledAction::policy) {
      w.string("rung", to_string(e.rung));
      if (e.rung_enabled) w.boolean("rung_enabled", *e.rung_enabled);
      if (e.threshold) w.number("threshold", *e.threshold);
    }
  }
  return w.str();
}

}  // namespace cyberdeter::models::deterrence
