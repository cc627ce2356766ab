// The distributions of the attribution game's benefits and costs (docs/games.md
// "Distributions"): each family's CDF, quantile, draws and expectations against independent
// formulas (densities integrated numerically), and, for each family, the closed-form
// solver against the simulation within bands derived from the sample size.
#include <cmath>
#include <string>
#include <vector>

#include <boost/math/distributions/beta.hpp>
#include <boost/math/distributions/normal.hpp>
#include <catch2/catch.hpp>

#include "attribution_check.hpp"
#include "cyberdeter/models/games/attribution.hpp"
#include "cyberdeter/models/games/attribution_model.hpp"
#include "cyberdeter/models/games/distribution.hpp"
#include "cyberdeter/sim/random.hpp"
#include "games_test_support.hpp"

using namespace cyberdeter::models::games;
using games_test::check_fixed_strategies;
using games_test::frequency_band;

namespace {

Distribution beta(double a, double b, double lo, double hi) {
  Distribution d = Distribution::uniform(lo, hi);
  d.kind = Distribution::Kind::beta;
  d.alpha = a;
  d.beta = b;
  return d;
}

Distribution truncated_normal(double mean, double sd, double lo, double hi) {
  Distribution d = Distribution::uniform(lo, hi);
  d.kind = Distribution::Kind::truncated_normal;
  d.mean = mean;
  d.sd = sd;
  return d;
}

Distribution triangular(double lo, double mode, double hi) {
  Distribution d = Distribution::uniform(lo, hi);
  d.kind = Distribution::Kind::triangular;
  d.mode = mode;
  return d;
}

// The density of a continuous law, written from the textbook formulas (not from the CDF
// that the code differentiates nowhere).
double density(const Distribution& d, double x) {
  if (x < d.lo || x > d.hi) return 0.0;
  const double w = d.hi - d.lo;
  switch (d.kind) {
    case Distribution::Kind::uniform: return 1.0 / w;
    case Distribution::Kind::beta:
      return boost::math::pdf(boost::math::beta_distribution<double>(d.alpha, d.beta),
                              (x - d.lo) / w) /
             w;
    case Distribution::Kind::truncated_normal: {
      const boost::math::normal_distribution<double> n(d.mean, d.sd);
      return boost::math::pdf(n, x) / (boost::math::cdf(n, d.hi) - boost::math::cdf(n, d.lo));
    }
    case Distribution::Kind::triangular:
      return x <= d.mode ? 2.0 * (x - d.lo) / (w * (d.mode - d.lo))
                         : 2.0 * (d.hi - x) / (w * (d.hi - d.mode));
    case Distribution::Kind::discrete: break;
  }
  return 0.0;
}

// ∫ g(x) f(x) dx over [lo, hi] by Simpson's rule (for densities bounded on the support),
// split at the mode where the density has a kink.
template <class G>
double integrate(const Distribution& d, G g) {
  const auto simpson = [&](double a, double b) {
    const int n = 20'000;
    const double h = (b - a) / n;
    double sum = 0.0;
    for (int k = 0; k <= n; ++k) {
      const double x = a + h * k;
      const double w = (k == 0 || k == n) ? 1.0 : (k % 2 == 1 ? 4.0 : 2.0);
      sum += w * g(x) * density(d, x);
    }
    return sum * h / 3.0;
  };
  if (d.kind == Distribution::Kind::triangular && d.mode > d.lo && d.mode < d.hi) {
    return simpson(d.lo, d.mode) + simpson(d.mode, d.hi);
  }
  return simpson(d.lo, d.hi);
}

double logistic(double z) { return 1.0 / (1.0 + std::exp(-z)); }

// Families with bounded densities (the numeric integrals need them), and the edge cases:
// a normal truncated far in its upper tail (computed from the upper tails), a triangle with
// its mode at an end.
std::vector<std::pair<std::string, Distribution>> continuous() {
  return {{"beta(2, 5) on [0, 1]", beta(2, 5, 0, 1)},
          {"beta(3, 1.5) on [-1, 2]", beta(3, 1.5, -1, 2)},
          {"N(0.3, 0.2) on [0, 1]", truncated_normal(0.3, 0.2, 0, 1)},
          {"N(-2, 0.5) on [0, 1] (upper tail)", truncated_normal(-2, 0.5, 0, 1)},
          {"triangular(0, 0.2, 1)", triangular(0, 0.2, 1)},
          {"triangular(0.5, 2, 2)", triangular(0.5, 2, 2)}};
}

}  // namespace

