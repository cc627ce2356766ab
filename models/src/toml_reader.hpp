#pragma once
// Validating access to TOML documents (private to models/). Every read names the key's
// dotted path and its place in the file when it fails, and every table remembers which
// keys were read so that `finish()` can reject unknown ones (with a suggestion).

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <toml++/toml.h>

#include "cyberdeter/models/scenario_error.hpp"

namespace cyberdeter::models::detail {

/// A parsed file: its path (for messages), its full text (for provenance) and its root.
struct Document {
  std::string path;
  std::string text;
  toml::table root;
};

/// Reads and parses `path`; unreadable files and syntax errors throw ScenarioError.
Document parse_file(const std::string& path);
/// Parses `text` as if it were the file `path`.
Document parse_text(std::string text, std::string path);

/// What overrides changed in a document, so that it can be put back as it was: a sweep
/// applies each design point's overrides to a working copy of the base document and undoes
/// them after loading the point, instead of copying the whole document for every point.
class OverrideLog {
 public:
  /// Puts the document back as it was before the logged overrides (last change first) and
  /// empties the log. Returns false, changing nothing, when an override replaced a table or
  /// an array (an earlier change may lie inside it): the document must then be discarded.
  bool undo();

  /// Called by the override functions below, before they insert `key` into `table`.
  void before_insert(toml::table& table, std::string_view key);

 private:
  struct Change {
    toml::table* table;
    std::string key;
    std::unique_ptr<toml::table> old;  ///< the value replaced, as "v"; null if the key was new
  };
  std::vector<Change> changes_;
  bool restorable_ = true;
};

/// Applies one "dotted.key.path=value" override (the value is TOML, or a bare string).
/// Tables along the path must exist ("programs[2]" names the third [[programs]] table);
/// the last key may be new (validation comes later).
/// The new value remembers that it came from "--set ASSIGNMENT", so that an error about
/// it names the override rather than a place in the file. With a `log`, the change is
/// logged for OverrideLog::undo.
void apply_override(Document& doc, std::string_view assignment, OverrideLog* log = nullptr);

/// Creates the empty tables along an override's path that `creatable(path, depth)` allows
/// (path[0..depth] names the table), so that a key of a fixed table can be overridden
/// whether or not the file wrote the table; then the override is applied as
/// apply_override does. Tables that are not creatable (named entries) stay an error.
void apply_override_creating(Document& doc, std::string_view assignment,
                             bool (*creatable)(const std::vector<std::string>& path,
                                               std::size_t depth),
                             OverrideLog* log = nullptr);

/// Splits a dotted key path ("states.\"United States\".defense") into its segments.
std::vector<std::string> split_key_path(std::string_view path);

/// An allowed interval for a number. NaN is never allowed; infinity only when a closed
/// bound says so (positive() and non_negative() are finite).
struct Range {
  double lo = -std::numeric_limits<double>::infinity();
  double hi = std::numeric_limits<double>::infinity();
  bool lo_open = false;
  bool hi_open = false;
  /// Why the bounds are what they are, shown after them ("at most one per tick").
  const char* note = nullptr;

  static Range closed(double lo, double hi) { return {lo, hi, false, false}; }
  static Range half_open(double lo, double hi) { return {lo, hi, false, true}; }
  static Range open_closed(double lo, double hi) { return {lo, hi, true, false}; }
  static Range positive() { return {0.0, std::numeric_limits<double>::infinity(), true, true}; }
  static Range non_negative() {
    return {0.0, std::numeric_limits<double>::infinity(), false, true};
  }
  static Range probability() { return closed(0.0, 1.0); }
  static Range any() { return {}; }
  Range because(const char* why) const {
    Range r = *this;
    r.note = why;
    return r;
  }

  bool contains(double v) const;
  std::string describe() const;  ///< e.g. "a number in [0, 1)"
};

/// A view of one table of a Document that records which keys were looked up.
class Reader {
 public:
  Reader(const Document& doc, const toml::table& table, std::string path);

