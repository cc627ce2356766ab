#include "cyberdeter/models/point_check.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <limits>
#include <mutex>
#include <thread>
#include <vector>

#include "cyberdeter/models/scenario_error.hpp"

namespace cyberdeter::models {

void check_points(const sim::TaskSet& tasks,
                  const std::function<std::uint64_t(std::uint64_t)>& point_of,
                  const std::vector<DesignPoint>& points_of_design, const std::string& sweep_path,
                  unsigned threads,
                  const std::function<void(std::uint64_t point, std::size_t rank)>& load) {
  auto check = [&](std::uint64_t k, std::size_t rank) {
    try {
      load(k, rank);
    } catch (const ScenarioError& e) {
      std::string values;
      for (const auto& o : points_of_design.at(k).overrides) {
        values += (values.empty() ? "" : ", ") + o;
      }
      throw ScenarioError(sweep_path, 0, 0, "",
                          "design point " + std::to_string(k) + " (" + values +
                              ") makes the base scenario invalid: " + e.message());
    }
  };
  // The distinct points in task order: a task range covers consecutive points.
  std::vector<std::uint64_t> points;
  for (const sim::TaskRange& range : tasks.ranges()) {
    if (range.end <= range.begin) continue;
    for (std::uint64_t k = point_of(range.begin); k <= point_of(range.end - 1); ++k) {
      if (points.empty() || points.back() != k) points.push_back(k);
    }
  }
  std::sort(points.begin(), points.end());
  points.erase(std::unique(points.begin(), points.end()), points.end());

  constexpr std::size_t none = std::numeric_limits<std::size_t>::max();
  std::atomic<std::size_t> next{0};
  std::atomic<std::size_t> first_failed{none};
  std::mutex mutex;
  std::exception_ptr error;
  auto work = [&] {
    for (;;) {
      const std::size_t i = next.fetch_add(1, std::memory_order_relaxed);
      // Points above a failed one no longer matter: the lowest failure is reported.
      if (i >= points.size() || i > first_failed.load(std::memory_order_relaxed)) return;
      try {
        check(points[i], i);
      } catch (...) {
        const std::lock_guard lock(mutex);
        if (i < first_failed.load(std::memory_order_relaxed)) {
          first_failed.store(i, std::memory_order_relaxed);
          error = std::current_exception();
        }
      }
    }
  };
  const std::size_t n =
      std::min<std::size_t>(std::max(1u, threads), std::max<std::size_t>(points.size(), 1));
  if (n <= 1) {
    work();
  } else {
    std::vector<std::jthread> pool;
    pool.reserve(n - 1);
    for (std::size_t t = 1; t < n; ++t) pool.emplace_back(work);
    work();
  }  // the jthreads join here
  if (error) std::rethrow_exception(error);
}

}  // namespace cyberdeter::models
