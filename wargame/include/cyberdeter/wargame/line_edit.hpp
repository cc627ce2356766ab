#pragma once
// The editing of one answer line at a terminal, as pure logic (docs/wargame.md, "During
// the session"): the bytes a terminal in raw mode sends go in, the line and its cursor come
// out. Left and right, Home and End (and Ctrl-A, Ctrl-E), Backspace and Delete, Ctrl-U and
// Ctrl-K, Up and Down through the answers given before (and Ctrl-P, Ctrl-N), Enter. The
// terminal (app/wargame_terminal.cpp) puts the terminal in raw mode and draws the line;
// GNU readline is not used (GPL), nor needed.

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace cyberdeter::wargame {

class LineEdit {
 public:
  enum class Result { editing, done, end_of_input };

  /// Lines hold at most `longest` characters (more typed is ignored); the history keeps
  /// the last `remembered` lines.
  explicit LineEdit(std::size_t longest = 4096, std::size_t remembered = 200);

  /// One byte from the terminal. `done`: Enter was pressed, take() the line;
  /// `end_of_input`: Ctrl-D on an empty line.
  Result feed(char byte);
  /// True while an escape sequence has begun and not ended; a lone Escape (no more bytes
  /// soon) is dropped with cancel_escape().
  bool in_escape() const noexcept { return escape_ != Escape::none; }
  void cancel_escape() noexcept { escape_ = Escape::none; }

  const std::string& text() const noexcept { return text_; }
  std::size_t cursor() const noexcept { return cursor_; }
  /// The line given with Enter; it joins the history (not an empty one, nor a repeat of
  /// the last), and a new line begins.
  std::string take();
  const std::vector<std::string>& history() const noexcept { return history_; }

  /// What to draw in `columns` columns (at least 2): the part of the line around the
  /// cursor, and the cursor's column in it.
  std::pair<std::string, std::size_t> view(std::size_t columns) const;

 private:
  enum class Escape { none, start, csi, ss3 };
  void key(char final, int parameter);
  void history_step(int step);

  std::size_t longest_;
  std::size_t remembered_;
  std::string text_;
  std::size_t cursor_ = 0;
  std::vector<std::string> history_;
  std::size_t browsing_ = 0;  // index into history_; history_.size(): the new line
  std::string draft_;         // the new line while browsing
  Escape escape_ = Escape::none;
  int parameter_ = 0;
};

}  // namespace cyberdeter::wargame
