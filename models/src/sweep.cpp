#include "cyberdeter/models/sweep.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <sstream>
#include <stdexcept>

#include "cyberdeter/models/catalog.hpp"
#include "cyberdeter/models/deterrence/scenario_loader.hpp"
#include "cyberdeter/sim/design.hpp"
#include "sweep_detail.hpp"
#include "sweep_models.hpp"
#include "sweep_question.hpp"
#include "toml_reader.hpp"

namespace cyberdeter::models {
namespace {

using detail::Range;
using detail::Reader;

constexpr std::array<std::string_view, 5> design_names{"grid", "latin_hypercube", "sobol",
                                                       "saltelli", "morris"};

DesignKind design_kind(const std::string& name) {
  const auto it = std::find(design_names.begin(), design_names.end(), name);
  return static_cast<DesignKind>(it - design_names.begin());
}

// The TOML literal of a value in a `values` array, on one line: a number, boolean or
// string, or an inline table or array of such values (tables in key order; dates and
// times as TOML writes them).
std::string literal(const toml::node& n) {
  if (const auto* table = n.as_table()) {
    std::string out;
    for (auto&& [key, value] : *table) {
      out += (out.empty() ? "" : ", ") + detail::toml_key(key.str()) + " = " + literal(value);
    }
    return "{" + out + "}";
  }
  if (const auto* array = n.as_array()) {
    std::string out;
    for (const auto& item : *array) out += (out.empty() ? "" : ", ") + literal(item);
    return "[" + out + "]";
  }
  if (n.is_string()) return detail::toml_string(n.as_string()->get());
  if (n.is_boolean()) return n.as_boolean()->get() ? "true" : "false";
  if (n.is_integer()) return std::to_string(n.as_integer()->get());
  if (n.is_floating_point()) return detail::toml_number(n.as_floating_point()->get());
  std::ostringstream out;
  if (n.is_date()) out << n.as_date()->get();
  if (n.is_time()) out << n.as_time()->get();
  if (n.is_date_time()) out << n.as_date_time()->get();
  return out.str();
}

// What a value of `values` is: tables and arrays replace a whole table or array of the
// scenario, so one parameter's values are all tables, all arrays or all scalars.
std::string_view shape(const toml::node& n) {
  if (n.is_table()) return "an inline table";
  if (n.is_array()) return "an array";
  return "a number, boolean or string";
}

bool toml_literal_is_number(const std::string& literal) {
  return !literal.empty() &&
         (std::isdigit(static_cast<unsigned char>(literal[0])) || literal[0] == '-' ||
          literal[0] == '+' || literal == "inf" || literal == "nan");
}

// The value of a parameter at unit coordinate u in [0, 1).
std::pair<double, std::string> at(const SweepParameter& p, double u) {
  if (!p.values.empty()) {
    const auto k = std::min(static_cast<std::size_t>(u * static_cast<double>(p.values.size())),
                            p.values.size() - 1);
    return {static_cast<double>(k), p.values[k]};
  }
  if (p.integer) {
    const double span = p.hi - p.lo + 1.0;
    const double v = std::min(p.lo + std::floor(u * span), p.hi);
    return {v, std::to_string(static_cast<std::int64_t>(v))};
  }
  const double v = p.log_scale ? std::exp(std::log(p.lo) + u * (std::log(p.hi) - std::log(p.lo)))
                               : p.lo + u * (p.hi - p.lo);
  return {v, detail::toml_number(v)};
}

// The value list of a parameter in a grid: its explicit values or `steps` values over the range.
std::vector<std::pair<double, std::string>> grid_values(const SweepParameter& p) {
  std::vector<std::pair<double, std::string>> out;
  if (!p.values.empty()) {
    for (std::size_t k = 0; k < p.values.size(); ++k) {
      out.emplace_back(static_cast<double>(k), p.values[k]);
    }
    return out;
  }
  for (std::size_t k = 0; k < p.steps; ++k) {
    const double f = p.steps == 1 ? 0.0 : static_cast<double>(k) / static_cast<double>(p.steps - 1);
    double v = p.log_scale ? std::exp(std::log(p.lo) + f * (std::log(p.hi) - std::log(p.lo)))
                           : p.lo + f * (p.hi - p.lo);
    if (k + 1 == p.steps) v = p.hi;  // the end exactly, whatever the rounding
    if (p.integer) {
      v = std::round(v);
      out.emplace_back(v, std::to_string(static_cast<std::int64_t>(v)));
    } else {
      out.emplace_back(v, detail::toml_number(v));
    }
  }
  return out;
}

// The overrides that give parameter `p` the value `text` (a TOML literal) at every path.
std::vector<std::string> overrides(const SweepParameter& p, const std::string& text) {
  std::vector<std::string> out;
  for (std::size_t k = 0; k < p.paths.size(); ++k) {
    if (p.link == Link::scale) {
      const double factor = std::stod(text == "inf" ? "inf" : text);
      out.push_back(p.paths[k] + "=" + detail::toml_number(p.base_values[k] * factor));
    } else {
      out.push_back(p.paths[k] + "=" + text);
    }
  }
  return out;
}

// The segment of a key path as written in a path: bare if it can be, quoted otherwise.
std::string path_segment(const std::string& name) {
  const bool bare = !name.empty() && name.find_first_not_of(
                                         "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                         "0123456789_-") == std::string::npos;
  return bare ? name : "\"" + name + "\"";
}

// Does `table` hold every key of `where` with the same value?
bool matches(const toml::table& table, const toml::table& where) {
  for (auto&& [key, wanted] : where) {
    const toml::node* have = table.get(key.str());
    if (have == nullptr || literal(*have) != literal(wanted)) return false;
  }
  return true;
}

// Expands the `*` segments of `path` ("attackers.*.sanction_cost", "programs[*].rate")
// over the tables of the resolved base scenario, keeping the tables that match `where`.
void expand_path(const toml::node* node, const std::vector<std::string>& segments, std::size_t i,
                 const std::string& prefix, const toml::table* where,
                 std::vector<std::string>& out) {
  const auto join = [&](const std::string& segment) {
    return prefix.empty() ? segment : prefix + "." + segment;
  };
  if (i == segments.size()) {
    out.push_back(prefix);
    return;
  }
  const std::string& segment = segments[i];
  const toml::table* table = node != nullptr ? node->as_table() : nullptr;
  if (segment == "*") {
    if (table == nullptr) return;
    for (auto&& [key, child] : *table) {
      if (!child.is_table()) continue;
      if (where != nullptr && !matches(*child.as_table(), *where)) continue;
      expand_path(&child, segments, i + 1, join(path_segment(std::string(key.str()))), where, out);
    }
    return;
  }
  if (segment.size() > 3 && segment.ends_with("[*]")) {
    const std::string name = segment.substr(0, segment.size() - 3);
    const toml::node* array = table != nullptr ? table->get(name) : nullptr;
    if (array == nullptr || !array->is_array_of_tables()) return;
    const auto& items = *array->as_array();
    for (std::size_t k = 0; k < items.size(); ++k) {
      if (where != nullptr && !matches(*items[k].as_table(), *where)) continue;
      expand_path(&items[k], segments, i + 1, join(name + "[" + std::to_string(k) + "]"), where,
                  out);
    }
    return;
  }
  // A plain segment (or "name[k]"): followed through the base where it exists; a key the
  // base does not hold is left to the scenario loader to accept or refuse.
  const toml::node* next = table != nullptr ? table->get(segment) : nullptr;
  if (next == nullptr && table != nullptr) {
    const auto open = segment.find('[');
    if (open != std::string::npos && open > 0 && segment.back() == ']') {
      const toml::node* array = table->get(segment.substr(0, open));
      const std::string digits = segment.substr(open + 1, segment.size() - open - 2);
      if (array != nullptr && array->is_array_of_tables() && !digits.empty() &&
          digits.find_first_not_of("0123456789") == std::string::npos) {
        next = array->as_array()->get(std::stoul(digits));
      }
    }
  }
  const bool indexed = segment.find('[') != std::string::npos;
  expand_path(next, segments, i + 1, join(indexed ? segment : path_segment(segment)), where, out);
}

// The value at a (wildcard-free) path of the resolved base, if it is a number.
std::optional<double> base_number(const toml::table& base, const std::string& path) {
  const toml::node* node = &base;
  for (const std::string& segment : detail::split_key_path(path)) {
    const toml::table* table = node->as_table();
    if (table == nullptr) return std::nullopt;
    const toml::node* next = table->get(segment);
    const auto open = segment.find('[');
    if (next == nullptr && open != std::string::npos && segment.back() == ']') {
      const toml::node* array = table->get(segment.substr(0, open));
      if (array != nullptr && array->is_array_of_tables()) {
        next = array->as_array()->get(std::stoul(segment.substr(open + 1)));
      }
    }
    if (next == nullptr) return std::nullopt;
    node = next;
  }
  return node->value<double>();
}

}  // namespace

namespace detail {

void read_parameter_paths(Reader& t, const toml::table& base, SweepParameter& p) {
  std::vector<std::string> written;
  if (t.has("path") && t.has("paths")) t.fail("paths", "give either `path` or `paths`, not both");
  if (t.has("paths")) {
    written = t.string_array("paths");
    if (written.empty()) t.fail("paths", "expected a non-empty array of scenario paths");
    for (const auto& w : written) p.path += (p.path.empty() ? "" : ", ") + w;
  } else {
    p.path = t.required_string("path");
    written = {p.path};
  }
  const std::string key = t.has("paths") ? "paths" : "path";
  const toml::node* where = t.raw("where");
  if (where != nullptr && (!where->is_table() || where->as_table()->empty())) {
    t.fail("where", "expected an inline table of keys and values, e.g. { kind = \"criminal\" }");
  }
  const bool wildcard = std::any_of(written.begin(), written.end(), [](const std::string& w) {
    for (const auto& segment : detail::split_key_path(w)) {
      if (segment == "*" || segment.ends_with("[*]")) return true;
    }
    return false;
  });
  if (where && !wildcard) {
    t.fail("where",
           "`where` selects among the tables a `*` in the path matches; the path has none");
  }
  const toml::table* filter = where != nullptr ? where->as_table() : nullptr;
  for (std::size_t k = 0; k < written.size(); ++k) {
    const auto before = p.paths.size();
    expand_path(&base, detail::split_key_path(written[k]), 0, "", filter, p.paths);
    if (p.paths.size() == before) {
      const std::string what = "'" + written[k] + "' matches no key of the base scenario" +
                               (filter ? " with these `where` values" : "");
      if (t.has("paths")) t.fail_item("paths", k, what);
      t.fail("path", what);
    }
  }
  for (std::size_t k = 0; k < p.paths.size(); ++k) {
    if (std::find(p.paths.begin(), p.paths.begin() + static_cast<std::ptrdiff_t>(k), p.paths[k]) !=
        p.paths.begin() + static_cast<std::ptrdiff_t>(k)) {
      t.fail(key, "'" + p.paths[k] + "' is named twice");
    }
  }
  p.name = t.string("name", p.path);
  // The name becomes the dataset /design/NAME and a column label in analysis.
  if (p.name.empty()) t.fail("name", "a parameter's name may not be empty");
  if (p.name.find('/') != std::string::npos) {
    t.fail("name", "'" + p.name + "' has a '/', which would make /design/" + p.name +
                       " a nested HDF5 path: name the parameter without one");
  }
  for (const char c : p.name) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      t.fail("name",
             "a parameter's name may not hold control characters (such as NUL or a "
             "line break)");
    }
  }
  if (p.name == "." || p.name == ".." || p.name == "point") {
    t.fail("name", "'" + p.name + "' is reserved (/design/point is the point index)");
  }
}

void read_parameter_link(Reader& t, const toml::table& base, SweepParameter& p, bool numeric) {
  p.link = t.choice("link", "same", {"same", "scale"}) == "scale" ? Link::scale : Link::same;
  if (p.link == Link::scale) {
    if (!numeric) t.fail("link", "`link = \"scale\"` multiplies numbers: give numeric values");
    for (const auto& path : p.paths) {
      const auto value = base_number(base, path);
      if (!value) {
        t.fail("link",
               "`link = \"scale\"` needs a number at '" + path + "' in the base scenario to scale");
      }
      p.base_values.push_back(*value);
    }
  }
}

std::vector<std::string> parameter_overrides(const SweepParameter& p, const std::string& text) {
  return overrides(p, text);
}

}  // namespace detail

