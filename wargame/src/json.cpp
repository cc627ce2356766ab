// A small, bounded JSON reader and writer (json.hpp).

#include "cyberdeter/wargame/json.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace cyberdeter::wargame::json {

const Value* Value::find(std::string_view key) const {
  if (!is_object()) return nullptr;
  for (const auto& [k, v] : as_object()) {
    if (k == key) return &v;
  }
  return nullptr;
}

Value& Value::set(std::string key, Value value) {
  Object& o = as_object();
  for (auto& [k, v] : o) {
    if (k == key) {
      v = std::move(value);
      return *this;
    }
  }
  o.emplace_back(std::move(key), std::move(value));
  return *this;
}

Value& Value::push(Value value) {
  as_array().push_back(std::move(value));
  return *this;
}

std::optional<std::string> Value::string(std::string_view key) const {
  const Value* v = find(key);
  if (v == nullptr || !v->is_string()) return std::nullopt;
  return v->as_string();
}

std::optional<double> Value::number(std::string_view key) const {
  const Value* v = find(key);
  if (v == nullptr || !v->is_number()) return std::nullopt;
  return v->as_number();
}

std::optional<bool> Value::boolean(std::string_view key) const {
  const Value* v = find(key);
  if (v == nullptr || !v->is_bool()) return std::nullopt;
  return v->as_bool();
}

namespace {

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// The length of the valid UTF-8 sequence at text[i], or 0 if it is not one.
std::size_t utf8_length(std::string_view text, std::size_t i) {
  const auto c = static_cast<unsigned char>(text[i]);
  std::size_t n = 0;
  std::uint32_t cp = 0;
  if (c < 0x80) return 1;
  if ((c & 0xE0) == 0xC0) {
    n = 2;
    cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3;
    cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    n = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + n > text.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    const auto d = static_cast<unsigned char>(text[i + k]);
    if ((d & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (d & 0x3F);
  }
  // No overlong forms, no surrogates, nothing past U+10FFFF.
  if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000)) return 0;
  if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) return 0;
  return n;
}

class Parser {
 public:
  Parser(std::string_view text, const Limits& limits) : t_(text), limits_(limits) {}

  std::optional<Value> run(std::string& error) {
    if (t_.size() > limits_.max_bytes) {
      error = "the message is longer than " + std::to_string(limits_.max_bytes) + " bytes";
      return std::nullopt;
    }
    Value v;
    bool ok = value(v, 0);
    if (ok) {
      skip();
      if (i_ != t_.size()) ok = fail("text after the value");
    }
    if (!ok) {
      error = error_ + " (at byte " + std::to_string(i_) + ")";
      return std::nullopt;
    }
    return v;
  }

