#pragma once
// The attribution game of docs/validation.md §1.1 (after Baliga, Bueno de Mesquita &
// Wolitzky, APSR 2020): its parameters, its closed-form equilibrium and the solver that
// finds it. The simulation on the engine is in attribution_run.hpp; docs/games.md states
// the model, the learning rules and what is shared with the deterrence model.
//
// Rounds t = 1, 2, ...: with probability γ one of the n attackers (each with probability
// γ/n) gets an opportunity and a private benefit x_i ~ F_i; it attacks iff x_i exceeds its
// cutoff. The defender sees a signal s ~ π_i (π_0 if nobody attacked) and retaliates
// against each attacker j iff its posterior p_j^s that j attacked reaches a private cost
// c_j ~ U[lo, hi]; retaliation costs j its w_j whether or not j was guilty.

#include <cstddef>
#include <limits>
#include <string>
#include <vector>

#include "cyberdeter/models/games/distribution.hpp"

namespace cyberdeter::models::games {

inline constexpr double infinity = std::numeric_limits<double>::infinity();

/// Uniform distribution on [lo, hi], lo < hi.
struct Uniform {
  double lo = 0.0;
  double hi = 1.0;

  /// F(x) = P(X <= x).
  double cdf(double x) const noexcept;
};

/// One attacker of the game: [attackers.NAME].
struct GameAttacker {
  std::string name;
  Distribution benefit;           ///< F_i: the private benefit of an opportunity
  double retaliation_cost = 1.0;  ///< w_i > 0: what one retaliation costs the attacker
  double rationality = infinity;  ///< λ: inf attacks iff x > cutoff; finite is logit
  std::vector<double> signal;     ///< π_i: signal distribution when i attacks
};

/// The game's primitives.
struct AttributionGame {
  double opportunity_probability = 1.0;   ///< γ in (0, 1]: P(some attacker has an opportunity)
  std::vector<std::string> signal_names;  ///< s = 0, 1, ...
  std::vector<double> nobody;             ///< π_0: signal distribution when nobody attacked
  std::vector<GameAttacker> attackers;
  Distribution defender_cost;  ///< the defender's private cost c_j, default U[0, 1]
  /// True when every attacker is the same up to relabelling the signals (signals generated
  /// from equal δ, μ and identical attackers): the solver then uses scalar bisection.
  bool symmetric = false;

  std::size_t attacker_count() const noexcept { return attackers.size(); }
  std::size_t signal_count() const noexcept { return nobody.size(); }
};

/// Signal distributions generated from detection δ_i, identification μ_i and a false-alarm
/// rate φ per label (docs/validation.md §1.1): signals are "nothing" and one label per
/// attacker. π_i puts 1 − δ_i on "nothing", δ_i μ_i on its own label and δ_i (1 − μ_i) spread
/// evenly over the other labels; π_0 puts φ on each label and 1 − nφ on "nothing".
struct GeneratedSignals {
  std::vector<double> detection;        ///< δ_i
  std::vector<double> identification;   ///< μ_i
  double false_alarm = 0.05;            ///< φ
  double default_detection = 0.8;       ///< [signals] detection: δ of attackers that give none
  double default_identification = 0.9;  ///< [signals] identification (1 with one attacker)
};
/// Fills game.signal_names, game.nobody and every attacker's signal from `g` (names from the
/// attackers' names: "nothing", "points to A", ...).
void generate_signals(AttributionGame& game, const GeneratedSignals& g);

/// Probability that attacker i attacks given an opportunity when its cutoff is `cutoff`:
/// 1 − F_i(cutoff) for a strict best response (attack iff x > cutoff); for a logit attacker
/// with rationality λ, E_x[1 / (1 + exp(−λ (x − cutoff)))].
double attack_probability(const GameAttacker& attacker, double cutoff) noexcept;

/// Retaliation probability for posterior p: G(p) = P(c <= p) under the defender's cost
/// distribution (r = p for U[0, 1]).
double retaliation_probability(const AttributionGame& game, double posterior) noexcept;

/// Signal probabilities q_s = (1 − (γ/n) Σ_j a_j) π_0^s + (γ/n) Σ_j a_j π_j^s.
std::vector<double> signal_probabilities(const AttributionGame& game, const std::vector<double>& a);

/// Posteriors p_i^s = (γ/n) a_i π_i^s / q_s, row-major [i * S + s]; 0 where q_s = 0.
std::vector<double> posteriors(const AttributionGame& game, const std::vector<double>& a);

/// Cutoffs x_i* = w_i Σ_s (π_i^s − π_0^s) r_i^s for retaliation probabilities r [i * S + s].
std::vector<double> cutoffs(const AttributionGame& game, const std::vector<double>& retaliation);

/// The best-response map Φ(a)_i = attack_probability(i, x_i*(r(p(a)))).
std::vector<double> best_response(const AttributionGame& game, const std::vector<double>& a);

/// The equilibrium and how it was found.
struct AttributionEquilibrium {
  std::vector<double> attack;       ///< a_i
  std::vector<double> cutoff;       ///< x_i*
  std::vector<double> signal;       ///< q_s, the signal distribution in equilibrium
  std::vector<double> posterior;    ///< p_i^s, row-major [i * S + s]
  std::vector<double> retaliation;  ///< r_i^s, row-major [i * S + s]
  std::string method;               ///< "bisection (symmetric game)", "Newton", "damped iteration"
  std::size_t iterations = 0;
  double residual = 0.0;  ///< max_i |a_i − Φ(a)_i|
};

/// Residual the solver guarantees (it throws std::runtime_error if it cannot reach it).
inline constexpr double equilibrium_tolerance = 1e-12;

/// Solves a = Φ(a) on [0, 1]^n: scalar bisection for a symmetric game; otherwise Newton's
/// method (Jacobian by central differences, backtracking on the residual, steps kept in
/// [0, 1]^n) started from damped iteration, with damped iteration (step halved whenever the
/// residual grows) as the fallback.
AttributionEquilibrium solve_equilibrium(const AttributionGame& game);

/// The equilibrium quantities (cutoffs, posteriors, ...) for given attack probabilities.
/// Where a discrete law makes a player indifferent (an attacker whose benefit can equal its
/// cutoff, the defender at a posterior equal to a possible cost), the player mixes at the
/// tie: the retaliation probabilities r_i^s are then chosen within [G(p−), G(p)] so that a_i
/// is a best response, and `residual` is the distance of a_i from the attack probabilities
/// that are best responses (0 when a_i is one).
AttributionEquilibrium evaluate_profile(const AttributionGame& game, const std::vector<double>& a);

}  // namespace cyberdeter::models::games
