#pragma once
// "What if we had always answered like this?": the doctrine (docs/model.md §7.1) that best
// reproduces the responses a player chose in a war-game, as a pure function of the
// recorded answers, so that a session can be replayed with the player's revealed doctrine.

#include <array>
#include <cstddef>
#include <span>

#include "cyberdeter/models/deterrence/scenario.hpp"

namespace cyberdeter::wargame {

using models::deterrence::Doctrine;
using models::deterrence::Rung;
using models::deterrence::rung_count;

/// One recorded answer of a player to an attributed incident.
struct PlayedResponse {
  double case_strength = 0.0;  ///< z the player saw (finite)
  Rung chosen = Rung::none;    ///< what the player chose
  /// Which rungs were available then, indexed by Rung ([0] none: always true).
  std::array<bool, rung_count> enabled{true, true, true, true};
};

/// The doctrine fitted to a player's answers and how well it and the start reproduce them.
struct DoctrineFit {
  Doctrine doctrine;                    ///< fitted; sanction_days and noise copied from `start`
  std::size_t reproduced = 0;           ///< answers the fitted doctrine gives exactly
  std::size_t total = 0;                ///< answers
  std::size_t reproduced_by_start = 0;  ///< answers the starting doctrine gives
  bool clamped = false;  ///< some answer went public below resolve, which no doctrine reproduces
};

/// respond() restricted to the rungs `available` at the time of the answer.
Rung respond_available(const Doctrine& doctrine, double resolve, double z,
                       const std::array<bool, rung_count>& available) noexcept;

/// The doctrine that reproduces the most `answers`, over every set of enabled rungs and
/// thresholds with resolve <= attribute <= coordinate <= sanction. Ties go to the doctrine
/// that switches the fewest rungs on or off against `start`, then to the one closest to
/// `start` (sum of |threshold − start's| over enabled rungs), then to the lowest
/// thresholds: a session played by the doctrine gives back the doctrine. Disabled rungs
/// keep start's thresholds, clamped so the chain holds. No answers: `start` unchanged.
/// `start` is the state's doctrine, `resolve` its resolve.
DoctrineFit fit_doctrine(std::span<const PlayedResponse> answers, const Doctrine& start,
                         double resolve);

}  // namespace cyberdeter::wargame