TEST_CASE("each family's quantile inverts its CDF and its moments match its density",
          "[games][distribution]") {
  for (const auto& [name, d] : continuous()) {
    INFO(name);
    CHECK(integrate(d, [](double) { return 1.0; }) == Approx(1.0).margin(1e-6));
    for (const double u : {0.001, 0.05, 0.3, 0.5, 0.77, 0.999}) {
      const double x = d.quantile(u);
      CHECK(x >= d.lo);
      CHECK(x <= d.hi);
      CHECK(d.cdf(x) == Approx(u).margin(1e-9));
      // The CDF is the integral of the density up to x.
      CHECK(integrate(d, [x](double t) { return t <= x ? 1.0 : 0.0; }) == Approx(u).margin(1e-3));
    }
    CHECK(d.cdf(d.lo) == 0.0);
    CHECK(d.cdf(d.hi) == 1.0);
    CHECK(d.expectation() == Approx(integrate(d, [](double x) { return x; })).margin(1e-6));
    for (const double lambda : {0.5, 4.0, 40.0}) {
      for (const double c : {d.lo - 0.3, 0.5 * (d.lo + d.hi), d.hi - 0.1}) {
        INFO("lambda " << lambda << ", c " << c);
        const double want = integrate(d, [&](double x) { return logistic(lambda * (x - c)); });
        CHECK(d.expected_logistic(lambda, c) == Approx(want).margin(1e-6));
      }
    }
  }
}

TEST_CASE("a discrete law has atoms: F, F(x-), quantile and expectations",
          "[games][distribution]") {
  Distribution d;
  d.kind = Distribution::Kind::discrete;
  d.values = {0.1, 0.4, 0.9};
  d.weights = {0.2, 0.5, 0.3};
  d.lo = 0.1;
  d.hi = 0.9;
  CHECK(d.cdf(0.05) == 0.0);
  CHECK(d.cdf(0.4) == Approx(0.7));
  CHECK(d.cdf_below(0.4) == Approx(0.2));
  CHECK(d.cdf(0.9) == Approx(1.0));
  CHECK(d.quantile(0.0) == 0.1);
  CHECK(d.quantile(0.2) == 0.1);
  CHECK(d.quantile(0.2000001) == 0.4);
  CHECK(d.quantile(0.71) == 0.9);
  CHECK(d.expectation() == Approx(0.2 * 0.1 + 0.5 * 0.4 + 0.3 * 0.9));
  CHECK(d.expected_logistic(3.0, 0.5) ==
        Approx(0.2 * logistic(3 * -0.4) + 0.5 * logistic(3 * -0.1) + 0.3 * logistic(3 * 0.4)));
}

TEST_CASE("draws follow each family's CDF within sampling error", "[games][distribution]") {
  auto families = continuous();
  Distribution d;
  d.kind = Distribution::Kind::discrete;
  d.values = {-1.0, 0.25, 2.0};
  d.weights = {0.5, 0.1, 0.4};
  d.lo = -1.0;
  d.hi = 2.0;
  families.emplace_back("discrete", d);
  const cyberdeter::sim::StreamFactory streams(cyberdeter::sim::RunId{7, 0, {}});
  for (const auto& [name, f] : families) {
    INFO(name);
    auto rng = streams.stream(cyberdeter::sim::StreamKey("test.draws"));
    const int n = 100'000;
    std::vector<double> x(n);
    for (auto& v : x) v = f.draw(rng);
    for (const double u : {0.1, 0.5, 0.9}) {
      const double q = f.quantile(u);
      double below = 0.0;
      for (const double v : x) below += v <= q ? 1.0 : 0.0;
      const double p = f.cdf(q);
      CHECK(below / n == Approx(p).margin(frequency_band(p, n)));
    }
  }
}

