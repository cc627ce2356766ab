// The HDF5 layout of an attribution-game run (docs/games.md lists it).

#include "cyberdeter/models/games/attribution_model.hpp"

namespace cyberdeter::models::games {

sim::h5::TableSchema<AttributionRunRow> attribution_runs_schema() {
  using R = AttributionRunRow;
  sim::h5::TableSchema<R> s(
      "Attribution game: one row per replication, totals over the rounds after burn-in");
  s.add("point", &R::point, "1", "Design point (sweeps); 0 for `run`")
      .add("replication", &R::replication, "1", "Replication index, from 0")
      .add("seed", &R::seed, "1", "Run seed derived from (master seed, replication[, point])")
      .add("rounds", &R::rounds, "round", "Rounds counted (after burn_in_rounds)")
      .add("opportunities", &R::opportunities, "count",
           "Rounds in which an attacker had an opportunity")
      .add("attacks", &R::attacks, "count", "Opportunities taken")
      .add("retaliations", &R::retaliations, "count", "Retaliations against any attacker")
      .add("retaliations_innocent", &R::retaliations_innocent, "count",
           "Retaliations against an attacker that did not attack in that round")
      .add("rounds_without_attack_retaliated", &R::rounds_without_attack_retaliated, "count",
           "Rounds in which nobody attacked and the defender retaliated against someone")
      .add("events", &R::events, "count", "Events processed by the engine")
      .add("fingerprint", &R::fingerprint, "1",
           "FNV-1a hash of the event trajectory: every round's opportunity, choice, signal and "
           "retaliations");
  return s;
}

sim::h5::TableSchema<AttributionAttackerRow> attribution_attackers_schema() {
  using R = AttributionAttackerRow;
  sim::h5::TableSchema<R> s(
      "Attribution game: one row per (replication, attacker), over the rounds after burn-in");
  s.add("point", &R::point, "1", "Design point (sweeps); 0 for `run`")
      .add("replication", &R::replication, "1", "Replication index, from 0")
      .add("attacker", &R::attacker, "1", "Attacker index (/scenario/attackers)")
      .add("opportunities", &R::opportunities, "count", "Opportunities the attacker had")
      .add("attacks", &R::attacks, "count", "Opportunities it took")
      .add("attack_frequency", &R::attack_frequency, "1",
           "attacks / opportunities (NaN without opportunities)")
      .add("attack_theory", &R::attack_theory, "1", "a_i of the closed-form equilibrium")
      .add("retaliations", &R::retaliations, "count", "Retaliations against the attacker")
      .add("retaliations_guilty", &R::retaliations_guilty, "count",
           "Retaliations in rounds in which it attacked")
      .add("retaliations_innocent", &R::retaliations_innocent, "count",
           "Retaliations in rounds in which it did not attack")
      .add("retaliated_after_hold", &R::retaliated_after_hold, "count",
           "Opportunities it let pass and was retaliated against in the same round")
      .add("benefit", &R::benefit, "payoff", "Sum of the private benefits of its attacks")
      .add("retaliation_cost", &R::retaliation_cost, "payoff", "w_i times retaliations")
      .add("cutoff", &R::cutoff, "payoff",
           "Cutoff in use at the end (x_i* for fixed strategies, w_i times the learned "
           "difference in retaliation probability otherwise)")
      .add("cutoff_theory", &R::cutoff_theory, "payoff", "x_i* of the closed-form equilibrium");
  return s;
}

sim::h5::TableSchema<AttributionSignalRow> attribution_signals_schema() {
  using R = AttributionSignalRow;
  sim::h5::TableSchema<R> s(
      "Attribution game: one row per (replication, attacker, signal), after burn-in");
  s.add("point", &R::point, "1", "Design point (sweeps); 0 for `run`")
      .add("replication", &R::replication, "1", "Replication index, from 0")
      .add("attacker", &R::attacker, "1", "Attacker index (/scenario/attackers)")
      .add("signal", &R::signal, "1", "Signal index (/scenario/signals)")
      .add("rounds", &R::rounds, "count", "Rounds in which the defender saw this signal")
      .add("guilty", &R::guilty, "count", "Of those, rounds in which the attacker attacked")
      .add("retaliations", &R::retaliations, "count",
           "Of those, rounds in which the defender retaliated against the attacker")
      .add("p_guilty", &R::p_guilty, "1", "Empirical P(guilty | s) = guilty / rounds")
      .add("retaliation_frequency", &R::retaliation_frequency, "1", "retaliations / rounds")
      .add("p_guilty_theory", &R::p_guilty_theory, "1", "p_i^s of the closed-form equilibrium")
      .add("retaliation_theory", &R::retaliation_theory, "1",
           "r_i^s of the closed-form equilibrium");
  return s;
}

sim::h5::TableSchema<AttributionTrajectoryRow> attribution_trajectory_schema() {
  using R = AttributionTrajectoryRow;
  sim::h5::TableSchema<R> s(
      "Attribution game: one row per (replication, block of rounds, attacker), every round");
  s.add("point", &R::point, "1", "Design point (sweeps); 0 for `run`")
      .add("replication", &R::replication, "1", "Replication index, from 0")
      .add("block", &R::block, "1", "Block index, from 0 (run.trajectory_rounds rounds each)")
      .add("first_round", &R::first_round, "round", "First round of the block, from 0")
      .add("last_round", &R::last_round, "round", "Last round of the block")
      .add("attacker", &R::attacker, "1", "Attacker index (/scenario/attackers)")
      .add("opportunities", &R::opportunities, "count", "Opportunities in the block")
      .add("attacks", &R::attacks, "count", "Attacks in the block")
      .add("attack_frequency", &R::attack_frequency, "1",
           "attacks / opportunities in the block (NaN without opportunities)")
      .add("cutoff", &R::cutoff, "payoff", "The attacker's cutoff at the end of the block")
      .add("belief_retaliated_if_attack", &R::belief_retaliated_if_attack, "1",
           "The attacker's estimate of P(retaliated | attacked) at the end of the block")
      .add("belief_retaliated_if_hold", &R::belief_retaliated_if_hold, "1",
           "The attacker's estimate of P(retaliated | held back) at the end of the block")
      .add("defender_estimate", &R::defender_estimate, "1",
           "The defender's estimate of the attacker's attack probability a_i");
  return s;
}

namespace {

struct EquilibriumAttackerRow {
  std::uint32_t attacker = 0;
  double attack = 0.0;
  double cutoff = 0.0;
};

struct EquilibriumSignalRow {
  std::uint32_t attacker = 0;
  std::uint32_t signal = 0;
  double pi_attacker = 0.0;
  double pi_nobody = 0.0;
  double signal_probability = 0.0;
  double posterior = 0.0;
  double retaliation = 0.0;
};

}  // namespace

void write_attribution_scenario_group(sim::h5::File& file, const AttributionScenario& sc) {
  file.create_group("/scenario");
  file.write_text("/scenario/text", sc.text, "The scenario file as read, before overrides");
  file.write_text("/scenario/resolved", sc.resolved_toml(),
                  "Every parameter after defaults and overrides, as TOML");
  std::vector<std::string> names;
  for (const auto& a : sc.game.attackers) names.push_back(a.name);
  file.write_dataset("/scenario/attackers", names, "Attacker names; index = attacker column");
  file.write_dataset("/scenario/signals", sc.game.signal_names,
                     "Signal names; index = signal column");
  file.set_attribute("/scenario", "model", "attribution_game");
  file.set_attribute("/scenario", "name", sc.name);
  file.set_attribute("/scenario", "source_path", sc.path);
  file.set_attribute("/scenario", "master_seed", sc.seed);
  file.set_attribute("/scenario", "replications", sc.replications);
  file.set_attribute("/scenario", "rounds", sc.rounds);
  file.set_attribute("/scenario", "burn_in_rounds", sc.burn_in_rounds);
  file.set_attribute("/scenario", "mode", sc.mode == AttributionMode::fixed ? "fixed" : "learning");
}

void write_attribution_scenario(sim::h5::File& file, const AttributionScenario& sc,
                                const AttributionEquilibrium& eq) {
  write_attribution_scenario_group(file, sc);

  const std::size_t signals = sc.game.signal_count();
  sim::h5::TableSchema<EquilibriumAttackerRow> as(
      "The closed-form equilibrium of the attribution game: one row per attacker");
  as.add("attacker", &EquilibriumAttackerRow::attacker, "1", "Attacker index")
      .add("attack", &EquilibriumAttackerRow::attack, "1", "a_i: P(attack | opportunity)")
      .add("cutoff", &EquilibriumAttackerRow::cutoff, "payoff", "x_i*: attack iff benefit > x_i*");
  auto at = file.create_table("/equilibrium/attackers", as);
  sim::h5::TableSchema<EquilibriumSignalRow> ss(
      "The closed-form equilibrium of the attribution game: one row per (attacker, signal)");
  using S = EquilibriumSignalRow;
  ss.add("attacker", &S::attacker, "1", "Attacker index")
      .add("signal", &S::signal, "1", "Signal index")
      .add("pi_attacker", &S::pi_attacker, "1", "π_i^s: P(s | the attacker attacked)")
      .add("pi_nobody", &S::pi_nobody, "1", "π_0^s: P(s | nobody attacked)")
      .add("signal_probability", &S::signal_probability, "1", "q_s: P(s) in equilibrium")
      .add("posterior", &S::posterior, "1", "p_i^s: P(the attacker attacked | s)")
      .add("retaliation", &S::retaliation, "1", "r_i^s: P(retaliation against it | s)");
  auto st = file.create_table("/equilibrium/signals", ss);
  for (std::uint32_t i = 0; i < sc.game.attacker_count(); ++i) {
    at.append(EquilibriumAttackerRow{i, eq.attack[i], eq.cutoff[i]});
    for (std::uint32_t s = 0; s < signals; ++s) {
      st.append(S{i, s, sc.game.attackers[i].signal[s], sc.game.nobody[s], eq.signal[s],
                  eq.posterior[i * signals + s], eq.retaliation[i * signals + s]});
    }
  }
  at.flush();
  st.flush();
  file.set_attribute("/equilibrium", "solver", eq.method);
  file.set_attribute("/equilibrium", "residual", eq.residual);
  file.set_attribute("/equilibrium", "iterations", eq.iterations);
}

}  // namespace cyberdeter::models::games
