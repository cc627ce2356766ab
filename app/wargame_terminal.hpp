#pragma once
// The terminal side of a war-game (docs/wargame.md): briefs laid out for a room of
// players, prompts with help on every one, and a line reader that notices Ctrl-C while
// it waits for an answer.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cyberdeter/models/deterrence/scenario.hpp"
#include "cyberdeter/models/deterrence/wargame.hpp"
#include "cyberdeter/wargame/line_edit.hpp"
#include "cyberdeter/wargame/session.hpp"
#include "cyberdeter/wargame/text.hpp"

namespace cyberdeter::app {

using wargame::normalise_answer;
using wargame::shown_input;
using wargame::when;
using wargame::wrap;

/// Reads answer lines from standard input without blocking signals: Ctrl-C (SIGINT),
/// SIGTERM or SIGHUP while waiting throws Interrupted. At a terminal the line is edited in
/// raw mode (wargame::LineEdit: arrows, Home, End, history); any other input is read as
/// lines, exactly as typed.
class LineInput {
 public:
  LineInput();
  enum class Status { line, end_of_input, timed_out };
  struct Read {
    Status status = Status::line;
    std::string line;
  };
  /// The next line without its newline. `prompt` is the prompt's last line (redrawn with
  /// the line at a terminal); after `deadline`, timed_out.
  Read next(const std::string& prompt, std::optional<wargame::Clock::time_point> deadline);
  /// True if standard input is a terminal (answers are echoed by the terminal itself).
  bool interactive() const noexcept { return interactive_; }
  /// True if lines are edited here (and drawn with their prompt's last line).
  bool editing() const noexcept { return editing_; }

 private:
  Read next_line(std::optional<wargame::Clock::time_point> deadline);
  Read edit_line(const std::string& prompt, std::optional<wargame::Clock::time_point> deadline);
  /// Waits for input until `deadline` (at most 200 ms at a time, to notice signals); false
  /// when it passed.
  bool wait(std::optional<wargame::Clock::time_point> deadline, int longest_ms);
  std::string buffer_;
  std::size_t scanned_ = 0;  ///< buffer_[0, scanned_) holds no newline: search on from here
  bool eof_ = false;
  bool interactive_ = false;
  bool editing_ = false;  ///< a terminal on both sides: lines are edited in raw mode
  wargame::LineEdit editor_;
};

/// A message about a rejected answer, " ! " first, wrapped to the width.
std::string error_line(const std::string& message);

/// The terminal as a front end of a session: it prints each brief and reads the players'
/// answers line by line (standard input, a terminal or a pipe), with ?, brief and quit at
/// every prompt.
class TerminalFrontEnd final : public wargame::FrontEnd {
 public:
  TerminalFrontEnd(const models::deterrence::Scenario& sc, double turn_days, bool quiet)
      : sc_(sc), turn_days_(turn_days), quiet_(quiet) {}

  void form(const wargame::Form& form,
            const std::function<void(std::size_t, const wargame::Answer&)>& answered) override;
  wargame::ActionAnswer turn(const models::deterrence::TurnBrief& b, const std::string& brief,
                             std::uint32_t move,
                             std::optional<wargame::Clock::time_point> deadline) override;
  void replayed(const wargame::Decision& d) override;
  void replay_done(std::size_t count, double day) override;
  void notice(std::uint32_t state, const std::string& text) override;

 private:
  /// The players' line; nullopt when the move's time ran out.
  std::optional<std::string> read_line(const std::string& prompt,
                                       std::optional<wargame::Clock::time_point> deadline);
  void refused();
  bool meta(const std::string& line, const std::string& brief, const std::string& help);
  template <class Parse>
  wargame::Answer ask(const std::string& brief, const std::string& prompt, const std::string& help,
                      std::optional<wargame::Clock::time_point> deadline, int fallback,
                      Parse parse);

  const models::deterrence::Scenario& sc_;
  double turn_days_;
  bool quiet_;
  LineInput input_;
  static constexpr int max_refusals = 20;
  int refusals_ = 0;  // answers refused in a row
};

}  // namespace cyberdeter::app
