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

/// One recorded answer of a played state to an invitation that counted (not late).
struct PlayedJoin {
  double p_model = 0.5;    ///< the model's probability that it joins (DecisionRow::p_join)
  double alignment = 0.0;  ///< A[leader][state], the inviter's alignment with it
  bool joined = false;
};

/// How readily a played state joined, against the model: the factor f on its alignment
/// with the states that invite it (states.LEADER.alignment.STATE, a sweep can scale them)
/// under which the model's join probability σ(x + join_alignment · A · (f − 1)) best
/// explains its answers (maximum likelihood; the log-likelihood is concave in f).
struct JoinFit {
  double factor = 1.0;
  std::size_t total = 0;
  std::size_t joined = 0;
  double expected = 0.0;         ///< joins the model expects (sum of p_model)
  double expected_fitted = 0.0;  ///< joins it expects with the factor
  bool at_bound = false;         ///< the factor hit its range: the answers say "always"/"never"
};

/// f in [0.05, max_factor] (max_factor keeps every alignment within 1); no answers: 1.
JoinFit fit_joining(std::span<const PlayedJoin> answers, double join_alignment, double max_factor);

}  // namespace cyberdeter::wargame
