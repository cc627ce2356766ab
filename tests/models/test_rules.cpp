// The decision rules of docs/model.md against hand-computed values.
#include <cmath>
#include <vector>

#include <catch2/catch.hpp>

#include "cyberdeter/models/deterrence/rules.hpp"

using namespace cyberdeter;
using namespace cyberdeter::models::deterrence;

namespace {

Attacker attacker() {
  Attacker a;
  a.capability = 0.8;
  a.operation_cost = 0.5;
  a.reputation_cost = 2.0;
  a.coalition_exponent = 0.5;
  a.sanction_cost = 0.01;
  a.discount = 0.001;
  return a;
}

Belief belief() {
  Belief b;
  b.attributed = 2.0;
  b.not_attributed = 6.0;          // P̂_attr = 0.25
  b.rungs = {4.0, 2.0, 1.0, 1.0};  // P̂ = 0.5, 0.25, 0.125, 0.125
  b.coalition_size = 4.0;          // k̂^β = 2
  b.delay_days = 100.0;
  b.sanction_weight = 0.5;
  b.sanction_days = 200.0;
  b.evidence = 2.0;
  return b;
}

}  // namespace

// docs/model.md §4.3.
TEST_CASE("rung costs follow the calculus", "[rules][calculus]") {
  const auto a = attacker();
  const auto b = belief();
  CHECK(rung_cost(a, b, Rung::none) == 0.0);
  CHECK(rung_cost(a, b, Rung::attribute) == 2.0);
  CHECK(rung_cost(a, b, Rung::coordinate) == Approx(4.0));  // ρ k̂^β = 2 · 4^0.5
  // σ Ŵ T̂ + the statement that comes with it: 0.01 · 0.5 · 200 + 4 = 5
  CHECK(rung_cost(a, b, Rung::sanction) == Approx(5.0));
}

TEST_CASE("the expected utility of an attack, term by term", "[rules][calculus]") {
  const auto t = evaluate(attacker(), belief(), 0.25, 10.0);
  CHECK(t.p_success == Approx(0.6));  // 0.8 · (1 − 0.25)
  CHECK(t.gain == 10.0);
  CHECK(t.cost == 0.5);
  CHECK(t.p_attributed == Approx(0.25));
  // Σ P̂(k) Cost_k = 0.5·0 + 0.25·2 + 0.125·4 + 0.125·5 = 1.625
  CHECK(t.expected_cost_if_attributed == Approx(1.625));
  CHECK(t.discount == Approx(std::exp(-0.1)));
  CHECK(t.consequence == Approx(0.25 * 1.625 * std::exp(-0.1)));
  CHECK(t.utility == Approx(0.6 * 10.0 - 0.5 - 0.25 * 1.625 * std::exp(-0.1)));
}

TEST_CASE("own operations update the Beta and Dirichlet beliefs", "[rules][beliefs]") {
  Belief b = belief();
  observe_own(b, Observation{});  // not attributed
  CHECK(b.attributed == 2.0);
  CHECK(b.not_attributed == 7.0);

  Observation named;
  named.attributed = true;
  named.rung = Rung::coordinate;
  named.coalition_size = 7.0;
  named.delay_days = 40.0;
  observe_own(b, named);
  CHECK(b.attributed == 3.0);
  CHECK(b.rungs[2] == 2.0);
  // running means with pseudo-count 2: mean += (x − mean) · 1 / 3
  CHECK(b.coalition_size == Approx(4.0 + (7.0 - 4.0) / 3.0));
  CHECK(b.delay_days == Approx(100.0 + (40.0 - 100.0) / 3.0));
  CHECK(b.sanction_weight == 0.5);  // untouched by a statement
  CHECK(b.evidence == 3.0);
}

