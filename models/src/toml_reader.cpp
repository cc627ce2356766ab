#include "toml_reader.hpp"

#include "cyberdeter/models/suggest.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace cyberdeter::models::detail {
namespace {

int line_of(const toml::source_region& r) { return static_cast<int>(r.begin.line); }
int column_of(const toml::source_region& r) { return static_cast<int>(r.begin.column); }

std::string type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a number";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    default: return "nothing";
  }
}

std::string show_number(double v) {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  std::ostringstream os;
  os << v;
  return os.str();
}

std::string show_value(const toml::node& n) {
  std::ostringstream os;
  if (n.is_string()) {
    os << '"' << n.as_string()->get() << '"';
  } else if (n.is_floating_point()) {
    os << show_number(n.as_floating_point()->get());
  } else if (n.is_integer()) {
    os << n.as_integer()->get();
  } else if (n.is_boolean()) {
    os << (n.as_boolean()->get() ? "true" : "false");
  } else {
    os << type_name(n);
  }
  return os.str();
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0u : 1u)});
      diag = up;
    }
  }
  return row[b.size()];
}

bool is_bare_key_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

bool is_leap_year(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int days_in_month(int y, int m) {
  static constexpr int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap_year(y) ? 29 : days[m - 1];
}

std::string iso_date(int y, int m, int d) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
  return buf;
}

// Parses a strict "YYYY-MM-DD" calendar date.
std::optional<std::string> parse_iso_date(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  int parts[3] = {0, 0, 0};
  const std::size_t starts[3] = {0, 5, 8};
  const std::size_t lengths[3] = {4, 2, 2};
  for (std::size_t i = 0; i < 3; ++i) {
    const char* first = s.data() + starts[i];
    const char* last = first + lengths[i];
    const auto res = std::from_chars(first, last, parts[i]);
    if (res.ec != std::errc() || res.ptr != last) return std::nullopt;
  }
  const int y = parts[0];
  const int m = parts[1];
  const int d = parts[2];
  if (y < 1 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m)) return std::nullopt;
  return iso_date(y, m, d);
}

// Splits "programs[2]" into ("programs", 2).
std::optional<std::pair<std::string, std::size_t>> split_index(std::string_view segment) {
  const auto open = segment.find('[');
  if (open == std::string_view::npos || open == 0 || segment.back() != ']') return std::nullopt;
  const std::string_view digits = segment.substr(open + 1, segment.size() - open - 2);
  std::size_t index = 0;
  const auto res = std::from_chars(digits.data(), digits.data() + digits.size(), index);
  if (digits.empty() || res.ec != std::errc() || res.ptr != digits.data() + digits.size()) {
    return std::nullopt;
  }
  return std::make_pair(std::string(segment.substr(0, open)), index);
}

// Parses "v = TEXT" as coming from `source` (so that errors about the value name it).
std::optional<toml::table> parse_value(const std::string& text, const std::string& source) {
  try {
    return toml::parse("v = " + text, std::string(source));
  } catch (const toml::parse_error&) {
    return std::nullopt;
  }
}

}  // namespace

// Splits "a.b.\"c d\".e" into its segments; quotes allow dots and spaces in names.
std::vector<std::string> split_key_path(std::string_view path) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (const char c : path) {
    if (c == '"') {
      quoted = !quoted;
    } else if (c == '.' && !quoted) {
      out.emplace_back();
    } else {
      out.back() += c;
    }
  }
  return out;
}

Document parse_text(std::string text, std::string path) {
  try {
    toml::table root = toml::parse(text, path);
    return Document{std::move(path), std::move(text), std::move(root)};
  } catch (const toml::parse_error& e) {
    throw ScenarioError(path, line_of(e.source()), column_of(e.source()), "",
                        "TOML syntax error: " + std::string(e.description()));
  }
}

Document parse_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ScenarioError(path, 0, 0, "", "cannot open the file for reading");
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return parse_text(buffer.str(), path);
}

bool OverrideLog::undo() {
  if (!restorable_) return false;
  for (auto c = changes_.rbegin(); c != changes_.rend(); ++c) {
    // An existing key keeps its key object (and the key's position) either way.
    if (c->old) {
      c->table->insert_or_assign(c->key, std::move(*c->old->get("v")));
    } else {
      c->table->erase(c->key);
    }
  }
  changes_.clear();
  return true;
}

