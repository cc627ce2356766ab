#include "wargame_terminal.hpp"

#include <poll.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include "cli_common.hpp"
#include "cyberdeter/wargame/briefs.hpp"

namespace cyberdeter::app {

namespace {
constexpr int width = 78;
}  // namespace

std::string error_line(const std::string& message) {
  // A message quotes what the player typed; a pasted page must not fill the screen.
  constexpr std::size_t longest = 4 * (width - 3);
  std::string out;
  bool first = true;
  for (const auto& l : wrap(shown_input(message, longest), width - 3, 0)) {
    out += (first ? " ! " : "   ") + l + "\n";
    first = false;
  }
  return out;
}

// ---- input -------------------------------------------------------------------------------

namespace {

using wargame::Clock;

// The terminal in raw mode while a line is edited: no echo, no line buffering; signals
// (Ctrl-C) and output processing as usual. Restored on every way out.
class RawMode {
 public:
  RawMode() {
    if (::tcgetattr(STDIN_FILENO, &saved_) != 0) return;
    termios raw = saved_;
    raw.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO | IEXTEN);
    raw.c_iflag &= ~static_cast<tcflag_t>(IXON);
    raw.c_cc[VMIN] = 1;
    raw.c_cc[VTIME] = 0;
    active_ = ::tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
  }
  ~RawMode() {
    if (active_) ::tcsetattr(STDIN_FILENO, TCSANOW, &saved_);
  }
  RawMode(const RawMode&) = delete;
  RawMode& operator=(const RawMode&) = delete;
  bool active() const noexcept { return active_; }

 private:
  termios saved_{};
  bool active_ = false;
};

std::size_t terminal_columns() {
  winsize w{};
  if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &w) == 0 && w.ws_col >= 20) return w.ws_col;
  return 80;
}

}  // namespace

LineInput::LineInput() : interactive_(::isatty(STDIN_FILENO) == 1) {
  const char* term = std::getenv("TERM");
  editing_ = interactive_ && ::isatty(STDOUT_FILENO) == 1 && term != nullptr &&
             std::string_view(term) != "dumb";
}

bool LineInput::wait(std::optional<Clock::time_point> deadline, int longest_ms) {
  int timeout = longest_ms;
  if (deadline) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - Clock::now()).count();
    if (left <= 0) return false;
    timeout = static_cast<int>(std::min<long long>(left, longest_ms));
  }
  pollfd p{STDIN_FILENO, POLLIN, 0};
  const int ready = ::poll(&p, 1, timeout);
  if (ready < 0 && errno != EINTR) {
    throw std::runtime_error(std::string("cannot read standard input: ") + std::strerror(errno));
  }
  if (ready > 0 && (p.revents & POLLNVAL) != 0) eof_ = true;  // a closed standard input
  return true;
}

LineInput::Read LineInput::next(const std::string& prompt,
                                std::optional<Clock::time_point> deadline) {
  return editing_ ? edit_line(prompt, deadline) : next_line(deadline);
}

LineInput::Read LineInput::next_line(std::optional<Clock::time_point> deadline) {
  for (;;) {
    // Only what arrived since the last search is searched: a long line costs linear time.
    const auto nl = buffer_.find('\n', scanned_);
    if (nl != std::string::npos) {
      std::string line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      scanned_ = 0;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      return {Status::line, line};
    }
    scanned_ = buffer_.size();
    if (eof_) {
      if (buffer_.empty()) return {Status::end_of_input, {}};
      std::string line;
      line.swap(buffer_);
      scanned_ = 0;
      return {Status::line, line};
    }
    check_interrupted();
    if (!wait(deadline, 200)) return {Status::timed_out, {}};  // wake up to notice Ctrl-C
    if (eof_) continue;
    pollfd p{STDIN_FILENO, POLLIN, 0};
    if (::poll(&p, 1, 0) <= 0) continue;
    char chunk[65536];
    const ssize_t n = ::read(STDIN_FILENO, chunk, sizeof chunk);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      if (errno == EBADF) {
        eof_ = true;
        continue;
      }
      throw std::runtime_error(std::string("cannot read standard input: ") + std::strerror(errno));
    }
    if (n == 0) {
      eof_ = true;
    } else {
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
  }
}

