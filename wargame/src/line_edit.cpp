// Editing an answer line (line_edit.hpp).

#include "cyberdeter/wargame/line_edit.hpp"

#include <algorithm>

namespace cyberdeter::wargame {

LineEdit::LineEdit(std::size_t longest, std::size_t remembered)
    : longest_(longest), remembered_(remembered) {}

LineEdit::Result LineEdit::feed(char byte) {
  const auto c = static_cast<unsigned char>(byte);
  switch (escape_) {
    case Escape::start:
      escape_ = c == '[' ? Escape::csi : c == 'O' ? Escape::ss3 : Escape::none;
      parameter_ = 0;
      return Result::editing;
    case Escape::csi:
      if (c >= '0' && c <= '9') {
        parameter_ = std::min(parameter_ * 10 + (c - '0'), 1000);
        return Result::editing;
      }
      if (c == ';') return Result::editing;  // modifiers are ignored
      escape_ = Escape::none;
      if (c >= 0x40 && c <= 0x7e) key(static_cast<char>(c), parameter_);
      return Result::editing;
    case Escape::ss3:
      escape_ = Escape::none;
      key(static_cast<char>(c), 0);
      return Result::editing;
    case Escape::none: break;
  }
  switch (c) {
    case '\r':
    case '\n': return Result::done;
    case 0x1b: escape_ = Escape::start; return Result::editing;
    case 0x01: cursor_ = 0; return Result::editing;             // Ctrl-A
    case 0x05: cursor_ = text_.size(); return Result::editing;  // Ctrl-E
    case 0x02: key('D', 0); return Result::editing;             // Ctrl-B
    case 0x06: key('C', 0); return Result::editing;             // Ctrl-F
    case 0x10: key('A', 0); return Result::editing;             // Ctrl-P
    case 0x0e: key('B', 0); return Result::editing;             // Ctrl-N
    case 0x7f:
    case 0x08:  // Backspace
      if (cursor_ > 0) text_.erase(--cursor_, 1);
      return Result::editing;
    case 0x04:  // Ctrl-D: the end of input on an empty line, else Delete
      if (text_.empty()) return Result::end_of_input;
      key('~', 3);
      return Result::editing;
    case 0x0b: text_.erase(cursor_); return Result::editing;  // Ctrl-K
    case 0x15:                                                // Ctrl-U
      text_.erase(0, cursor_);
      cursor_ = 0;
      return Result::editing;
    default: break;
  }
  // Printable ASCII is typed; other control bytes and bytes beyond ASCII are ignored (an
  // answer is ASCII, and a rationale is kept as printable ASCII).
  if (c >= 0x20 && c < 0x7f && text_.size() < longest_) text_.insert(cursor_++, 1, byte);
  return Result::editing;
}

void LineEdit::key(char final, int parameter) {
  switch (final) {
    case 'A': history_step(-1); break;
    case 'B': history_step(+1); break;
    case 'C': cursor_ = std::min(cursor_ + 1, text_.size()); break;
    case 'D': cursor_ = cursor_ > 0 ? cursor_ - 1 : 0; break;
    case 'H': cursor_ = 0; break;
    case 'F': cursor_ = text_.size(); break;
    case '~':
      if (parameter == 1 || parameter == 7) cursor_ = 0;
      if (parameter == 4 || parameter == 8) cursor_ = text_.size();
      if (parameter == 3 && cursor_ < text_.size()) text_.erase(cursor_, 1);
      break;
    default: break;
  }
}

void LineEdit::history_step(int step) {
  if (history_.empty()) return;
  if (step < 0 && browsing_ == 0) return;
  if (step > 0 && browsing_ >= history_.size()) return;
  if (browsing_ == history_.size()) draft_ = text_;
  browsing_ = step < 0 ? browsing_ - 1 : browsing_ + 1;
  text_ = browsing_ == history_.size() ? draft_ : history_[browsing_];
  cursor_ = text_.size();
}

std::string LineEdit::take() {
  std::string line;
  line.swap(text_);
  cursor_ = 0;
  escape_ = Escape::none;
  draft_.clear();
  if (!line.empty() && (history_.empty() || history_.back() != line)) {
    history_.push_back(line);
    if (history_.size() > remembered_) history_.erase(history_.begin());
  }
  browsing_ = history_.size();
  return line;
}

std::pair<std::string, std::size_t> LineEdit::view(std::size_t columns) const {
  const std::size_t room = std::max<std::size_t>(columns, 2) - 1;  // the cursor may sit at the end
  if (text_.size() <= room) return {text_, cursor_};
  // Scroll so that the cursor stays in view.
  const std::size_t first = cursor_ > room ? cursor_ - room : 0;
  return {text_.substr(first, room), cursor_ - first};
}

}  // namespace cyberdeter::wargame
