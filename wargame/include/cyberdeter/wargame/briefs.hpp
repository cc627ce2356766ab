#pragma once
// The briefs of a war-game (docs/wargame.md, "The briefs"): what a state knows at each
// decision, laid out in 78 columns, the choices a prompt offers with their help, and the
// words a player may answer with. A brief never shows a prediction of a played state's
// own answer, nor of another played state's.

#include <cstdint>
#include <optional>
#include <string>

#include "cyberdeter/models/deterrence/scenario.hpp"
#include "cyberdeter/models/deterrence/wargame.hpp"

namespace cyberdeter::wargame {

/// ICD 203's expression of likelihood for a probability, with its band: "likely (55-80 %)".
std::string likelihood_words(double p);
/// Analytic confidence, stated apart from likelihood: "high", "moderate (a false flag is
/// plausible)", "low", from the state's attribution accuracy and whether a false flag is
/// plausible ([M], docs/wargame.md, "The briefs").
std::string confidence_words(double accuracy, bool false_flag_plausible);

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

/// A player's answer to a prompt: a value, or an error to show before asking again.
/// Empty input takes the default the prompt names.
struct ParsedAnswer {
  std::optional<int> value;  ///< respond: the rung; join: 1 join, 0 decline
  std::string error;
  std::string warning;  ///< accepted, but against the doctrine (below resolve, a rung it lacks)
  bool default_answer = false;  ///< Enter: the doctrine's advice, the model's answer
};
ParsedAnswer parse_response(const models::deterrence::Scenario& sc,
                            const models::deterrence::ResponseBrief& b, const std::string& line);
ParsedAnswer parse_join(const models::deterrence::JoinBrief& b, const std::string& line);

/// An answer line split into the answer and its rationale: "c # too weak to stay quiet"
/// gives "c" and "too weak to stay quiet" (printable ASCII, at most 1000 characters).
struct AnswerLine {
  std::string answer;
  std::string rationale;
};
AnswerLine split_rationale(const std::string& line);

}  // namespace cyberdeter::wargame