LineInput::Read LineInput::edit_line(const std::string& prompt,
                                     std::optional<Clock::time_point> deadline) {
  RawMode raw;
  if (!raw.active()) {
    editing_ = false;
    return next_line(deadline);
  }
  const std::size_t columns = terminal_columns();
  const std::size_t room = columns > prompt.size() + 2 ? columns - prompt.size() - 1 : 2;
  auto draw = [&] {
    const auto [shown, column] = editor_.view(room);
    std::string out = "\r" + prompt + shown + "\x1b[K\r";
    if (prompt.size() + column > 0) {
      out += "\x1b[" + std::to_string(prompt.size() + column) + "C";
    }
    std::fputs(out.c_str(), stdout);
    std::fflush(stdout);
  };
  for (;;) {
    // Bytes that came with an earlier line (a paste) are taken first.
    while (!buffer_.empty()) {
      const char c = buffer_.front();
      buffer_.erase(0, 1);
      const auto r = editor_.feed(c);
      if (r == wargame::LineEdit::Result::done) {
        draw();
        std::fputs("\n", stdout);
        return {Status::line, editor_.take()};
      }
      if (r == wargame::LineEdit::Result::end_of_input) {
        std::fputs("\n", stdout);
        return {Status::end_of_input, {}};
      }
    }
    draw();
    if (eof_) return {Status::end_of_input, {}};
    check_interrupted();
    // A lone Escape: no more bytes within 50 ms.
    if (!wait(deadline, editor_.in_escape() ? 50 : 200)) return {Status::timed_out, {}};
    if (eof_) continue;
    pollfd p{STDIN_FILENO, POLLIN, 0};
    if (::poll(&p, 1, 0) <= 0) {
      editor_.cancel_escape();
      continue;
    }
    char chunk[4096];
    const ssize_t n = ::read(STDIN_FILENO, chunk, sizeof chunk);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      throw std::runtime_error(std::string("cannot read standard input: ") + std::strerror(errno));
    }
    if (n == 0) {
      eof_ = true;
      continue;
    }
    buffer_.append(chunk, static_cast<std::size_t>(n));
  }
}

// ---- the terminal as a front end ----------------------------------------------------------

namespace {
namespace det = models::deterrence;
}  // namespace

std::optional<std::string> TerminalFrontEnd::read_line(
    const std::string& prompt, std::optional<wargame::Clock::time_point> deadline) {
  // The prompt's lines before its last are printed; the last is redrawn with the line.
  const auto cut = prompt.rfind('\n');
  const std::string last = cut == std::string::npos ? prompt : prompt.substr(cut + 1);
  std::fputs(prompt.substr(0, cut == std::string::npos ? 0 : cut + 1).c_str(), stdout);
  if (!input_.editing()) std::fputs(last.c_str(), stdout);
  std::fflush(stdout);
  auto read = input_.next(last, deadline);
  if (read.status == LineInput::Status::timed_out) {
    std::fputs("\n", stdout);
    return std::nullopt;
  }
  if (read.status == LineInput::Status::end_of_input) {
    std::fputs("\n", stdout);
    throw wargame::SessionStopped("standard input ended before the session did", exit_failure);
  }
  if (!input_.interactive()) {
    std::printf("%s\n", shown_input(read.line, 48).c_str());  // a readable transcript
  }
  return read.line;
}

// Counts a refused answer. Without a terminal nobody can correct them: after a run of
// refusals the session stops (and is saved) instead of re-prompting for ever.
void TerminalFrontEnd::refused() {
  if (input_.interactive() || ++refusals_ < max_refusals) return;
  throw wargame::SessionStopped(std::to_string(max_refusals) +
                                    " answers in a row were refused; look at the input's "
                                    "answers (? at a prompt lists what each one accepts)",
                                exit_bad_input);
}

// Handles help, brief and quit; true if the line was one of them.
bool TerminalFrontEnd::meta(const std::string& line, const std::string& brief,
                            const std::string& help) {
  std::string w = normalise_answer(line);
  std::erase_if(w, [](char c) { return c == ' ' || c == '\t'; });  // blanks inside too
  if (w == "?" || w == "help" || w == "h") {
    std::fputs(help.c_str(), stdout);
    return true;
  }
  if (w == "brief" || w == "b") {
    std::fputs(("\n" + brief).c_str(), stdout);
    return true;
  }
  if (w == "quit" || w == "exit" || w == "save") {
    throw wargame::SessionStopped("the session was stopped by a player (quit)", exit_success);
  }
  return false;
}

