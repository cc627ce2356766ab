#include "cyberdeter/models/games/attribution.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include <Eigen/Dense>

namespace cyberdeter::models::games {
namespace {

// log(1 + e^z) without overflow.
double softplus(double z) noexcept {
  return z > 0.0 ? z + std::log1p(std::exp(-z)) : std::log1p(std::exp(z));
}

double max_abs_difference(const std::vector<double>& a, const std::vector<double>& b) noexcept {
  double m = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) m = std::max(m, std::abs(a[i] - b[i]));
  return m;
}

double norm2(const std::vector<double>& a, const std::vector<double>& b) noexcept {
  double s = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) s += (a[i] - b[i]) * (a[i] - b[i]);
  return std::sqrt(s);
}

}  // namespace

double Uniform::cdf(double x) const noexcept { return std::clamp((x - lo) / (hi - lo), 0.0, 1.0); }

void generate_signals(AttributionGame& game, const GeneratedSignals& g) {
  const std::size_t n = game.attackers.size();
  const std::size_t labels = n;
  game.signal_names.assign(1, "nothing");
  for (const auto& a : game.attackers) game.signal_names.push_back("points to " + a.name);
  game.nobody.assign(labels + 1, g.false_alarm);
  game.nobody[0] = 1.0 - static_cast<double>(labels) * g.false_alarm;
  for (std::size_t i = 0; i < n; ++i) {
    const double delta = g.detection[i];
    const double mu = n == 1 ? 1.0 : g.identification[i];
    auto& pi = game.attackers[i].signal;
    pi.assign(labels + 1, n > 1 ? delta * (1.0 - mu) / static_cast<double>(n - 1) : 0.0);
    pi[0] = 1.0 - delta;
    pi[i + 1] = delta * mu;
  }
}

double attack_probability(const GameAttacker& attacker, double cutoff) noexcept {
  const Distribution& f = attacker.benefit;
  const double lambda = attacker.rationality;
  if (std::isinf(lambda)) return 1.0 - f.cdf(cutoff);
  if (f.kind == Distribution::Kind::uniform) {
    const double spread = lambda * (f.hi - f.lo);
    if (spread < 1e-6) {
      // E[σ(λ(x − c))] to second order in λ(hi − lo): σ at the mean benefit.
      return 1.0 / (1.0 + std::exp(-lambda * (0.5 * (f.lo + f.hi) - cutoff)));
    }
    // ∫ σ(λ(x − c)) dx / (hi − lo) = [softplus(λ(hi − c)) − softplus(λ(lo − c))] / (λ(hi − lo)).
    const double p =
        (softplus(lambda * (f.hi - cutoff)) - softplus(lambda * (f.lo - cutoff))) / spread;
    return std::clamp(p, 0.0, 1.0);
  }
  return f.expected_logistic(lambda, cutoff);
}

double retaliation_probability(const AttributionGame& game, double posterior) noexcept {
  return game.defender_cost.cdf(posterior);
}

std::vector<double> signal_probabilities(const AttributionGame& game,
                                         const std::vector<double>& a) {
  const std::size_t n = game.attacker_count();
  const std::size_t signals = game.signal_count();
  const double per_attacker = game.opportunity_probability / static_cast<double>(n);
  const double attack_mass = per_attacker * std::accumulate(a.begin(), a.end(), 0.0);
  std::vector<double> q(signals);
  for (std::size_t s = 0; s < signals; ++s) {
    double v = (1.0 - attack_mass) * game.nobody[s];
    for (std::size_t j = 0; j < n; ++j) v += per_attacker * a[j] * game.attackers[j].signal[s];
    q[s] = v;
  }
  return q;
}

std::vector<double> posteriors(const AttributionGame& game, const std::vector<double>& a) {
  const std::size_t n = game.attacker_count();
  const std::size_t signals = game.signal_count();
  const double per_attacker = game.opportunity_probability / static_cast<double>(n);
  const auto q = signal_probabilities(game, a);
  std::vector<double> p(n * signals, 0.0);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t s = 0; s < signals; ++s) {
      if (q[s] > 0.0) {
        p[i * signals + s] =
            std::min(1.0, per_attacker * a[i] * game.attackers[i].signal[s] / q[s]);
      }
    }
  }
  return p;
}

