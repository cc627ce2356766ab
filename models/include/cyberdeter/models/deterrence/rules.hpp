#pragma once
// The decision rules of the deterrence model as pure functions (docs/model.md §4 to §8):
// the attacker's beliefs and their updates, the calculus, the choice rule, the response
// doctrine, coalition answers and capability scaling. The event flow (model.cpp) calls
// these; tests check each against hand-computed values.

#include <array>
#include <cstddef>
#include <span>
#include <vector>

#include "cyberdeter/models/deterrence/scenario.hpp"
#include "cyberdeter/sim/random.hpp"

namespace cyberdeter::models::deterrence {

/// What an attacker believes about one target (docs/model.md §8.1).
struct Belief {
  double attributed = 1.0;      ///< Beta α: pseudo-count of own operations that were named
  double not_attributed = 9.0;  ///< Beta β: pseudo-count of own operations that were not
  std::array<double, rung_count> rungs{1.0, 1.0, 1.0, 1.0};  ///< Dirichlet over responses
  double coalition_size = 1.0;                               ///< running mean of signers k̂
  double delay_days = 365.0;     ///< running mean of attack→consequence delay τ̂
  double sanction_weight = 0.0;  ///< running mean of imposers' economic weight Ŵ
  double sanction_days = 730.0;  ///< running mean of sanction duration T̂
  double evidence = 1.0;         ///< pseudo-count behind the running means

  static Belief from_prior(const Prior& prior, double sanction_days);

  /// P̂_attr: posterior mean probability that an attack is detected and named.
  double p_attributed() const noexcept { return attributed / (attributed + not_attributed); }
  /// P̂(k | attribution): posterior mean probability of response rung k.
  double p_rung(Rung k) const noexcept;
};

/// The outcome of one operation as an attacker can observe it.
struct Observation {
  bool attributed = false;  ///< named publicly (rung >= attribute) or, if learned, quietly
  Rung rung = Rung::none;
  double coalition_size = 1.0;
  double delay_days = 0.0;       ///< attack to consequence
  double sanction_weight = 0.0;  ///< imposers' total economic weight (sanction rung)
  double sanction_days = 0.0;    ///< duration (sanction rung)
};

/// Updates a belief from the attacker's own operation (weight 1).
void observe_own(Belief& belief, const Observation& o);
/// Updates a belief from a public response against another attacker, with weight
/// `observe_others`: it moves the response and consequence beliefs, not P̂_attr, because
/// the others' unattributed operations are invisible.
void observe_other(Belief& belief, const Observation& o, double observe_others);

/// The terms of EU(a, s, t) of docs/model.md §4.4.
struct ChoiceTerms {
  double p_success = 0.0;
  double gain = 0.0;          ///< expected gain of a success (mega-event and sector multipliers in)
  double cost = 0.0;          ///< operation cost c_a
  double p_attributed = 0.0;  ///< P̂_attr
  double expected_cost_if_attributed = 0.0;  ///< Σ_k P̂(k) Cost_k
  double discount = 1.0;                     ///< exp(−r_a τ̂)
  double consequence = 0.0;                  ///< P̂_attr · Σ_k P̂(k) Cost_k · exp(−r_a τ̂)
  double utility = 0.0;                      ///< p_success · gain − cost − consequence
};

/// Cost to attacker `a` of response rung `k` given its beliefs (docs/model.md §4.3).
double rung_cost(const Attacker& a, const Belief& b, Rung k) noexcept;

/// The part of the calculus that depends only on the attacker and its belief about a
/// target: P̂_attr, Σ_k P̂(k) Cost_k, exp(−r τ̂) and their product, the consequence.
/// It changes only when the belief does, so the model caches it.
struct ConsequenceTerms {
  double p_attributed = 0.0;
  double expected_cost_if_attributed = 0.0;
  double discount = 1.0;
  double consequence = 0.0;
};
ConsequenceTerms consequence_terms(const Attacker& a, const Belief& b) noexcept;

/// EU of attacking a target with defense `defense` and expected gain `gain`.
ChoiceTerms evaluate(const Attacker& a, const ConsequenceTerms& c, double defense,
                     double gain) noexcept;
inline ChoiceTerms evaluate(const Attacker& a, const Belief& b, double defense,
                            double gain) noexcept {
  return evaluate(a, consequence_terms(a, b), defense, gain);
}

/// Logit (or, for rationality = inf, strict best-response) choice among "no operation"
/// (utility 0, index 0) and the options' utilities (index i + 1). Ties in the strict rule
/// go to the lowest index, so the choice is deterministic.
std::size_t choose(std::span<const double> utilities, double rationality, sim::RandomStream& rng);

/// Choice probabilities of the logit rule (index 0: no operation).
std::vector<double> choice_probabilities(std::span<const double> utilities, double rationality);
/// The same into `out` (no allocation once it has room).
void choice_probabilities(std::span<const double> utilities, double rationality,
                          std::vector<double>& out);

/// Case strength z = c·v − ψ·R (docs/model.md §7.1), before noise.
double case_strength(double confidence, double normalised_severity, double naming_aversion,
                     double dependence) noexcept;

/// The highest enabled rung whose threshold z reaches (and z >= resolve), or none.
Rung respond(const Doctrine& doctrine, double resolve, double z) noexcept;

/// Probability that ally t joins a statement or sanctions led by s.
double join_probability(const Calibration& m, double alignment, double confidence,
                        double dependence_on_sponsor) noexcept;

/// Workforce counted by capability: in-house staff fully, vendor staff at a discount.
double effective_workforce(double workforce, double in_house_share, const Calibration& m) noexcept;
/// Factor (W_eff / W_ref)^ε by which workforce scales detection and attribution speed.
double workforce_factor(double workforce, double in_house_share, const Calibration& m) noexcept;
/// The same for a state's own workforce and in-house share.
inline double effective_workforce(const State& s, const Calibration& m) noexcept {
  return effective_workforce(s.workforce, s.in_house_share, m);
}
inline double workforce_factor(const State& s, const Calibration& m) noexcept {
  return workforce_factor(s.workforce, s.in_house_share, m);
}

/// Value V(T) of holding a scarce capability and using it iff the stakes reach T, for
/// stakes drawn each period from the discrete distribution (stakes[i], weights[i]) —
/// the timing game of docs/validation.md §2.1 with discount w, stealth S, persistence P:
///   V(T) = E[s; s >= T] / (1 − w (S Pr(s >= T) + P (1 − Pr(s >= T)))).
double timing_value(std::span<const double> stakes, std::span<const double> weights, double T,
                    double w, double S, double P);

/// The threshold that maximises timing_value. For a discrete distribution an optimal
/// threshold lies on the support; ties go to the lowest.
double optimal_threshold(std::span<const double> stakes, std::span<const double> weights, double w,
                         double S, double P);

}  // namespace cyberdeter::models::deterrence
