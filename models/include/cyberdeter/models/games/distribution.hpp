#pragma once
// The distributions of the attribution game's private benefits (F_i) and of the defender's
// private costs (G): uniform, beta, truncated normal, triangular and discrete
// (docs/games.md "Distributions"). Each gives its CDF, its quantile (draws are by inverse
// CDF from one uniform, so that a stream's numbers line up across parameters) and the
// expectations the equilibrium needs.

#include <cstdint>
#include <string>
#include <vector>

#include "cyberdeter/sim/random.hpp"

namespace cyberdeter::models::games {

struct Distribution {
  enum class Kind : std::uint8_t { uniform, beta, truncated_normal, triangular, discrete };
  Kind kind = Kind::uniform;
  /// The support [lo, hi] (lo < hi) of every continuous kind; a beta is scaled onto it, a
  /// normal truncated to it.
  double lo = 0.0;
  double hi = 1.0;
  double alpha = 1.0, beta = 1.0;  ///< beta: shapes, > 0
  double mean = 0.5, sd = 0.25;    ///< truncated normal: the normal's mean and sd (> 0)
  double mode = 0.5;               ///< triangular: lo <= mode <= hi
  std::vector<double> values;      ///< discrete: distinct values, ascending
  std::vector<double> weights;     ///< discrete: their probabilities (sum 1)

  static Distribution uniform(double lo, double hi);

  bool is_discrete() const noexcept { return kind == Kind::discrete; }
  /// The name in scenario files: "uniform", "beta", "truncated_normal", ...
  const char* name() const noexcept;
  double lowest() const noexcept;
  double highest() const noexcept;
  /// F(x) = P(X <= x).
  double cdf(double x) const;
  /// F(x−) = P(X < x): the CDF's left limit (F(x) but for the atoms of a discrete law).
  double cdf_below(double x) const;
  /// The quantile: the least x with F(x) >= u (u in [0, 1]; for u = 0 the lowest value).
  double quantile(double u) const;
  /// One draw from one uniform of `rng`: rng.uniform(lo, hi) for the uniform kind (as the
  /// games drew before other kinds existed), quantile(rng.uniform()) otherwise. With `type`
  /// the uniform behind the draw is returned too (the draw's rank, for discrete laws).
  double draw(sim::RandomStream& rng, double* type = nullptr) const;
  /// E[1 / (1 + exp(−λ (X − c)))] for finite λ > 0: in closed form for the uniform and
  /// discrete kinds, by tanh-sinh quadrature of the quantile over [0, 1] otherwise.
  double expected_logistic(double lambda, double c) const;
  /// E[X].
  double expectation() const;

  /// The TOML table body that loads back to this distribution ("distribution = ...").
  std::string toml() const;

  friend bool operator==(const Distribution&, const Distribution&) = default;
};

}  // namespace cyberdeter::models::games
