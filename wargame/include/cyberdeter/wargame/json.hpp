#pragma once
// A small JSON value, reader and writer for the seat protocol (docs/wargame.md, "The seat
// protocol"). Debian 12's Boost (1.74) has no Boost.JSON, and the protocol needs little:
// objects, arrays, strings, numbers, booleans and null. The reader is bounded — depth,
// length, items and string size — so that no message a client sends can make it recurse
// deeply or allocate without limit; it never throws on bad input, it says why.

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace cyberdeter::wargame::json {

class Value;
using Array = std::vector<Value>;
/// Keys in order of insertion (a message reads back as it was written); a duplicate key is
/// a parse error.
using Object = std::vector<std::pair<std::string, Value>>;

class Value {
 public:
  Value() = default;
  Value(std::nullptr_t) {}
  Value(bool b) : v_(b) {}
  Value(double d) : v_(d) {}
  Value(int i) : v_(static_cast<double>(i)) {}
  Value(long i) : v_(static_cast<double>(i)) {}
  Value(long long i) : v_(static_cast<double>(i)) {}
  Value(unsigned i) : v_(static_cast<double>(i)) {}
  Value(unsigned long i) : v_(static_cast<double>(i)) {}
  Value(unsigned long long i) : v_(static_cast<double>(i)) {}
  Value(const char* s) : v_(std::string(s)) {}
  Value(std::string s) : v_(std::move(s)) {}
  Value(std::string_view s) : v_(std::string(s)) {}
  Value(Array a) : v_(std::move(a)) {}
  Value(Object o) : v_(std::move(o)) {}

  bool is_null() const noexcept { return v_.index() == 0; }
  bool is_bool() const noexcept { return v_.index() == 1; }
  bool is_number() const noexcept { return v_.index() == 2; }
  bool is_string() const noexcept { return v_.index() == 3; }
  bool is_array() const noexcept { return v_.index() == 4; }
  bool is_object() const noexcept { return v_.index() == 5; }

  bool as_bool() const { return std::get<bool>(v_); }
  double as_number() const { return std::get<double>(v_); }
  const std::string& as_string() const { return std::get<std::string>(v_); }
  const Array& as_array() const { return std::get<Array>(v_); }
  Array& as_array() { return std::get<Array>(v_); }
  const Object& as_object() const { return std::get<Object>(v_); }
  Object& as_object() { return std::get<Object>(v_); }

  /// The member `key` of an object, or nullptr (also when this is not an object).
  const Value* find(std::string_view key) const;
  /// Sets member `key` of an object (appended if new); returns *this.
  Value& set(std::string key, Value value);
  /// Appends to an array; returns *this.
  Value& push(Value value);

  /// Typed look-ups: nullopt when the member is missing or of another type.
  std::optional<std::string> string(std::string_view key) const;
  std::optional<double> number(std::string_view key) const;
  std::optional<bool> boolean(std::string_view key) const;

  /// Compact JSON text; numbers with 17 significant digits (integers as integers), a
  /// non-finite number as null.
  std::string dump() const;

 private:
  void write(std::string& out) const;
  std::variant<std::nullptr_t, bool, double, std::string, Array, Object> v_;
};

/// An empty object or array to fill with set() or push().
inline Value object() { return Value(Object{}); }
inline Value array() { return Value(Array{}); }

struct Limits {
  std::size_t max_bytes = 64 * 1024;  ///< the whole text
  std::size_t max_depth = 16;         ///< nested arrays and objects
  std::size_t max_items = 4096;       ///< values in all
  std::size_t max_string = 16 * 1024;
};

/// Parses one JSON text (RFC 8259; UTF-8 is passed through, \u escapes are decoded to
/// UTF-8, a lone surrogate is an error). On failure returns nullopt and says why in
/// `error` (with the byte offset).
std::optional<Value> parse(std::string_view text, std::string& error, const Limits& limits = {});

/// `text` as a JSON string literal, quotes included; bytes that are not valid UTF-8 are
/// replaced by U+FFFD so that the output is always valid JSON.
std::string quote(std::string_view text);

}  // namespace cyberdeter::wargame::json
