#include <cmath>
#include <vector>

#include <algorithm>
#include <boost/math/special_functions/beta.hpp>
#include <boost/math/special_functions/gamma.hpp>
#include <catch2/catch.hpp>

#include "cyberdeter/sim/random.hpp"

using namespace cyberdeter::sim;

TEST_CASE("stable_hash is FNV-1a", "[random]") {
  CHECK(stable_hash("") == 0xcbf29ce484222325ULL);
  CHECK(stable_hash("a") == 0xaf63dc4c8601ec8cULL);
  CHECK(stable_hash("foobar") == 0x85944171f73967e8ULL);
}

TEST_CASE("stream keys distinguish names and indices", "[random]") {
  CHECK(StreamKey("opportunity", 1).value != StreamKey("opportunity", 2).value);
  CHECK(StreamKey("opportunity", 1).value != StreamKey("detection", 1).value);
  CHECK(StreamKey("x", 1, 2).value != StreamKey("x", 2, 1).value);
  CHECK(StreamKey("x", 1, 2).value == StreamKey("x", 1, 2).value);
}

TEST_CASE("run seeds depend on master seed and replication only, unless points are independent",
          "[random]") {
  const RunId a{7, 3, {}};
  CHECK(run_seed(a) == run_seed(RunId{7, 3, {}}));
  CHECK(run_seed(a) != run_seed(RunId{7, 4, {}}));
  CHECK(run_seed(a) != run_seed(RunId{8, 3, {}}));
  CHECK(run_seed(RunId{7, 3, 0}) != run_seed(RunId{7, 3, 1}));
  CHECK(run_seed(RunId{7, 3, 0}) != run_seed(a));
}

// Pinned values: these numbers are the contract of reproducibility. If a change to the
// stream derivation, the engine or a distribution alters them, every published result
// produced with cyberdeter would change too; such a change needs a schema/version bump.
TEST_CASE("pinned values for a fixed seed", "[random][pinned]") {
  const StreamFactory factory(RunId{20151201, 0, {}});
  auto s = factory.stream(StreamKey("pinned", 1));
  INFO("run seed " << factory.seed());
  CHECK(factory.seed() == 15185051686656980500ULL);
  CHECK(s.bits() == 17177047526755310894ULL);
  CHECK(s.uniform() == 0.45293771829227558);
  CHECK(s.exponential(2.0) == 1.4678542933989625);
  // The gamma sampler became Marsaglia-Tsang's (issue: hardening; 7.6 % of the Japan
  // model's time went to Boost's): gamma, beta and every draw after them changed.
  CHECK(s.gamma_mean(2.0, 30.0) == 53.733216693219923);
  CHECK(s.beta(2.0, 5.0) == 0.087982847619025195);
  CHECK(s.normal(0.0, 1.0) == 0.16027256038778337);
  CHECK(s.uniform_int(1, 6) == 3);
  CHECK(s.poisson(3.5) == 3);
}

TEST_CASE("adding a stream or a draw does not change another stream", "[random]") {
  const StreamFactory factory(RunId{99, 5, {}});
  auto first = factory.stream(StreamKey("attacker", 0));
  std::vector<double> alone;
  for (int i = 0; i < 100; ++i) alone.push_back(first.uniform());

  // Same run, but other streams are created and drawn from in between.
  auto again = factory.stream(StreamKey("attacker", 0));
  auto other = factory.stream(StreamKey("attacker", 1));
  auto third = factory.stream(StreamKey("detection", 0));
  std::vector<double> interleaved;
  for (int i = 0; i < 100; ++i) {
    other.exponential(1.0);
    third.gamma_mean(3.0, 2.0);
    interleaved.push_back(again.uniform());
  }
  CHECK(alone == interleaved);
}

