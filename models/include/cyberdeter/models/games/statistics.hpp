#pragma once
// Confidence intervals for what the games report: a mean over independent replications
// with a Student-t interval.

#include <cstddef>
#include <span>

namespace cyberdeter::models::games {

/// A mean and the half-width of its confidence interval.
struct Interval {
  double mean = 0.0;
  double half_width = 0.0;  ///< NaN with fewer than two values
  std::size_t count = 0;
};

/// Mean of `values` (NaN entries skipped) with the half-width of its two-sided
/// `level` interval, t quantile with count − 1 degrees of freedom times sd / √count.
Interval mean_interval(std::span<const double> values, double level = 0.95);

}  // namespace cyberdeter::models::games
