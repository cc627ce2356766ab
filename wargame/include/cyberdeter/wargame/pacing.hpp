#pragma once
// How many questions a session will put to its players (docs/wargame.md, "Preparing the
// room"): counted in the doctrine's history of the replication (every answer the doctrine's
// or the model's), for several values of --delegate-below, so that a facilitator can pick
// the pacing before the room sits down. The counts say how many, never which.

#include <cstdint>
#include <functional>
#include <vector>

#include "cyberdeter/models/deterrence/wargame.hpp"

namespace cyberdeter::wargame {

struct PacingRow {
  double delegate_below = 0.0;  ///< -inf: nothing delegated
  double responses = 0.0;       ///< questions a year, all seats together
  double invitations = 0.0;
  double turns = 0.0;  ///< turns put to the players (a turn at which nothing happened to
                       ///< a seat is skipped unless every_turn)
  double total() const { return responses + invitations + turns; }
};

struct Pacing {
  double years = 0.0;
  std::vector<PacingRow> rows;  ///< one per value asked for, in that order
};

/// Runs the replication once with `run` (a decider that answers like the doctrine) and
/// counts, for each of `delegate_values`, the questions a year.
Pacing estimate_pacing(const std::function<void(models::deterrence::Decider&)>& run,
                       double horizon_days, const std::vector<double>& delegate_values,
                       bool every_turn);

}  // namespace cyberdeter::wargame
