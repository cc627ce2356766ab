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
#include "cyberdeter/wargame/session.hpp"
#include "cyberdeter/wargame/text.hpp"

namespace cyberdeter::app {

using wargame::normalise_answer;
using wargame::shown_input;
using wargame::when;
using wargame::wrap;

/// Reads lines from standard input without blocking signals: Ctrl-C (SIGINT) or SIGTERM
/// while waiting throws Interrupted.
class LineInput {
 public:
  LineInput();
  /// The next line without its newline; nullopt at end of input.
  std::optional<std::string> next();
  /// True if standard input is a terminal (answers are echoed by the terminal itself).
  bool interactive() const noexcept { return interactive_; }

 private:
  std::string buffer_;
  std::size_t scanned_ = 0;  ///< buffer_[0, scanned_) holds no newline: search on from here
  bool eof_ = false;
  bool interactive_ = false;
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

  wargame::Answer respond(const models::deterrence::ResponseBrief& b,
                          const std::string& brief) override;
  wargame::Answer join(const models::deterrence::JoinBrief& b, const std::string& brief) override;
  wargame::ActionAnswer turn(const models::deterrence::TurnBrief& b,
                             const std::string& brief) override;
  void replayed(const wargame::Decision& d) override;
  void replay_done(std::size_t count, double day) override;
  void notice(std::uint32_t state, const std::string& text) override;

 private:
  std::string read_line(const std::string& prompt);
  void refused();
  bool meta(const std::string& line, const std::string& brief, const std::string& help);
  template <class Parse>
  wargame::Answer ask(const std::string& brief, const std::string& prompt, const std::string& help,
                      Parse parse);

  const models::deterrence::Scenario& sc_;
  double turn_days_;
  bool quiet_;
  LineInput input_;
  static constexpr int max_refusals = 20;
  int refusals_ = 0;  // answers refused in a row
};

}  // namespace cyberdeter::app
