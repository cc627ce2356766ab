// The attribution game (docs/validation.md §1): the closed-form solver against the
// table, fixed-strategy and learning simulations against the closed form within Monte
// Carlo error, and the comparative statics the scenarios claim.
#include <cmath>
#include <vector>

#include <catch2/catch.hpp>

#include "attribution_check.hpp"
#include "cyberdeter/models/games/attribution.hpp"
#include "cyberdeter/models/games/attribution_model.hpp"
#include "games_test_support.hpp"

using namespace cyberdeter::models::games;
using games_test::check_fixed_strategies;
using games_test::frequency_band;
using games_test::mean_band;
using games_test::scenario;

namespace {

AttributionScenario load(const std::string& name, const std::vector<std::string>& overrides = {}) {
  return load_attribution_scenario(scenario(name), overrides);
}

// The generated two-attacker game of docs/validation.md §1.1 with per-attacker δ and μ.
AttributionGame two_attackers(double gamma, double phi, std::vector<double> delta,
                              std::vector<double> mu) {
  AttributionGame g;
  g.opportunity_probability = gamma;
  g.attackers = {GameAttacker{"A", {}, 1.0, infinity, {}},
                 GameAttacker{"B", {}, 1.0, infinity, {}}};
  generate_signals(g, GeneratedSignals{std::move(delta), std::move(mu), phi});
  return g;
}

// ∫ σ(λ(x − c)) dx over U[lo, hi] by Simpson's rule.
double logit_attack_numeric(const Distribution& f, double lambda, double cutoff) {
  const int n = 20'000;
  const double h = (f.hi - f.lo) / n;
  double sum = 0.0;
  for (int k = 0; k <= n; ++k) {
    const double x = f.lo + h * k;
    const double w = (k == 0 || k == n) ? 1.0 : (k % 2 == 1 ? 4.0 : 2.0);
    sum += w / (1.0 + std::exp(-lambda * (x - cutoff)));
  }
  return sum * h / 3.0 / (f.hi - f.lo);
}

}  // namespace

// The cases of docs/validation.md §1.2.
TEST_CASE("the solver reproduces the published equilibria to 1e-5",
          "[games][attribution][equilibrium]") {
  const auto base = solve_equilibrium(load("attribution_baseline.toml").game);
  CHECK(base.method == "bisection (symmetric game)");
  CHECK(base.residual <= 1e-12);
  for (std::size_t i = 0; i < 2; ++i) {
    CHECK(base.attack[i] == Approx(0.524586).margin(1e-5));
    CHECK(base.cutoff[i] == Approx(0.475414).margin(1e-5));
  }
  // p_1^s for s = nothing, points to attacker 1, points to attacker 2; r = p under U[0, 1].
  CHECK(base.posterior[0] == Approx(0.09846).margin(1e-5));
  CHECK(base.posterior[1] == Approx(0.80842).margin(1e-5));
  CHECK(base.posterior[2] == Approx(0.08982).margin(1e-5));
  for (std::size_t k = 0; k < base.posterior.size(); ++k) {
    CHECK(base.retaliation[k] == base.posterior[k]);
  }
  const auto fewer_alarms = solve_equilibrium(load("attribution_fewer_false_alarms.toml").game);
  CHECK(fewer_alarms.attack[0] == Approx(0.426390).margin(1e-5));
  CHECK(fewer_alarms.attack[1] == Approx(0.426390).margin(1e-5));
  const auto fewer_chances = solve_equilibrium(load("attribution_fewer_opportunities.toml").game);
  CHECK(fewer_chances.attack[0] == Approx(0.567639).margin(1e-5));
  CHECK(fewer_chances.attack[1] == Approx(0.567639).margin(1e-5));
}

