#pragma once
// The after-action summary of a war-game: what happened in the session, and what the
// played states' own doctrine would have done on the same random numbers.

#include <cstdint>
#include <map>
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

}  // namespace cyberdeter::wargame