  const std::string& path() const noexcept { return path_; }
  bool has(std::string_view key) const;
  /// The keys of this table in file order (not marked as read).
  std::vector<std::string> keys() const;
  /// Dotted path of a key in this table, e.g. "states.Japan.defense" or
  /// "states.\"United States\".defense" (names that are not bare keys are quoted).
  std::string key_path(std::string_view key) const;

  double number(std::string_view key, double fallback, Range range);
  std::optional<double> optional_number(std::string_view key, Range range);
  double required_number(std::string_view key, Range range);
  std::int64_t integer(std::string_view key, std::int64_t fallback, std::int64_t lo,
                       std::int64_t hi);
  std::optional<std::int64_t> optional_integer(std::string_view key, std::int64_t lo,
                                               std::int64_t hi);
  bool boolean(std::string_view key, bool fallback);
  std::string string(std::string_view key, std::string fallback);
  std::string required_string(std::string_view key);
  /// A calendar date, written as a TOML local date (2024-07-26) or as a string
  /// "YYYY-MM-DD"; returned as "YYYY-MM-DD".
  std::optional<std::string> optional_date(std::string_view key);
  /// A string that must be one of `allowed`.
  std::string choice(std::string_view key, std::string fallback,
                     std::initializer_list<std::string_view> allowed);
  std::vector<double> number_array(std::string_view key, Range range);
  std::vector<std::string> string_array(std::string_view key);

  std::optional<Reader> table(std::string_view key);
  Reader required_table(std::string_view key);
  /// The tables of an array of tables ([[key]]); empty if the key is absent.
  std::vector<Reader> table_array(std::string_view key);
  /// The sub-tables of table `key`, in file order, each with its name ([key.NAME]).
  std::vector<std::pair<std::string, Reader>> named_tables(std::string_view key);

  /// The node at `key` (marked as looked up), or nullptr: for values of several types.
  const toml::node* raw(std::string_view key) { return get(key); }

  /// Throws for the first key that was never looked up, suggesting the closest known key.
  void finish(std::initializer_list<std::string_view> also_known = {}) const;

  /// Throws a ScenarioError located at `key` (or at this table if the key is absent).
  [[noreturn]] void fail(std::string_view key, const std::string& message) const;
  /// Throws a ScenarioError located at this table.
  [[noreturn]] void fail_table(const std::string& message) const;
  /// Throws a ScenarioError located at element `index` of the array `key`.
  [[noreturn]] void fail_item(std::string_view key, std::size_t index,
                              const std::string& message) const;

 private:
  const toml::node* get(std::string_view key);
  [[noreturn]] void fail_at(const toml::source_region& where, std::string key_path,
                            const std::string& message) const;

  const Document* doc_;
  const toml::table* table_;
  std::string path_;
  // The table's entries in its (key) order, each marked when looked up. A sweep loads a
  // scenario for every design point and this is the loader's innermost loop: a linear scan
  // that compares lengths first costs less, for the tens of keys of a table, than the map's
  // string comparisons, and finish() checks marks rather than searching names.
  struct Entry {
    std::string_view key;
    const toml::key* name;
    const toml::node* node;
    bool read;
  };
  std::vector<Entry> entries_;
  // The keys looked up that the table lacks, each followed by a NUL: only an unknown key's
  // suggestion needs them, and one buffer costs fewer allocations than a string each.
  std::string absent_;
  // The index of `key` in entries_, or entries_.size().
  std::size_t find(std::string_view key) const;
};

/// Shortest text that reads back as exactly `v`, as a TOML float ("0.9", "1.0", "inf").
std::string toml_number(double v);

/// `s` as a TOML basic string, quoted and escaped: "United States", "a \"b\"".
std::string toml_string(std::string_view s);

/// `key` as written in TOML: bare if it may be (A-Z a-z 0-9 _ -), else quoted.
std::string toml_key(std::string_view key);

/// `s` in lower case (ASCII letters only; other bytes kept).
std::string lowercase(std::string_view s);

/// The closest of `candidates` to `word` by edit distance, if reasonably close.
std::optional<std::string> closest_match(std::string_view word,
                                         const std::vector<std::string>& candidates);

}  // namespace cyberdeter::models::detail