TEST_CASE("Newton's method finds the same equilibrium as bisection",
          "[games][attribution][equilibrium]") {
  for (const char* file : {"attribution_baseline.toml", "attribution_fewer_false_alarms.toml",
                           "attribution_fewer_opportunities.toml"}) {
    auto game = load(file).game;
    const auto bisection = solve_equilibrium(game);
    game.symmetric = false;
    const auto newton = solve_equilibrium(game);
    CHECK(newton.method == "Newton");
    CHECK(newton.residual <= 1e-12);
    CHECK(newton.attack[0] == Approx(bisection.attack[0]).margin(1e-11));
    CHECK(newton.attack[1] == Approx(bisection.attack[1]).margin(1e-11));
  }
}

TEST_CASE("explicit signal matrices give the equilibrium of the generated ones",
          "[games][attribution][equilibrium]") {
  const auto generated = solve_equilibrium(load("attribution_baseline.toml").game);
  const auto sc = load_attribution_scenario_text(R"(
model = "attribution_game"
[signals]
names = ["nothing", "points to A", "points to B"]
nobody = [0.9, 0.05, 0.05]
[attackers.A]
signal = [0.2, 0.72, 0.08]
[attackers.B]
signal = [0.2, 0.08, 0.72]
)",
                                                 "explicit.toml");
  CHECK_FALSE(sc.game.symmetric);
  const auto e = solve_equilibrium(sc.game);
  CHECK(e.residual <= 1e-12);
  for (std::size_t k = 0; k < e.posterior.size(); ++k) {
    CHECK(e.posterior[k] == Approx(generated.posterior[k]).margin(1e-10));
  }
}

TEST_CASE("the solver converges on asymmetric games", "[games][attribution][equilibrium]") {
  for (const double mu : {0.3, 0.5, 0.7, 0.9, 0.99}) {
    for (const double delta : {0.05, 0.3, 0.6, 0.95}) {
      for (const double w : {0.3, 1.0, 3.0}) {
        auto g = two_attackers(0.7, 0.05, {delta, 0.8}, {mu, 0.9});
        g.attackers[0].retaliation_cost = w;
        g.attackers[1].benefit = Distribution::uniform(0.1, 0.6);
        g.defender_cost = Distribution::uniform(0.05, 0.8);
        const auto e = solve_equilibrium(g);
        INFO("μ_A = " << mu << ", δ_A = " << delta << ", w_A = " << w << ": " << e.method);
        CHECK(e.residual <= 1e-12);
        const auto phi = best_response(g, e.attack);
        CHECK(phi[0] == Approx(e.attack[0]).margin(1e-12));
        CHECK(phi[1] == Approx(e.attack[1]).margin(1e-12));
      }
    }
  }
}

TEST_CASE("a logit attacker attacks with the integrated logistic probability",
          "[games][attribution][equilibrium]") {
  GameAttacker a{"A", Distribution::uniform(-0.5, 1.5), 1.0, 4.0, {}};
  for (const double cutoff : {-1.0, 0.0, 0.3, 1.2, 3.0}) {
    CHECK(attack_probability(a, cutoff) ==
          Approx(logit_attack_numeric(a.benefit, 4.0, cutoff)).margin(1e-9));
  }
  a.rationality = 1e9;  // approaches the strict best response 1 − F(cutoff)
  CHECK(attack_probability(a, 0.3) == Approx(0.6).margin(1e-6));
  a.rationality = 1e-9;  // a coin toss
  CHECK(attack_probability(a, 0.3) == Approx(0.5).margin(1e-6));
}

TEST_CASE("attacks are strategic complements: the best response rises with the other's attacks",
          "[games][attribution][statics]") {
  const auto g = load("attribution_baseline.toml").game;
  for (const double b : {0.1, 0.4, 0.7, 1.0}) {
    double previous = -1.0;
    for (const double a : {0.0, 0.2, 0.4, 0.6, 0.8, 1.0}) {
      const double response = best_response(g, {a, b})[1];
      CHECK(response > previous);
      previous = response;
    }
  }
}

