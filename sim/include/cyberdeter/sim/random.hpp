#pragma once
// Named random streams.
//
// Determinism rule: a run is identified by (master seed, replication[, design point]);
// every stochastic process inside it draws from its own stream whose seed is derived
// from the run and a stable key such as {"opportunity", attacker 7}. Nothing is seeded
// from the clock or from which worker runs the replication, and adding a stream or a
// draw leaves every other stream's numbers unchanged. Distributions are Boost.Random's,
// which produce the same numbers on every platform and standard library.

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include <pcg_random.hpp>

namespace cyberdeter::sim {

/// 64-bit FNV-1a of `text`: a hash that never changes between builds or platforms.
constexpr std::uint64_t stable_hash(std::string_view text) noexcept {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const char c : text) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

/// SplitMix64 finaliser: a bijective mix of 64 bits.
constexpr std::uint64_t mix64(std::uint64_t x) noexcept {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

/// Combines two 64-bit values, order-sensitively.
constexpr std::uint64_t mix64(std::uint64_t a, std::uint64_t b) noexcept {
  return mix64(mix64(a) ^ (b + 0x632be59bd9b4e019ULL + (a << 6) + (a >> 2)));
}

/// Stable identity of a stochastic process: a name and up to two indices.
struct StreamKey {
  std::uint64_t value;

  constexpr explicit StreamKey(std::string_view name, std::uint64_t i = 0,
                               std::uint64_t j = 0) noexcept
      : value(mix64(mix64(stable_hash(name), i), j)) {}
};

/// Identity of one run: its random numbers depend on nothing else.
struct RunId {
  std::uint64_t master_seed = 0;
  std::uint64_t replication = 0;
  /// Set to make design points independent; left empty, replication r sees the same
  /// streams at every point (common random numbers).
  std::optional<std::uint64_t> design_point;
};

/// Seed of a run, from its identity.
std::uint64_t run_seed(const RunId& id) noexcept;

/// One random stream: a PCG64 engine with portable distributions on top.
class RandomStream {
 public:
  using engine_type = pcg64;

  explicit RandomStream(std::uint64_t seed) noexcept;

  /// Uniform on [0, 1).
  double uniform();
  /// Uniform on [lo, hi).
  double uniform(double lo, double hi);
  /// Uniform integer on [lo, hi] inclusive.
  std::int64_t uniform_int(std::int64_t lo, std::int64_t hi);
  /// Uniform integer on [0, n), n >= 1: Lemire's multiply-and-reject on the raw bits, exact
  /// and portable, without the division that uniform_int pays on every draw.
  std::uint64_t below(std::uint64_t n) {
    __extension__ using u128 = unsigned __int128;
    u128 m = static_cast<u128>(engine_()) * n;
    auto low = static_cast<std::uint64_t>(m);
    if (low < n) {
      const std::uint64_t threshold = (0 - n) % n;
      while (low < threshold) {
        m = static_cast<u128>(engine_()) * n;
        low = static_cast<std::uint64_t>(m);
      }
    }
    return static_cast<std::uint64_t>(m >> 64);
  }
  /// True with probability p (p clamped to [0, 1]).
  bool bernoulli(double p);
  /// Exponential with the given rate (mean 1/rate); rate must be > 0.
  double exponential(double rate);
  /// Gamma(shape, scale 1), shape > 0 (Marsaglia-Tsang).
  double standard_gamma(double shape);
  /// Gamma with shape k and mean `mean` (scale mean/k).
  double gamma_mean(double shape, double mean);
  /// Beta(a, b).
  double beta(double a, double b);
  /// Normal(mean, sd).
  double normal(double mean, double sd);
  /// Log-normal whose underlying normal has parameters (mu, sigma).
  double lognormal(double mu, double sigma);
  /// Poisson with the given mean.
  std::int64_t poisson(double mean);
  /// Index i drawn with probability weights[i] / sum(weights); weights >= 0, sum > 0.
  std::size_t categorical(std::span<const double> weights);

  /// Raw 64 random bits.
  std::uint64_t bits() { return engine_(); }
  engine_type& engine() noexcept { return engine_; }

 private:
  engine_type engine_;
};

/// Hands out the streams of one run.
class StreamFactory {
 public:
  explicit StreamFactory(const RunId& id) noexcept : seed_(sim::run_seed(id)) {}
  explicit StreamFactory(std::uint64_t seed) noexcept : seed_(seed) {}

  std::uint64_t seed() const noexcept { return seed_; }
  /// Seed of the stream with the given key within this run.
  std::uint64_t stream_seed(StreamKey key) const noexcept { return mix64(seed_, key.value); }
  RandomStream stream(StreamKey key) const noexcept { return RandomStream(stream_seed(key)); }

 private:
  std::uint64_t seed_;
};

}  // namespace cyberdeter::sim
