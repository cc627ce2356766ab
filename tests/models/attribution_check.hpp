#pragma once
// The attribution game under fixed strategies against its closed form (docs/validation.md
// §1.2): shared by the tests of the game and of its distributions.

#include <cmath>
#include <vector>

#include <catch2/catch.hpp>

#include "cyberdeter/models/games/attribution.hpp"
#include "cyberdeter/models/games/attribution_model.hpp"
#include "games_test_support.hpp"

namespace games_test {

/// Pools a scenario's replications and checks every frequency against the closed form.
inline void check_fixed_strategies(const cyberdeter::models::games::AttributionScenario& sc) {
  const auto eq = solve_equilibrium(sc.game);
  const std::size_t n = sc.game.attacker_count();
  const std::size_t signals = sc.game.signal_count();
  std::vector<double> opportunities(n), attacks(n), held(n), hit_attack(n), hit_hold(n);
  std::vector<double> rounds(n * signals), guilty(n * signals), hit(n * signals);
  for (std::uint64_t r = 0; r < sc.replications; ++r) {
    const auto result = run_attribution(sc, eq, r);
    for (const auto& a : result.attackers) {
      opportunities[a.attacker] += static_cast<double>(a.opportunities);
      attacks[a.attacker] += static_cast<double>(a.attacks);
      held[a.attacker] += static_cast<double>(a.opportunities - a.attacks);
      hit_attack[a.attacker] += static_cast<double>(a.retaliations_guilty);
      hit_hold[a.attacker] += static_cast<double>(a.retaliated_after_hold);
    }
    for (const auto& s : result.signals) {
      const std::size_t k = s.attacker * signals + s.signal;
      rounds[k] += static_cast<double>(s.rounds);
      guilty[k] += static_cast<double>(s.guilty);
      hit[k] += static_cast<double>(s.retaliations);
    }
  }
  for (std::size_t i = 0; i < n; ++i) {
    INFO(sc.name << ", attacker " << i);
    const double a = eq.attack[i];
    CHECK(attacks[i] / opportunities[i] == Approx(a).margin(frequency_band(a, opportunities[i])));
    // The attacker's risk from attacking: P(hit | attack) − P(hit | hold) = x*/w.
    double if_attack = 0.0;
    double if_hold = 0.0;
    for (std::size_t s = 0; s < signals; ++s) {
      if_attack += sc.game.attackers[i].signal[s] * eq.retaliation[i * signals + s];
      if_hold += sc.game.nobody[s] * eq.retaliation[i * signals + s];
    }
    CHECK(if_attack - if_hold ==
          Approx(eq.cutoff[i] / sc.game.attackers[i].retaliation_cost).margin(1e-12));
    const double band = games_test::sigmas * std::sqrt(if_attack * (1 - if_attack) / attacks[i] +
                                                       if_hold * (1 - if_hold) / held[i]);
    CHECK(hit_attack[i] / attacks[i] - hit_hold[i] / held[i] ==
          Approx(if_attack - if_hold).margin(band));
    for (std::size_t s = 0; s < signals; ++s) {
      const std::size_t k = i * signals + s;
      INFO("signal " << sc.game.signal_names[s] << " seen " << rounds[k] << " times");
      CHECK(guilty[k] / rounds[k] ==
            Approx(eq.posterior[k]).margin(frequency_band(eq.posterior[k], rounds[k])));
      CHECK(hit[k] / rounds[k] ==
            Approx(eq.retaliation[k]).margin(frequency_band(eq.retaliation[k], rounds[k])));
    }
  }
}

}  // namespace games_test