TEST_CASE("better identification of A deters B: the complementarity scenario",
          "[games][attribution][statics]") {
  const auto base = solve_equilibrium(load("attribution_baseline.toml").game);
  const auto better = solve_equilibrium(load("attribution_complementarity.toml").game);
  CHECK(better.attack[0] == Approx(0.463126).margin(1e-6));
  CHECK(better.attack[1] == Approx(0.480603).margin(1e-6));
  CHECK(better.attack[1] < base.attack[1] - 0.04);
  // The pure strategic channel: A's retaliation cost, nothing about the signals.
  const auto costly =
      solve_equilibrium(load("attribution_baseline.toml", {"attackers.A.retaliation_cost=2"}).game);
  CHECK(costly.attack[0] == Approx(0.227081).margin(1e-6));
  CHECK(costly.attack[1] == Approx(0.503349).margin(1e-6));
  // And the scan behind the claim: B's rate falls steadily as μ_A rises.
  double previous = 2.0;
  for (const double mu : {0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99}) {
    const auto e = solve_equilibrium(two_attackers(1.0, 0.05, {0.8, 0.8}, {mu, 0.9}));
    CHECK(e.attack[1] < previous);
    previous = e.attack[1];
  }
}

TEST_CASE("more detection of a hard-to-identify attacker means more attacks by the other",
          "[games][attribution][statics]") {
  double previous = 0.0;
  for (const char* delta : {"0.3", "0.4", "0.5", "0.6", "0.7", "0.8"}) {
    const auto e = solve_equilibrium(
        load("attribution_more_detection.toml", {std::string("attackers.A.detection=") + delta})
            .game);
    INFO("δ_A = " << delta);
    CHECK(e.attack[1] > previous);
    previous = e.attack[1];
  }
  const auto low = solve_equilibrium(
      load("attribution_more_detection.toml", {"attackers.A.detection=0.4"}).game);
  const auto high = solve_equilibrium(load("attribution_more_detection.toml").game);
  CHECK(low.attack[0] == Approx(0.988140).margin(1e-6));
  CHECK(low.attack[1] == Approx(0.598963).margin(1e-6));
  CHECK(high.attack[0] == Approx(0.690639).margin(1e-6));
  CHECK(high.attack[1] == Approx(0.667315).margin(1e-6));
  // p_B after "points to B": weaker evidence when more of A's attacks are misread as B's.
  CHECK(high.posterior[1 * 3 + 2] < low.posterior[1 * 3 + 2]);

  // Better detection of everyone where detection is poor next to false alarms (δ < 2φ):
  // an attack then makes alarms less likely, "nothing" is evidence of an attack, and
  // detecting more removes it (docs/validation.md).
  double before = 0.0;
  for (const double delta : {0.05, 0.10, 0.15, 0.20}) {
    auto g = two_attackers(1.0, 0.2, {delta, delta}, {0.7, 0.7});
    g.attackers[0].retaliation_cost = g.attackers[1].retaliation_cost = 2.0;
    g.symmetric = true;
    const double a = solve_equilibrium(g).attack[0];
    CHECK(a > before);
    CHECK(a < 1.0);
    before = a;
  }
}

TEST_CASE("fixed strategies: simulated frequencies match the closed form",
          "[games][attribution][simulation]") {
  for (const char* file : {"attribution_baseline.toml", "attribution_fewer_false_alarms.toml",
                           "attribution_fewer_opportunities.toml",
                           "attribution_complementarity.toml", "attribution_more_detection.toml"}) {
    check_fixed_strategies(load(file, {"run.replications=4", "run.rounds=250000"}));
  }
}

TEST_CASE("fixed strategies with a general defender cost and logit attackers",
          "[games][attribution][simulation]") {
  // r = P(c <= p) for c ~ U[0.05, 0.6], and attackers that err (rationality 8): the solver's
  // quantal-response equilibrium and the simulation must still agree.
  check_fixed_strategies(
      load("attribution_more_detection.toml",
           {"run.replications=2", "run.rounds=250000", "defender.cost.lo=0.05",
            "defender.cost.hi=0.6", "attackers.A.rationality=8", "attackers.B.benefit.hi=2"}));
}

