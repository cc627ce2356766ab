#include "cyberdeter/models/games/distribution.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <sstream>
#include <stdexcept>

#include <boost/math/distributions/normal.hpp>
#include <boost/math/quadrature/tanh_sinh.hpp>
#include <boost/math/special_functions/beta.hpp>

#include "../toml_reader.hpp"

namespace cyberdeter::models::games {
namespace {

// log(1 + e^z) without overflow.
double softplus(double z) noexcept {
  return z > 0.0 ? z + std::log1p(std::exp(-z)) : std::log1p(std::exp(z));
}

double logistic(double z) noexcept {
  return z >= 0.0 ? 1.0 / (1.0 + std::exp(-z)) : std::exp(z) / (1.0 + std::exp(z));
}

const boost::math::normal_distribution<double> standard_normal{};

double phi_cdf(double z) { return boost::math::cdf(standard_normal, z); }
double phi_upper(double z) { return boost::math::cdf(boost::math::complement(standard_normal, z)); }

// The standard beta's quantile. boost's ibeta_inv gives up (throws) on some u within an
// ulp or so of 0 or 1, where the quadrature of expected_logistic evaluates it; there the
// quantile is found by bisection on the CDF instead.
double beta_quantile(double a, double b, double u) {
  try {
    return boost::math::ibeta_inv(a, b, u);
  } catch (const std::exception&) {
    double lo = 0.0, hi = 1.0;
    for (int k = 0; k < 1100 && hi > lo; ++k) {
      const double mid = 0.5 * (lo + hi);
      if (mid <= lo || mid >= hi) break;
      (boost::math::ibeta(a, b, mid) < u ? lo : hi) = mid;
    }
    return hi;
  }
}

}  // namespace

Distribution Distribution::uniform(double lo, double hi) {
  Distribution d;
  d.lo = lo;
  d.hi = hi;
  return d;
}

const char* Distribution::name() const noexcept {
  switch (kind) {
    case Kind::uniform: return "uniform";
    case Kind::beta: return "beta";
    case Kind::truncated_normal: return "truncated_normal";
    case Kind::triangular: return "triangular";
    case Kind::discrete: return "discrete";
  }
  return "?";
}

double Distribution::lowest() const noexcept { return is_discrete() ? values.front() : lo; }
double Distribution::highest() const noexcept { return is_discrete() ? values.back() : hi; }

double Distribution::cdf(double x) const {
  if (is_discrete()) {
    double p = 0.0;
    for (std::size_t i = 0; i < values.size() && values[i] <= x; ++i) p += weights[i];
    return std::min(p, 1.0);
  }
  if (!(x > lo)) return 0.0;
  if (!(x < hi)) return 1.0;
  const double w = hi - lo;
  switch (kind) {
    case Kind::uniform: return std::clamp((x - lo) / w, 0.0, 1.0);
    case Kind::beta: return boost::math::ibeta(alpha, beta, std::clamp((x - lo) / w, 0.0, 1.0));
    case Kind::truncated_normal: {
      // Computed on the side of the mean where the tail probabilities keep their precision.
      const double a = (lo - mean) / sd, b = (hi - mean) / sd, z = (x - mean) / sd;
      if (a > 0.0) {
        const double mass = phi_upper(a) - phi_upper(b);
        return std::clamp((phi_upper(a) - phi_upper(z)) / mass, 0.0, 1.0);
      }
      const double mass = phi_cdf(b) - phi_cdf(a);
      return std::clamp((phi_cdf(z) - phi_cdf(a)) / mass, 0.0, 1.0);
    }
    case Kind::triangular:
      if (x <= mode) return mode > lo ? (x - lo) * (x - lo) / (w * (mode - lo)) : 0.0;
      return 1.0 - (hi - x) * (hi - x) / (w * (hi - mode));
    case Kind::discrete: break;
  }
  return 0.0;
}

double Distribution::cdf_below(double x) const {
  if (!is_discrete()) return cdf(x);
  double p = 0.0;
  for (std::size_t i = 0; i < values.size() && values[i] < x; ++i) p += weights[i];
  return std::min(p, 1.0);
}

double Distribution::quantile(double u) const {
  u = std::clamp(u, 0.0, 1.0);
  if (is_discrete()) {
    double cumulative = 0.0;
    for (std::size_t i = 0; i + 1 < values.size(); ++i) {
      cumulative += weights[i];
      if (u <= cumulative) return values[i];
    }
    return values.back();
  }
  const double w = hi - lo;
  double x = lo;
  switch (kind) {
    case Kind::uniform: x = lo + u * w; break;
    case Kind::beta:
      x = u <= 0.0 ? lo : u >= 1.0 ? hi : lo + w * beta_quantile(alpha, beta, u);
      break;
    case Kind::truncated_normal: {
      if (u <= 0.0) return lo;
      if (u >= 1.0) return hi;
      const double a = (lo - mean) / sd, b = (hi - mean) / sd;
      if (a > 0.0) {
        // Upper tails: P(Z > z) = P(Z > a) − u (P(Z > a) − P(Z > b)).
        const double upper = phi_upper(a) - u * (phi_upper(a) - phi_upper(b));
        x = mean + sd * boost::math::quantile(boost::math::complement(standard_normal, upper));
      } else {
        const double lower = phi_cdf(a) + u * (phi_cdf(b) - phi_cdf(a));
        x = mean + sd * boost::math::quantile(standard_normal, lower);
      }
      break;
    }
    case Kind::triangular: {
      const double split = (mode - lo) / w;
      x = u < split ? lo + std::sqrt(u * w * (mode - lo))
                    : hi - std::sqrt((1.0 - u) * w * (hi - mode));
      break;
    }
    case Kind::discrete: break;
  }
  return std::clamp(x, lo, hi);
}

double Distribution::draw(sim::RandomStream& rng, double* type) const {
  if (kind == Kind::uniform) {
    const double x = rng.uniform(lo, hi);
    if (type != nullptr) *type = (x - lo) / (hi - lo);
    return x;
  }
  const double u = rng.uniform();
  if (type != nullptr) *type = u;
  return quantile(u);
}

double Distribution::expected_logistic(double lambda, double c) const {
  if (is_discrete()) {
    double e = 0.0;
    for (std::size_t i = 0; i < values.size(); ++i)
      e += weights[i] * logistic(lambda * (values[i] - c));
    return std::clamp(e, 0.0, 1.0);
  }
  if (kind == Kind::uniform) {
    const double spread = lambda * (hi - lo);
    if (spread < 1e-6) return logistic(lambda * (0.5 * (lo + hi) - c));
    // ∫ σ(λ(x − c)) dx / (hi − lo) = [softplus(λ(hi − c)) − softplus(λ(lo − c))] / (λ(hi − lo)).
    return std::clamp((softplus(lambda * (hi - c)) - softplus(lambda * (lo - c))) / spread, 0.0,
                      1.0);
  }
  // E[g(X)] = ∫_0^1 g(Q(u)) du: a bounded, monotone integrand whatever the density does at
  // the ends of the support (a beta's may be infinite there).
  static thread_local boost::math::quadrature::tanh_sinh<double> integrator;
  const auto f = [&](double u) { return logistic(lambda * (quantile(u) - c)); };
  return std::clamp(integrator.integrate(f, 0.0, 1.0, 1e-12), 0.0, 1.0);
}

double Distribution::expectation() const {
  const double w = hi - lo;
  switch (kind) {
    case Kind::uniform: return 0.5 * (lo + hi);
    case Kind::beta: return lo + w * alpha / (alpha + beta);
    case Kind::triangular: return (lo + mode + hi) / 3.0;
    case Kind::discrete: {
      double e = 0.0;
      for (std::size_t i = 0; i < values.size(); ++i) e += weights[i] * values[i];
      return e;
    }
    case Kind::truncated_normal: {
      const double a = (lo - mean) / sd, b = (hi - mean) / sd;
      const double density_a = std::exp(-0.5 * a * a), density_b = std::exp(-0.5 * b * b);
      const double mass = a > 0.0 ? phi_upper(a) - phi_upper(b) : phi_cdf(b) - phi_cdf(a);
      return mean + sd * (density_a - density_b) / (std::sqrt(2.0 * std::numbers::pi) * mass);
    }
  }
  return 0.0;
}

std::string Distribution::toml() const {
  using detail::toml_number;
  std::ostringstream os;
  os << "distribution = \"" << name() << "\"\n";
  const auto array = [](const std::vector<double>& v) {
    std::string out = "[";
    for (std::size_t i = 0; i < v.size(); ++i) out += (i > 0 ? ", " : "") + toml_number(v[i]);
    return out + "]";
  };
  switch (kind) {
    case Kind::discrete:
      os << "values = " << array(values) << "\nweights = " << array(weights) << "\n";
      return os.str();
    case Kind::beta:
      os << "alpha = " << toml_number(alpha) << "\nbeta = " << toml_number(beta) << "\n";
      break;
    case Kind::truncated_normal:
      os << "mean = " << toml_number(mean) << "\nsd = " << toml_number(sd) << "\n";
      break;
    case Kind::triangular: os << "mode = " << toml_number(mode) << "\n"; break;
    case Kind::uniform: break;
  }
  os << "lo = " << toml_number(lo) << "\nhi = " << toml_number(hi) << "\n";
  return os.str();
}

}  // namespace cyberdeter::models::games