std::vector<double> cutoffs(const AttributionGame& game, const std::vector<double>& retaliation) {
  const std::size_t n = game.attacker_count();
  const std::size_t signals = game.signal_count();
  std::vector<double> x(n, 0.0);
  for (std::size_t i = 0; i < n; ++i) {
    double sum = 0.0;
    for (std::size_t s = 0; s < signals; ++s) {
      sum += (game.attackers[i].signal[s] - game.nobody[s]) * retaliation[i * signals + s];
    }
    x[i] = game.attackers[i].retaliation_cost * sum;
  }
  return x;
}

namespace {

std::vector<double> retaliation_of(const AttributionGame& game, const std::vector<double>& p) {
  std::vector<double> r(p.size());
  for (std::size_t k = 0; k < p.size(); ++k) r[k] = retaliation_probability(game, p[k]);
  return r;
}

}  // namespace

std::vector<double> best_response(const AttributionGame& game, const std::vector<double>& a) {
  const auto x = cutoffs(game, retaliation_of(game, posteriors(game, a)));
  std::vector<double> out(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) out[i] = attack_probability(game.attackers[i], x[i]);
  return out;
}

namespace {

// What counts as a tie with a discrete law's atom: the cutoffs and posteriors are computed
// from a, so at an equilibrium that mixes they meet an atom only to rounding.
double tie_width(double x) noexcept { return 1e-9 * std::max(1.0, std::abs(x)); }

// The attack probabilities that are best responses to the cutoff x: [1 − F(x), 1 − F(x−)]
// for a strict attacker (any mixing at an atom of F at x), the logistic expectation for a
// logit attacker.
std::pair<double, double> best_attack(const GameAttacker& attacker, double x) {
  const Distribution& f = attacker.benefit;
  if (!std::isinf(attacker.rationality) || !f.is_discrete()) {
    const double p = attack_probability(attacker, x);
    return {p, p};
  }
  return {1.0 - f.cdf(x + tie_width(x)), 1.0 - f.cdf_below(x - tie_width(x))};
}

double distance(double a, std::pair<double, double> set) noexcept {
  return a < set.first ? set.first - a : a > set.second ? a - set.second : 0.0;
}

}  // namespace

AttributionEquilibrium evaluate_profile(const AttributionGame& game, const std::vector<double>& a) {
  AttributionEquilibrium e;
  e.attack = a;
  e.signal = signal_probabilities(game, a);
  e.posterior = posteriors(game, a);
  e.retaliation = retaliation_of(game, e.posterior);
  e.cutoff = cutoffs(game, e.retaliation);
  e.residual = 0.0;
  const std::size_t n = game.attacker_count();
  const std::size_t signals = game.signal_count();
  const bool ties = game.defender_cost.is_discrete();
  for (std::size_t i = 0; i < n; ++i) {
    const GameAttacker& attacker = game.attackers[i];
    double miss = distance(a[i], best_attack(attacker, e.cutoff[i]));
    if (miss > 0.0 && ties) {
      // The defender is indifferent where a posterior equals a possible cost: it may
      // retaliate with any r in [G(p−), G(p)] there. Move attacker i's row from the left
      // limits (θ = 0) to the right ones (θ = 1); the cutoff is affine in θ and the best
      // attack probabilities fall with the cutoff, so bisect on θ.
      std::vector<double> low(signals), high(signals);
      for (std::size_t s = 0; s < signals; ++s) {
        const double p = e.posterior[i * signals + s];
        low[s] = game.defender_cost.cdf_below(p - tie_width(p));
        high[s] = game.defender_cost.cdf(p + tie_width(p));
      }
      const auto cutoff_at = [&](double theta) {
        double sum = 0.0;
        for (std::size_t s = 0; s < signals; ++s) {
          sum += (attacker.signal[s] - game.nobody[s]) * (low[s] + theta * (high[s] - low[s]));
        }
        return attacker.retaliation_cost * sum;
      };
      const double rising = cutoff_at(1.0) - cutoff_at(0.0);
      double lo = 0.0, hi = 1.0;
      for (int k = 0; k < 200 && hi - lo > 0.0; ++k) {
        const double mid = 0.5 * (lo + hi);
        if (mid <= lo || mid >= hi) break;
        const auto set = best_attack(attacker, cutoff_at(mid));
        // a above the set: the cutoff must fall; below: it must rise.
        const bool up = a[i] < set.first ? rising > 0.0 : a[i] > set.second ? rising < 0.0 : false;
        if (a[i] >= set.first && a[i] <= set.second) {
          lo = hi = mid;
          break;
        }
        (up ? lo : hi) = mid;
      }
      const double theta = 0.5 * (lo + hi);
      const double x = cutoff_at(theta);
      const double theta_miss = distance(a[i], best_attack(attacker, x));
      if (theta_miss < miss) {
        miss = theta_miss;
        e.cutoff[i] = x;
        for (std::size_t s = 0; s < signals; ++s) {
          e.retaliation[i * signals + s] = low[s] + theta * (high[s] - low[s]);
        }
      }
    }
    e.residual = std::max(e.residual, miss);
  }
  return e;
}

