#pragma once
// Checking every design point of a sweep before anything runs, on several threads.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "cyberdeter/models/sweep.hpp"
#include "cyberdeter/sim/tasks.hpp"

namespace cyberdeter::models {

/// Calls `load(k, rank)` once for every distinct design point k that `tasks` touch (point_of
/// maps a task to its point; rank is k's place among those points, 0 for the lowest), on up
/// to `threads` threads, so that a combination of values the
/// model rejects is bad input before anything runs. A ScenarioError of point k becomes one
/// of `sweep_path` naming the point and its overrides (`points[k]`). If loads throw,
/// rethrows the exception of the lowest point, so the error is the one a pass in point
/// order would give, whatever the number of threads; points above a failed one may be left
/// unchecked.
void check_points(const sim::TaskSet& tasks,
                  const std::function<std::uint64_t(std::uint64_t)>& point_of,
                  const std::vector<DesignPoint>& points, const std::string& sweep_path,
                  unsigned threads,
                  const std::function<void(std::uint64_t point, std::size_t rank)>& load);

}  // namespace cyberdeter::models
