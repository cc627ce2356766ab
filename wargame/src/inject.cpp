// The white cell's injects (inject.hpp).

#include "cyberdeter/wargame/inject.hpp"

#include <toml++/toml.h>
#include <algorithm>
#include <array>
#include <cmath>

#include "toml_reader.hpp"

namespace cyberdeter::wargame {

namespace det = models::deterrence;
namespace detail = models::detail;

namespace {

// The keys of a [[scheduled]] table (docs/scenario-reference.md §12).
constexpr std::array<std::string_view, 18> scheduled_keys = {
    "name",       "enabled",         "state",         "action", "target",       "signers",
    "separate",   "evidence",        "day",           "on",     "victim",       "after_day",
    "delay_days", "capability_loss", "duration_days", "rung",   "rung_enabled", "threshold"};

bool is_key(std::string_view k) {
  return std::find(scheduled_keys.begin(), scheduled_keys.end(), k) != scheduled_keys.end();
}

// A TOML value as text: numbers, strings, booleans and arrays of strings only.
std::optional<std::string> node_text(const toml::node& n) {
  if (const auto* v = n.as_floating_point()) {
    if (!std::isfinite(v->get())) return std::nullopt;
    return detail::toml_number(v->get());
  }
  if (const auto* v = n.as_integer()) return detail::toml_number(static_cast<double>(v->get()));
  if (const auto* v = n.as_boolean()) return std::string(v->get() ? "true" : "false");
  if (const auto* v = n.as_string()) return detail::toml_string(v->get());
  if (const auto* a = n.as_array()) {
    std::string out = "[";
    for (std::size_t i = 0; i < a->size(); ++i) {
      const auto* s = (*a)[i].as_string();
      if (s == nullptr) return std::nullopt;
      out += (i > 0 ? ", " : "") + detail::toml_string(s->get());
    }
    return out + "]";
  }
  return std::nullopt;
}

std::string names(const det::Scenario& sc, const std::vector<std::size_t>& states) {
  std::string out = "[";
  for (std::size_t i = 0; i < states.size(); ++i) {
    out += (i > 0 ? ", " : "") + detail::toml_string(sc.states.at(states[i]).name);
  }
  return out + "]";
}

// The value of `key` among `fields` as a plain string ("\"disclose\"" -> disclose).
std::optional<std::string> string_field(
    const std::vector<std::pair<std::string, std::string>>& fields, std::string_view key) {
  for (const auto& [k, v] : fields) {
    if (k != key) continue;
    try {
      const toml::table t = toml::parse("x = " + v);
      if (const auto s = t["x"].value<std::string>()) return *s;
    } catch (const toml::parse_error&) {
    }
    return std::string();
  }
  return std::nullopt;
}

bool has_field(const std::vector<std::pair<std::string, std::string>>& fields,
               std::string_view key) {
  return std::any_of(fields.begin(), fields.end(), [&](const auto& f) { return f.first == key; });
}

}  // namespace

std::optional<Inject> parse_inject_words(std::string_view words, std::size_t index,
                                         std::string& error) {
  while (!words.empty() && words.front() == ' ') words.remove_prefix(1);
  while (!words.empty() && words.back() == ' ') words.remove_suffix(1);
  Inject out;
  out.index = index;
  if (words == "skip") return out;
  if (words == "publish") {
    out.op = InjectOp::publish;
    return out;
  }
  if (!words.starts_with("edit")) {
    error = "expected skip, publish or edit {KEY = VALUE, ...}";
    return std::nullopt;
  }
  out.op = InjectOp::edit;
  const std::string_view table = words.substr(4);
  toml::table t;
  try {
    t = toml::parse("x = " + std::string(table));
  } catch (const toml::parse_error& e) {
    error = "edit takes a TOML inline table of the event's keys, {day = 600, evidence = 0.3}: " +
            std::string(e.description());
    return std::nullopt;
  }
  const toml::table* fields = t["x"].as_table();
  if (fields == nullptr || !fields->is_inline()) {
    error = "edit takes a TOML inline table of the event's keys, {day = 600, evidence = 0.3}";
    return std::nullopt;
  }
  for (const auto& [key, value] : *fields) {
    const std::string k(key.str());
    if (!is_key(k)) {
      error = "'" + k + "' is not a key of [[scheduled]] (docs/scenario-reference.md §12)";
      return std::nullopt;
    }
    const auto text = node_text(value);
    if (!text) {
      error = "'" + k + "': a number, a string, true or false, or a list of names";
      return std::nullopt;
    }
    out.fields.emplace_back(k, *text);
  }
  if (out.fields.empty()) {
    error = "edit changes at least one key";
    return std::nullopt;
  }
  return out;
}

std::string format_inject_words(const Inject& inject) {
  switch (inject.op) {
    case InjectOp::skip: return "skip";
    case InjectOp::publish: return "publish";
    case InjectOp::edit: break;
  }
  std::string out = "edit {";
  for (std::size_t i = 0; i < inject.fields.size(); ++i) {
    out += (i > 0 ? ", " : "") + inject.fields[i].first + " = " + inject.fields[i].second;
  }
  return out + "}";
}

std::optional<std::vector<std::pair<std::string, std::string>>> inject_fields(
    const json::Value& fields, std::string& error) {
  if (!fields.is_object() || fields.as_object().empty()) {
    error = "\"fields\": an object of the event's keys, {\"day\": 600, \"evidence\": 0.3}";
    return std::nullopt;
  }
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [key, v] : fields.as_object()) {
    if (!is_key(key)) {
      error = "'" + key.substr(0, 40) +
              "' is not a key of [[scheduled]] (docs/scenario-reference.md §12)";
      return std::nullopt;
    }
    std::optional<std::string> text;
    if (v.is_number() && std::isfinite(v.as_number())) {
      text = detail::toml_number(v.as_number());
    } else if (v.is_bool()) {
      text = v.as_bool() ? "true" : "false";
    } else if (v.is_string()) {
      text = detail::toml_string(v.as_string());
    } else if (v.is_array()) {
      std::string list = "[";
      bool ok = true;
      for (std::size_t i = 0; i < v.as_array().size(); ++i) {
        const json::Value& s = v.as_array()[i];
        if (!s.is_string()) ok = false;
        if (ok) list += (i > 0 ? ", " : "") + detail::toml_string(s.as_string());
      }
      if (ok) text = list + "]";
    }
    if (!text) {
      error = "'" + key + "': a number, a string, true or false, or a list of names";
      return std::nullopt;
    }
    out.emplace_back(key, *text);
  }
  // In the order of their keys, as a TOML table reads back, so that the words are the same
  // whether they came from a message or from a decisions file.
  std::sort(out.begin(), out.end());
  for (std::size_t i = 1; i < out.size(); ++i) {
    if (out[i].first == out[i - 1].first) {
      error = "'" + out[i].first + "' is given twice";
      return std::nullopt;
    }
  }
  // The journal and the decisions file keep the edit as its words: they must read back.
  const auto back = parse_inject_words(format_inject_words({0, InjectOp::edit, out}), 0, error);
  if (!back || back->fields != out) {
    error = "a value TOML cannot hold (" + error + ")";
    return std::nullopt;
  }
  return out;
}

