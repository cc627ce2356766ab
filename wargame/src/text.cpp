#include "cyberdeter/wargame/text.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>

namespace cyberdeter::wargame {

std::string when(const models::deterrence::Scenario& sc, double day) {
  char buf[64];
  const double d = std::isfinite(day) ? std::floor(day) : 0.0;
  std::snprintf(buf, sizeof buf, "day %.0f", d);
  const std::string label = buf;
  const std::string& start = sc.run.start_date;
  int y = 0, m = 0, dd = 0;
  if (start.size() != 10 || std::sscanf(start.c_str(), "%d-%d-%d", &y, &m, &dd) != 3) return label;
  if (!(d >= 0.0 && d <= 1e7)) return label;  // beyond any calendar a scenario reaches
  using namespace std::chrono;
  const sys_days base{year{y} / month{static_cast<unsigned>(m)} /
                      std::chrono::day{static_cast<unsigned>(dd)}};
  const year_month_day date{base + days{static_cast<int>(d)}};
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
  return std::string(buf) + " (" + label + ")";
}

std::vector<std::string> wrap(std::string_view text, std::size_t room,
                              std::optional<std::size_t> hang) {
  room = std::max<std::size_t>(room, 2);
  const std::size_t first_word = text.find_first_not_of(' ');
  const std::size_t indent = first_word == std::string_view::npos ? 0 : first_word;
  // A continuation indent of half the room or more could leave no room to advance.
  const std::string continuation(std::min(hang.value_or(indent + 2), room / 2), ' ');
  std::vector<std::string> lines;
  std::size_t pos = 0;
  for (bool first = true;; first = false) {
    const std::string_view prefix = first ? std::string_view() : continuation;
    const std::size_t available = room - prefix.size();
    const std::string_view rest = text.substr(pos);
    if (rest.size() <= available) {
      lines.push_back(std::string(prefix) + std::string(rest));
      return lines;
    }
    // Break at the last blank that fits, after the first line's indent; else cut the word.
    std::size_t cut = rest.rfind(' ', available);
    const std::size_t least = first ? indent : 0;
    if (cut == std::string_view::npos || cut <= least) cut = available;
    std::string_view line = rest.substr(0, cut);
    while (line.size() > least && line.back() == ' ') line.remove_suffix(1);
    lines.push_back(std::string(prefix) + std::string(line));
    pos += cut;
    while (pos < text.size() && text[pos] == ' ') ++pos;
    if (pos >= text.size()) return lines;
  }
}

std::string shown_input(std::string_view text, std::size_t limit) {
  std::string out(text.substr(0, limit));
  for (char& c : out) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7f) c = '?';
  }
  if (text.size() > limit) out += "... (" + std::to_string(text.size()) + " characters)";
  return out;
}

std::string printable(std::string_view text, std::size_t limit) {
  std::string out(text.substr(0, limit));
  for (char& c : out) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7f) c = '?';
  }
  return out;
}

std::string normalise_answer(std::string_view line) {
  const auto b = line.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) return "";
  const auto e = line.find_last_not_of(" \t\r");
  std::string w(line.substr(b, e - b + 1));
  for (char& c : w) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return w;
}

}  // namespace cyberdeter::wargame