void OverrideLog::before_insert(toml::table& table, std::string_view key) {
  if (!restorable_) return;
  Change change{&table, std::string(key), nullptr};
  if (toml::node* old = table.get(key)) {
    if (old->is_table() || old->is_array()) {
      restorable_ = false;
      changes_.clear();
      return;
    }
    change.old = std::make_unique<toml::table>();
    old->visit([&change](auto& value) { change.old->insert("v", std::move(value)); });
  }
  changes_.push_back(std::move(change));
}

namespace {

// apply_override, creating the tables along the path that `creatable` allows (if given).
void apply(Document& doc, std::string_view assignment,
           bool (*creatable)(const std::vector<std::string>& path, std::size_t depth),
           OverrideLog* log) {
  const std::string where = "--set " + std::string(assignment);
  const auto eq = assignment.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    throw ScenarioError(where, 0, 0, "", "expected KEY.PATH=VALUE");
  }
  const std::string key_path(assignment.substr(0, eq));
  const std::string value_text(assignment.substr(eq + 1));
  const auto segments = split_key_path(key_path);

  toml::table* table = &doc.root;
  std::string walked;
  for (std::size_t i = 0; i + 1 < segments.size(); ++i) {
    toml::node* next = table->get(segments[i]);
    if (next == nullptr && creatable != nullptr && creatable(segments, i)) {
      // An empty table whose source is the override, so errors located at it name it.
      toml::table holder = toml::parse("v = {}", where);
      if (log != nullptr) log->before_insert(*table, segments[i]);
      next = &table->insert(segments[i], std::move(*holder.get("v"))).first->second;
    }
    const auto indexed = next == nullptr ? split_index(segments[i]) : std::nullopt;
    walked += (walked.empty() ? "" : ".") + (indexed ? segments[i] : toml_key(segments[i]));
    // "programs[2]" names the third table of the array of tables [[programs]].
    if (indexed) {
      toml::node* array = table->get(indexed->first);
      if (array != nullptr && array->is_array_of_tables()) {
        if (indexed->second >= array->as_array()->size()) {
          throw ScenarioError(where, 0, 0, key_path,
                              "'" + walked + "' does not exist: [[" + indexed->first + "]] has " +
                                  std::to_string(array->as_array()->size()) + " tables in " +
                                  doc.path + " (counting from 0)");
        }
        next = array->as_array()->get(indexed->second);
      }
    }
    if (next == nullptr || !next->is_table()) {
      std::string message = "'" + walked + "' is not a table in " + doc.path;
      std::vector<std::string> tables;
      for (auto&& [name, node] : *table) {
        if (node.is_table()) tables.emplace_back(name.str());
      }
      if (const auto close = closest_match(segments[i], tables); close && next == nullptr) {
        message += " (did you mean '" + *close + "'?)";
      }
      throw ScenarioError(where, 0, 0, key_path, message);
    }
    table = next->as_table();
  }
  // Parse the value as TOML; text that is not a TOML value is taken as a bare string.
  // Either way the value's source is the override, so errors about it name the override.
  auto holder = parse_value(value_text, where);
  if (!holder) holder = parse_value(toml_string(value_text), where);
  if (!holder) {
    holder = toml::table{};
    holder->insert("v", value_text);
  }
  if (log != nullptr) log->before_insert(*table, segments.back());
  table->insert_or_assign(segments.back(), std::move(*holder->get("v")));
}

}  // namespace

void apply_override(Document& doc, std::string_view assignment, OverrideLog* log) {
  apply(doc, assignment, nullptr, log);
}

void apply_override_creating(Document& doc, std::string_view assignment,
                             bool (*creatable)(const std::vector<std::string>& path,
                                               std::size_t depth),
                             OverrideLog* log) {
  apply(doc, assignment, creatable, log);
}

bool Range::contains(double v) const {
  if (std::isnan(v)) return false;
  if (lo_open ? !(v > lo) : !(v >= lo)) return false;
  if (hi_open ? !(v < hi) : !(v <= hi)) return false;
  return true;
}

std::string Range::describe() const {
  const bool no_lo = std::isinf(lo) && lo < 0;
  const bool no_hi = std::isinf(hi) && hi > 0;
  std::string text;
  if (no_lo && no_hi) {
    text = "a number";
  } else if (no_hi) {
    text = std::string("a number ") + (lo_open ? "> " : ">= ") + show_number(lo);
  } else if (no_lo) {
    text = std::string("a number ") + (hi_open ? "< " : "<= ") + show_number(hi);
  } else {
    text = std::string("a number in ") + (lo_open ? "(" : "[") + show_number(lo) + ", " +
           show_number(hi) + (hi_open ? ")" : "]");
  }
  if (note != nullptr) text += std::string(" (") + note + ")";
  return text;
}