namespace {

SweepParameter read_parameter(Reader& t, DesignKind design, const toml::table& base) {
  SweepParameter p;
  detail::read_parameter_paths(t, base, p);
  if (t.has("values")) {
    const toml::node* node = t.raw("values");
    if (!node->is_array() || node->as_array()->empty()) {
      t.fail("values",
             "expected a non-empty array of numbers, booleans, strings, inline tables or arrays");
    }
    const auto& items = *node->as_array();
    for (std::size_t k = 0; k < items.size(); ++k) {
      const toml::node& item = items[k];
      if (!(item.is_number() || item.is_boolean() || item.is_string() || item.is_table() ||
            item.is_array())) {
        t.fail_item("values", k, "expected numbers, booleans, strings, inline tables or arrays");
      }
      if (shape(item) != shape(items[0])) {
        t.fail_item("values", k,
                    "expected " + std::string(shape(items[0])) + " like the first value, got " +
                        std::string(shape(item)) +
                        ": a parameter's values are all inline tables, all arrays, or all "
                        "numbers, booleans and strings");
      }
      p.values.push_back(literal(item));
    }
  }
  if (t.has("range")) {
    if (!p.values.empty()) t.fail("range", "give either `values` or `range`, not both");
    const toml::node* node = t.raw("range");
    const auto* array = node->as_array();
    if (array == nullptr || array->size() != 2 || !(*array)[0].is_number() ||
        !(*array)[1].is_number()) {
      t.fail("range", "expected [low, high], two numbers");
    }
    p.has_range = true;
    p.integer = (*array)[0].is_integer() && (*array)[1].is_integer();
    p.lo = (*array)[0].value<double>().value_or(0.0);
    p.hi = (*array)[1].value<double>().value_or(0.0);
    if (!(p.lo < p.hi)) t.fail("range", "expected low < high");
  }
  if (p.values.empty() && !p.has_range) {
    t.fail_table("a parameter needs `values = [...]` or `range = [low, high]`");
  }
  if (t.has("labels")) {
    if (p.has_range) t.fail("labels", "`labels` name the entries of `values`, not a `range`");
    p.labels = t.string_array("labels");
    if (p.labels.size() != p.values.size()) {
      t.fail("labels", "expected " + std::to_string(p.values.size()) +
                           " labels, one per entry of `values`, got " +
                           std::to_string(p.labels.size()));
    }
    for (std::size_t k = 0; k < p.labels.size(); ++k) {
      if (p.labels[k].empty()) t.fail_item("labels", k, "a label may not be empty");
      if (std::find(p.labels.begin(), p.labels.begin() + static_cast<std::ptrdiff_t>(k),
                    p.labels[k]) != p.labels.begin() + static_cast<std::ptrdiff_t>(k)) {
        t.fail_item("labels", k, "'" + p.labels[k] + "' labels two values");
      }
    }
  }
  const bool numeric =
      p.has_range || std::all_of(p.values.begin(), p.values.end(),
                                 [](const std::string& v) { return toml_literal_is_number(v); });
  detail::read_parameter_link(t, base, p, numeric);
  p.log_scale = t.choice("scale", "linear", {"linear", "log"}) == "log";
  if (p.log_scale && !(p.has_range && p.lo > 0.0)) {
    t.fail("scale", "a log scale needs a range with low > 0");
  }
  if (design == DesignKind::grid && p.has_range) {
    p.steps = static_cast<std::size_t>(t.integer("steps", 0, 2, 1'000'000));
    if (p.steps == 0)
      t.fail_table("a grid over a range needs `steps` (the number of values, >= 2)");
  } else if (t.has("steps")) {
    t.fail("steps", "`steps` applies only to a grid over a range");
  }
  t.finish();
  return p;
}

// Loads the base scenario with `overrides` (throws ScenarioError if the model rejects them).
void load_base(const Sweep& sw, const std::vector<std::string>& overrides) {
  if (sw.model != "deterrence") {
    (void)detail::load_model_base(sw, overrides);
  } else if (sw.base_text) {
    deterrence::load_scenario_text(*sw.base_text, sw.base_path, overrides);
  } else {
    deterrence::load_scenario(sw.base_path, overrides);
  }
}

// The base scenario's resolved parameters as TOML, and the scenario itself when it is the
// deterrence model's (a [question] needs it).
std::string resolved_base(const Sweep& sw, std::optional<deterrence::Scenario>& scenario) {
  if (sw.model != "deterrence") return detail::load_model_base(sw, {});
  scenario = sw.base_text ? deterrence::load_scenario_text(*sw.base_text, sw.base_path)
                          : deterrence::load_scenario(sw.base_path);
  return deterrence::resolved_toml(*scenario);
}

// Every value a parameter can take must be accepted by the base scenario: check the
// extremes (or every listed value), reporting a failure at the parameter's `path`.
void check_against_base(const Sweep& sw, Reader& t, const SweepParameter& p) {
  std::vector<std::string> probes;
  if (!p.values.empty()) {
    probes = p.values;
  } else {
    probes = {at(p, 0.0).second, p.integer ? std::to_string(static_cast<std::int64_t>(p.hi))
                                           : detail::toml_number(p.hi)};
  }
  for (std::size_t k = 0; k < probes.size(); ++k) {
    try {
      load_base(sw, overrides(p, probes[k]));
    } catch (const ScenarioError& e) {
      const std::string label = p.labels.empty() ? "" : " ('" + p.labels[k] + "')";
      t.fail(t.has("paths") ? "paths" : "path",
             "with value " + probes[k] + label + " the base scenario is invalid: " + e.message());
    }
  }
}

// Every point of a design is expanded up front, on every process: the design's size is
// bounded so that a sweep file cannot ask for more memory than a machine has ([M]: far
// beyond any study, 100 bytes or so a point and parameter).
constexpr std::uint64_t max_points = 10'000'000;
constexpr std::uint64_t max_tasks = 1'000'000'000'000;

// The number of points of the design, or nullopt if it exceeds `max_points`; `culprit`
// is then the index of the parameter at which a grid passed it.
std::optional<std::uint64_t> design_size(const Sweep& sw, std::size_t& culprit) {
  const std::uint64_t d = sw.parameters.size();
  switch (sw.design) {
    case DesignKind::grid: {
      std::uint64_t n = 1;
      for (std::size_t i = 0; i < sw.parameters.size(); ++i) {
        const auto& p = sw.parameters[i];
        const std::uint64_t count = p.values.empty() ? p.steps : p.values.size();
        if (count != 0 && n > max_points / count) {
          culprit = i;
          return std::nullopt;
        }
        n *= count;
      }
      return n;
    }
    case DesignKind::latin_hypercube:
    case DesignKind::sobol: return sw.points;
    case DesignKind::saltelli: return sw.points * (d + 2);
    case DesignKind::morris: return sw.points * (d + 1);
  }
  return std::nullopt;
}

void check_size(const Sweep& sw, Reader& root, Reader& design, std::vector<Reader>& parameters) {
  std::size_t culprit = 0;
  const auto n = design_size(sw, culprit);
  const std::string limit =
      "more than " + std::to_string(max_points) + " points, which every process expands in memory";
  if (!n || *n > max_points) {
    if (sw.design == DesignKind::grid) {
      Reader& t = parameters[culprit];
      t.fail(t.has("steps") ? "steps" : "values",
             "the grid's points multiply past " + std::to_string(max_points) +
                 " here: use fewer values, or a sampled design (latin_hypercube, sobol)");
    }
    design.fail("points", "the design has " + std::to_string(*n) + " points, " + limit);
  }
  if (sw.replications > max_tasks / *n) {
    Reader run = *root.table("run");
    run.fail("replications", std::to_string(*n) + " points x " + std::to_string(sw.replications) +
                                 " replications is more than " + std::to_string(max_tasks) +
                                 " runs");
  }
}

}  // namespace