 private:
  bool fail(const char* why) {
    if (error_.empty()) error_ = why;
    return false;
  }
  void skip() {
    while (i_ < t_.size() &&
           (t_[i_] == ' ' || t_[i_] == '\t' || t_[i_] == '\n' || t_[i_] == '\r')) {
      ++i_;
    }
  }
  bool literal(std::string_view word) {
    if (t_.substr(i_, word.size()) != word) return fail("not a JSON value");
    i_ += word.size();
    return true;
  }
  bool value(Value& out, std::size_t depth) {
    if (++items_ > limits_.max_items) return fail("too many values");
    skip();
    if (i_ >= t_.size()) return fail("the text ends before a value");
    const char c = t_[i_];
    if (c == '{' || c == '[') {
      if (depth >= limits_.max_depth) return fail("nested too deeply");
      return c == '{' ? object(out, depth + 1) : array(out, depth + 1);
    }
    if (c == '"') {
      std::string s;
      if (!string(s)) return false;
      out = Value(std::move(s));
      return true;
    }
    if (c == 't') return literal("true") && (out = Value(true), true);
    if (c == 'f') return literal("false") && (out = Value(false), true);
    if (c == 'n') return literal("null") && (out = Value(nullptr), true);
    return number(out);
  }
  bool number(Value& out) {
    const std::size_t start = i_;
    if (i_ < t_.size() && t_[i_] == '-') ++i_;
    auto digits = [&] {
      const std::size_t from = i_;
      while (i_ < t_.size() && t_[i_] >= '0' && t_[i_] <= '9') ++i_;
      return i_ - from;
    };
    if (i_ < t_.size() && t_[i_] == '0') {
      ++i_;
    } else if (digits() == 0) {
      return fail("not a JSON value");
    }
    if (i_ < t_.size() && t_[i_] == '.') {
      ++i_;
      if (digits() == 0) return fail("a number without digits after its point");
    }
    if (i_ < t_.size() && (t_[i_] == 'e' || t_[i_] == 'E')) {
      ++i_;
      if (i_ < t_.size() && (t_[i_] == '+' || t_[i_] == '-')) ++i_;
      if (digits() == 0) return fail("a number without digits in its exponent");
    }
    if (i_ - start > 64) return fail("a number longer than 64 characters");
    const std::string text(t_.substr(start, i_ - start));
    const double v = std::strtod(text.c_str(), nullptr);
    if (!std::isfinite(v)) return fail("a number out of range");
    out = Value(v);
    return true;
  }
  bool hex4(std::uint32_t& cp) {
    if (i_ + 4 > t_.size()) return fail("a \\u escape cut short");
    cp = 0;
    for (int k = 0; k < 4; ++k) {
      const char h = t_[i_++];
      cp <<= 4;
      if (h >= '0' && h <= '9') {
        cp |= static_cast<std::uint32_t>(h - '0');
      } else if (h >= 'a' && h <= 'f') {
        cp |= static_cast<std::uint32_t>(h - 'a' + 10);
      } else if (h >= 'A' && h <= 'F') {
        cp |= static_cast<std::uint32_t>(h - 'A' + 10);
      } else {
        return fail("a \\u escape that is not hexadecimal");
      }
    }
    return true;
  }
  bool string(std::string& out) {
    ++i_;  // the opening quote
    for (;;) {
      if (i_ >= t_.size()) return fail("a string without its closing quote");
      if (out.size() > limits_.max_string) return fail("a string too long");
      const char c = t_[i_];
      if (c == '"') {
        ++i_;
        return true;
      }
      if (static_cast<unsigned char>(c) < 0x20) return fail("a control character in a string");
      if (c != '\\') {
        const std::size_t n = utf8_length(t_, i_);
        if (n == 0) return fail("a string that is not UTF-8");
        out.append(t_.substr(i_, n));
        i_ += n;
        continue;
      }
      if (++i_ >= t_.size()) return fail("a string without its closing quote");
      const char e = t_[i_++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          std::uint32_t cp = 0;
          if (!hex4(cp)) return false;
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            std::uint32_t lo = 0;
            if (t_.substr(i_, 2) != "\\u") return fail("a lone surrogate");
            i_ += 2;
            if (!hex4(lo)) return false;
            if (lo < 0xDC00 || lo > 0xDFFF) return fail("a lone surrogate");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            return fail("a lone surrogate");
          }
          append_utf8(out, cp);
          break;
        }
        default: return fail("an unknown escape in a string");
      }
    }
  }
  bool array(Value& out, std::size_t depth) {
    ++i_;
    Array a;
    skip();
    if (i_ < t_.size() && t_[i_] == ']') {
      ++i_;
      out = Value(std::move(a));
      return true;
    }
    for (;;) {
      Value v;
      if (!value(v, depth)) return false;
      a.push_back(std::move(v));
      skip();
      if (i_ >= t_.size()) return fail("an array without its closing bracket");
      if (t_[i_] == ',') {
        ++i_;
        continue;
      }
      if (t_[i_] != ']') return fail("expected , or ] in an array");
      ++i_;
      out = Value(std::move(a));
      return true;
    }
  }
  bool object(Value& out, std::size_t depth) {
    ++i_;
    Value o = json::object();
    skip();
    if (i_ < t_.size() && t_[i_] == '}') {
      ++i_;
      out = std::move(o);
      return true;
    }
    for (;;) {
      skip();
      if (i_ >= t_.size() || t_[i_] != '"') return fail("expected a key in an object");
      std::string key;
      if (!string(key)) return false;
      skip();
      if (i_ >= t_.size() || t_[i_] != ':') return fail("expected : after a key");
      ++i_;
      Value v;
      if (!value(v, depth)) return false;
      if (o.find(key) != nullptr) return fail("a key given twice in an object");
      o.as_object().emplace_back(std::move(key), std::move(v));
      skip();
      if (i_ >= t_.size()) return fail("an object without its closing brace");
      if (t_[i_] == ',') {
        ++i_;
        continue;
      }
      if (t_[i_] != '}') return fail("expected , or } in an object");
      ++i_;
      out = std::move(o);
      return true;
    }
  }

  std::string_view t_;
  const Limits& limits_;
  std::size_t i_ = 0;
  std::size_t items_ = 0;
  std::string error_;
};

}  // namespace

std::optional<Value> parse(std::string_view text, std::string& error, const Limits& limits) {
  return Parser(text, limits).run(error);
}

std::string quote(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out += '"';
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
      ++i;
    } else if (c < 0x20) {
      char buf[8];
      switch (c) {
        case '\n': out += "\\n"; break;
        case '\t': out += "\\t"; break;
        case '\r': out += "\\r"; break;
        default: std::snprintf(buf, sizeof buf, "\\u%04x", c); out += buf;
      }
      ++i;
    } else {
      const std::size_t n = utf8_length(text, i);
      if (n == 0) {
        out += "\xEF\xBF\xBD";  // U+FFFD
        ++i;
      } else {
        out.append(text.substr(i, n));
        i += n;
      }
    }
  }
  out += '"';
  return out;
}

void Value::write(std::string& out) const {
  switch (v_.index()) {
    case 0: out += "null"; return;
    case 1: out += as_bool() ? "true" : "false"; return;
    case 2: {
      const double d = as_number();
      if (!std::isfinite(d)) {
        out += "null";
        return;
      }
      char buf[40];
      if (d == std::floor(d) && std::fabs(d) < 9.007199254740992e15) {
        std::snprintf(buf, sizeof buf, "%.0f", d);
      } else {
        std::snprintf(buf, sizeof buf, "%.17g", d);
      }
      out += buf;
      return;
    }
    case 3: out += quote(as_string()); return;
    case 4: {
      out += '[';
      bool first = true;
      for (const Value& v : as_array()) {
        if (!first) out += ',';
        first = false;
        v.write(out);
      }
      out += ']';
      return;
    }
    default: {
      out += '{';
      bool first = true;
      for (const auto& [k, v] : as_object()) {
        if (!first) out += ',';
        first = false;
        out += quote(k);
        out += ':';
        v.write(out);
      }
      out += '}';
      return;
    }
  }
}

std::string Value::dump() const {
  std::string out;
  write(out);
  return out;
}

}  // namespace cyberdeter::wargame::json
