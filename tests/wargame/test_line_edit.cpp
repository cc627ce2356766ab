// The answer line's editing keys (wargame/line_edit.hpp), byte by byte as a terminal in raw
// mode sends them.

#include <catch2/catch.hpp>
#include <random>
#include <string>

#include "cyberdeter/wargame/line_edit.hpp"

using cyberdeter::wargame::LineEdit;

namespace {
LineEdit::Result type(LineEdit& e, const std::string& bytes) {
  LineEdit::Result r = LineEdit::Result::editing;
  for (const char c : bytes) r = e.feed(c);
  return r;
}
const std::string left = "\x1b[D", right = "\x1b[C", up = "\x1b[A", down = "\x1b[B",
                  home = "\x1b[H", end = "\x1b[F", del = "\x1b[3~", backspace = "\x7f";
}  // namespace

TEST_CASE("typed text, arrows, Home, End, Backspace and Delete edit the line", "[line_edit]") {
  LineEdit e;
  REQUIRE(type(e, "enable sanctoin") == LineEdit::Result::editing);
  type(e, left + left + backspace + right + "o");  // "sanct|oin" -> "sanction"
  CHECK(e.text() == "enable sanction");
  CHECK(e.cursor() == 14);
  type(e, home + del + del + "dis");
  CHECK(e.text() == "disable sanction");
  CHECK(e.cursor() == 3);
  type(e, end + "x" + backspace);
  CHECK(e.text() == "disable sanction");
  // Other spellings of the same keys: xterm's SS3, the VT220 ~ keys, Emacs keys.
  type(e, "\x1bOH");
  CHECK(e.cursor() == 0);
  type(e, "\x1b[4~");
  CHECK(e.cursor() == e.text().size());
  type(e, std::string("\x01") + "\x06\x06");
  CHECK(e.cursor() == 2);
  type(e, "\x0b");  // Ctrl-K
  CHECK(e.text() == "di");
  type(e, "\x15");  // Ctrl-U
  CHECK(e.text().empty());
  CHECK(e.feed('\r') == LineEdit::Result::done);
  CHECK(e.take().empty());
}

TEST_CASE("Up and Down browse the answers given before, and keep the new line", "[line_edit]") {
  LineEdit e;
  type(e, "enable sanction\r");
  CHECK(e.take() == "enable sanction");
  type(e, "c # too weak\n");
  CHECK(e.take() == "c # too weak");
  type(e, "thr");
  type(e, up);
  CHECK(e.text() == "c # too weak");
  type(e, up + up);  // stays at the oldest
  CHECK(e.text() == "enable sanction");
  CHECK(e.cursor() == e.text().size());
  type(e, down + down);
  CHECK(e.text() == "thr");  // the line being typed comes back
  type(e, down);
  CHECK(e.text() == "thr");
  type(e, up + "x\r");
  CHECK(e.take() == "c # too weakx");
  CHECK(e.history().size() == 3);
  type(e, up + "\r");
  e.take();
  CHECK(e.history().size() == 3);  // a repeat of the last is not kept twice
}

TEST_CASE("Ctrl-D ends the input only on an empty line", "[line_edit]") {
  LineEdit e;
  CHECK(type(e, "ab" + left) == LineEdit::Result::editing);
  CHECK(e.feed('\x04') == LineEdit::Result::editing);
  CHECK(e.text() == "a");
  type(e, backspace);
  CHECK(e.feed('\x04') == LineEdit::Result::end_of_input);
}

TEST_CASE("the line is bounded, control and non-ASCII bytes are ignored", "[line_edit]") {
  LineEdit e(10, 3);
  type(e, std::string(50, 'a') + "\x07\xc3\xa9\t");
  CHECK(e.text() == std::string(10, 'a'));
  for (const char* line : {"1\r", "2\r", "3\r", "4\r"}) {
    type(e, line);
    e.take();
  }
  CHECK(e.history() == std::vector<std::string>{"2", "3", "4"});
  // An unknown or cut escape sequence changes nothing.
  type(e, "x\x1b[99;5Z\x1b");
  CHECK(e.in_escape());
  e.cancel_escape();
  CHECK(e.text() == "x");
}

TEST_CASE("the view keeps the cursor within the columns", "[line_edit]") {
  LineEdit e;
  type(e, std::string(100, 'a') + "b");
  auto [shown, column] = e.view(20);
  CHECK(shown.size() <= 19);
  CHECK(column <= 19);
  CHECK(shown.substr(0, column).back() == 'b');
  type(e, home);
  std::tie(shown, column) = e.view(20);
  CHECK(column == 0);
  CHECK(shown.front() == 'a');
}

TEST_CASE("random bytes never break the line's invariants", "[line_edit]") {
  std::mt19937_64 rng(20260101);
  LineEdit e(64, 5);
  for (int i = 0; i < 200'000; ++i) {
    const auto r = e.feed(static_cast<char>(rng() & 0xff));
    if (r != LineEdit::Result::editing) e.take();
    REQUIRE(e.text().size() <= 64);
    REQUIRE(e.cursor() <= e.text().size());
    REQUIRE(e.history().size() <= 5);
    const auto [shown, column] = e.view(1 + rng() % 100);
    REQUIRE(column <= shown.size());
  }
}
