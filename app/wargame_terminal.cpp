#include "wargame_terminal.hpp"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
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

LineInput::LineInput() : interactive_(::isatty(STDIN_FILENO) == 1) {}

std::optional<std::string> LineInput::next() {
  for (;;) {
    // Only what arrived since the last search is searched: a long line costs linear time.
    const auto nl = buffer_.find('\n', scanned_);
    if (nl != std::string::npos) {
      std::string line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      scanned_ = 0;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      return line;
    }
    scanned_ = buffer_.size();
    if (eof_) {
      if (buffer_.empty()) return std::nullopt;
      std::string line;
      line.swap(buffer_);
      scanned_ = 0;
      return line;
    }
    check_interrupted();
    pollfd p{STDIN_FILENO, POLLIN, 0};
    const int ready = ::poll(&p, 1, 200);  // wake up to notice Ctrl-C
    if (ready < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error(std::string("cannot read standard input: ") + std::strerror(errno));
    }
    if (ready == 0) continue;
    // A closed standard input (`<&-`) is the end of input, which saves the session.
    if ((p.revents & POLLNVAL) != 0) {
      eof_ = true;
      continue;
    }
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

// ---- the terminal as a front end ----------------------------------------------------------

namespace {
namespace det = models::deterrence;
using Clock = std::chrono::steady_clock;
}  // namespace

std::string TerminalFrontEnd::read_line(const std::string& prompt) {
  std::fputs(prompt.c_str(), stdout);
  std::fflush(stdout);
  auto line = input_.next();
  if (!line) {
    std::fputs("\n", stdout);
    throw wargame::SessionStopped("standard input ended before the session did", exit_failure);
  }
  if (!input_.interactive()) {
    std::printf("%s\n", shown_input(*line, 48).c_str());  // a readable transcript
  }
  return *line;
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

// Shows the brief and asks until the answer parses; ?, help and brief are answered here.
template <class Parse>
wargame::Answer TerminalFrontEnd::ask(const std::string& brief, const std::string& prompt,
                                      const std::string& help, Parse parse) {
  std::fputs(("\n" + brief).c_str(), stdout);
  const auto begin = Clock::now();
  for (;;) {
    const std::string line = read_line(prompt);
    const wargame::AnswerLine split = wargame::split_rationale(line);
    if (meta(split.answer, brief, help)) continue;
    const wargame::ParsedAnswer answer = parse(split.answer);
    if (answer.value) {
      refusals_ = 0;
      if (!answer.warning.empty()) std::fputs(error_line(answer.warning).c_str(), stdout);
      return {*answer.value, split.rationale,
              std::chrono::duration<double>(Clock::now() - begin).count()};
    }
    std::fputs(error_line(answer.error).c_str(), stdout);
    refused();
  }
}

wargame::Answer TerminalFrontEnd::respond(const det::ResponseBrief& b, const std::string& brief) {
  return ask(brief, wargame::response_prompt(b), wargame::response_help(sc_, b),
             [&](const std::string& line) { return wargame::parse_response(sc_, b, line); });
}

wargame::Answer TerminalFrontEnd::join(const det::JoinBrief& b, const std::string& brief) {
  return ask(brief, wargame::join_prompt(b), wargame::join_help(sc_, b),
             [&](const std::string& line) { return wargame::parse_join(b, line); });
}

wargame::ActionAnswer TerminalFrontEnd::turn(const det::TurnBrief& b, const std::string& brief) {
  if (!brief.empty()) std::fputs(("\n" + brief).c_str(), stdout);
  const auto begin = Clock::now();
  for (;;) {
    const std::string line = read_line(wargame::turn_prompt());
    const wargame::AnswerLine split = wargame::split_rationale(line);
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
      return {a, split.rationale, std::chrono::duration<double>(Clock::now() - begin).count()};
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