ScheduledTable scheduled_table(const det::Scenario& world, std::size_t index, const Inject* given,
                               double at) {
  const Inject none{index, InjectOp::edit, {}};
  const Inject& inject = given != nullptr ? *given : none;
  const det::ScheduledEvent& e = world.scheduled.at(index);
  ScheduledTable table;
  auto put = [&](std::string key, std::string value) {
    for (auto& kv : table) {
      if (kv.first == key) {
        kv.second = std::move(value);
        return;
      }
    }
    table.emplace_back(std::move(key), std::move(value));
  };
  // The keys the event keeps are those its action and trigger take after the edit, as
  // resolved_toml writes them, so that changing the action or the trigger drops the rest.
  std::string action(det::to_string(e.action));
  if (const auto a = string_field(inject.fields, "action")) action = *a;
  bool on_day = e.trigger == det::ScheduledTrigger::day;
  if (has_field(inject.fields, "on")) on_day = false;
  if (has_field(inject.fields, "day")) on_day = true;
  if (inject.op == InjectOp::publish) on_day = true;
  const bool statement = action == "coordinate" || action == "sanction";
  put("name", detail::toml_string(e.name));
  put("enabled", inject.op == InjectOp::skip ? "false" : e.enabled ? "true" : "false");
  put("state", detail::toml_string(world.states.at(e.state).name));
  put("action", detail::toml_string(action));
  if (e.target) put("target", detail::toml_string(world.attackers.at(*e.target).name));
  if (statement) {
    put("signers", names(world, e.signers));
    put("separate", names(world, e.separate));
  }
  if (statement || action == "attribute") put("evidence", detail::toml_number(e.evidence));
  if (on_day) {
    put("day", detail::toml_number(e.trigger == det::ScheduledTrigger::day ? e.day : at));
  } else if (e.trigger != det::ScheduledTrigger::day) {
    put("on", detail::toml_string(e.trigger == det::ScheduledTrigger::detected ? "detected"
                                                                               : "attributed"));
    put("victim", detail::toml_string(world.states.at(e.victim.value_or(e.state)).name));
    put("after_day", detail::toml_number(e.after_day));
  }
  put("delay_days", detail::toml_number(e.delay_days));
  if (action == "disclose") {
    put("capability_loss", detail::toml_number(e.capability_loss));
    put("duration_days", detail::toml_number(e.duration_days));
  }
  if (action == "policy") {
    put("rung", detail::toml_string(det::to_string(e.rung)));
    if (e.rung_enabled) put("rung_enabled", *e.rung_enabled ? "true" : "false");
    if (e.threshold) put("threshold", detail::toml_number(*e.threshold));
  }
  if (inject.op == InjectOp::publish) {
    put("enabled", "true");
    put("day", detail::toml_number(at));
    put("delay_days", "0.0");
  }
  for (const auto& [k, v] : inject.fields) put(k, v);
  return table;
}

std::string with_scheduled(const std::string& resolved, const std::vector<ScheduledTable>& tables) {
  // resolved_toml writes the [[scheduled]] tables last.
  std::size_t cut = resolved.find("\n[[scheduled]]");
  cut = cut == std::string::npos ? resolved.size() : cut + 1;
  std::string out = resolved.substr(0, cut);
  for (const ScheduledTable& t : tables) {
    out += "\n[[scheduled]]\n";
    for (const auto& [k, v] : t) out += k + " = " + v + "\n";
  }
  return out;
}

std::optional<double> inject_day(const det::ScheduledEvent& e) {
  if (!e.enabled || e.trigger != det::ScheduledTrigger::day) return std::nullopt;
  return e.day + e.delay_days;
}

}  // namespace cyberdeter::wargame