TEST_CASE("a replication is a pure function of (seed, replication)", "[games][attribution]") {
  const auto sc =
      load("attribution_baseline_learning.toml",
           {"run.rounds=20000", "run.burn_in_rounds=10000", "run.trajectory_rounds=200"});
  const auto eq = solve_equilibrium(sc.game);
  const auto a = run_attribution(sc, eq, 3);
  const auto b = run_attribution(sc, eq, 3);
  const auto c = run_attribution(sc, eq, 4);
  CHECK(a.run.seed == b.run.seed);
  CHECK(a.run.attacks == b.run.attacks);
  CHECK(a.run.retaliations == b.run.retaliations);
  CHECK(a.trajectory.back().cutoff == b.trajectory.back().cutoff);
  CHECK(a.run.seed != c.run.seed);
  CHECK(a.run.attacks != c.run.attacks);
  CHECK(a.run.events == 2 * 20000 + 100);  // round and signal events, and 100 reports
  CHECK(a.run.fingerprint == b.run.fingerprint);
  CHECK(a.run.fingerprint != c.run.fingerprint);
}

TEST_CASE("trajectory fingerprints of the attribution game are pinned", "[games][attribution]") {
  // A change to any rule, stream or draw order of the game moves these: update them only
  // with a reason. Fixed strategies and learning, each with its own seed.
  const auto fixed = load("attribution_baseline.toml", {"run.rounds=20000"});
  const auto learning =
      load("attribution_baseline_learning.toml", {"run.rounds=20000", "run.burn_in_rounds=0"});
  CHECK(run_attribution(fixed, solve_equilibrium(fixed.game), 0).run.fingerprint ==
        15566123130953266607u);
  CHECK(run_attribution(learning, solve_equilibrium(learning.game), 1).run.fingerprint ==
        17133148682617517937u);
  // Same opportunities, another signal: the fingerprint sees the draws, not only the schedule.
  const auto other =
      load("attribution_baseline.toml", {"run.rounds=20000", "signals.false_alarm=0.1"});
  CHECK(run_attribution(other, solve_equilibrium(other.game), 0).run.fingerprint !=
        run_attribution(fixed, solve_equilibrium(fixed.game), 0).run.fingerprint);
}

TEST_CASE("opportunities come from their own stream: strategies do not move them",
          "[games][attribution]") {
  // Common random numbers: who gets an opportunity in which round does not depend on how
  // anyone plays, so two variants face the same opportunities.
  const auto fixed = load("attribution_baseline.toml", {"run.rounds=20000"});
  const auto other = load("attribution_more_detection.toml",
                          {"run.rounds=20000", "attackers.B.retaliation_cost=3"});
  const auto a = run_attribution(fixed, solve_equilibrium(fixed.game), 0);
  const auto b = run_attribution(other, solve_equilibrium(other.game), 0);
  CHECK(a.attackers[0].opportunities == b.attackers[0].opportunities);
  CHECK(a.attackers[1].opportunities == b.attackers[1].opportunities);
  CHECK(a.run.attacks != b.run.attacks);
}

namespace {

// Runs the replications of a learning scenario and checks, per attacker, the attack
// frequency over the rounds after burn-in, the final cutoff and the defender's final
// estimate against the equilibrium, within bands of the replications' standard error.
void check_learning(const AttributionScenario& sc) {
  const auto eq = solve_equilibrium(sc.game);
  const std::size_t n = sc.game.attacker_count();
  std::vector<std::vector<double>> frequency(n), cutoff(n), estimate(n);
  for (std::uint64_t r = 0; r < sc.replications; ++r) {
    const auto result = run_attribution(sc, eq, r);
    for (const auto& a : result.attackers) frequency[a.attacker].push_back(a.attack_frequency);
    for (const auto& t : result.trajectory) {
      if (t.last_round + 1 == sc.rounds) {
        cutoff[t.attacker].push_back(t.cutoff);
        estimate[t.attacker].push_back(t.defender_estimate);
      }
    }
  }
  for (std::size_t i = 0; i < n; ++i) {
    INFO(sc.name << ", attacker " << i);
    const auto f = mean_band(frequency[i]);
    CHECK(f.mean == Approx(eq.attack[i]).margin(f.band));
    const auto x = mean_band(cutoff[i]);
    CHECK(x.mean == Approx(eq.cutoff[i]).margin(x.band));
    const auto e = mean_band(estimate[i]);
    CHECK(e.mean == Approx(eq.attack[i]).margin(e.band));
  }
}

}  // namespace

