#pragma once
// Simulated time. Inside the engine time is an integer count of ticks (one tick per
// second); scenario files and outputs speak in days. Converting at the edges keeps
// event ordering exact: two events are simultaneous only if their tick counts are equal.

#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>

namespace cyberdeter::sim {

using Tick = std::int64_t;

inline constexpr Tick ticks_per_day = 86'400;
/// Largest representable time: the event queue packs time into 48 bits (~8.9 million years).
inline constexpr Tick max_tick = (Tick{1} << 48) - 1;

/// Converts a tick count to days.
constexpr double to_days(Tick t) noexcept {
  return static_cast<double>(t) / static_cast<double>(ticks_per_day);
}

/// Converts a non-negative duration in days to ticks, rounding to the nearest tick and
/// saturating at max_tick (a delay drawn from a heavy tail may exceed any horizon). NaN
/// and negative values map to 0.
inline Tick to_ticks(double days) noexcept {
  const double t = std::round(days * static_cast<double>(ticks_per_day));
  if (!(t > 0.0)) return 0;
  if (t >= static_cast<double>(max_tick)) return max_tick;
  return static_cast<Tick>(t);
}

/// Like to_ticks, but rejects values outside [0, max_tick] instead of clamping (for input).
inline Tick to_ticks_checked(double days) {
  if (!std::isfinite(days) || days < 0.0 ||
      days * static_cast<double>(ticks_per_day) > static_cast<double>(max_tick)) {
    throw std::out_of_range("time of " + std::to_string(days) +
                            " days is outside the simulated range [0, " +
                            std::to_string(to_days(max_tick)) + "] days");
  }
  return to_ticks(days);
}

/// A repeating schedule. The k-th occurrence is computed as start + k * period, never by
/// accumulating a step, so rounding never drifts.
struct Periodic {
  Tick start = 0;
  Tick period = ticks_per_day;

  constexpr Tick at(std::uint64_t k) const noexcept {
    return start + static_cast<Tick>(k) * period;
  }
};

}  // namespace cyberdeter::sim
