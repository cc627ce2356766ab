// The words of a war-game turn and the rules they must respect (wargame.hpp).

#include "cyberdeter/models/deterrence/wargame.hpp"

#include <array>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <sstream>
#include <stdexcept>

#include "../toml_reader.hpp"

namespace cyberdeter::models::deterrence {
namespace {

constexpr double default_defense_bound = 0.95;  // as the loader and the model
constexpr double days_per_year = 365.25;
// A threshold is a case strength in the loader's range of values (docs/model.md §7.1).
constexpr double max_threshold = 1e12;
constexpr std::size_t longest_quote = 40;
// A program's cost a year, as the loader's range of VU values.
constexpr double max_cost = 1e12;  // characters of a typed word a message repeats

// A typed word as a message repeats it: at most `longest_quote` characters, control and
// non-ASCII bytes as '?'.
std::string quote(std::string_view word) {
  std::string out(word.substr(0, longest_quote));
  for (char& c : out) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7f) c = '?';
  }
  if (word.size() > longest_quote) out += "...";
  return "'" + out + "'";
}

std::vector<std::string> words(std::string_view text) {
  std::istringstream in{std::string(text)};
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

Rung parse_rung(const std::string& word) {
  const std::string w = detail::lowercase(word);
  if (w == "attribute" || w == "attribution") return Rung::attribute;
  if (w == "coordinate" || w == "coordinated" || w == "statement") return Rung::coordinate;
  if (w == "sanction" || w == "sanctions") return Rung::sanction;
  throw std::invalid_argument(quote(word) +
                              " is not a rung: expected attribute, coordinate or sanction");
}

double parse_number(const std::string& word, const std::string& what) {
  double v = 0.0;
  if (!parse_decimal(word, v)) {
    throw std::invalid_argument("expected a number for " + what + ", got " + quote(word));
  }
  return v;
}

// The shortest text that reads back as `v`, without TOML's ".0" on whole numbers.
std::string show(double v) {
  std::string s = detail::toml_number(v);
  if (s.size() > 2 && s.compare(s.size() - 2, 2, ".0") == 0) s.resize(s.size() - 2);
  return s;
}

}  // namespace

bool parse_decimal(std::string_view text, double& value) {
  if (text.empty() || text.size() > 64) return false;
  // Decimal only: no hexadecimal floats, no inf or nan.
  for (const char c : text) {
    if (!(std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == 'e' || c == 'E' ||
          c == '+' || c == '-')) {
      return false;
    }
  }
  const std::string copy(text);
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(copy.c_str(), &end);
  if (end != copy.c_str() + copy.size()) return false;
  if (errno == ERANGE && std::abs(v) < 1.0) {
    value = 0.0;  // an underflow is a tiny number, which the range checks judge
    return true;
  }
  if (!std::isfinite(v)) return false;
  value = v;
  return true;
}

std::vector<Rung> ResponseBrief::options() const {
  return {Rung::none, Rung::attribute, Rung::coordinate, Rung::sanction};
}