TEST_CASE("a sanction updates the sanction beliefs too", "[rules][beliefs]") {
  Belief b = belief();
  Observation s;
  s.attributed = true;
  s.rung = Rung::sanction;
  s.coalition_size = 1.0;
  s.delay_days = 400.0;
  s.sanction_weight = 2.0;
  s.sanction_days = 800.0;
  observe_own(b, s);
  CHECK(b.sanction_weight == Approx(0.5 + 1.5 / 3.0));
  CHECK(b.sanction_days == Approx(200.0 + 600.0 / 3.0));
  CHECK(b.p_rung(Rung::sanction) == Approx(2.0 / 9.0));
}

TEST_CASE("public events about others count with weight observe_others", "[rules][beliefs]") {
  Belief b = belief();
  Observation s;
  s.attributed = true;
  s.rung = Rung::attribute;
  s.delay_days = 0.0;
  observe_other(b, s, 0.5);
  CHECK(b.rungs[1] == 2.5);
  CHECK(b.attributed == 2.0);  // P̂_attr is not moved by others' cases
  CHECK(b.not_attributed == 6.0);
  CHECK(b.delay_days == Approx(100.0 - 100.0 * 0.5 / 2.5));
  Belief c = belief();
  observe_other(c, s, 0.0);
  CHECK(c.rungs == belief().rungs);
}

TEST_CASE("a state that never answers teaches attackers it will not", "[rules][beliefs]") {
  // Credibility: with every operation unattributed, P̂_attr → 0 and EU rises.
  Belief b = belief();
  const double before = evaluate(attacker(), b, 0.0, 10.0).utility;
  for (int i = 0; i < 100; ++i) observe_own(b, Observation{});
  CHECK(b.p_attributed() == Approx(2.0 / 108.0));
  CHECK(evaluate(attacker(), b, 0.0, 10.0).utility > before);
}

TEST_CASE("logit choice probabilities", "[rules][choice]") {
  const std::vector<double> u{1.0, -1.0};
  const auto p = choice_probabilities(u, 2.0);
  const double z = 1.0 + std::exp(2.0) + std::exp(-2.0);
  CHECK(p[0] == Approx(1.0 / z));
  CHECK(p[1] == Approx(std::exp(2.0) / z));
  CHECK(p[2] == Approx(std::exp(-2.0) / z));
  // Huge utilities do not overflow.
  const std::vector<double> big{1e6, 1e6 - 1.0};
  const auto q = choice_probabilities(big, 10.0);
  CHECK(q[0] == 0.0);
  CHECK(q[1] == Approx(1.0 / (1.0 + std::exp(-10.0))));
}

TEST_CASE("strict best response takes the best positive target or stays idle", "[rules][choice]") {
  sim::RandomStream rng(1);
  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<double> mixed{-0.5, 2.0, 3.0, 3.0};
  CHECK(choose(mixed, inf, rng) == 3);  // first of the tied best
  const std::vector<double> negative{-0.5, -2.0};
  CHECK(choose(negative, inf, rng) == 0);
  const std::vector<double> zero{0.0};
  CHECK(choose(zero, inf, rng) == 0);  // indifferent: no operation
}

TEST_CASE("logit choices match their probabilities", "[rules][choice][statistics]") {
  auto rng = sim::StreamFactory(sim::RunId{5, 0, {}}).stream(sim::StreamKey("choice"));
  const std::vector<double> u{0.5, 0.2};
  const auto p = choice_probabilities(u, 3.0);
  const int n = 100'000;
  std::vector<int> counts(3, 0);
  for (int i = 0; i < n; ++i) ++counts[choose(u, 3.0, rng)];
  for (std::size_t i = 0; i < 3; ++i) {
    const double se = std::sqrt(p[i] * (1 - p[i]) / n);
    CHECK(std::abs(counts[i] / double(n) - p[i]) < 5 * se);
  }
}