namespace {

// Where a key was written: the key's own position, which survives copying a document
// (toml++ does not copy a node's source region, but keys keep theirs), else the node's.
toml::source_position position(const toml::key& name, const toml::node& node) {
  return name.source().begin.line > 0 ? name.source().begin : node.source().begin;
}

}  // namespace

Reader::Reader(const Document& doc, const toml::table& table, std::string path)
    : doc_(&doc), table_(&table), path_(std::move(path)) {
  entries_.reserve(table.size());
  for (auto&& [name, node] : table) entries_.push_back({name.str(), &name, &node, false});
}

std::size_t Reader::find(std::string_view key) const {
  std::size_t i = 0;
  while (i < entries_.size() && !(entries_[i].key.size() == key.size() && entries_[i].key == key)) {
    ++i;
  }
  return i;
}

bool Reader::has(std::string_view key) const { return find(key) < entries_.size(); }

std::vector<std::string> Reader::keys() const {
  std::vector<std::pair<toml::source_position, std::string_view>> found;
  found.reserve(entries_.size());
  for (const Entry& e : entries_) found.emplace_back(position(*e.name, *e.node), e.key);
  std::stable_sort(found.begin(), found.end(), [](const auto& a, const auto& b) {
    return a.first.line != b.first.line ? a.first.line < b.first.line
                                        : a.first.column < b.first.column;
  });
  std::vector<std::string> out;
  out.reserve(found.size());
  for (const auto& f : found) out.emplace_back(f.second);
  return out;
}

std::string Reader::key_path(std::string_view key) const {
  if (!key.empty() && std::all_of(key.begin(), key.end(), is_bare_key_char)) {
    // The common case, built in place: one allocation rather than three.
    std::string out;
    out.reserve(path_.size() + 1 + key.size());
    if (!path_.empty()) (out += path_) += '.';
    return out += key;
  }
  return path_.empty() ? toml_key(key) : path_ + "." + toml_key(key);
}

const toml::node* Reader::get(std::string_view key) {
  if (const std::size_t i = find(key); i < entries_.size()) {
    entries_[i].read = true;
    return entries_[i].node;
  }
  (absent_ += key) += '\0';
  return nullptr;
}

void Reader::fail_at(const toml::source_region& where, std::string key_path,
                     const std::string& message) const {
  // A value set by an override has the override ("--set ...") as its source.
  if (where.path != nullptr && *where.path != doc_->path) {
    throw ScenarioError(*where.path, 0, 0, std::move(key_path), message);
  }
  throw ScenarioError(doc_->path, line_of(where), column_of(where), std::move(key_path), message);
}

void Reader::fail(std::string_view key, const std::string& message) const {
  const toml::node* n = table_->get(key);
  fail_at(n != nullptr ? n->source() : table_->source(), key_path(key), message);
}

void Reader::fail_table(const std::string& message) const {
  fail_at(table_->source(), path_, message);
}

void Reader::fail_item(std::string_view key, std::size_t index, const std::string& message) const {
  const toml::node* n = table_->get(key);
  if (n != nullptr && n->is_array() && index < n->as_array()->size()) {
    fail_at((*n->as_array())[index].source(), key_path(key), message);
  }
  fail(key, message);
}

std::optional<double> Reader::optional_number(std::string_view key, Range range) {
  const toml::node* n = get(key);
  if (n == nullptr) return std::nullopt;
  double v = 0.0;
  if (n->is_floating_point()) {
    v = n->as_floating_point()->get();
  } else if (n->is_integer()) {
    v = static_cast<double>(n->as_integer()->get());
  } else {
    fail(key,
         "expected " + range.describe() + ", got " + type_name(*n) + " (" + show_value(*n) + ")");
  }
  if (!range.contains(v)) fail(key, "expected " + range.describe() + ", got " + show_number(v));
  return v;
}

double Reader::number(std::string_view key, double fallback, Range range) {
  return optional_number(key, range).value_or(fallback);
}

double Reader::required_number(std::string_view key, Range range) {
  if (!has(key))
    fail_table("missing required key '" + std::string(key) + "' (" + range.describe() + ")");
  return *optional_number(key, range);
}