std::string_view to_string(DesignKind kind) noexcept {
  return design_names[static_cast<std::size_t>(kind)];
}

namespace {

Sweep read_sweep(detail::Document doc, std::optional<std::string> base_text) {
  const std::string path = doc.path;
  Sweep sw;
  sw.base_text = std::move(base_text);
  sw.path = path;
  sw.text = doc.text;
  Reader root(doc, doc.root, "");
  const std::string base = root.required_string("base");
  const std::filesystem::path base_path = std::filesystem::path(base).is_absolute()
                                              ? std::filesystem::path(base)
                                              : std::filesystem::path(path).parent_path() / base;
  sw.base_path = base_path.lexically_normal().string();
  sw.name = root.string("name", "");
  {
    std::string model;
    try {
      model = sw.base_text ? model_of_text(*sw.base_text, sw.base_path) : model_of(sw.base_path);
    } catch (const ScenarioError& e) {
      root.fail("base", "the base scenario is invalid: " + std::string(e.what()));
    }
    if (model != "deterrence" && !detail::swept_model(model)) {
      root.fail("base", "'" + sw.base_path + "' is a " + model +
                            " scenario; sweeps run deterrence, anu_deterrence, attribution_game "
                            "and timing_game scenarios (PHOLD and hold are not swept)");
    }
    sw.model = model;
  }
  toml::table resolved;
  std::optional<deterrence::Scenario> base_scenario;
  try {
    resolved = toml::parse(resolved_base(sw, base_scenario));
  } catch (const ScenarioError& e) {
    root.fail("base", "the base scenario is invalid: " + std::string(e.what()));
  }

  if (auto run = root.table("run")) {
    sw.replications = static_cast<std::uint64_t>(run->integer("replications", 1, 1, 1'000'000'000));
    sw.seed = static_cast<std::uint64_t>(
        run->integer("seed", 1, 0, std::numeric_limits<std::int64_t>::max()));
    sw.common_random_numbers = run->boolean("common_random_numbers", true);
    run->finish();
  }
  sw.design_seed = sw.seed;
  Reader design = root.required_table("design");
  sw.design = design_kind(design.choice(
      "kind", "grid",
      {design_names[0], design_names[1], design_names[2], design_names[3], design_names[4]}));
  if (sw.design == DesignKind::grid) {
    if (design.has("points")) design.fail("points", "a grid's size comes from its parameters");
  } else {
    sw.points = static_cast<std::size_t>(design.integer("points", 0, 1, 100'000'000));
    if (sw.points == 0) design.fail_table("missing required key 'points'");
  }
  if (sw.design == DesignKind::saltelli) {
    try {
      sim::design::check_saltelli_size(sw.points);
    } catch (const std::invalid_argument& e) {
      design.fail("points", e.what());
    }
  }
  if (sw.design == DesignKind::morris) {
    sw.levels = static_cast<std::size_t>(design.integer("levels", 4, 2, 1000));
    if (sw.levels % 2 != 0) design.fail("levels", "expected an even number of levels");
  }
  sw.design_seed = static_cast<std::uint64_t>(design.integer(
      "seed", static_cast<std::int64_t>(sw.seed), 0, std::numeric_limits<std::int64_t>::max()));
  design.finish();

  auto parameters = root.table_array("parameters");
  if (parameters.empty()) root.fail_table("a sweep needs at least one [[parameters]] table");
  for (auto& t : parameters) {
    SweepParameter p = read_parameter(t, sw.design, resolved);
    for (const auto& other : sw.parameters) {
      for (const auto& swept : p.paths) {
        if (std::find(other.paths.begin(), other.paths.end(), swept) != other.paths.end()) {
          t.fail(t.has("paths") ? "paths" : "path",
                 "'" + swept + "' is swept twice (also by parameter '" + other.name + "')");
        }
      }
      if (other.name == p.name) {
        t.fail(t.has("name") ? "name" : "path",
               "two parameters are named '" + p.name + "': give each its own `name`");
      }
    }
    check_against_base(sw, t, p);
    sw.parameters.push_back(std::move(p));
  }
  check_size(sw, root, design, parameters);
  if (auto question = root.table("question")) {
    if (!base_scenario) {
      question->fail_table("a [question] names the deterrence model's metrics; " + sw.model +
                           " sweeps have none");
    }
    sw.question = detail::read_question(*question, sw, *base_scenario);
  }
  root.finish();
  return sw;
}

}  // namespace

Sweep load_sweep(const std::string& path) { return read_sweep(detail::parse_file(path), {}); }

Sweep load_sweep_text(std::string text, std::string path, std::string base_text) {
  return read_sweep(detail::parse_text(std::move(text), std::move(path)), std::move(base_text));
}

std::vector<DesignPoint> expand(const Sweep& sw) {
  std::vector<DesignPoint> out;
  const std::size_t d = sw.parameters.size();
  if (sw.design == DesignKind::grid) {
    std::vector<std::vector<std::pair<double, std::string>>> levels;
    std::vector<std::vector<double>> indices;
    for (const auto& p : sw.parameters) {
      levels.push_back(grid_values(p));
      std::vector<double> idx(levels.back().size());
      for (std::size_t k = 0; k < idx.size(); ++k) idx[k] = static_cast<double>(k);
      indices.push_back(std::move(idx));
    }
    for (const auto& row : sim::design::full_grid(indices)) {
      DesignPoint point;
      for (std::size_t i = 0; i < d; ++i) {
        const auto& [value, text] = levels[i][static_cast<std::size_t>(row[i])];
        point.values.push_back(value);
        for (auto& o : overrides(sw.parameters[i], text)) point.overrides.push_back(std::move(o));
      }
      out.push_back(std::move(point));
    }
    return out;
  }
  sim::RandomStream rng(sim::mix64(sw.design_seed, sim::stable_hash("design")));
  sim::design::Points unit;
  switch (sw.design) {
    case DesignKind::latin_hypercube: unit = sim::design::latin_hypercube(sw.points, d, rng); break;
    case DesignKind::sobol: unit = sim::design::sobol(sw.points, d, 1); break;
    case DesignKind::saltelli: unit = sim::design::saltelli(sw.points, d); break;
    case DesignKind::morris: unit = sim::design::morris(sw.points, d, sw.levels, rng); break;
    case DesignKind::grid: break;
  }
  for (const auto& row : unit) {
    DesignPoint point;
    for (std::size_t i = 0; i < d; ++i) {
      // Morris points lie on [0, 1] inclusive; map 1 to the top value.
      const double u = std::min(row[i], std::nextafter(1.0, 0.0));
      const auto [value, text] = at(sw.parameters[i], u);
      point.values.push_back(value);
      for (auto& o : overrides(sw.parameters[i], text)) point.overrides.push_back(std::move(o));
    }
    out.push_back(std::move(point));
  }
  return out;
}

}  // namespace cyberdeter::models
