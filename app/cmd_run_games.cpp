// `cyberdeter run` for the formal games (attribution_game, timing_game): load, solve the
// closed form, run the replications on the engine, write the HDF5 file, print theory
// against simulation with 95 % intervals over the replications.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "cli_common.hpp"
#include "cyberdeter/models/catalog.hpp"
#include "cyberdeter/models/games/attribution_model.hpp"
#include "cyberdeter/models/games/statistics.hpp"
#include "cyberdeter/models/games/timing.hpp"
#include "cyberdeter/sim/progress.hpp"

namespace cyberdeter::app {
namespace {

namespace games = models::games;

using sim::thousands;

// "0.52441 ± 0.00093 (0.524586)"
std::string estimate(const std::vector<double>& values, double theory) {
  const auto e = games::mean_interval(values);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%.5f ± %.5f (%.6f)", e.mean, e.half_width, theory);
  return buf;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

int run_attribution(const GameRunOptions& opt) {
  auto sc = games::load_attribution_scenario(opt.scenario.file, opt.scenario.overrides);
  if (opt.replications) sc.replications = *opt.replications;
  if (opt.seed) sc.seed = *opt.seed;
  check_output_path(opt.output);
  const auto eq = games::solve_equilibrium(sc.game);

  auto file = sim::h5::File::create(opt.output);
  write_provenance(file);
  games::write_attribution_scenario(file, sc, eq);
  const sim::h5::TableOptions storage{4096, opt.compression};
  auto runs = file.create_table("/runs", games::attribution_runs_schema(), storage);
  auto attackers = file.create_table("/attackers", games::attribution_attackers_schema(), storage);
  auto signals = file.create_table("/signals", games::attribution_signals_schema(), storage);
  auto trajectory =
      file.create_table("/trajectory", games::attribution_trajectory_schema(), storage);

  const std::size_t n = sc.game.attacker_count();
  const std::size_t s_count = sc.game.signal_count();
  std::vector<std::vector<double>> attack(n), cutoff(n), estimate_a(n);
  std::vector<std::vector<double>> guilty(n * s_count), retaliation(n * s_count);
  double retaliations = 0.0, innocent = 0.0;
  std::uint64_t events = 0;
  const auto start = std::chrono::steady_clock::now();
  for (std::uint64_t r = 0; r < sc.replications; ++r) {
    check_interrupted_no_output();
    const auto result = games::run_attribution(sc, eq, r);
    runs.append(result.run);
    attackers.append(std::span<const games::AttributionAttackerRow>(result.attackers));
    signals.append(std::span<const games::AttributionSignalRow>(result.signals));
    trajectory.append(std::span<const games::AttributionTrajectoryRow>(result.trajectory));
    events += result.run.events;
    retaliations += static_cast<double>(result.run.retaliations);
    innocent += static_cast<double>(result.run.retaliations_innocent);
    for (const auto& a : result.attackers) {
      attack[a.attacker].push_back(a.attack_frequency);
      cutoff[a.attacker].push_back(a.cutoff);
    }
    for (const auto& t : result.trajectory) {
      if (t.last_round + 1 == sc.rounds) estimate_a[t.attacker].push_back(t.defender_estimate);
    }
    for (const auto& row : result.signals) {
      guilty[row.attacker * s_count + row.signal].push_back(row.p_guilty);
      retaliation[row.attacker * s_count + row.signal].push_back(row.retaliation_frequency);
    }
  }
  const double seconds = seconds_since(start);
  const auto rows = [&](const auto& t) { return thousands(t.size()); };
  const std::string tables = "/runs: " + rows(runs) + " rows, /attackers: " + rows(attackers) +
                             ", /signals: " + rows(signals) + ", /trajectory: " + rows(trajectory);
  file.commit();
  if (opt.quiet) return exit_success;

  const bool learning = sc.mode == games::AttributionMode::learning;
  std::printf("cyberdeter %s: %s, %llu replication%s of %s rounds (seed %llu)\n",
              version_string().c_str(), sc.name.empty() ? sc.path.c_str() : sc.name.c_str(),
              static_cast<unsigned long long>(sc.replications), sc.replications == 1 ? "" : "s",
              thousands(sc.rounds).c_str(), static_cast<unsigned long long>(sc.seed));
  std::printf("  strategies    %s; equilibrium by %s (residual %.1e)\n",
              learning ? "learning (docs/games.md)" : "fixed: the equilibrium's cutoffs and r = p",
              eq.method.c_str(), eq.residual);
  if (sc.burn_in_rounds > 0) {
    std::printf("  counted       rounds %s to %s (after a burn-in of %s)\n",
                thousands(sc.burn_in_rounds).c_str(), thousands(sc.rounds - 1).c_str(),
                thousands(sc.burn_in_rounds).c_str());
  }
  std::size_t width = 8;
  for (const auto& a : sc.game.attackers) width = std::max(width, a.name.size());
  std::size_t signal_width = 6;
  for (const auto& name : sc.game.signal_names) signal_width = std::max(signal_width, name.size());
  std::printf("  attack frequency per opportunity: mean over replications ± 95 %% (theory)\n");
  for (std::size_t i = 0; i < n; ++i) {
    std::printf("    %-*s  %s\n", static_cast<int>(width), sc.game.attackers[i].name.c_str(),
                estimate(attack[i], eq.attack[i]).c_str());
  }
  if (learning) {
    std::printf(
        "  at the end    attacker's cutoff, and the defender's estimate of its attack "
        "probability (theory)\n");
    for (std::size_t i = 0; i < n; ++i) {
      std::printf("    %-*s  %s   %s\n", static_cast<int>(width), sc.game.attackers[i].name.c_str(),
                  estimate(cutoff[i], eq.cutoff[i]).c_str(),
                  estimate(estimate_a[i], eq.attack[i]).c_str());
    }
  }
  std::printf(
      "  P(guilty | signal) and retaliation frequency: mean over replications ± 95 %% "
      "(theory)\n");
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t s = 0; s < s_count; ++s) {
      const std::size_t k = i * s_count + s;
      std::printf("    %-*s  %-*s  %s   %s\n", static_cast<int>(width),
                  sc.game.attackers[i].name.c_str(), static_cast<int>(signal_width),
                  sc.game.signal_names[s].c_str(), estimate(guilty[k], eq.posterior[k]).c_str(),
                  estimate(retaliation[k], eq.retaliation[k]).c_str());
    }
  }
  const auto reps = static_cast<double>(sc.replications);
  std::printf(
      "  retaliations  %.1f per replication, %.1f of them against an attacker that did "
      "not attack\n",
      retaliations / reps, innocent / reps);
  std::printf("  output        %s (%s); %s events in %.2f s\n", opt.output.c_str(), tables.c_str(),
              thousands(events).c_str(), seconds);
  return exit_success;
}

int run_timing(const GameRunOptions& opt) {
  auto sc = games::load_timing_scenario(opt.scenario.file, opt.scenario.overrides);
  if (opt.replications) sc.replications = *opt.replications;
  if (opt.seed) sc.seed = *opt.seed;
  check_output_path(opt.output);
  const auto theory = games::solve_timing(sc.game);

  auto file = sim::h5::File::create(opt.output);
  write_provenance(file);
  games::write_timing_scenario(file, sc, theory);
  const sim::h5::TableOptions storage{4096, opt.compression};
  auto runs = file.create_table("/runs", games::timing_runs_schema(), storage);
  auto values = file.create_table("/values", games::timing_values_schema(), storage);

  std::vector<std::vector<double>> requested(sc.thresholds.size());
  std::vector<double> found, checked, theory_found;
  std::uint64_t events = 0, evaluations = 0, truncated = 0;
  const auto start = std::chrono::steady_clock::now();
  for (std::uint64_t r = 0; r < sc.replications; ++r) {
    check_interrupted_no_output();
    const auto result = games::run_timing(sc, theory, r);
    runs.append(result.run);
    values.append(std::span<const games::TimingValueRow>(result.values));
    for (std::size_t k = 0; k < sc.thresholds.size(); ++k) {
      requested[k].push_back(result.values[k].value);
    }
    for (const auto& v : result.values) truncated += v.truncated;
    found.push_back(result.run.threshold_found);
    checked.push_back(result.run.value_checked);
    theory_found.push_back(result.run.value_theory_found);
    events += result.run.events;
    evaluations = result.run.evaluations;
  }
  const double seconds = seconds_since(start);
  const std::string tables =
      "/runs: " + thousands(runs.size()) + " rows, /values: " + thousands(values.size());
  file.commit();
  if (opt.quiet) return exit_success;

  std::printf("cyberdeter %s: %s, %llu replication%s of %s episodes per evaluation (seed %llu)\n",
              version_string().c_str(), sc.name.empty() ? sc.path.c_str() : sc.name.c_str(),
              static_cast<unsigned long long>(sc.replications), sc.replications == 1 ? "" : "s",
              thousands(sc.episodes).c_str(), static_cast<unsigned long long>(sc.seed));
  std::printf("  theory        T* = %.6f, V(T*) = %.6f, V(0) = %.6f (%s)\n", theory.threshold,
              theory.value, theory.value_at_zero, theory.method.c_str());
  std::printf(
      "  episodes      end when the resource is lost, or after %llu periods (w^t < 1e-12; "
      "%llu episodes cut there)\n",
      static_cast<unsigned long long>(games::truncation_periods(sc.game.discount)),
      static_cast<unsigned long long>(truncated));
  if (!sc.thresholds.empty()) {
    std::printf("  V(T) simulated: mean over replications ± 95 %% (theory)\n");
    for (std::size_t k = 0; k < sc.thresholds.size(); ++k) {
      std::printf("    T = %-9.6f %s\n", sc.thresholds[k],
                  estimate(requested[k], games::timing_value(sc.game, sc.thresholds[k])).c_str());
    }
  }
  if (sc.search) {
    std::printf(
        "  search        grid of %llu points, then golden section to a bracket of %g; "
        "%llu evaluations per replication\n",
        static_cast<unsigned long long>(sc.grid_points), sc.tolerance,
        static_cast<unsigned long long>(evaluations));
    std::printf("    T-hat         %s\n", estimate(found, theory.threshold).c_str());
    std::printf("    V(T-hat)      %s on independent episodes\n",
                estimate(checked, theory.value).c_str());
    std::printf("    V(T-hat) closed form %s\n", estimate(theory_found, theory.value).c_str());
  }
  std::printf("  output        %s (%s); %s events in %.2f s\n", opt.output.c_str(), tables.c_str(),
              thousands(events).c_str(), seconds);
  return exit_success;
}

}  // namespace

int run_game(const GameRunOptions& options) {
  return models::model_of(options.scenario.file) == "attribution_game" ? run_attribution(options)
                                                                       : run_timing(options);
}

}  // namespace cyberdeter::app
