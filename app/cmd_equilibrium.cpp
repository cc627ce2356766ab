// `cyberdeter equilibrium FILE`: the closed-form solution of a game scenario, to compare
// with what `run` simulates.

#include <algorithm>
#include <cstdio>
#include <string>

#include "cli_common.hpp"
#include "cyberdeter/models/catalog.hpp"
#include "cyberdeter/models/games/attribution.hpp"
#include "cyberdeter/models/games/attribution_model.hpp"
#include "cyberdeter/models/games/timing.hpp"

namespace cyberdeter::app {
namespace {

namespace games = models::games;

std::string distribution_text(const games::Distribution& d) {
  char buf[96];
  using K = games::Distribution::Kind;
  switch (d.kind) {
    case K::uniform: std::snprintf(buf, sizeof buf, "U[%g, %g]", d.lo, d.hi); break;
    case K::beta:
      std::snprintf(buf, sizeof buf, "Beta(%g, %g) on [%g, %g]", d.alpha, d.beta, d.lo, d.hi);
      break;
    case K::truncated_normal:
      std::snprintf(buf, sizeof buf, "N(%g, %g^2) on [%g, %g]", d.mean, d.sd, d.lo, d.hi);
      break;
    case K::triangular:
      std::snprintf(buf, sizeof buf, "Tri(%g, %g, %g)", d.lo, d.mode, d.hi);
      break;
    case K::discrete:
      std::snprintf(buf, sizeof buf, "discrete, %zu values in [%g, %g]", d.values.size(), d.lo,
                    d.hi);
      break;
  }
  return buf;
}

std::string title(const std::string& name, const std::string& path) {
  return name.empty() ? path : name + " (" + path + ")";
}

int print_attribution(const std::string& file, const std::vector<std::string>& overrides) {
  const auto sc = games::load_attribution_scenario(file, overrides);
  const auto eq = games::solve_equilibrium(sc.game);
  const auto& g = sc.game;
  const std::size_t n = g.attacker_count();
  const std::size_t signals = g.signal_count();
  int width = 8;
  for (const auto& a : g.attackers) width = std::max(width, static_cast<int>(a.name.size()));
  int signal_width = 6;
  for (const auto& s : g.signal_names) {
    signal_width = std::max(signal_width, static_cast<int>(s.size()));
  }
  std::printf("attribution game: %s\n", title(sc.name, sc.path).c_str());
  std::printf("  %zu attacker%s, %zu signals, opportunity probability %g, defender's cost %s\n", n,
              n == 1 ? "" : "s", signals, g.opportunity_probability,
              distribution_text(g.defender_cost).c_str());
  std::printf("  solver: %s, %zu iterations, residual max |a - Phi(a)| = %.1e\n\n",
              eq.method.c_str(), eq.iterations, eq.residual);

  // The benefit column is as wide as its longest law ("Beta(2, 3) on [0, 1]"), 14 at least.
  int benefit_width = 14;
  for (const auto& a : g.attackers) {
    benefit_width = std::max(benefit_width, static_cast<int>(distribution_text(a.benefit).size()));
  }
  std::printf("  %-*s  %-*s %-10s %-10s %s\n", width, "attacker", benefit_width, "benefit", "w_i",
              "a_i", "x_i*");
  for (std::size_t i = 0; i < n; ++i) {
    const auto& a = g.attackers[i];
    std::printf("  %-*s  %-*s %-10g %-10.6f %.6f%s\n", width, a.name.c_str(), benefit_width,
                distribution_text(a.benefit).c_str(), a.retaliation_cost, eq.attack[i],
                eq.cutoff[i], std::isinf(a.rationality) ? "" : "  (logit attacker)");
  }
  std::printf("\n  %-*s  %-10s %-10s", signal_width, "signal", "P(s)", "pi_0");
  for (std::size_t i = 0; i < n; ++i) {
    std::printf(i + 1 < n ? " pi_%-7s" : " pi_%s", g.attackers[i].name.c_str());
  }
  std::printf("\n");
  for (std::size_t s = 0; s < signals; ++s) {
    std::printf("  %-*s  %-10.6f %-10.6f", signal_width, g.signal_names[s].c_str(), eq.signal[s],
                g.nobody[s]);
    for (std::size_t i = 0; i < n; ++i) {
      std::printf(i + 1 < n ? " %-10.6f" : " %.6f", g.attackers[i].signal[s]);
    }
    std::printf("\n");
  }
  std::printf("\n  %-*s  %-*s  %-10s %s\n", width, "attacker", signal_width, "signal", "p_i^s",
              "r_i^s");
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t s = 0; s < signals; ++s) {
      std::printf("  %-*s  %-*s  %-10.6f %.6f\n", width, g.attackers[i].name.c_str(), signal_width,
                  g.signal_names[s].c_str(), eq.posterior[i * signals + s],
                  eq.retaliation[i * signals + s]);
    }
  }
  return exit_success;
}

int print_timing(const std::string& file, const std::vector<std::string>& overrides) {
  const auto sc = games::load_timing_scenario(file, overrides);
  const auto& g = sc.game;
  const auto t = games::solve_timing(g);
  std::printf("timing game: %s\n", title(sc.name, sc.path).c_str());
  if (g.stakes.kind == games::Stakes::Kind::uniform) {
    std::printf("  stakes %s", distribution_text(games::Distribution::uniform(g.stakes.uniform.lo,
                                                                              g.stakes.uniform.hi))
                                   .c_str());
  } else {
    std::printf("  stakes discrete on %zu values in [%g, %g]", g.stakes.values.size(),
                g.stakes.lowest(), g.stakes.highest());
  }
  std::printf(", discount w = %g, stealth S = %g, persistence P = %g\n\n", g.discount, g.stealth,
              g.persistence);
  std::printf("  T*     = %.6f   (%s", t.threshold, t.method.c_str());
  if (t.iterations > 0) std::printf(", %zu iterations, residual %.1e", t.iterations, t.residual);
  std::printf(")\n  V(T*)  = %.6f\n  V(0)   = %.6f   (use at once)\n", t.value, t.value_at_zero);
  std::printf(
      "\n  simulated episodes are cut after %llu periods (w^t < 1e-12): what is cut off is "
      "worth less than 1e-12 * max stake / (1 - w)\n",
      static_cast<unsigned long long>(games::truncation_periods(g.discount)));
  return exit_success;
}

}  // namespace

void add_equilibrium_command(CLI::App& app, Action& action) {
  auto* cmd = app.add_subcommand(
      "equilibrium",
      "Print the closed-form solution of a game scenario (attribution_game: a_i, x_i*, p_i^s, "
      "r_i^s; timing_game: T*, V(T*), V(0))");
  auto args = std::make_shared<ScenarioArgs>();
  add_scenario_args(*cmd, *args);
  cmd->callback([&action, args] {
    action = [args] {
      const auto& [file, overrides] = *args;
      const std::string model = models::model_of(file);
      if (model == "attribution_game") return print_attribution(file, overrides);
      if (model == "timing_game") return print_timing(file, overrides);
      throw UsageError(file + " is a " + model +
                       " scenario; equilibrium takes model = \"attribution_game\" or "
                       "\"timing_game\"");
    };
  });
}

}  // namespace cyberdeter::app
