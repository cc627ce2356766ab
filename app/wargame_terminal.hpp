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

/// The briefs, as shown; `number` is the decision's sequence number in the session.
std::string render_response(const models::deterrence::Scenario& sc,
                            const models::deterrence::ResponseBrief& b, std::uint64_t number);
std::string render_join(const models::deterrence::Scenario& sc,
                        const models::deterrence::JoinBrief& b, std::uint64_t number);
std::string render_turn(const models::deterrence::Scenario& sc,
                        const models::deterrence::TurnBrief& b, double turn_days);

/// The prompts' lines and their help.
std::string response_prompt(const models::deterrence::ResponseBrief& b);
std::string response_help(const models::deterrence::Scenario& sc,
                          const models::deterrence::ResponseBrief& b);
std::string join_prompt(const models::deterrence::JoinBrief& b);
std::string join_help(const models::deterrence::Scenario& sc,
                      const models::deterrence::JoinBrief& b);
std::string turn_prompt();
std::string turn_help(const models::deterrence::Scenario& sc,
                      const models::deterrence::TurnBrief& b);

/// A message about a rejected answer, " ! " first, wrapped to the width.
std::string error_line(const std::string& message);

/// A player's answer to a response prompt: a rung, or an error to show before asking
/// again. Empty input takes the recommendation.
struct ParsedAnswer {
  std::optional<int> value;  ///< respond: the rung; join: 1 join, 0 decline
  std::string error;
};
ParsedAnswer parse_response(const models::deterrence::Scenario& sc,
                            const models::deterrence::ResponseBrief& b, const std::string& line);
ParsedAnswer parse_join(const models::deterrence::JoinBrief& b, const std::string& line);

}  // namespace cyberdeter::app
