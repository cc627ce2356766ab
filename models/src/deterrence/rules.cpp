#include "cyberdeter/models/deterrence/rules.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace cyberdeter::models::deterrence {
namespace {

std::size_t index(Rung k) noexcept { return static_cast<std::size_t>(k); }

// Running mean with pseudo-count `evidence`: mean moves towards x by w / (evidence + w).
void update_mean(double& mean, double evidence, double x, double w) noexcept {
  mean += (x - mean) * w / (evidence + w);
}

void observe(Belief& b, const Observation& o, double w) {
  if (!o.attributed || o.rung == Rung::none) return;
  b.rungs[index(o.rung)] += w;
  update_mean(b.delay_days, b.evidence, o.delay_days, w);
  if (o.rung == Rung::coordinate || o.rung == Rung::sanction) {
    update_mean(b.coalition_size, b.evidence, o.coalition_size, w);
  }
  if (o.rung == Rung::sanction) {
    update_mean(b.sanction_weight, b.evidence, o.sanction_weight, w);
    update_mean(b.sanction_days, b.evidence, o.sanction_days, w);
  }
  b.evidence += w;
}

}  // namespace

Belief Belief::from_prior(const Prior& prior, double sanction_days) {
  Belief b;
  b.attributed = prior.attributed;
  b.not_attributed = prior.not_attributed;
  b.rungs = prior.rungs;
  b.coalition_size = prior.coalition_size;
  b.delay_days = prior.delay_days;
  b.sanction_weight = prior.sanction_weight;
  b.sanction_days = sanction_days;
  b.evidence = prior.weight;
  return b;
}

double Belief::p_rung(Rung k) const noexcept {
  const double total = std::accumulate(rungs.begin(), rungs.end(), 0.0);
  return rungs[index(k)] / total;
}

void observe_own(Belief& b, const Observation& o) {
  if (o.attributed) {
    b.attributed += 1.0;
    if (o.rung == Rung::none) b.rungs[index(Rung::none)] += 1.0;  // named quietly
    observe(b, o, 1.0);
  } else {
    b.not_attributed += 1.0;
  }
}

void observe_other(Belief& b, const Observation& o, double observe_others) {
  if (observe_others > 0.0) observe(b, o, observe_others);
}

namespace {

// ρ·k̂^β: the cost of a statement signed by the expected number of states.
double statement_cost(const Attacker& a, const Belief& b) noexcept {
  return a.reputation_cost * std::pow(b.coalition_size, a.coalition_exponent);
}

// Cost_k of docs/model.md §4.3, given the statement cost.
double rung_cost(const Attacker& a, const Belief& b, Rung k, double statement) noexcept {
  switch (k) {
    case Rung::none: return 0.0;
    case Rung::attribute: return a.reputation_cost;
    case Rung::coordinate: return statement;
    case Rung::sanction: return a.sanction_cost * b.sanction_weight * b.sanction_days + statement;
  }
  return 0.0;
}

}  // namespace

double rung_cost(const Attacker& a, const Belief& b, Rung k) noexcept {
  return rung_cost(a, b, k, statement_cost(a, b));
}

ConsequenceTerms consequence_terms(const Attacker& a, const Belief& b) noexcept {
  // Σ_k P̂(k) Cost_k with the Dirichlet mean P̂(k) = count_k / total; one pow for the
  // statement that the coordinate and sanction rungs share.
  const double total = std::accumulate(b.rungs.begin(), b.rungs.end(), 0.0);
  const double statement = statement_cost(a, b);
  double weighted = 0.0;
  for (std::size_t k = 0; k < rung_count; ++k) {
    weighted += b.rungs[k] * rung_cost(a, b, static_cast<Rung>(k), statement);
  }
  ConsequenceTerms c;
  c.p_attributed = b.p_attributed();
  c.expected_cost_if_attributed = weighted / total;
  c.discount = std::exp(-a.discount * b.delay_days);
  c.consequence = c.p_attributed * c.expected_cost_if_attributed * c.discount;
  return c;
}