std::optional<std::int64_t> Reader::optional_integer(std::string_view key, std::int64_t lo,
                                                     std::int64_t hi) {
  const toml::node* n = get(key);
  if (n == nullptr) return std::nullopt;
  const std::string expected =
      "an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
  if (!n->is_integer())
    fail(key, "expected " + expected + ", got " + type_name(*n) + " (" + show_value(*n) + ")");
  const std::int64_t v = n->as_integer()->get();
  if (v < lo || v > hi) fail(key, "expected " + expected + ", got " + std::to_string(v));
  return v;
}

std::int64_t Reader::integer(std::string_view key, std::int64_t fallback, std::int64_t lo,
                             std::int64_t hi) {
  return optional_integer(key, lo, hi).value_or(fallback);
}

bool Reader::boolean(std::string_view key, bool fallback) {
  const toml::node* n = get(key);
  if (n == nullptr) return fallback;
  if (!n->is_boolean())
    fail(key, "expected true or false, got " + type_name(*n) + " (" + show_value(*n) + ")");
  return n->as_boolean()->get();
}

std::string Reader::string(std::string_view key, std::string fallback) {
  const toml::node* n = get(key);
  if (n == nullptr) return fallback;
  if (!n->is_string())
    fail(key, "expected a string, got " + type_name(*n) + " (" + show_value(*n) + ")");
  return n->as_string()->get();
}

std::string Reader::required_string(std::string_view key) {
  if (!has(key)) fail_table("missing required key '" + std::string(key) + "' (a string)");
  return string(key, "");
}

std::optional<std::string> Reader::optional_date(std::string_view key) {
  const toml::node* n = get(key);
  if (n == nullptr) return std::nullopt;
  if (n->is_date()) {
    const toml::date d = n->as_date()->get();
    return iso_date(d.year, d.month, d.day);
  }
  const std::string expected = "expected a date (2024-07-26 or \"2024-07-26\")";
  if (!n->is_string()) fail(key, expected + ", got " + type_name(*n) + " (" + show_value(*n) + ")");
  auto date = parse_iso_date(n->as_string()->get());
  if (!date) fail(key, expected + ", got " + show_value(*n));
  return date;
}

std::string Reader::choice(std::string_view key, std::string fallback,
                           std::initializer_list<std::string_view> allowed) {
  std::string v = string(key, std::move(fallback));
  if (std::find(allowed.begin(), allowed.end(), v) != allowed.end()) return v;
  std::string list;
  for (const auto a : allowed) list += (list.empty() ? "\"" : ", \"") + std::string(a) + "\"";
  fail(key, "expected one of " + list + ", got \"" + v + "\"");
}

std::vector<double> Reader::number_array(std::string_view key, Range range) {
  const toml::node* n = get(key);
  std::vector<double> out;
  if (n == nullptr) return out;
  if (!n->is_array()) fail(key, "expected an array of numbers, got " + type_name(*n));
  for (const auto& item : *n->as_array()) {
    double v = 0.0;
    if (item.is_floating_point()) {
      v = item.as_floating_point()->get();
    } else if (item.is_integer()) {
      v = static_cast<double>(item.as_integer()->get());
    } else {
      fail_at(item.source(), key_path(key),
              "expected an array of numbers, found " + type_name(item));
    }
    if (!range.contains(v)) {
      fail_at(item.source(), key_path(key),
              "expected elements " + range.describe() + ", got " + show_number(v));
    }
    out.push_back(v);
  }
  return out;
}

std::vector<std::string> Reader::string_array(std::string_view key) {
  const toml::node* n = get(key);
  std::vector<std::string> out;
  if (n == nullptr) return out;
  if (!n->is_array()) fail(key, "expected an array of strings, got " + type_name(*n));
  for (const auto& item : *n->as_array()) {
    if (!item.is_string())
      fail_at(item.source(), key_path(key),
              "expected an array of strings, found " + type_name(item));
    out.push_back(item.as_string()->get());
  }
  return out;
}

std::optional<Reader> Reader::table(std::string_view key) {
  const toml::node* n = get(key);
  if (n == nullptr) return std::nullopt;
  if (!n->is_table())
    fail(key, "expected a table, got " + type_name(*n) + " (" + show_value(*n) + ")");
  return Reader(*doc_, *n->as_table(), key_path(key));
}

Reader Reader::required_table(std::string_view key) {
  if (!has(key)) fail_table("missing required table [" + key_path(key) + "]");
  return *table(key);
}

