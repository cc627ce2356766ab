#include "cyberdeter/models/games/statistics.hpp"

#include <cmath>
#include <limits>

#include <boost/math/distributions/students_t.hpp>

namespace cyberdeter::models::games {

Interval mean_interval(std::span<const double> values, double level) {
  Interval out;
  double sum = 0.0;
  for (const double v : values) {
    if (std::isnan(v)) continue;
    sum += v;
    ++out.count;
  }
  if (out.count == 0) {
    out.mean = std::numeric_limits<double>::quiet_NaN();
    out.half_width = out.mean;
    return out;
  }
  const auto n = static_cast<double>(out.count);
  out.mean = sum / n;
  if (out.count < 2) {
    out.half_width = std::numeric_limits<double>::quiet_NaN();
    return out;
  }
  double squares = 0.0;
  for (const double v : values) {
    if (!std::isnan(v)) squares += (v - out.mean) * (v - out.mean);
  }
  const double sd = std::sqrt(squares / (n - 1.0));
  const boost::math::students_t t(n - 1.0);
  out.half_width = boost::math::quantile(t, 0.5 + 0.5 * level) * sd / std::sqrt(n);
  return out;
}

}  // namespace cyberdeter::models::games
