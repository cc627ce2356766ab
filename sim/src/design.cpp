#include "cyberdeter/sim/design.hpp"

#include <algorithm>
#include <numeric>
#include <stdexcept>
#include <string>

#include <boost/random/sobol.hpp>

namespace cyberdeter::sim::design {

Points full_grid(const std::vector<std::vector<double>>& levels) {
  std::size_t count = levels.empty() ? 0 : 1;
  for (const auto& l : levels) count *= l.size();
  Points out;
  out.reserve(count);
  std::vector<std::size_t> index(levels.size(), 0);
  for (std::size_t k = 0; k < count; ++k) {
    std::vector<double> point(levels.size());
    for (std::size_t i = 0; i < levels.size(); ++i) point[i] = levels[i][index[i]];
    out.push_back(std::move(point));
    for (std::size_t i = levels.size(); i-- > 0;) {  // odometer: last dimension fastest
      if (++index[i] < levels[i].size()) break;
      index[i] = 0;
    }
  }
  return out;
}

Points latin_hypercube(std::size_t n, std::size_t d, RandomStream& rng) {
  Points out(n, std::vector<double>(d));
  std::vector<std::size_t> strata(n);
  for (std::size_t j = 0; j < d; ++j) {
    std::iota(strata.begin(), strata.end(), std::size_t{0});
    // Fisher–Yates with the stream's own draws, so the design is portable.
    for (std::size_t i = n; i > 1; --i) {
      const auto k = static_cast<std::size_t>(rng.uniform_int(0, static_cast<std::int64_t>(i) - 1));
      std::swap(strata[i - 1], strata[k]);
    }
    for (std::size_t i = 0; i < n; ++i) {
      out[i][j] = (static_cast<double>(strata[i]) + rng.uniform()) / static_cast<double>(n);
    }
  }
  return out;
}

Points sobol(std::size_t n, std::size_t d, std::size_t skip) {
  if (d == 0) throw std::invalid_argument("sobol: at least one dimension");
  if (d > 3667) throw std::invalid_argument("sobol: at most 3667 dimensions");
  Points out;
  out.reserve(n);
  // Boost's generator starts after the origin; point 0 of the sequence is the origin.
  boost::random::sobol engine(d);
  std::size_t first = skip;
  if (first == 0 && n > 0) {
    out.emplace_back(d, 0.0);
    --n;
  } else if (first > 0) {
    engine.discard(static_cast<boost::uintmax_t>((first - 1) * d));
  }
  constexpr double scale = 1.0 / 18446744073709551616.0;  // 2^-64
  for (std::size_t i = 0; i < n; ++i) {
    std::vector<double> point(d);
    for (double& x : point) x = static_cast<double>(engine()) * scale;
    out.push_back(std::move(point));
  }
  return out;
}

void check_saltelli_size(std::size_t n) {
  if (is_power_of_two(n)) return;
  std::size_t lower = 1;
  while (lower * 2 <= n) lower *= 2;
  throw std::invalid_argument(
      "Saltelli design needs a power of two of base samples (Sobol points are balanced "
      "only in blocks of 2^k, and the index estimators rely on that balance); " +
      std::to_string(n) + " is not one: use " + std::to_string(lower) + " or " +
      std::to_string(lower * 2));
}

Points saltelli(std::size_t n, std::size_t d) {
  check_saltelli_size(n);
  const Points base = sobol(n, 2 * d, 1);  // skip the origin, a degenerate point
  Points out;
  out.reserve(n * (d + 2));
  for (const auto& row : base) {
    const std::vector<double> a(row.begin(), row.begin() + static_cast<std::ptrdiff_t>(d));
    const std::vector<double> b(row.begin() + static_cast<std::ptrdiff_t>(d), row.end());
    out.push_back(a);
    for (std::size_t i = 0; i < d; ++i) {
      std::vector<double> ab = a;
      ab[i] = b[i];
      out.push_back(std::move(ab));
    }
    out.push_back(b);
  }
  return out;
}

Points morris(std::size_t r, std::size_t d, std::size_t levels, RandomStream& rng) {
  if (levels < 2 || levels % 2 != 0) {
    throw std::invalid_argument("Morris design needs an even number of levels >= 2, got " +
                                std::to_string(levels));
  }
  const double step = 1.0 / static_cast<double>(levels - 1);
  const std::size_t jump = levels / 2;  // Δ = jump · step = p / (2(p − 1))
  Points out;
  out.reserve(r * (d + 1));
  std::vector<std::size_t> order(d);
  for (std::size_t t = 0; t < r; ++t) {
    // Start on the grid where moving up by Δ stays inside, then flip each factor's
    // direction at random so that both halves of the grid are used.
    std::vector<std::size_t> level(d);
    std::vector<int> direction(d);
    for (std::size_t i = 0; i < d; ++i) {
      level[i] = static_cast<std::size_t>(
          rng.uniform_int(0, static_cast<std::int64_t>(levels - jump) - 1));
      direction[i] = rng.bernoulli(0.5) ? 1 : -1;
      if (direction[i] < 0) level[i] += jump;
    }
    std::iota(order.begin(), order.end(), std::size_t{0});
    for (std::size_t i = d; i > 1; --i) {
      const auto k = static_cast<std::size_t>(rng.uniform_int(0, static_cast<std::int64_t>(i) - 1));
      std::swap(order[i - 1], order[k]);
    }
    auto point = [&] {
      std::vector<double> p(d);
      for (std::size_t i = 0; i < d; ++i) p[i] = static_cast<double>(level[i]) * step;
      return p;
    };
    out.push_back(point());
    for (const std::size_t i : order) {
      level[i] = direction[i] > 0 ? level[i] + jump : level[i] - jump;
      out.push_back(point());
    }
  }
  return out;
}

}  // namespace cyberdeter::sim::design