std::optional<std::string> check_action(const Scenario& sc, const TurnBrief& brief,
                                        const DoctrineAction& a) {
  const Doctrine& d = brief.doctrine;
  const std::string rung(to_string(a.rung));
  switch (a.kind) {
    case ActionKind::done: return std::nullopt;
    case ActionKind::enable:
      if (a.rung == Rung::none) return "only attribute, coordinate and sanction can be enabled";
      if (d.rung(a.rung).enabled) return rung + " is already enabled";
      return std::nullopt;
    case ActionKind::disable:
      if (a.rung == Rung::none) return "only attribute, coordinate and sanction can be disabled";
      if (!d.rung(a.rung).enabled) return rung + " is already disabled";
      return std::nullopt;
    case ActionKind::threshold: {
      if (a.rung == Rung::none) return "only attribute, coordinate and sanction have thresholds";
      if (!std::isfinite(a.value) || a.value < 0.0 || a.value > max_threshold) {
        return "a threshold is a case strength from 0 to " + show(max_threshold);
      }
      // resolve <= attribute <= coordinate <= sanction, as the loader requires.
      const std::array<double, 4> chain{brief.resolve, d.attribute.threshold,
                                        d.coordinate.threshold, d.sanction.threshold};
      const auto i = static_cast<std::size_t>(a.rung);
      const std::array<std::string_view, 4> names{"resolve", "attribute", "coordinate", "sanction"};
      if (a.value < chain[i - 1]) {
        return "the " + rung + " threshold must be at least the " + std::string(names[i - 1]) +
               (i == 1 ? " (" : " threshold (") + show(chain[i - 1]) + ")";
      }
      if (i + 1 < chain.size() && a.value > chain[i + 1]) {
        return "the " + rung + " threshold must be at most the " + std::string(names[i + 1]) +
               " threshold (" + show(chain[i + 1]) + ")";
      }
      return std::nullopt;
    }
    case ActionKind::program: {
      if (a.cost && (!std::isfinite(*a.cost) || *a.cost < 0.0 || *a.cost > max_cost)) {
        return "a program's cost is a number of VU a year from 0 to " + show(max_cost);
      }
      if (a.years) {
        const double left = (sc.run.horizon_days - brief.day) / days_per_year;
        if (!(*a.years > 0.0) || !std::isfinite(*a.years)) {
          return "a program lasts a positive number of years";
        }
        if (*a.years > left) {
          return "the session ends in " + show(std::floor(left * 100.0) / 100.0) +
                 " years: a program lasts at most that long (without years, it runs to the "
                 "end)";
        }
      }
      switch (a.program) {
        case ProgramKind::training:
        case ProgramKind::investment:
          if (!(a.rate > 0.0) || a.rate > 1.0) return "a program's rate is a number in (0, 1]";
          if (a.program == ProgramKind::investment && brief.defense >= default_defense_bound) {
            return "defense (" + show(brief.defense) +
                   ") is already at the ceiling of investment (" + show(default_defense_bound) +
                   ")";
          }
          return std::nullopt;
        case ProgramKind::exercise:
          if (a.years) return "an exercise lasts the scenario's exercise window; it takes no years";
          return std::nullopt;
        case ProgramKind::information_sharing:
          if (!a.community || *a.community >= sc.communities.size()) {
            return "information sharing needs a community";
          }
          if (std::find(brief.joinable_communities.begin(), brief.joinable_communities.end(),
                        *a.community) == brief.joinable_communities.end()) {
            return sc.states[brief.state].name + " is already a member of " +
                   sc.communities[*a.community].name;
          }
          return std::nullopt;
        case ProgramKind::capacity_building:
          return "capacity building is not offered in a war-game";
      }
    }
  }
  return "unknown action";
}

void apply(Doctrine& d, const DoctrineAction& a) {
  switch (a.kind) {
    case ActionKind::enable: d.rung(a.rung).enabled = true; break;
    case ActionKind::disable: d.rung(a.rung).enabled = false; break;
    case ActionKind::threshold: d.rung(a.rung).threshold = a.value; break;
    default: break;
  }
}

DoctrineAction parse_action(std::string_view text, const Scenario& sc) {
  const auto w = words(text);
  if (w.empty()) throw std::invalid_argument("empty: type an action, or 'done'");
  const std::string verb = detail::lowercase(w[0]);
  DoctrineAction a;
  auto expect_size = [&](std::size_t n, const char* usage) {
    if (w.size() != n) throw std::invalid_argument(std::string("usage: ") + usage);
  };
  if (verb == "done" || verb == "end" || verb == "pass") {
    expect_size(1, "done");
    return a;
  }
  if (verb == "enable" || verb == "disable") {
    expect_size(2, "enable|disable attribute|coordinate|sanction");
    a.kind = verb == "enable" ? ActionKind::enable : ActionKind::disable;
    a.rung = parse_rung(w[1]);
    return a;
  }
  if (verb == "threshold") {
    expect_size(3, "threshold attribute|coordinate|sanction VALUE");
    a.kind = ActionKind::threshold;
    a.rung = parse_rung(w[1]);
    a.value = parse_number(w[2], "the threshold");
    return a;
  }
  if (verb == "program") {
    if (w.size() < 2) {
      throw std::invalid_argument(
          "usage: program training|investment [rate R] [years Y] [cost C] | program exercise "
          "[cost C] | program sharing COMMUNITY [years Y] [cost C]");
    }
    a.kind = ActionKind::program;
    const std::string kind = detail::lowercase(w[1]);
    std::size_t end = w.size();
    // Trailing "years Y" (every kind but the exercise) and "cost C", in either order.
    while (end >= 4) {
      const std::string key = detail::lowercase(w[end - 2]);
      if (key == "years" && !a.years) {
        a.years = parse_number(w[end - 1], "years");
      } else if (key == "cost" && !a.cost) {
        a.cost = parse_number(w[end - 1], "the cost");
      } else {
        break;
      }
      end -= 2;
    }
    if (kind == "training" || kind == "investment") {
      a.program = kind == "training" ? ProgramKind::training : ProgramKind::investment;
      if (end == 4 && detail::lowercase(w[2]) == "rate") {
        a.rate = parse_number(w[3], "the rate");
      } else if (end != 2) {
        throw std::invalid_argument("usage: program " + kind + " [rate R] [years Y] [cost C]");
      }
      return a;
    }
    if (kind == "exercise") {
      a.program = ProgramKind::exercise;
      if (end != 2 || a.years) throw std::invalid_argument("usage: program exercise [cost C]");
      return a;
    }
    if (kind == "sharing" || kind == "information_sharing") {
      a.program = ProgramKind::information_sharing;
      if (end < 3) {
        throw std::invalid_argument("usage: program sharing COMMUNITY [years Y] [cost C]");
      }
      std::string name;
      for (std::size_t i = 2; i < end; ++i) name += (i > 2 ? " " : "") + w[i];
      for (std::size_t c = 0; c < sc.communities.size(); ++c) {
        if (detail::lowercase(sc.communities[c].name) == detail::lowercase(name)) a.community = c;
      }
      if (!a.community) {
        std::string known;
        for (const auto& c : sc.communities) known += (known.empty() ? "" : ", ") + c.name;
        throw std::invalid_argument(
            "no community " + quote(name) +
            (known.empty() ? " (the scenario has none)" : " (the scenario has: " + known + ")"));
      }
      return a;
    }
    throw std::invalid_argument(quote(w[1]) +
                                " is not a program: expected training, investment, exercise "
                                "or sharing");
  }
  throw std::invalid_argument(quote(w[0]) +
                              " is not an action: expected done, enable, disable, threshold or "
                              "program (type ? for help)");
}