TEST_CASE("learning reaches the equilibrium from different starting beliefs",
          "[games][attribution][learning][slow]") {
  const std::vector<std::string> size = {"run.replications=8", "run.rounds=1000000",
                                         "run.burn_in_rounds=500000"};
  const std::vector<std::vector<std::string>> starts = {
      {},  // the file's: everyone at 0.5
      // Attackers sure that attacking is punished, a defender sure that nobody attacks.
      {"learning.attackers.retaliated_if_attack=0.95", "learning.attackers.retaliated_if_hold=0.05",
       "learning.attackers.weight=20", "learning.defender.attack_probability=0.02"},
      // Attackers that see no risk in attacking, a defender that sees attacks everywhere.
      {"learning.attackers.retaliated_if_attack=0.1", "learning.attackers.retaliated_if_hold=0.6",
       "learning.defender.attack_probability=1", "learning.defender.weight=1000"},
  };
  for (const auto& start : starts) {
    auto overrides = size;
    overrides.insert(overrides.end(), start.begin(), start.end());
    check_learning(load("attribution_baseline_learning.toml", overrides));
  }
  // Different beliefs per attacker ([attackers.NAME.learning] in a file), B's held firmly:
  // B attacks at every opportunity for tens of thousands of rounds before its experiments
  // undo its belief. Bayesian learners (κ = 1) weigh that transient like everything else, so
  // its trace fades only as 1/t (at a million rounds the defender's estimate of B is still
  // off by 0.05, docs/validation.md); learners that discount old evidence (κ = 0.8) forget it.
  auto sc = load("attribution_baseline_learning.toml", size);
  sc.learning.step_exponent = 0.8;
  sc.learning.attackers[0] = AttackerLearning{0.9, 0.0, 2.0, 0.1, 0.1};
  sc.learning.attackers[1] = AttackerLearning{0.0, 0.9, 50.0, 0.1, 0.95};
  check_learning(sc);
}

TEST_CASE("learning reaches the equilibrium with fewer false alarms and fewer opportunities",
          "[games][attribution][learning][slow]") {
  const std::vector<std::string> size = {"run.replications=8", "run.rounds=1000000",
                                         "run.burn_in_rounds=500000"};
  check_learning(load("attribution_fewer_false_alarms_learning.toml", size));
  check_learning(load("attribution_fewer_opportunities_learning.toml", size));
}

TEST_CASE("without experimentation a wrong belief can lock in, with it it cannot",
          "[games][attribution][learning]") {
  // A is sure that holding back is riskier than attacking; it then always attacks, so it
  // never learns otherwise (a self-confirming belief). Experimentation breaks the lock.
  auto sc = load("attribution_baseline_learning.toml",
                 {"run.replications=1", "run.rounds=200000", "run.burn_in_rounds=100000"});
  sc.learning.attackers[0] = AttackerLearning{0.1, 0.9, 20.0, 0.0, 0.5};
  const auto eq = solve_equilibrium(sc.game);
  const auto stuck = run_attribution(sc, eq, 0);
  CHECK(stuck.attackers[0].attack_frequency == 1.0);
  CHECK(stuck.attackers[0].cutoff < 0.0);

  sc.learning.attackers[0].exploration = 0.1;
  sc.learning.step_exponent = 0.8;  // forget the locked-in start (see the test above)
  sc.replications = 6;
  check_learning(sc);
}
