#include "cyberdeter/models/reference/anu.hpp"

namespace cyberdeter::models::anu {

sim::h5::TableSchema<AnuRun> anu_runs_schema() {
  sim::h5::TableSchema<AnuRun> s("One row per replication of the ANU deterrence model");
  s.add("point", &AnuRun::point, "1", "Design point (sweeps); 0 for `run`")
      .add("replication", &AnuRun::replication, "1", "Replication index, from 0")
      .add("seed", &AnuRun::seed, "1", "Run seed derived from (master seed, replication[, point])")
      .add("rationality", &AnuRun::rationality, "1",
           "Probability that an attacker picks the intensity of best expected value")
      .add("attribution", &AnuRun::attribution, "1",
           "Probability that a retaliation hits the attacker")
      .add("max_deterrence", &AnuRun::max_deterrence, "1",
           "The original's Max Deterrence: the largest, over intensities, of the mean over "
           "states of the retaliation probability after the last turn")
      .add("max_deterrence_intensity", &AnuRun::max_deterrence_intensity, "1",
           "The intensity (1-based) whose mean retaliation probability is max_deterrence")
      .add("mean_deterrence", &AnuRun::mean_deterrence, "1",
           "Mean over intensities of the mean retaliation probability after the last turn")
      .add("attacks", &AnuRun::attacks, "count", "Attacks (states x rounds per turn x turns)")
      .add("rational_choices", &AnuRun::rational_choices, "count",
           "Attacks whose intensity was the best reply to the target's record this turn")
      .add("retaliations", &AnuRun::retaliations, "count", "Attacks answered with retaliation")
      .add("successful_retaliations", &AnuRun::successful_retaliations, "count",
           "Retaliations that hit the attacker (attributed)")
      .add("mean_intensity", &AnuRun::mean_intensity, "1", "Mean intensity of all attacks")
      .add("mean_intensity_last_turn", &AnuRun::mean_intensity_last_turn, "1",
           "Mean intensity of the attacks of the last turn")
      .add("events", &AnuRun::events, "count", "Engine events (one per round and per turn)")
      .add("fingerprint", &AnuRun::fingerprint, "1",
           "FNV-1a hash of the event trajectory, each event carrying a digest of every attack's "
           "target, intensity and outcome before it");
  return s;
}

sim::h5::TableSchema<AnuIntensityRow> anu_intensities_schema() {
  sim::h5::TableSchema<AnuIntensityRow> s(
      "One row per (replication, intensity): the retaliation probabilities after the last turn");
  s.add("point", &AnuIntensityRow::point, "1", "Design point (sweeps); 0 for `run`")
      .add("replication", &AnuIntensityRow::replication, "1", "Replication index")
      .add("intensity", &AnuIntensityRow::intensity, "1", "Attack intensity, from 1")
      .add("retaliation_mean", &AnuIntensityRow::retaliation_mean, "1",
           "Mean over states of the probability of retaliating against this intensity")
      .add("retaliation_sd", &AnuIntensityRow::retaliation_sd, "1",
           "Its standard deviation over states")
      .add("attacks", &AnuIntensityRow::attacks, "count", "Attacks at this intensity, whole run")
      .add("attacks_last_turn", &AnuIntensityRow::attacks_last_turn, "count",
           "Attacks at this intensity in the last turn")
      .add("retaliations", &AnuIntensityRow::retaliations, "count",
           "Retaliations against attacks at this intensity, whole run");
  return s;
}

sim::h5::TableSchema<AnuTrajectoryRow> anu_trajectory_schema() {
  sim::h5::TableSchema<AnuTrajectoryRow> s(
      "Every trajectory_turns turns and after the last: each intensity's mean retaliation "
      "probability (what the original plots)");
  s.add("point", &AnuTrajectoryRow::point, "1", "Design point (sweeps); 0 for `run`")
      .add("replication", &AnuTrajectoryRow::replication, "1", "Replication index")
      .add("turn", &AnuTrajectoryRow::turn, "turn", "Turns completed")
      .add("intensity", &AnuTrajectoryRow::intensity, "1", "Attack intensity, from 1")
      .add("retaliation_mean", &AnuTrajectoryRow::retaliation_mean, "1",
           "Mean over states of the probability of retaliating against this intensity")
      .add("attacks", &AnuTrajectoryRow::attacks, "count",
           "Attacks at this intensity during that turn");
  return s;
}

void write_anu_scenario(sim::h5::File& file, const AnuScenario& scenario) {
  file.create_group("/scenario");
  file.write_text("/scenario/text", scenario.text, "The scenario file as read, before overrides");
  file.write_text("/scenario/resolved", scenario.resolved_toml(),
                  "Every parameter after defaults and overrides, as TOML");
  file.set_attribute("/scenario", "model", "anu_deterrence");
  file.set_attribute("/scenario", "name", scenario.name);
  file.set_attribute("/scenario", "source_path", scenario.path);
  file.set_attribute("/scenario", "master_seed", scenario.seed);
  file.set_attribute("/scenario", "replications", scenario.replications);
}

}  // namespace cyberdeter::models::anu