namespace {

// Bisection on h(α) = α − Φ(α, ..., α)_0 over [0, 1]: h(0) <= 0 <= h(1), so a root is
// bracketed; the game's equilibrium is unique, and symmetric when the game is.
std::vector<double> solve_symmetric(const AttributionGame& game, std::size_t& iterations) {
  const std::size_t n = game.attacker_count();
  const auto h = [&](double alpha) {
    return alpha - best_response(game, std::vector<double>(n, alpha))[0];
  };
  double lo = 0.0;
  double hi = 1.0;
  double h_lo = h(lo);
  double h_hi = h(hi);
  iterations = 0;
  if (h_lo >= 0.0) return std::vector<double>(n, lo);
  if (h_hi <= 0.0) return std::vector<double>(n, hi);
  while (iterations < 200) {
    const double mid = 0.5 * (lo + hi);
    if (mid <= lo || mid >= hi) break;  // the bracket is two adjacent doubles
    ++iterations;
    const double h_mid = h(mid);
    if (h_mid == 0.0) return std::vector<double>(n, mid);
    if (h_mid < 0.0) {
      lo = mid;
      h_lo = h_mid;
    } else {
      hi = mid;
      h_hi = h_mid;
    }
  }
  return std::vector<double>(n, -h_lo < h_hi ? lo : hi);
}

std::vector<double> clamp_unit(std::vector<double> a) {
  for (double& v : a) v = std::clamp(v, 0.0, 1.0);
  return a;
}

// Newton's method on g(a) = a − Φ(a). Returns false if it stalls.
bool newton(const AttributionGame& game, std::vector<double>& a, std::size_t& iterations) {
  const std::size_t n = a.size();
  const auto n_index = static_cast<Eigen::Index>(n);
  for (std::size_t it = 0; it < 100; ++it) {
    auto phi = best_response(game, a);
    double res = norm2(a, phi);
    if (max_abs_difference(a, phi) <= 0.01 * equilibrium_tolerance) return true;
    // Jacobian of g by central differences (one-sided at the box's faces).
    Eigen::MatrixXd jac = Eigen::MatrixXd::Identity(n_index, n_index);
    Eigen::VectorXd g(n_index);
    for (std::size_t i = 0; i < n; ++i) g(static_cast<Eigen::Index>(i)) = a[i] - phi[i];
    constexpr double step = 1e-7;
    for (std::size_t j = 0; j < n; ++j) {
      auto up = a;
      auto down = a;
      up[j] = std::min(1.0, a[j] + step);
      down[j] = std::max(0.0, a[j] - step);
      const auto phi_up = best_response(game, up);
      const auto phi_down = best_response(game, down);
      const double width = up[j] - down[j];
      for (std::size_t i = 0; i < n; ++i) {
        jac(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) -=
            (phi_up[i] - phi_down[i]) / width;
      }
    }
    const Eigen::VectorXd d = jac.partialPivLu().solve(-g);
    if (!d.allFinite()) return false;
    double t = 1.0;
    bool accepted = false;
    while (t > 1e-10) {
      std::vector<double> next(n);
      for (std::size_t i = 0; i < n; ++i) next[i] = a[i] + t * d(static_cast<Eigen::Index>(i));
      next = clamp_unit(std::move(next));
      const double next_res = norm2(next, best_response(game, next));
      if (next_res < (1.0 - 1e-4 * t) * res) {
        a = std::move(next);
        accepted = true;
        break;
      }
      t *= 0.5;
    }
    ++iterations;
    if (!accepted) break;
  }
  return max_abs_difference(a, best_response(game, a)) <= equilibrium_tolerance;
}

// a <- a + λ (Φ(a) − a), halving λ whenever the residual would grow.
void damped_iteration(const AttributionGame& game, std::vector<double>& a, std::size_t& iterations,
                      std::size_t limit) {
  double lambda = 0.5;
  auto phi = best_response(game, a);
  double res = max_abs_difference(a, phi);
  for (std::size_t it = 0; it < limit && res > 0.01 * equilibrium_tolerance; ++it) {
    ++iterations;
    std::vector<double> next(a.size());
    for (std::size_t i = 0; i < a.size(); ++i) next[i] = a[i] + lambda * (phi[i] - a[i]);
    next = clamp_unit(std::move(next));
    auto next_phi = best_response(game, next);
    const double next_res = max_abs_difference(next, next_phi);
    if (next_res <= res || lambda < 1e-9) {
      if (lambda < 1e-9 && res <= equilibrium_tolerance) break;  // rounding: no more progress
      a = std::move(next);
      phi = std::move(next_phi);
      res = next_res;
      lambda = std::min(0.5, lambda * 1.5);
    } else {
      lambda *= 0.5;
    }
  }
}

}  // namespace