namespace {

// Two attackers of the baseline's signals (δ = 0.8, μ = 0.9, φ = 0.05), A's benefit and the
// defender's cost given as TOML tables, B's benefit uniform on [0, 1].
AttributionScenario two_attackers(const std::string& benefit_a, const std::string& cost,
                                  const std::string& benefit_b = "distribution = \"uniform\"") {
  return load_attribution_scenario_text(
      "model = \"attribution_game\"\nname = \"distributions\"\n"
      "[run]\nreplications = 2\nrounds = 150000\nseed = 11\n"
      "[game]\nmode = \"fixed\"\n"
      "[signals]\ndetection = 0.8\nidentification = 0.9\nfalse_alarm = 0.05\n"
      "[defender.cost]\n" +
          cost + "\n[attackers.A.benefit]\n" + benefit_a + "\n[attackers.B.benefit]\n" + benefit_b +
          "\n",
      "distributions.toml");
}

}  // namespace

TEST_CASE("solver against simulation: beta, truncated normal and triangular laws",
          "[games][distribution][simulation]") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"distribution = \"beta\"\nalpha = 2\nbeta = 5\nlo = 0\nhi = 2",
       "distribution = \"beta\"\nalpha = 0.5\nbeta = 0.5"},
      {"distribution = \"truncated_normal\"\nmean = 0.6\nsd = 0.3\nlo = 0\nhi = 1.5",
       "distribution = \"truncated_normal\"\nmean = 0.3\nsd = 0.2\nlo = 0\nhi = 1"},
      {"distribution = \"triangular\"\nlo = 0\nmode = 0.8\nhi = 1",
       "distribution = \"triangular\"\nlo = 0.05\nmode = 0.05\nhi = 0.9"},
  };
  for (const auto& [benefit, cost] : cases) {
    INFO("benefit of A:\n" << benefit << "\ncost:\n" << cost);
    const auto sc = two_attackers(benefit, cost);
    const auto eq = solve_equilibrium(sc.game);
    CHECK(eq.residual <= 1e-12);
    // The law matters: the equilibrium is not the uniform baseline's a = 0.524586.
    CHECK(std::abs(eq.attack[0] - 0.524586) > 0.02);
    check_fixed_strategies(sc);
  }
}

TEST_CASE("solver against simulation: logit attackers with non-uniform benefits",
          "[games][distribution][simulation]") {
  // E[σ(λ(x − x*))] by quadrature of the quantile in the solver, draws and logit choices in
  // the simulation.
  auto sc = two_attackers("distribution = \"beta\"\nalpha = 3\nbeta = 2",
                          "distribution = \"triangular\"\nmode = 0.3",
                          "distribution = \"truncated_normal\"\nmean = 0.4\nsd = 0.3");
  sc.game.attackers[0].rationality = 6.0;
  sc.game.attackers[1].rationality = 15.0;
  check_fixed_strategies(sc);
}

