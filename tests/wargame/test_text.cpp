// The war-game's text helpers on any input: wrap() always ends, no line is wider than the
// room, and no word is lost (property tests over random strings and lengths).
#include <random>
#include <string>

#include <catch2/catch.hpp>

#include "cyberdeter/wargame/briefs.hpp"
#include "cyberdeter/wargame/text.hpp"

using namespace cyberdeter::wargame;

namespace {

std::string without_blanks(const std::string& s) {
  std::string out;
  for (const char c : s) {
    if (c != ' ') out += c;
  }
  return out;
}

}  // namespace

TEST_CASE("wrap ends on any text, room and hang, and keeps every character", "[wargame][text]") {
  std::mt19937_64 rng(15);
  const std::string alphabet = "ab  x-.0123456789\t";
  for (int trial = 0; trial < 20000; ++trial) {
    std::string text;
    const auto length =
        std::uniform_int_distribution<std::size_t>(0, trial % 10 == 0 ? 5000 : 120)(rng);
    const bool long_word = trial % 3 == 0;
    for (std::size_t i = 0; i < length; ++i) {
      text += long_word && i > 3 ? 'w' : alphabet[rng() % alphabet.size()];
    }
    if (trial % 5 == 0) text = std::string(rng() % 20, ' ') + text;  // an indent
    const std::size_t room = std::uniform_int_distribution<std::size_t>(0, 100)(rng);
    const std::optional<std::size_t> hang =
        trial % 2 == 0
            ? std::nullopt
            : std::optional<std::size_t>(std::uniform_int_distribution<std::size_t>(0, 300)(rng));
    const auto lines = wrap(text, room, hang);
    REQUIRE(lines.size() <= text.size() + 1);
    std::string joined;
    for (const auto& l : lines) {
      REQUIRE(l.size() <= std::max<std::size_t>(room, 2));
      joined += l;
    }
    REQUIRE(without_blanks(joined) == without_blanks(text));
  }
}

TEST_CASE("the reproduction: a 58-digit threshold in a brief's line", "[wargame][text]") {
  const std::string line =
      "attribute >= 0.70 on | coordinate >= 0.80 on | sanction >= " + std::string(58, '9') +
      ".00 on";
  const auto lines = wrap(line, 64);
  CHECK(lines.size() <= 4);
  for (const auto& l : lines) CHECK(l.size() <= 64);
}

TEST_CASE("shown input and rationales are bounded and printable", "[wargame][text]") {
  const std::string nul("a\0b\x1b[A\xff", 7);
  CHECK(shown_input(nul) == "a?b?[A?");
  CHECK(shown_input(std::string(6'400'000, 'x'), 48).size() < 100);
  const auto split = split_rationale("c # too damaging \x01 to stay quiet   ");
  CHECK(split.answer == "c ");
  CHECK(split.rationale == "too damaging ? to stay quiet");
  CHECK(split_rationale("q #" + std::string(5000, 'y')).rationale.size() == 1000);
  CHECK(split_rationale("quiet").rationale.empty());
}
