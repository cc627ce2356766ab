#pragma once
// The after-action summary of a war-game: what happened in the session, and what the
// played states' own doctrine would have done on the same random numbers.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cyberdeter/models/deterrence/records.hpp"
#include "cyberdeter/models/deterrence/scenario.hpp"
#include "cyberdeter/wargame/record.hpp"

namespace cyberdeter::wargame {

/// One replication with its incidents.
struct PlayedRun {
  models::deterrence::RunResult result;
  std::vector<models::deterrence::IncidentRow> incidents;
};

/// Who co-signed each incident's statement or sanctions (Session::cosigners()).
using Cosigners = std::map<std::uint64_t, std::vector<std::uint32_t>>;

/// The summary printed at the end of a session: the decisions, every public act of the
/// played states (and those they co-signed) with its true culprit, and the session against
/// the same replication played by the doctrine.
std::string after_action(const models::deterrence::Scenario& sc, const SessionInfo& info,
                         const std::vector<std::size_t>& played,
                         const std::vector<Decision>& decisions, const PlayedRun& session,
                         const PlayedRun& doctrine, const std::string& session_path,
                         const Cosigners& cosigners);

/// The public acts of `states` in a history (theirs, and those they co-signed), each with
/// the true culprit, whether it was a false flag, and who co-signed; 78 columns.
std::string public_acts(const models::deterrence::Scenario& sc,
                        const std::vector<std::size_t>& states, const PlayedRun& run,
                        const Cosigners& cosigners);

/// Two histories of one replication side by side (same random numbers): the rows of the
/// after-action table for `states` and the world, under the headings `a` and `b`.
std::string compare_runs(const models::deterrence::Scenario& sc,
                         const std::vector<std::size_t>& states, const PlayedRun& first,
                         const PlayedRun& second, const std::string& a, const std::string& b);

/// One case of a seat's hotwash: an incident it decided on (its own, or an invitation),
/// what it chose, what went public, and the true culprit.
struct SeatCase {
  std::uint64_t incident = 0;
  double day = 0.0;  ///< of the decision
  std::uint32_t victim = 0;
  bool invited = false;     ///< an invitation of `victim`'s, not the seat's own incident
  std::string choice;       ///< the seat's decision, in its words
  std::int64_t named = -1;  ///< the attacker named by the attribution
  std::uint32_t culprit = 0;
  bool correct = false;
  bool false_flag = false;
  std::uint8_t rung_final = 0;   ///< what went public (0 quiet)
  std::optional<double> stated;  ///< the seat's stated probability that `named` did it
};
/// The cases of `state` in a session's history, in the order of its decisions.
std::vector<SeatCase> seat_cases(const std::vector<Decision>& decisions, const PlayedRun& session,
                                 std::size_t state);

/// The Brier score of a seat's stated probabilities ("p P" in a response's words)
/// against the truth: 0 is perfect, 0.25 is always saying 0.5.
struct StatedScore {
  std::size_t stated = 0;
  std::size_t right = 0;  ///< of which the actor named did it
  double brier = 0.0;
};
std::optional<StatedScore> stated_score(const std::vector<Decision>& decisions,
                                        const PlayedRun& session, std::size_t state);

/// One row of compare_runs(): a figure of `section` (a state, or "World") in the two
/// histories.
struct ComparisonRow {
  std::string section;
  std::string label;
  double first = 0.0;
  double second = 0.0;
  int decimals = 0;
};
std::vector<ComparisonRow> comparison_rows(const models::deterrence::Scenario& sc,
                                           const std::vector<std::size_t>& states,
                                           const PlayedRun& first, const PlayedRun& second);

}  // namespace cyberdeter::wargame
