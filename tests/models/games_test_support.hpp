#pragma once
// Shared helpers of the game tests: where the scenarios are, and Monte Carlo bands.
//
// Every tolerance on a simulated quantity is a band of `sigmas` standard errors derived
// from the sample size (docs/validation.md §4): √(p(1 − p)/n) for a frequency p from n draws,
// sd/√R for a mean over R independent replications. None is tuned to make a test pass.

#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

namespace games_test {

inline constexpr double sigmas = 4.5;

inline std::string scenario(const std::string& name) {
  const char* dir = std::getenv("CYBERDETER_SCENARIOS");
  return std::string(dir != nullptr ? dir : "scenarios") + "/validation/" + name;
}

/// Half-width of the band for a frequency with true value p estimated from n draws.
inline double frequency_band(double p, double n) { return sigmas * std::sqrt(p * (1.0 - p) / n); }

/// Mean and the band of its standard error, for values from independent replications.
struct MeanBand {
  double mean = 0.0;
  double band = 0.0;
};

inline MeanBand mean_band(const std::vector<double>& v) {
  double sum = 0.0;
  for (const double x : v) sum += x;
  const auto n = static_cast<double>(v.size());
  const double mean = sum / n;
  double squares = 0.0;
  for (const double x : v) squares += (x - mean) * (x - mean);
  return {mean, sigmas * std::sqrt(squares / (n - 1.0) / n)};
}

}  // namespace games_test