std::string format_action(const DoctrineAction& a, const Scenario& sc) {
  const std::string rung(to_string(a.rung));
  const std::string years =
      (a.years ? " years " + show(*a.years) : "") + (a.cost ? " cost " + show(*a.cost) : "");
  switch (a.kind) {
    case ActionKind::done: return "done";
    case ActionKind::enable: return "enable " + rung;
    case ActionKind::disable: return "disable " + rung;
    case ActionKind::threshold: return "threshold " + rung + " " + show(a.value);
    case ActionKind::program:
      switch (a.program) {
        case ProgramKind::training: return "program training rate " + show(a.rate) + years;
        case ProgramKind::investment: return "program investment rate " + show(a.rate) + years;
        case ProgramKind::exercise: return "program exercise" + years;
        case ProgramKind::information_sharing:
          return "program sharing " + sc.communities.at(a.community.value()).name + years;
        case ProgramKind::capacity_building: return "program capacity_building";
      }
  }
  return "?";
}

Program make_program(const Scenario& sc, std::size_t s, double day, const DoctrineAction& a) {
  Program p;
  p.kind = a.program;
  p.owner = s;
  p.beneficiary = s;
  p.start_day = day;
  p.rate = a.rate;
  p.community = a.community;
  p.cost_per_year = a.cost.value_or(0.0);
  p.name = "war-game: " + format_action(a, sc);
  if (a.program == ProgramKind::exercise) {
    p.end_day = day + sc.calibration.exercise_window_days;
  } else if (a.years) {
    p.end_day = day + *a.years * days_per_year;
  }
  return p;
}

namespace {
constexpr std::array<std::string_view, 5> stance_words{"abstain", "concur", "amend", "separate",
                                                       "reject"};
constexpr std::array<std::string_view, 3> consent_words{"willing", "unanimity", "silence"};
}  // namespace

std::string_view to_string(Stance s) noexcept {
  const auto i = static_cast<std::size_t>(s);
  return i < stance_words.size() ? stance_words[i] : "?";
}

std::optional<Stance> parse_stance(std::string_view word) noexcept {
  for (std::size_t i = 0; i < stance_words.size(); ++i) {
    if (stance_words[i] == word) return static_cast<Stance>(i);
  }
  return std::nullopt;
}

std::string_view to_string(Consent c) noexcept {
  const auto i = static_cast<std::size_t>(c);
  return i < consent_words.size() ? consent_words[i] : "?";
}

std::optional<Consent> parse_consent(std::string_view word) noexcept {
  for (std::size_t i = 0; i < consent_words.size(); ++i) {
    if (consent_words[i] == word) return static_cast<Consent>(i);
  }
  return std::nullopt;
}

}  // namespace cyberdeter::models::deterrence