TEST_CASE("distributions have the moments they promise", "[random][statistics]") {
  // n = 200,000 draws; each tolerance is 5 standard errors of the estimated mean.
  const int n = 200'000;
  const double sqrt_n = std::sqrt(static_cast<double>(n));
  auto s = StreamFactory(RunId{1, 0, {}}).stream(StreamKey("moments"));
  auto mean_of = [&](auto draw) {
    double sum = 0.0;
    for (int i = 0; i < n; ++i) sum += static_cast<double>(draw());
    return sum / n;
  };
  SECTION("uniform") {
    CHECK(std::abs(mean_of([&] { return s.uniform(); }) - 0.5) < 5 * std::sqrt(1.0 / 12) / sqrt_n);
  }
  SECTION("exponential, rate 4") {
    CHECK(std::abs(mean_of([&] { return s.exponential(4.0); }) - 0.25) < 5 * 0.25 / sqrt_n);
  }
  SECTION("gamma, shape 2, mean 30") {
    CHECK(std::abs(mean_of([&] { return s.gamma_mean(2.0, 30.0); }) - 30.0) <
          5 * std::sqrt(2.0) * 15.0 / sqrt_n);
  }
  SECTION("beta(2, 5)") {
    const double sd = std::sqrt(2.0 * 5.0 / (49.0 * 8.0));
    CHECK(std::abs(mean_of([&] { return s.beta(2.0, 5.0); }) - 2.0 / 7.0) < 5 * sd / sqrt_n);
  }
  SECTION("bernoulli(0.3)") {
    CHECK(std::abs(mean_of([&] { return s.bernoulli(0.3) ? 1.0 : 0.0; }) - 0.3) <
          5 * std::sqrt(0.21) / sqrt_n);
  }
  SECTION("lognormal(0, 0.5)") {
    const double mean = std::exp(0.125);
    const double sd = std::sqrt((std::exp(0.25) - 1.0) * std::exp(0.25));
    CHECK(std::abs(mean_of([&] { return s.lognormal(0.0, 0.5); }) - mean) < 5 * sd / sqrt_n);
  }
  SECTION("poisson(3.5)") {
    CHECK(std::abs(mean_of([&] { return s.poisson(3.5); }) - 3.5) < 5 * std::sqrt(3.5) / sqrt_n);
  }
  SECTION("categorical") {
    const std::vector<double> w{1.0, 0.0, 3.0};
    int counts[3] = {0, 0, 0};
    for (int i = 0; i < n; ++i) ++counts[s.categorical(w)];
    CHECK(counts[1] == 0);
    CHECK(std::abs(counts[2] / double(n) - 0.75) < 5 * std::sqrt(0.75 * 0.25) / sqrt_n);
  }
}

TEST_CASE("categorical rejects weights that sum to zero", "[random]") {
  auto s = RandomStream(1);
  const std::vector<double> w{0.0, 0.0};
  CHECK_THROWS_WITH(s.categorical(w), Catch::Contains("sum to > 0"));
}

TEST_CASE("below(n) is uniform and pinned", "[random][pinned]") {
  // Pinned like the values above: the ANU model's targets and intensities come from it.
  auto s = StreamFactory(RunId{20151201, 0, {}}).stream(StreamKey("pinned", 2));
  CHECK(s.below(1) == 0u);
  CHECK(s.below(6) == 3u);
  CHECK(s.below(99) == 16u);
  CHECK(s.below(std::uint64_t{1} << 63) == 1938521393324571395u);
  // Frequencies of 7 values from 70,000 draws, each within 5 standard errors.
  std::vector<int> counts(7, 0);
  const int draws = 70'000;
  for (int i = 0; i < draws; ++i) ++counts.at(s.below(7));
  const double p = 1.0 / 7.0, se = std::sqrt(p * (1 - p) / draws);
  for (const int c : counts) CHECK(std::abs(c / double(draws) - p) < 5 * se);
}

namespace {

// Kolmogorov-Smirnov distance between n draws and a distribution's CDF.
template <class Draw, class Cdf>
double ks_distance(int n, Draw draw, Cdf cdf) {
  std::vector<double> x(static_cast<std::size_t>(n));
  for (auto& v : x) v = draw();
  std::sort(x.begin(), x.end());
  double d = 0.0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double f = cdf(x[i]);
    const double lo = static_cast<double>(i) / n, hi = static_cast<double>(i + 1) / n;
    d = std::max({d, f - lo, hi - f});
  }
  return d;
}

}  // namespace

TEST_CASE("gamma and beta draws follow their distributions (Marsaglia-Tsang)",
          "[random][statistics]") {
  // n = 100,000 draws per case; the KS distance must stay below the 0.1 % critical value
  // 1.95 / sqrt(n), and the mean within 5 standard errors.
  const int n = 100'000;
  const double critical = 1.95 / std::sqrt(static_cast<double>(n));
  auto s = StreamFactory(RunId{5, 0, {}}).stream(StreamKey("gamma"));
  for (const double shape : {0.3, 1.0, 2.0, 7.5, 50.0}) {
    INFO("gamma shape " << shape);
    const double mean = 3.0;
    const double scale = mean / shape;
    const double d = ks_distance(
        n, [&] { return s.gamma_mean(shape, mean); },
        [&](double x) { return boost::math::gamma_p(shape, x / scale); });
    CHECK(d < critical);
    double sum = 0.0;
    for (int i = 0; i < n; ++i) sum += s.gamma_mean(shape, mean);
    CHECK(std::abs(sum / n - mean) < 5.0 * std::sqrt(shape) * scale / std::sqrt(double(n)));
  }
  for (const auto& [a, b] : {std::pair{7.5, 2.5}, std::pair{0.5, 0.5}, std::pair{2.0, 5.0}}) {
    INFO("beta(" << a << ", " << b << ")");
    const double d = ks_distance(
        n, [&] { return s.beta(a, b); }, [&](double x) { return boost::math::ibeta(a, b, x); });
    CHECK(d < critical);
  }
}
