#pragma once
// The after-action summary of a war-game: what happened in the session, and what the
// played states' own doctrine would have done on the same random numbers.

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

std::string after_action(const models::deterrence::Scenario& sc, const SessionInfo& info,
                         const std::vector<std::size_t>& played,
                         const std::vector<Decision>& decisions, const PlayedRun& session,
                         const PlayedRun& doctrine, const std::string& session_path);

}  // namespace cyberdeter::wargame