std::vector<Reader> Reader::table_array(std::string_view key) {
  const toml::node* n = get(key);
  std::vector<Reader> out;
  if (n == nullptr) return out;
  // An empty array is an empty array of tables (an override "policy_changes=[]" removes all).
  if (n->is_array() && n->as_array()->empty()) return out;
  if (!n->is_array_of_tables())
    fail(key, "expected an array of tables ([[" + key_path(key) + "]]), got " + type_name(*n));
  std::size_t i = 0;
  for (const auto& item : *n->as_array()) {
    out.emplace_back(*doc_, *item.as_table(), key_path(key) + "[" + std::to_string(i++) + "]");
  }
  return out;
}

std::vector<std::pair<std::string, Reader>> Reader::named_tables(std::string_view key) {
  std::vector<std::pair<std::string, Reader>> out;
  auto parent = table(key);
  if (!parent) return out;
  std::vector<toml::source_position> where;
  out.reserve(parent->entries_.size());
  where.reserve(parent->entries_.size());
  for (Entry& e : parent->entries_) {
    const toml::node& node = *e.node;
    if (!node.is_table()) {
      fail_at(node.source(), parent->key_path(e.key),
              "expected a table ([" + parent->key_path(e.key) + "]), got " + type_name(node));
    }
    e.read = true;
    out.emplace_back(std::string(e.key), Reader(*doc_, *node.as_table(), parent->key_path(e.key)));
    where.push_back(position(*e.name, node));
  }
  // The order of a toml::table is its key order; sort by position in the file so agents
  // are numbered in the order the user wrote them.
  std::vector<std::size_t> order(out.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return where[a].line != where[b].line ? where[a].line < where[b].line
                                          : where[a].column < where[b].column;
  });
  std::vector<std::pair<std::string, Reader>> sorted;
  sorted.reserve(out.size());
  for (const std::size_t i : order) sorted.push_back(std::move(out[i]));
  out = std::move(sorted);
  return out;
}

void Reader::finish(std::initializer_list<std::string_view> also_known) const {
  for (const Entry& e : entries_) {
    const std::string_view key = e.key;
    if (e.read) continue;
    if (std::find(also_known.begin(), also_known.end(), key) != also_known.end()) continue;
    // Every key looked up, present or absent (an absent key asked twice is listed twice:
    // the suggestion, the first closest in key order, is the same).
    std::vector<std::string> known;
    for (std::size_t at = 0; at < absent_.size();) {
      const std::size_t end = absent_.find('\0', at);
      known.push_back(absent_.substr(at, end - at));
      at = end + 1;
    }
    for (const Entry& other : entries_) {
      if (other.read) known.emplace_back(other.key);
    }
    std::sort(known.begin(), known.end());  // suggestions as before: in key order
    known.insert(known.end(), also_known.begin(), also_known.end());
    std::string message = "unknown key";
    if (const auto close = closest_match(key, known))
      message += " (did you mean '" + *close + "'?)";
    const auto& where = e.name->source().begin.line > 0 ? e.name->source() : e.node->source();
    fail_at(where, key_path(key), message);
  }
}

std::string toml_number(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[32];
  const auto res = std::to_chars(buf, buf + sizeof buf, v);
  std::string out(buf, res.ptr);
  if (out.find_first_of(".e") == std::string::npos) out += ".0";
  return out;
}

std::string toml_string(std::string_view s) {
  std::string out = "\"";
  for (const char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04X",
                        static_cast<unsigned>(static_cast<unsigned char>(c)));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::string toml_key(std::string_view key) {
  if (!key.empty() && std::all_of(key.begin(), key.end(), is_bare_key_char))
    return std::string(key);
  return toml_string(key);
}

std::string lowercase(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::optional<std::string> closest_match(std::string_view word,
                                         const std::vector<std::string>& candidates) {
  std::optional<std::string> best;
  std::size_t best_distance = std::max<std::size_t>(2, word.size() / 3) + 1;
  for (const auto& c : candidates) {
    const std::size_t d = edit_distance(word, c);
    if (d < best_distance) {
      best_distance = d;
      best = c;
    }
  }
  return best;
}

}  // namespace cyberdeter::models::detail

namespace cyberdeter::models {

std::optional<std::string> closest_name(std::string_view word,
                                        const std::vector<std::string>& candidates) {
  return detail::closest_match(word, candidates);
}

}  // namespace cyberdeter::models
