// A sweep of the ANU deterrence model (model_sweep.hpp) with its tables: /runs (one row per
// task), /intensities (one per task and intensity) and /trajectory.

#include <optional>

#include "../model_sweep.hpp"
#include "cyberdeter/models/reference/anu.hpp"

namespace cyberdeter::models::anu {
namespace {

struct Anu {
  using Scenario = AnuScenario;
  using Point = AnuScenario;
  using Rows =
      std::tuple<std::vector<AnuRun>, std::vector<AnuIntensityRow>, std::vector<AnuTrajectoryRow>>;
  static constexpr const char* model = "anu_deterrence";

  static Scenario load(const std::string& text, const std::string& path,
                       const std::vector<std::string>& overrides) {
    return load_anu_scenario_text(text, path, overrides);
  }
  static Point prepare(Scenario sc) { return sc; }
  static void run(const Point& sc, const sim::RunId& id, std::uint64_t point, Rows& out) {
    AnuResult r = run_anu(sc.params, id);
    r.run.point = point;
    std::get<0>(out).push_back(r.run);
    for (auto& row : r.intensities) std::get<1>(out).push_back((row.point = point, row));
    for (auto& row : r.trajectory) std::get<2>(out).push_back((row.point = point, row));
  }
  static auto tables(const Sweep& sweep, const Scenario& base) {
    // Rows of /intensities per task, when every point has the same number of intensities.
    std::optional<std::uint64_t> per_task = base.params.intensities;
    for (const auto& p : sweep.parameters) {
      for (const auto& path : p.paths) {
        if (path == "anu.intensities" || path == "anu") per_task = std::nullopt;
      }
    }
    return std::make_tuple(
        detail::SweepTable<AnuRun>{"/runs", anu_runs_schema(), detail::one_row_per_task()},
        detail::SweepTable<AnuIntensityRow>{"/intensities", anu_intensities_schema(),
                                            [per_task](std::uint64_t) { return per_task; }},
        detail::SweepTable<AnuTrajectoryRow>{"/trajectory", anu_trajectory_schema(), {}});
  }
  static void write_scenario(sim::h5::File& file, const Scenario& base) {
    write_anu_scenario(file, base);
  }
};

}  // namespace

std::unique_ptr<SweepBackend> plan_anu_sweep(Sweep sweep, std::string base_text) {
  return detail::ModelSweep<Anu>::plan_sweep(std::move(sweep), std::move(base_text));
}

deterrence::MergeSummary merge_anu_sweep_files(const std::vector<std::string>& inputs,
                                               const std::string& path,
                                               const deterrence::SweepOutput& output) {
  return detail::ModelSweep<Anu>::merge_files(inputs, path, output);
}

}  // namespace cyberdeter::models::anu