ChoiceTerms evaluate(const Attacker& a, const ConsequenceTerms& c, double defense,
                     double gain) noexcept {
  ChoiceTerms t;
  t.p_success = a.capability * (1.0 - defense);
  t.gain = gain;
  t.cost = a.operation_cost;
  t.p_attributed = c.p_attributed;
  t.expected_cost_if_attributed = c.expected_cost_if_attributed;
  t.discount = c.discount;
  t.consequence = c.consequence;
  t.utility = t.p_success * t.gain - t.cost - t.consequence;
  return t;
}

std::vector<double> choice_probabilities(std::span<const double> utilities, double rationality) {
  std::vector<double> p;
  choice_probabilities(utilities, rationality, p);
  return p;
}

void choice_probabilities(std::span<const double> utilities, double rationality,
                          std::vector<double>& p) {
  p.assign(utilities.size() + 1, 0.0);
  if (std::isinf(rationality)) {
    std::size_t best = 0;
    double best_u = 0.0;
    for (std::size_t i = 0; i < utilities.size(); ++i) {
      if (utilities[i] > best_u) {
        best_u = utilities[i];
        best = i + 1;
      }
    }
    p[best] = 1.0;
    return;
  }
  // Subtract the maximum before exponentiating so large utilities cannot overflow.
  double top = 0.0;
  for (const double u : utilities) top = std::max(top, u);
  p[0] = std::exp(-rationality * top);
  for (std::size_t i = 0; i < utilities.size(); ++i) {
    p[i + 1] = std::exp(rationality * (utilities[i] - top));
  }
  const double total = std::accumulate(p.begin(), p.end(), 0.0);
  for (double& x : p) x /= total;
}

std::size_t choose(std::span<const double> utilities, double rationality, sim::RandomStream& rng) {
  const auto p = choice_probabilities(utilities, rationality);
  if (std::isinf(rationality)) {
    return static_cast<std::size_t>(std::find(p.begin(), p.end(), 1.0) - p.begin());
  }
  return rng.categorical(p);
}

double case_strength(double confidence, double normalised_severity, double naming_aversion,
                     double dependence) noexcept {
  return confidence * normalised_severity - naming_aversion * dependence;
}

Rung respond(const Doctrine& d, double resolve, double z) noexcept {
  if (z < resolve) return Rung::none;
  for (const Rung k : {Rung::sanction, Rung::coordinate, Rung::attribute}) {
    const RungPolicy& p = d.rung(k);
    if (p.enabled && z >= p.threshold) return k;
  }
  return Rung::none;
}

double join_probability(const Calibration& m, double alignment, double confidence,
                        double dependence_on_sponsor) noexcept {
  const double x = m.join_base + m.join_alignment * alignment + m.join_confidence * confidence -
                   m.join_dependence * dependence_on_sponsor;
  return 1.0 / (1.0 + std::exp(-x));
}

double effective_workforce(double workforce, double in_house_share, const Calibration& m) noexcept {
  return workforce * (in_house_share + m.outsourced_discount * (1.0 - in_house_share));
}

double workforce_factor(double workforce, double in_house_share, const Calibration& m) noexcept {
  return std::pow(effective_workforce(workforce, in_house_share, m) / m.workforce_reference,
                  m.workforce_elasticity);
}

double timing_value(std::span<const double> stakes, std::span<const double> weights, double T,
                    double w, double S, double P) {
  const double total = std::accumulate(weights.begin(), weights.end(), 0.0);
  double p_use = 0.0;
  double partial = 0.0;  // E[s; s >= T]
  for (std::size_t i = 0; i < stakes.size(); ++i) {
    if (stakes[i] >= T) {
      p_use += weights[i] / total;
      partial += weights[i] / total * stakes[i];
    }
  }
  return partial / (1.0 - w * (S * p_use + P * (1.0 - p_use)));
}

double optimal_threshold(std::span<const double> stakes, std::span<const double> weights, double w,
                         double S, double P) {
  std::vector<double> candidates(stakes.begin(), stakes.end());
  candidates.push_back(0.0);
  std::sort(candidates.begin(), candidates.end());
  double best_t = 0.0;
  double best_v = -1.0;
  for (const double t : candidates) {
    const double v = timing_value(stakes, weights, t, w, S, P);
    if (v > best_v) {
      best_v = v;
      best_t = t;
    }
  }
  return best_t;
}

}  // namespace cyberdeter::models::deterrence
