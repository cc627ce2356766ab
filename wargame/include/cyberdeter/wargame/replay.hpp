#pragma once
// A recorded session played again from its decisions, without players: its history (the
// tables of its replication and who co-signed what), for comparing two sessions of one
// replication (`cyberdeter debrief A.h5 --compare B.h5`).

#include <vector>

#include "cyberdeter/models/deterrence/scenario.hpp"
#include "cyberdeter/wargame/after_action.hpp"
#include "cyberdeter/wargame/record.hpp"

namespace cyberdeter::wargame {

struct Replayed {
  PlayedRun run;
  Cosigners cosigners;
  std::vector<Decision> decisions;
};

/// Replays `session` on `sc` (its scenario as resolved): the same replication, the same
/// decisions, the same history. Throws ScriptMismatch if the decisions do not fit.
Replayed replay_session(const models::deterrence::Scenario& sc, const StoredSession& session);

}  // namespace cyberdeter::wargame