TEST_CASE("the doctrine takes the highest enabled rung it reaches", "[rules][doctrine]") {
  Doctrine d;
  d.attribute = {true, 0.3};
  d.coordinate = {true, 0.6};
  d.sanction = {false, 0.9};
  CHECK(respond(d, 0.2, 0.1) == Rung::none);
  CHECK(respond(d, 0.2, 0.3) == Rung::attribute);
  CHECK(respond(d, 0.2, 0.7) == Rung::coordinate);
  CHECK(respond(d, 0.2, 5.0) == Rung::coordinate);  // "never sanctions" is one switch
  d.sanction.enabled = true;
  CHECK(respond(d, 0.2, 0.95) == Rung::sanction);
  d.coordinate.enabled = false;
  CHECK(respond(d, 0.2, 0.7) == Rung::attribute);  // disabled rungs are skipped
  CHECK(respond(d, 1.0, 0.95) == Rung::none);      // resolve gates everything
}

TEST_CASE("case strength weighs dependence on the sponsor against the evidence",
          "[rules][doctrine]") {
  // Selective naming: the same case is strong enough against a sponsor the victim does
  // not depend on, and too weak against one it depends on.
  const double c = 0.8, v = 1.0, psi = 0.5;
  CHECK(case_strength(c, v, psi, 0.0) == Approx(0.8));
  CHECK(case_strength(c, v, psi, 0.9) == Approx(0.35));
  Doctrine d;
  CHECK(respond(d, 0.2, case_strength(c, v, psi, 0.0)) == Rung::coordinate);
  CHECK(respond(d, 0.2, case_strength(c, v, psi, 0.9)) == Rung::attribute);
}

TEST_CASE("allies join more when aligned and confident, less when dependent",
          "[rules][coalition]") {
  Calibration m;  // base −1, alignment 3, confidence 2, dependence 3
  CHECK(join_probability(m, 0.0, 0.0, 0.0) == Approx(1.0 / (1.0 + std::exp(1.0))));
  CHECK(join_probability(m, 1.0, 0.5, 0.0) == Approx(1.0 / (1.0 + std::exp(-3.0))));
  CHECK(join_probability(m, 1.0, 0.5, 1.0) < join_probability(m, 1.0, 0.5, 0.0));
  CHECK(join_probability(m, 0.5, 0.9, 0.0) > join_probability(m, 0.5, 0.4, 0.0));
}

TEST_CASE("workforce counts vendor staff at a discount, with diminishing returns",
          "[rules][capability]") {
  Calibration m;  // W_ref 1000, ε 0.3, discount 0.5
  State japan;
  japan.workforce = 2000;
  japan.in_house_share = 0.28;
  CHECK(effective_workforce(japan, m) == Approx(2000 * (0.28 + 0.5 * 0.72)));
  CHECK(workforce_factor(japan, m) == Approx(std::pow(1.28, 0.3)));
  State us = japan;
  us.in_house_share = 0.654;
  CHECK(workforce_factor(us, m) > workforce_factor(japan, m));
  State doubled = us;
  doubled.workforce *= 2;
  CHECK(workforce_factor(doubled, m) / workforce_factor(us, m) == Approx(std::pow(2.0, 0.3)));
}

// docs/validation.md §2.1.
TEST_CASE("the timing game's value and threshold match the published case", "[rules][timing]") {
  // s ~ U[0,1] approximated by 20,000 equally likely midpoints; w = 0.9, S = 0.1, P = 0.9.
  const int n = 20'000;
  std::vector<double> stakes(n), weights(n, 1.0);
  for (int i = 0; i < n; ++i) stakes[static_cast<std::size_t>(i)] = (i + 0.5) / n;
  CHECK(timing_value(stakes, weights, 0.0, 0.9, 0.1, 0.9) == Approx(0.54945).epsilon(1e-4));
  const double t = optimal_threshold(stakes, weights, 0.9, 0.1, 0.9);
  CHECK(t == Approx(0.49096).margin(1.0 / n));
  CHECK(timing_value(stakes, weights, t, 0.9, 0.1, 0.9) == Approx(0.68189).epsilon(1e-4));
  // With S >= P waiting never pays: use at once.
  CHECK(optimal_threshold(stakes, weights, 0.9, 0.9, 0.5) == 0.0);
}