AttributionEquilibrium solve_equilibrium(const AttributionGame& game) {
  if (game.attackers.empty() || game.nobody.empty()) {
    throw std::invalid_argument("attribution game without attackers or signals");
  }
  const std::size_t n = game.attacker_count();
  std::vector<double> a;
  std::string method;
  std::size_t iterations = 0;
  if (game.symmetric || n == 1) {
    a = solve_symmetric(game, iterations);
    method = n == 1 ? "bisection" : "bisection (symmetric game)";
  }
  // (evaluate_profile's residual: with discrete laws Φ jumps, and an equilibrium that mixes
  // at a tie sits at a jump, where |a − Φ(a)| is not small.)
  if (a.empty() || evaluate_profile(game, a).residual > equilibrium_tolerance) {
    a.assign(n, 0.5);
    iterations = 0;
    damped_iteration(game, a, iterations, 50);
    method = "Newton";
    // Newton's Jacobian costs n evaluations of Φ; beyond a few dozen attackers damped
    // iteration alone is cheaper.
    if (n > 64 || !newton(game, a, iterations)) {
      method = "damped iteration";
      damped_iteration(game, a, iterations, 1'000'000);
    }
  }
  AttributionEquilibrium e = evaluate_profile(game, a);
  e.method = method;
  e.iterations = iterations;
  if (!(e.residual <= equilibrium_tolerance)) {
    const bool discrete =
        game.defender_cost.is_discrete() ||
        std::any_of(game.attackers.begin(), game.attackers.end(),
                    [](const GameAttacker& x) { return x.benefit.is_discrete(); });
    throw std::runtime_error(
        "attribution game: the equilibrium solver stopped at residual " +
        std::to_string(e.residual) + " (tolerance 1e-12)" +
        (discrete && !(game.symmetric || n == 1)
             ? "; with discrete benefits or costs only symmetric games and games of one "
               "attacker are solved (the equilibrium may mix at a tie)"
             : ""));
  }
  return e;
}

}  // namespace cyberdeter::models::games
