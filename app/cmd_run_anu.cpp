// `cyberdeter run` for the ANU deterrence model (docs/anu.md): run the replications on the
// engine, write /runs, /intensities and /trajectory, print the final retaliation
// probabilities with 95 % intervals over the replications.

#include <chrono>
#include <cstdio>
#include <vector>

#include "cli_common.hpp"
#include "cyberdeter/models/catalog.hpp"
#include "cyberdeter/models/games/statistics.hpp"
#include "cyberdeter/models/reference/anu.hpp"
#include "cyberdeter/sim/progress.hpp"

namespace cyberdeter::app {

bool is_anu_scenario(const std::string& file) { return models::model_of(file) == "anu_deterrence"; }

int run_anu(const GameRunOptions& opt) {
  namespace anu = models::anu;
  anu::AnuScenario sc = anu::load_anu_scenario(opt.scenario.file, opt.scenario.overrides);
  if (opt.replications) sc.replications = *opt.replications;
  if (opt.seed) sc.seed = *opt.seed;
  check_output_path(opt.output);

  auto file = sim::h5::File::create(opt.output);
  write_provenance(file);
  anu::write_anu_scenario(file, sc);
  const sim::h5::TableOptions storage{4096, opt.compression};
  auto runs = file.create_table("/runs", anu::anu_runs_schema(), storage);
  auto intensities = file.create_table("/intensities", anu::anu_intensities_schema(), storage);
  auto trajectory = file.create_table("/trajectory", anu::anu_trajectory_schema(), storage);

  const std::uint32_t k_count = sc.params.intensities;
  std::vector<double> max_deterrence, mean_intensity;
  std::vector<std::vector<double>> by_intensity(k_count);
  std::uint64_t attacks = 0, events = 0;
  const auto start = std::chrono::steady_clock::now();
  for (std::uint64_t r = 0; r < sc.replications; ++r) {
    check_interrupted_no_output();
    const anu::AnuResult result = anu::run_anu(sc.params, sim::RunId{sc.seed, r, {}});
    runs.append(result.run);
    intensities.append(std::span<const anu::AnuIntensityRow>(result.intensities));
    trajectory.append(std::span<const anu::AnuTrajectoryRow>(result.trajectory));
    max_deterrence.push_back(result.run.max_deterrence);
    mean_intensity.push_back(result.run.mean_intensity_last_turn);
    for (const auto& row : result.intensities) {
      by_intensity[row.intensity - 1].push_back(row.retaliation_mean);
    }
    attacks += result.run.attacks;
    events += result.run.events;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  file.commit();
  if (opt.quiet) return exit_success;

  const auto interval = [](const std::vector<double>& v) {
    const auto e = models::games::mean_interval(v);
    char buf[64];
    if (v.size() > 1) {
      std::snprintf(buf, sizeof buf, "%.4f ± %.4f", e.mean, e.half_width);
    } else {
      std::snprintf(buf, sizeof buf, "%.4f", e.mean);
    }
    return std::string(buf);
  };
  const auto& p = sc.params;
  std::printf(
      "cyberdeter %s: %s, %llu replication%s of %u turns x %u rounds x %u states "
      "(seed %llu)\n",
      version_string().c_str(), sc.name.empty() ? sc.path.c_str() : sc.name.c_str(),
      static_cast<unsigned long long>(sc.replications), sc.replications == 1 ? "" : "s", p.turns,
      p.rounds_per_turn, p.states, static_cast<unsigned long long>(sc.seed));
  std::printf("  rationality %g, attribution %g", p.rationality, p.attribution);
  if (p.partners > 0) std::printf(", %u partners join a retaliation", p.partners);
  if (p.publication_delay_rounds > 0) {
    std::printf(", responses published %u rounds late", p.publication_delay_rounds);
  }
  std::printf("\n  max deterrence      %s%s\n", interval(max_deterrence).c_str(),
              sc.replications > 1 ? " (95 % interval over replications)" : "");
  std::printf("  mean retaliation    ");
  for (std::uint32_t k = 0; k < k_count; ++k) {
    if (k > 0 && k % 5 == 0) std::printf("\n                      ");
    std::printf("%s%u: %s", k % 5 == 0 ? "" : ", ", k + 1, interval(by_intensity[k]).c_str());
  }
  std::printf("\n  attack intensity    %s in the last turn\n", interval(mean_intensity).c_str());
  std::printf(
      "  output              %s (/runs: %llu rows); %s attacks, %s events in %.2f s "
      "(%.1f M attacks/s)\n",
      opt.output.c_str(), static_cast<unsigned long long>(sc.replications),
      sim::thousands(attacks).c_str(), sim::thousands(events).c_str(), seconds,
      seconds > 0 ? static_cast<double>(attacks) / seconds / 1e6 : 0.0);
  return exit_success;
}

}  // namespace cyberdeter::app