namespace {
// " Move 3: 4 min 10 s left, then the defaults." before a prompt under a move timer.
std::string time_left(std::optional<wargame::Clock::time_point> deadline) {
  if (!deadline) return "";
  const auto s = std::max<long long>(
      0, std::chrono::duration_cast<std::chrono::seconds>(*deadline - Clock::now()).count());
  char buf[96];
  std::snprintf(buf, sizeof buf, " Time left in this move: %lld min %02lld s, then the defaults\n",
                s / 60, s % 60);
  return buf;
}
}  // namespace

// Shows the brief and asks until the answer parses; ?, help and brief are answered here.
// When the move's time runs out, the answer is `fallback` (the default), source timeout.
template <class Parse>
wargame::Answer TerminalFrontEnd::ask(const std::string& brief, const std::string& prompt,
                                      const std::string& help,
                                      std::optional<wargame::Clock::time_point> deadline,
                                      int fallback, Parse parse) {
  std::fputs(("\n" + brief).c_str(), stdout);
  const auto begin = Clock::now();
  for (;;) {
    const auto line = read_line(time_left(deadline) + prompt, deadline);
    if (!line) {
      wargame::Answer a;
      a.value = fallback;
      a.default_answer = true;
      a.source = wargame::DecisionSource::timeout;
      a.seconds = std::chrono::duration<double>(Clock::now() - begin).count();
      return a;
    }
    const wargame::AnswerLine split = wargame::split_rationale(*line);
    if (meta(split.answer, brief, help)) continue;
    const wargame::ParsedAnswer answer = parse(split.answer);
    if (answer.value) {
      refusals_ = 0;
      if (!answer.warning.empty()) std::fputs(error_line(answer.warning).c_str(), stdout);
      wargame::Answer a;
      a.value = *answer.value;
      a.default_answer = answer.default_answer;
      a.rationale = split.rationale;
      a.seconds = std::chrono::duration<double>(Clock::now() - begin).count();
      return a;
    }
    std::fputs(error_line(answer.error).c_str(), stdout);
    refused();
  }
}

void TerminalFrontEnd::form(
    const wargame::Form& form,
    const std::function<void(std::size_t, const wargame::Answer&)>& answered) {
  const std::string& me = sc_.states.at(form.state).name;
  if (form.move > 0) {
    std::string text = "MOVE " + std::to_string(form.move) + " | ";
    for (const char c : me) text += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    text += form.follow_up ? " | follow-up"
                           : " | " + when(sc_, form.from_day) + " to " + when(sc_, form.to_day);
    std::string out = "\n" + std::string(width, '=') + "\n";
    for (const auto& l : wrap(text, width - 1, 2)) out += " " + l + "\n";
    out += std::string(width, '=') + "\n";
    const std::size_t n = form.items.size();
    const std::string count = std::to_string(n) + (n == 1 ? " question" : " questions");
    const std::string intro =
        form.follow_up ? "The answers changed what followed: " + count + " for " + me +
                             " that the form did not list, or that changed."
                       : me + "'s " + count + " this move, " +
                             (n == 1 ? "below with its brief:" : "each below with its brief:");
    for (const auto& l : wrap(intro, width - 1, 0)) out += " " + l + "\n";
    for (std::size_t i = 0; i < n; ++i) {
      const auto& item = form.items[i];
      const std::string entry =
          std::to_string(i + 1) + ". " + when(sc_, item.day) + ", " + item.summary;
      for (const auto& l : wrap(entry, width - 3, 3)) out += "   " + l + "\n";
    }
    std::fputs(out.c_str(), stdout);
  }
  bool timed_out = false;
  for (std::size_t i = 0; i < form.items.size(); ++i) {
    const auto& item = form.items[i];
    wargame::Answer a;
    if (timed_out) {
      a.default_answer = true;
      a.source = wargame::DecisionSource::timeout;
      a.value = item.respond ? static_cast<int>(item.respond->recommended)
                             : (item.join->model_answer ? 1 : 0);
    } else if (item.respond) {
      const det::ResponseBrief& b = *item.respond;
      a = ask(item.brief, wargame::response_prompt(b), wargame::response_help(sc_, b),
              form.deadline, static_cast<int>(b.recommended),
              [&](const std::string& line) { return wargame::parse_response(sc_, b, line); });
    } else {
      const det::JoinBrief& b = *item.join;
      a = ask(item.brief, wargame::join_prompt(b), wargame::join_help(sc_, b), form.deadline,
              b.model_answer ? 1 : 0,
              [&](const std::string& line) { return wargame::parse_join(b, line); });
    }
    if (a.source == wargame::DecisionSource::timeout && !timed_out) {
      timed_out = true;
      std::fputs(error_line("time is up for move " + std::to_string(form.move) + ": " + me +
                            "'s unanswered questions of this move take their defaults")
                     .c_str(),
                 stdout);
    }
    answered(i, a);
  }
}

