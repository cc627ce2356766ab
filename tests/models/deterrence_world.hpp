#pragma once
// A small deterrence world shared by the model's tests: two victims (one allied), one
// sponsor state, a state-sponsored group and a criminal; and a sink that keeps every row.

#include <vector>

#include "cyberdeter/models/deterrence/model.hpp"

namespace cyberdeter::models::deterrence::testing {

// Collects what a run streams out.
struct Collect : RunSink {
  std::vector<PeriodRow> periods;
  std::vector<IncidentRow> incidents;
  std::vector<ChoiceRow> choices;
  void period(const PeriodRow& r) override { periods.push_back(r); }
  void incident(const IncidentRow& r) override { incidents.push_back(r); }
  void choice(const ChoiceRow& r) override { choices.push_back(r); }
};

// Two victims (one allied), one sponsor state, a state-sponsored group and a criminal.
inline Scenario world() {
  Scenario sc;
  sc.run.seed = 11;
  sc.run.horizon_days = 2000;
  sc.run.reporting_days = 100;
  sc.sectors.push_back({"general", 1.0});
  State victim;
  victim.name = "Victim";
  victim.economy = 0.05;
  victim.defense = 0.3;
  victim.detection_rate = 0.02;
  victim.detection_window_days = 200;
  victim.attribution_days = 60;
  victim.attribution_accuracy = 0.8;
  victim.resolve = 0.1;
  victim.hardening = 0.0;
  victim.workforce = 1000;  // = workforce_reference: factor 1
  victim.doctrine.attribute = {true, 0.1};
  victim.doctrine.coordinate = {true, 0.3};
  victim.doctrine.sanction = {false, 0.5};
  State ally = victim;
  ally.name = "Ally";
  ally.economy = 0.2;
  State sponsor = victim;
  sponsor.name = "Sponsor";
  sponsor.targetable = false;
  sc.states = {victim, ally, sponsor};
  sc.alignment = Eigen::MatrixXd::Zero(3, 3);
  sc.alignment(0, 1) = 0.9;
  sc.alignment(1, 0) = 0.9;
  sc.dependence = Eigen::MatrixXd::Zero(3, 3);

  Attacker apt;
  apt.name = "APT";
  apt.kind = AttackerKind::state_sponsored;
  apt.sponsor = 2;
  apt.capability = 0.7;
  apt.opportunity_rate = 0.1;
  apt.gain = 5.0;
  apt.gain_by_target = {5.0, 5.0, 5.0};
  apt.sector_weights = {1.0};
  apt.operation_cost = 0.5;
  apt.reputation_cost = 1.0;
  apt.sanction_cost = 0.5;
  apt.rationality = 2.0;
  apt.targets = {0, 1};
  Attacker crook = apt;
  crook.name = "Crook";
  crook.kind = AttackerKind::criminal;
  crook.sponsor.reset();
  crook.opportunity_rate = 0.2;
  sc.attackers = {apt, crook};
  return sc;
}

}  // namespace cyberdeter::models::deterrence::testing