TEST_CASE("solver against simulation: discrete benefits and costs, mixing at the atoms",
          "[games][distribution][simulation]") {
  SECTION("a symmetric game with discrete benefits") {
    const std::string benefit =
        "distribution = \"discrete\"\nvalues = [0.1, 0.45, 0.9]\nweights = [1, 2, 1]";
    const auto sc = two_attackers(benefit, "distribution = \"uniform\"", benefit);
    REQUIRE(sc.game.symmetric);
    // The cutoff is the atom 0.45: each attacker attacks with a probability strictly between
    // P(x > 0.45) = 0.25 and P(x >= 0.45) = 0.75, by its rank at the atom.
    const auto eq = solve_equilibrium(sc.game);
    CHECK(eq.cutoff[0] == Approx(0.45).margin(1e-9));
    CHECK(eq.attack[0] > 0.26);
    CHECK(eq.attack[0] < 0.74);
    check_fixed_strategies(sc);
  }
  SECTION("one attacker, discrete costs: the defender mixes where p equals a cost") {
    const auto sc = load_attribution_scenario_text(R"(
model = "attribution_game"
[run]
replications = 2
rounds = 150000
seed = 5
[game]
opportunity_probability = 0.5
[signals]
detection = 0.8
false_alarm = 0.05
[defender.cost]
distribution = "discrete"
values = [0.2, 0.5, 0.8]
[attackers.A.benefit]
distribution = "uniform"
)",
                                                   "one.toml");
    const auto eq = solve_equilibrium(sc.game);
    // At least one posterior sits on a cost atom, where r is strictly between the CDF's
    // left limit and its value: the simulation must reproduce the mixture.
    bool mixes = false;
    const auto& g = sc.game.defender_cost;
    for (std::size_t s = 0; s < sc.game.signal_count(); ++s) {
      const double p = eq.posterior[s], r = eq.retaliation[s];
      mixes = mixes || (r > g.cdf_below(p - 1e-9) + 1e-9 && r < g.cdf(p + 1e-9) - 1e-9);
    }
    CHECK(mixes);
    check_fixed_strategies(sc);
  }
  SECTION("one attacker, discrete benefits and costs") {
    const auto sc = load_attribution_scenario_text(R"(
model = "attribution_game"
[run]
replications = 2
rounds = 150000
seed = 6
[game]
opportunity_probability = 0.5
[signals]
detection = 0.7
false_alarm = 0.1
[defender.cost]
distribution = "discrete"
values = [0.1, 0.3, 0.6, 0.95]
weights = [0.1, 0.4, 0.3, 0.2]
[attackers.A.benefit]
distribution = "discrete"
values = [0.05, 0.2, 0.7]
)",
                                                   "both.toml");
    check_fixed_strategies(sc);
  }
}

TEST_CASE("a uniform law written as a beta(1, 1) gives the uniform's equilibrium",
          "[games][distribution]") {
  const auto uniform = two_attackers("distribution = \"uniform\"", "distribution = \"uniform\"");
  const auto as_beta =
      two_attackers("distribution = \"beta\"\nalpha = 1\nbeta = 1", "distribution = \"beta\"");
  const auto a = solve_equilibrium(uniform.game);
  const auto b = solve_equilibrium(as_beta.game);
  CHECK(a.attack[0] == Approx(0.524586).margin(1e-6));
  CHECK(b.attack[0] == Approx(a.attack[0]).margin(1e-10));
  CHECK(b.attack[1] == Approx(a.attack[1]).margin(1e-10));
}

TEST_CASE("every law's resolved TOML loads back to the same law", "[games][distribution]") {
  // What `describe` prints and what a sweep reads its paths from.
  const auto sc = two_attackers(
      "distribution = \"truncated_normal\"\nmean = 0.4\nsd = 0.3\nlo = -0.5\nhi = 1.5",
      "distribution = \"discrete\"\nvalues = [0.7, 0.1, 0.4]\nweights = [1, 2, 5]",
      "distribution = \"triangular\"\nlo = 0.1\nmode = 0.2\nhi = 0.9");
  const auto beta_cost = two_attackers("distribution = \"beta\"\nalpha = 0.5\nbeta = 3\nhi = 2",
                                       "distribution = \"uniform\"\nlo = 0.1\nhi = 0.7");
  for (const auto* s : {&sc, &beta_cost}) {
    const auto again = load_attribution_scenario_text(s->resolved_toml(), "resolved.toml");
    CHECK(again.game.defender_cost == s->game.defender_cost);
    for (std::size_t i = 0; i < s->game.attackers.size(); ++i) {
      CHECK(again.game.attackers[i].benefit == s->game.attackers[i].benefit);
    }
    CHECK(again.resolved_toml() == s->resolved_toml());
  }
  // Discrete values are sorted and their weights normalised on loading.
  CHECK(sc.game.defender_cost.values == std::vector<double>{0.1, 0.4, 0.7});
  CHECK(sc.game.defender_cost.weights[0] == Approx(2.0 / 8));
  CHECK(sc.game.defender_cost.weights[1] == Approx(5.0 / 8));
}