wargame::ActionAnswer TerminalFrontEnd::turn(const det::TurnBrief& b, const std::string& brief,
                                             std::uint32_t move,
                                             std::optional<wargame::Clock::time_point> deadline) {
  if (!brief.empty()) std::fputs(("\n" + brief).c_str(), stdout);
  const auto begin = Clock::now();
  for (;;) {
    const auto line = read_line(time_left(deadline) + wargame::turn_prompt(), deadline);
    if (!line) {
      std::fputs(
          error_line("time is up for move " + std::to_string(move) + ": the turn ends").c_str(),
          stdout);
      wargame::ActionAnswer a;
      a.source = wargame::DecisionSource::timeout;
      a.seconds = std::chrono::duration<double>(Clock::now() - begin).count();
      return a;
    }
    const wargame::AnswerLine split = wargame::split_rationale(*line);
    if (meta(split.answer, wargame::render_turn(sc_, b, turn_days_), wargame::turn_help(sc_, b)))
      continue;
    try {
      const det::DoctrineAction a = normalise_answer(split.answer).empty()
                                        ? det::DoctrineAction{}
                                        : det::parse_action(split.answer, sc_);
      if (const auto why = det::check_action(sc_, b, a)) {
        std::fputs(error_line(*why).c_str(), stdout);
        refused();
        continue;
      }
      refusals_ = 0;
      if (a.kind != det::ActionKind::done) {
        std::printf("  ok: %s\n", det::format_action(a, sc_).c_str());
      }
      wargame::ActionAnswer out;
      out.action = a;
      out.rationale = split.rationale;
      out.seconds = std::chrono::duration<double>(Clock::now() - begin).count();
      return out;
    } catch (const std::invalid_argument& e) {
      std::fputs(error_line(e.what()).c_str(), stdout);
      refused();
    }
  }
}

void TerminalFrontEnd::replayed(const wargame::Decision& d) {
  if (quiet_) return;
  const auto kind = static_cast<wargame::DecisionKind>(d.row.kind);
  if (kind == wargame::DecisionKind::turn) {
    if (d.row.choice != static_cast<std::int8_t>(det::ActionKind::done)) {
      std::printf("  turn %u, %s: %s\n", d.row.turn, sc_.states.at(d.row.state).name.c_str(),
                  d.action.c_str());
    }
    return;
  }
  const bool respond = kind == wargame::DecisionKind::respond;
  std::printf("  %s  %s, %s %lld: %s\n", when(sc_, d.row.day).c_str(),
              sc_.states.at(d.row.state).name.c_str(), respond ? "incident" : "invitation on",
              static_cast<long long>(d.row.incident), d.action.c_str());
}

void TerminalFrontEnd::replay_done(std::size_t count, double day) {
  if (!quiet_) std::printf("Replayed %zu decision(s) to %s.\n", count, when(sc_, day).c_str());
}

void TerminalFrontEnd::notice(std::uint32_t state, const std::string& text) {
  std::string out = "\n NOTICE | " + sc_.states.at(state).name + "\n";
  for (const auto& l : wrap(text, width - 3, 0)) out += "   " + l + "\n";
  std::fputs(out.c_str(), stdout);
}

}  // namespace cyberdeter::app
