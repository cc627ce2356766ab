#include "sweep_question.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <regex>
#include <sstream>

#include "cyberdeter/models/deterrence/output.hpp"

namespace cyberdeter::models::detail {
namespace {

template <class Row>
std::vector<std::string> columns_of(const sim::h5::TableSchema<Row>& schema) {
  std::vector<std::string> out;
  for (const auto& c : schema.columns()) {
    if (c.name != "point" && c.name != "replication" && c.name != "state" && c.name != "attacker" &&
        c.name != "seed" && c.name != "fingerprint") {
      out.push_back(c.name);
    }
  }
  return out;
}

std::string listed(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

std::string suggestion(const std::string& word, const std::vector<std::string>& choices) {
  const auto close = closest_match(word, choices);
  return close ? " (did you mean '" + *close + "'?)" : "";
}

// Checks a metric name the way analysis reads it (analysis/io.py metric_spec).
void check_metric(Reader& t, const std::string& metric, const deterrence::Scenario& base) {
  if (metric.empty()) t.fail("metric", "the question needs a metric, e.g. \"launched@Japan\"");
  const auto runs = columns_of(deterrence::runs_schema());
  const auto& derived = derived_metric_names();
  const auto at = metric.find('@');
  if (at != std::string::npos) {
    const std::string column = metric.substr(0, at);
    std::string member = metric.substr(at + 1);
    std::vector<std::string> states, attackers;
    for (const auto& s : base.states) states.push_back(s.name);
    for (const auto& a : base.attackers) attackers.push_back(a.name);
    const bool state = std::find(states.begin(), states.end(), member) != states.end();
    const bool attacker = std::find(attackers.begin(), attackers.end(), member) != attackers.end();
    if (!state && !attacker) {
      std::vector<std::string> all = states;
      all.insert(all.end(), attackers.begin(), attackers.end());
      t.fail("metric", "'" + member + "' is neither a state nor an attacker of the base scenario" +
                           suggestion(member, all));
    }
    auto columns = state ? columns_of(deterrence::states_schema())
                         : columns_of(deterrence::attackers_schema());
    if (state) {
      // Counts by victim and attacker kind come from /incidents (sweep --incidents).
      for (const char* what : {"launched", "succeeded", "damage"}) {
        for (const char* kind : {"state_sponsored", "criminal", "hacktivist"}) {
          columns.push_back(std::string(what) + "_" + kind);
        }
      }
    }
    if (std::find(columns.begin(), columns.end(), column) == columns.end()) {
      t.fail("metric", "'" + column + "' is not a per-" + (state ? "state" : "attacker") +
                           " metric" + suggestion(column, columns) + "; they are " +
                           listed(columns));
    }
    return;
  }
  if (std::find(runs.begin(), runs.end(), metric) != runs.end()) return;
  if (std::find(derived.begin(), derived.end(), metric) != derived.end()) return;
  if (const auto slash = metric.find('/'); slash != std::string::npos) {
    for (const std::string& part : {metric.substr(0, slash), metric.substr(slash + 1)}) {
      if (std::find(runs.begin(), runs.end(), part) == runs.end()) {
        t.fail("metric", "'" + part + "' in '" + metric + "' is not a /runs column" +
                             suggestion(part, runs) + "; a ratio is COLUMN/COLUMN of /runs");
      }
    }
    return;
  }
  std::vector<std::string> known = runs;
  known.insert(known.end(), derived.begin(), derived.end());
  t.fail("metric", "unknown metric '" + metric + "'" + suggestion(metric, known) +
                       "; a metric is a /runs column, a derived measure, COLUMN/COLUMN, or "
                       "COLUMN@STATE and COLUMN@ATTACKER");
}

// A value of the compared parameter named by its label or its literal.
void check_value(Reader& t, std::string_view key, const std::string& value,
                 const SweepParameter& p) {
  if (!p.values.empty()) {
    const bool label = std::find(p.labels.begin(), p.labels.end(), value) != p.labels.end();
    const bool literal = std::find(p.values.begin(), p.values.end(), value) != p.values.end();
    if (!label && !literal) {
      std::vector<std::string> choices = p.labels.empty() ? p.values : p.labels;
      t.fail(key, "'" + value + "' is not a value of parameter '" + p.name + "'" +
                      suggestion(value, choices) + "; it has " + listed(choices));
    }
    return;
  }
  char* end = nullptr;
  const double v = std::strtod(value.c_str(), &end);
  if (end == value.c_str() || *end != '\0' || !(v >= p.lo && v <= p.hi)) {
    t.fail(key, "expected a number in [" + toml_number(p.lo) + ", " + toml_number(p.hi) +
                    "], the range of parameter '" + p.name + "', got '" + value + "'");
  }
}

// Day of an ISO date relative to the scenario's start_date.
double day_of(Reader& t, const std::string& date, const deterrence::Scenario& base) {
  const auto parse = [](const std::string& d, int& y, unsigned& m, unsigned& dd) {
    return d.size() == 10 && std::sscanf(d.c_str(), "%d-%u-%u", &y, &m, &dd) == 3;
  };
  int y0 = 0, y1 = 0;
  unsigned m0 = 0, d0 = 0, m1 = 0, d1 = 0;
  if (base.run.start_date.empty()) {
    t.fail("window", "a window in dates needs the base scenario's run.start_date; give days");
  }
  if (!parse(date, y1, m1, d1) || !parse(base.run.start_date, y0, m0, d0)) {
    t.fail("window", "expected a date YYYY-MM-DD, got '" + date + "'");
  }
  using namespace std::chrono;
  const year_month_day a{year{y0}, month{m0}, day{d0}}, b{year{y1}, month{m1}, day{d1}};
  if (!b.ok()) t.fail("window", "'" + date + "' is not a calendar date");
  return static_cast<double>((sys_days{b} - sys_days{a}).count());
}

}  // namespace

const std::vector<std::string_view>& derived_metric_names() {
  static const std::vector<std::string_view> names{
      "success_rate",           "detection_rate",         "attribution_rate",
      "attribution_accuracy",   "response_rate",          "state_sponsored_share",
      "mean_detection_delay",   "mean_attribution_delay", "mean_response_delay",
      "mean_coalition_signers", "damage_per_attack"};
  return names;
}

SweepQuestion read_question(Reader& t, const Sweep& sweep, const deterrence::Scenario& base) {
  SweepQuestion q;
  q.text = t.string("text", "");
  q.metric = t.required_string("metric");
  check_metric(t, q.metric, base);
  const SweepParameter* compared = nullptr;
  if (t.has("compare")) {
    q.compare = t.string("compare", "");
    for (const auto& p : sweep.parameters) {
      if (p.name == q.compare) compared = &p;
    }
    if (compared == nullptr) {
      std::vector<std::string> names;
      for (const auto& p : sweep.parameters) names.push_back(p.name);
      t.fail("compare", "no parameter is named '" + q.compare + "'" + suggestion(q.compare, names) +
                            "; the sweep has " + listed(names));
    }
  } else if (sweep.parameters.size() == 1) {
    compared = &sweep.parameters.front();
    q.compare = compared->name;
  } else if (t.has("baseline") || t.has("treatment")) {
    t.fail_table("`baseline` and `treatment` are values of the parameter named by `compare`");
  }
  for (const char* key : {"baseline", "treatment"}) {
    if (!t.has(key)) continue;
    const toml::node* node = t.raw(key);
    std::string value;
    if (const auto* str = node->as_string()) {
      value = str->get();
    } else if (node->is_number() || node->is_boolean()) {
      value = node->is_boolean()   ? (node->as_boolean()->get() ? "true" : "false")
              : node->is_integer() ? std::to_string(node->as_integer()->get())
                                   : toml_number(node->as_floating_point()->get());
    } else {
      t.fail(key, "expected a label or a value of parameter '" + q.compare + "'");
    }
    check_value(t, key, value, *compared);
    (std::string_view(key) == "baseline" ? q.baseline : q.treatment) = value;
  }
  if (!q.baseline.empty() && q.baseline == q.treatment) {
    t.fail("treatment", "the treatment must differ from the baseline");
  }
  if (t.has("window")) {
    const toml::node* node = t.raw("window");
    if (const auto* name = node->as_string()) {
      std::vector<std::string> names;
      for (const auto& e : base.mega_events) {
        names.push_back(e.name);
        if (e.name == name->get()) q.window = std::make_pair(e.start_day, e.end_day);
      }
      if (!q.window) {
        t.fail("window", "'" + name->get() + "' is not a mega-event of the base scenario" +
                             suggestion(name->get(), names) +
                             (names.empty() ? "" : "; it has " + listed(names)) +
                             " (or give [start, end] in days or dates)");
      }
      q.window_name = name->get();
    } else if (const auto* array = node->as_array(); array && array->size() == 2) {
      double ends[2] = {0.0, 0.0};
      for (std::size_t i = 0; i < 2; ++i) {
        const toml::node& e = (*array)[i];
        if (e.is_number()) {
          ends[i] = e.value<double>().value_or(0.0);
        } else if (e.is_string()) {
          ends[i] = day_of(t, e.as_string()->get(), base);
        } else if (e.is_date()) {
          std::ostringstream text;
          text << e.as_date()->get();
          ends[i] = day_of(t, text.str(), base);
        } else {
          t.fail_item("window", i, "expected a day number or a date");
        }
        if (!(ends[i] >= 0.0 && ends[i] <= base.run.horizon_days)) {
          t.fail_item("window", i,
                      "day " + toml_number(ends[i]) + " is outside the horizon [0, " +
                          toml_number(base.run.horizon_days) + "] of the base scenario");
        }
      }
      if (ends[1] < ends[0]) t.fail("window", "the window ends before it starts");
      q.window = std::make_pair(ends[0], ends[1]);
    } else {
      t.fail("window",
             "expected a mega-event's name, or [start, end] in days or dates (\"YYYY-MM-DD\")");
    }
  }
  t.finish();
  static const std::regex by_kind(
      "^(launched|succeeded|damage)_(state_sponsored|criminal|hacktivist)@.*");
  q.needs_incidents = q.window.has_value() || std::regex_match(q.metric, by_kind);
  return q;
}

}  // namespace cyberdeter::models::detail
