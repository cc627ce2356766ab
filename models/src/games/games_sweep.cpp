// Sweeps of the formal games (model_sweep.hpp). Each design point's closed form is solved
// once, when the point is loaded, and every row carries it beside the simulation (the
// theory columns of /attackers and /signals; threshold_theory and value_theory of the
// timing game's /runs, value_theory of /values), so a dose-response plot needs no solver.

#include <stdexcept>

#include "../model_sweep.hpp"
#include "cyberdeter/models/games/attribution_model.hpp"
#include "cyberdeter/models/games/timing.hpp"

namespace cyberdeter::models::games {
namespace {

template <class Row>
void append(std::vector<Row>& out, std::vector<Row>& rows, std::uint64_t point) {
  for (auto& row : rows) {
    row.point = point;
    out.push_back(row);
  }
}

struct Attribution {
  using Scenario = AttributionScenario;
  struct Point {
    Scenario scenario;
    AttributionEquilibrium equilibrium;
  };
  using Rows = std::tuple<std::vector<AttributionRunRow>, std::vector<AttributionAttackerRow>,
                          std::vector<AttributionSignalRow>, std::vector<AttributionTrajectoryRow>>;
  static constexpr const char* model = "attribution_game";

  static Scenario load(const std::string& text, const std::string& path,
                       const std::vector<std::string>& overrides) {
    return load_attribution_scenario_text(text, path, overrides);
  }
  static Point prepare(Scenario sc) {
    try {
      AttributionEquilibrium eq = solve_equilibrium(sc.game);
      return Point{std::move(sc), std::move(eq)};
    } catch (const std::runtime_error& e) {
      throw ScenarioError(sc.path, 0, 0, "", std::string("no equilibrium found: ") + e.what());
    }
  }
  static void run(const Point& p, const sim::RunId& id, std::uint64_t point, Rows& out) {
    AttributionResult r = run_attribution(p.scenario, p.equilibrium, id);
    r.run.point = point;
    std::get<0>(out).push_back(r.run);
    append(std::get<1>(out), r.attackers, point);
    append(std::get<2>(out), r.signals, point);
    append(std::get<3>(out), r.trajectory, point);
  }
  static auto tables(const Sweep&, const Scenario&) {
    return std::make_tuple(
        detail::SweepTable<AttributionRunRow>{"/runs", attribution_runs_schema(),
                                              detail::one_row_per_task()},
        detail::SweepTable<AttributionAttackerRow>{
            "/attackers", attribution_attackers_schema(), {}},
        detail::SweepTable<AttributionSignalRow>{"/signals", attribution_signals_schema(), {}},
        detail::SweepTable<AttributionTrajectoryRow>{
            "/trajectory", attribution_trajectory_schema(), {}});
  }
  static void write_scenario(sim::h5::File& file, const Scenario& base) {
    write_attribution_scenario_group(file, base);
  }
};

struct Timing {
  using Scenario = TimingScenario;
  struct Point {
    Scenario scenario;
    TimingOptimum theory;
  };
  using Rows = std::tuple<std::vector<TimingRunRow>, std::vector<TimingValueRow>>;
  static constexpr const char* model = "timing_game";

  static Scenario load(const std::string& text, const std::string& path,
                       const std::vector<std::string>& overrides) {
    return load_timing_scenario_text(text, path, overrides);
  }
  static Point prepare(Scenario sc) {
    TimingOptimum theory = solve_timing(sc.game);
    return Point{std::move(sc), std::move(theory)};
  }
  static void run(const Point& p, const sim::RunId& id, std::uint64_t point, Rows& out) {
    TimingResult r = run_timing(p.scenario, p.theory, id);
    r.run.point = point;
    std::get<0>(out).push_back(r.run);
    append(std::get<1>(out), r.values, point);
  }
  static auto tables(const Sweep&, const Scenario&) {
    return std::make_tuple(
        detail::SweepTable<TimingRunRow>{"/runs", timing_runs_schema(), detail::one_row_per_task()},
        detail::SweepTable<TimingValueRow>{"/values", timing_values_schema(), {}});
  }
  static void write_scenario(sim::h5::File& file, const Scenario& base) {
    write_timing_scenario_group(file, base);
  }
};

}  // namespace

std::unique_ptr<SweepBackend> plan_game_sweep(Sweep sweep, std::string base_text) {
  if (sweep.model == Attribution::model) {
    return detail::ModelSweep<Attribution>::plan_sweep(std::move(sweep), std::move(base_text));
  }
  if (sweep.model == Timing::model) {
    return detail::ModelSweep<Timing>::plan_sweep(std::move(sweep), std::move(base_text));
  }
  throw std::logic_error("plan_game_sweep: not a game: " + sweep.model);
}

deterrence::MergeSummary merge_game_sweep_files(const std::string& model,
                                                const std::vector<std::string>& inputs,
                                                const std::string& path,
                                                const deterrence::SweepOutput& output) {
  if (model == Attribution::model) {
    return detail::ModelSweep<Attribution>::merge_files(inputs, path, output);
  }
  if (model == Timing::model) return detail::ModelSweep<Timing>::merge_files(inputs, path, output);
  throw std::logic_error("merge_game_sweep_files: not a game: " + model);
}

}  // namespace cyberdeter::models::games
