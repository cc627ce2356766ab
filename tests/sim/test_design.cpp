#include <algorithm>
#include <cmath>
#include <set>

#include <catch2/catch.hpp>

#include "cyberdeter/sim/design.hpp"

using namespace cyberdeter::sim;
using namespace cyberdeter::sim::design;

TEST_CASE("a full grid is the cartesian product, last dimension fastest", "[design]") {
  const Points g = full_grid({{1, 2}, {10, 20, 30}});
  REQUIRE(g.size() == 6);
  CHECK(g[0] == std::vector<double>{1, 10});
  CHECK(g[1] == std::vector<double>{1, 20});
  CHECK(g[2] == std::vector<double>{1, 30});
  CHECK(g[3] == std::vector<double>{2, 10});
  CHECK(g[5] == std::vector<double>{2, 30});
  CHECK(full_grid({{1, 2, 3}, {1, 2}, {1, 2, 3, 4}}).size() == 24);
  CHECK(full_grid({}).empty());
}

TEST_CASE("a Latin hypercube puts one point in every stratum of every dimension", "[design]") {
  RandomStream rng(3);
  const std::size_t n = 50, d = 4;
  const Points p = latin_hypercube(n, d, rng);
  REQUIRE(p.size() == n);
  for (std::size_t j = 0; j < d; ++j) {
    std::set<std::size_t> strata;
    for (const auto& x : p) {
      CHECK(x[j] >= 0.0);
      CHECK(x[j] < 1.0);
      strata.insert(static_cast<std::size_t>(x[j] * static_cast<double>(n)));
    }
    CHECK(strata.size() == n);
  }
  RandomStream again(3);
  CHECK(latin_hypercube(n, d, again) == p);  // same stream, same design
}

TEST_CASE("Sobol points are the Joe-Kuo sequence from the origin", "[design]") {
  const Points p = sobol(8, 2);
  const Points want{{0, 0},         {0.5, 0.5},     {0.75, 0.25},   {0.25, 0.75},
                    {0.375, 0.375}, {0.875, 0.875}, {0.625, 0.125}, {0.125, 0.625}};
  CHECK(p == want);
  // skip continues the same sequence
  const Points tail = sobol(3, 2, 5);
  CHECK(tail == Points(want.begin() + 5, want.end()));
}

TEST_CASE("Sobol points are balanced in blocks of powers of two", "[design]") {
  // The first 2^k points put exactly one point in each of the 2^k intervals of every
  // one-dimensional projection.
  const std::size_t n = 256, d = 10;
  const Points p = sobol(n, d);
  for (std::size_t j = 0; j < d; ++j) {
    std::set<std::size_t> cells;
    for (const auto& x : p) cells.insert(static_cast<std::size_t>(x[j] * static_cast<double>(n)));
    CHECK(cells.size() == n);
  }
}

TEST_CASE("the Saltelli design is A, the AB_i and B for every base row", "[design]") {
  const std::size_t n = 16, d = 3;
  const Points s = saltelli(n, d);
  REQUIRE(s.size() == n * (d + 2));
  const Points base = sobol(n, 2 * d, 1);
  for (std::size_t j = 0; j < n; ++j) {
    const auto* block = &s[j * (d + 2)];
    for (std::size_t k = 0; k < d; ++k) {
      CHECK(block[0][k] == base[j][k]);          // A
      CHECK(block[d + 1][k] == base[j][d + k]);  // B
    }
    for (std::size_t i = 0; i < d; ++i) {  // AB_i: A with column i from B
      for (std::size_t k = 0; k < d; ++k) {
        CHECK(block[1 + i][k] == (k == i ? base[j][d + k] : base[j][k]));
      }
    }
  }
}

TEST_CASE("the Saltelli design refuses sizes that are not powers of two", "[design]") {
  CHECK_THROWS_WITH(saltelli(1000, 2), Catch::Contains("1000 is not one: use 512 or 1024"));
  CHECK_THROWS_WITH(saltelli(0, 2), Catch::Contains("power of two"));
  CHECK(is_power_of_two(1024));
  CHECK_FALSE(is_power_of_two(96));
}

TEST_CASE("Morris trajectories move each factor once by delta on the grid", "[design]") {
  RandomStream rng(11);
  const std::size_t r = 20, d = 5, levels = 4;
  const Points p = morris(r, d, levels, rng);
  REQUIRE(p.size() == r * (d + 1));
  const double delta = 4.0 / (2.0 * 3.0);
  for (std::size_t t = 0; t < r; ++t) {
    std::set<std::size_t> moved;
    for (std::size_t s = 0; s < d; ++s) {
      const auto& a = p[t * (d + 1) + s];
      const auto& b = p[t * (d + 1) + s + 1];
      std::size_t changed = 0;
      for (std::size_t i = 0; i < d; ++i) {
        const double level = b[i] * 3.0;
        CHECK(std::abs(level - std::round(level)) < 1e-12);  // on the grid
        CHECK(b[i] >= 0.0);
        CHECK(b[i] <= 1.0);
        if (a[i] != b[i]) {
          ++changed;
          moved.insert(i);
          CHECK(std::abs(std::abs(b[i] - a[i]) - delta) < 1e-12);
        }
      }
      CHECK(changed == 1);
    }
    CHECK(moved.size() == d);
  }
  CHECK_THROWS_WITH(morris(2, 2, 3, rng), Catch::Contains("even number of levels"));
}
