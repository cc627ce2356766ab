#pragma once
// Designs of experiments for parameter sweeps, in the unit hypercube [0, 1)^d (the sweep
// maps each column to a parameter's range). Deterministic: a design depends only on its
// arguments and, for the randomised ones, on the stream passed in.

#include <cstddef>
#include <vector>

#include "cyberdeter/sim/random.hpp"

namespace cyberdeter::sim::design {

/// Rows are points, columns are dimensions.
using Points = std::vector<std::vector<double>>;

/// Cartesian product of the value lists; the last dimension varies fastest.
Points full_grid(const std::vector<std::vector<double>>& levels);

/// n points in [0, 1)^d such that, in every dimension, each of the n equal strata holds
/// exactly one point (McKay, Beckman & Conover 1979), placed uniformly inside its stratum.
Points latin_hypercube(std::size_t n, std::size_t d, RandomStream& rng);

/// Points `skip` .. `skip + n − 1` of the d-dimensional Sobol sequence with the Joe–Kuo
/// direction numbers (Boost.Random; up to 3667 dimensions). Point 0 is the origin.
Points sobol(std::size_t n, std::size_t d, std::size_t skip = 0);

/// True if n is a power of two (the sizes at which Sobol points are balanced).
constexpr bool is_power_of_two(std::size_t n) noexcept { return n != 0 && (n & (n - 1)) == 0; }

/// Throws std::invalid_argument, explaining why and naming the nearest valid sizes, unless
/// n is a power of two (the base sample sizes the Saltelli design accepts).
void check_saltelli_size(std::size_t n);

/// Saltelli's design for first-order and total Sobol indices (Saltelli et al. 2010): the
/// base matrices A and B are the two halves of n points of a 2d-dimensional Sobol
/// sequence (the origin skipped), and AB_i is A with column i taken from B. The n(d + 2)
/// rows are grouped by base row j: A_j, AB_1j, …, AB_dj, B_j. n must be a power of two,
/// because only then do the Sobol points keep the balance the estimators rely on; anything
/// else throws std::invalid_argument naming the nearest valid sizes.
Points saltelli(std::size_t n, std::size_t d);

/// Morris elementary-effects design (Morris 1991): r trajectories of d + 1 points on the
/// grid {0, 1/(p−1), …, 1} (p = `levels`, even, >= 2); along a trajectory each factor moves
/// once, by ±Δ with Δ = p / (2(p − 1)), in a random order. Rows are grouped by trajectory.
Points morris(std::size_t r, std::size_t d, std::size_t levels, RandomStream& rng);

}  // namespace cyberdeter::sim::design
