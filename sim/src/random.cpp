#include "cyberdeter/sim/random.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include <boost/random/bernoulli_distribution.hpp>
#include <boost/random/exponential_distribution.hpp>
#include <boost/random/lognormal_distribution.hpp>
#include <boost/random/normal_distribution.hpp>
#include <boost/random/poisson_distribution.hpp>
#include <boost/random/uniform_01.hpp>
#include <boost/random/uniform_int_distribution.hpp>
#include <boost/random/uniform_real_distribution.hpp>

namespace cyberdeter::sim {

std::uint64_t run_seed(const RunId& id) noexcept {
  std::uint64_t s = mix64(mix64(id.master_seed), id.replication);
  if (id.design_point) s = mix64(s, *id.design_point ^ 0xd1b54a32d192ed03ULL);
  return s;
}

namespace {

// PCG64 takes a 128-bit state seed and a 128-bit stream selector; both are expanded from
// the 64-bit stream seed with SplitMix64 so that nearby seeds give unrelated engines.
pcg64 make_engine(std::uint64_t seed) noexcept {
  __extension__ using u128 = unsigned __int128;
  const std::uint64_t a = mix64(seed, 1);
  const std::uint64_t b = mix64(seed, 2);
  const std::uint64_t c = mix64(seed, 3);
  const std::uint64_t d = mix64(seed, 4);
  return pcg64((static_cast<u128>(a) << 64) | b, (static_cast<u128>(c) << 64) | d);
}

}  // namespace

RandomStream::RandomStream(std::uint64_t seed) noexcept : engine_(make_engine(seed)) {}

double RandomStream::uniform() { return boost::random::uniform_01<double>{}(engine_); }

double RandomStream::uniform(double lo, double hi) {
  return boost::random::uniform_real_distribution<double>{lo, hi}(engine_);
}

std::int64_t RandomStream::uniform_int(std::int64_t lo, std::int64_t hi) {
  return boost::random::uniform_int_distribution<std::int64_t>{lo, hi}(engine_);
}

bool RandomStream::bernoulli(double p) {
  return boost::random::bernoulli_distribution<double>{std::clamp(p, 0.0, 1.0)}(engine_);
}

double RandomStream::exponential(double rate) {
  return boost::random::exponential_distribution<double>{rate}(engine_);
}

// Gamma(shape, 1) by Marsaglia & Tsang (2000), "A simple method for generating gamma
// variables", ACM TOMS 26(3): a normal and a uniform per try, accepted with probability
// above 0.95 for every shape >= 1; shape < 1 through Gamma(shape + 1) · U^(1/shape). It
// replaced Boost's sampler, whose tangent-based rejection was 7.6 % of the Japan model's
// time. Its draws are pinned by tests/sim/test_random.cpp; the moments and the whole
// distribution (Kolmogorov-Smirnov) are tested there for shapes from 0.3 to 50.
double RandomStream::standard_gamma(double shape) {
  if (shape < 1.0) {
    const double g = standard_gamma(shape + 1.0);
    // U in (0, 1]: 1 - uniform() never gives 0, whose power would be 0 for every shape.
    return g * std::pow(1.0 - uniform(), 1.0 / shape);
  }
  const double d = shape - 1.0 / 3.0;
  const double c = 1.0 / std::sqrt(9.0 * d);
  boost::random::normal_distribution<double> normal01;
  for (;;) {
    double x = 0.0;
    double v = 0.0;
    do {
      x = normal01(engine_);
      v = 1.0 + c * x;
    } while (v <= 0.0);
    v = v * v * v;
    const double u = uniform();
    const double x2 = x * x;
    if (u < 1.0 - 0.0331 * x2 * x2) return d * v;
    if (std::log(u) < 0.5 * x2 + d * (1.0 - v + std::log(v))) return d * v;
  }
}

double RandomStream::gamma_mean(double shape, double mean) {
  return standard_gamma(shape) * (mean / shape);
}

double RandomStream::beta(double a, double b) {
  // X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b): Beta(a, b).
  const double x = standard_gamma(a);
  const double y = standard_gamma(b);
  return x / (x + y);
}

double RandomStream::normal(double mean, double sd) {
  return boost::random::normal_distribution<double>{mean, sd}(engine_);
}

double RandomStream::lognormal(double mu, double sigma) {
  // Boost's lognormal takes the mean and sd of the log-normal itself; draw the normal
  // and exponentiate so the parameters mean what the model says they mean.
  return std::exp(boost::random::normal_distribution<double>{mu, sigma}(engine_));
}

std::int64_t RandomStream::poisson(double mean) {
  return boost::random::poisson_distribution<std::int64_t, double>{mean}(engine_);
}

std::size_t RandomStream::categorical(std::span<const double> weights) {
  const double total = std::accumulate(weights.begin(), weights.end(), 0.0);
  if (!(total > 0.0)) throw std::invalid_argument("categorical: weights must sum to > 0");
  const double u = uniform() * total;
  double cumulative = 0.0;
  for (std::size_t i = 0; i < weights.size(); ++i) {
    cumulative += weights[i];
    if (u < cumulative) return i;
  }
  // Rounding can leave u at the very top: return the last index with positive weight.
  for (std::size_t i = weights.size(); i-- > 0;) {
    if (weights[i] > 0.0) return i;
  }
  return weights.size() - 1;
}

}  // namespace cyberdeter::sim
