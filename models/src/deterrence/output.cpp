#include "cyberdeter/models/deterrence/output.hpp"

#include <optional>
#include <string>

#include "cyberdeter/models/deterrence/scenario_loader.hpp"
#include "cyberdeter/sim/background.hpp"

namespace cyberdeter::models::deterrence {
namespace {

using sim::h5::TableSchema;

constexpr std::array<const char*, rung_count> rung_names{"none", "attribute", "coordinate",
                                                         "sanction"};
constexpr std::array<const char*, attacker_kind_count> kind_names{"state_sponsored", "criminal",
                                                                  "hacktivist"};

// The columns of Counts, prefixed, for any row that holds one.
template <class Row, class Get>
void add_counts(TableSchema<Row>& s, const std::string& prefix, Get get) {
  auto col = [&](const char* name, auto member, const char* unit, const std::string& what) {
    s.add_field(
        prefix + name, [ get, member ](const Row& r) -> const auto& { return get(r).*member; },
        unit, what);
  };
  col("opportunities", &Counts::opportunities, "count", "Attack opportunities considered");
  col("launched", &Counts::launched, "count", "Operations launched");
  col("succeeded", &Counts::succeeded, "count", "Operations that succeeded");
  col("damage", &Counts::damage, "VU", "Damage of successful operations");
  col("detected", &Counts::detected, "count", "Incidents detected within the window");
  col("attributed", &Counts::attributed, "count", "Attribution judgements that named an actor");
  col("attributed_correct", &Counts::attributed_correct, "count", "Judgements naming the culprit");
  col("attributed_wrong", &Counts::attributed_wrong, "count", "Judgements naming another actor");
  for (std::size_t k = 0; k < rung_count; ++k) {
    s.add_field(
        prefix + "responses_" + rung_names[k],
        [ get, k ](const Row& r) -> const auto& { return get(r).responses[k]; }, "count",
        std::string("Judgements whose final response was '") + rung_names[k] + "'");
  }
  col("sanctions_imposed", &Counts::sanctions_imposed, "count", "Sanctions imposed");
  col("innocent_punished", &Counts::innocent_punished, "count",
      "Public responses that named an actor other than the culprit");
  col("scheduled_acts", &Counts::scheduled_acts, "count",
      "Scheduled events carried out (docs/model.md §10.3), by the acting state");
}

template <class Row, class E, std::size_t N>
void add_by_kind(TableSchema<Row>& s, const std::string& stem, std::array<E, N> Row::*member,
                 const char* unit, const std::string& what) {
  for (std::size_t k = 0; k < N; ++k) {
    s.add_field(
        stem + "_" + kind_names[k],
        [ member, k ](const Row& r) -> const auto& { return (r.*member)[k]; }, unit,
        what + " by " + kind_names[k] + " attackers");
  }
}

}  // namespace

TableSchema<RunRow> runs_schema() {
  TableSchema<RunRow> s("One row per replication: every summary metric of docs/model.md §13");
  s.add("point", &RunRow::point, "1", "Design point of a sweep (index into /design); 0 for run")
      .add("replication", &RunRow::replication, "1", "Replication index, from 0")
      .add("seed", &RunRow::seed, "1", "Run seed derived from (master seed, replication)")
      .add("events", &RunRow::events, "count", "Events processed")
      .add("end_day", &RunRow::end_day, "day", "Simulated time when the run stopped");
  add_counts(s, "", [](const RunRow& r) -> const Counts& { return r.total; });
  add_by_kind(s, "launched", &RunRow::launched_by_kind, "count", "Operations launched");
  add_by_kind(s, "succeeded", &RunRow::succeeded_by_kind, "count", "Operations that succeeded");
  add_by_kind(s, "damage", &RunRow::damage_by_kind, "VU", "Damage");
  s.add("detection_delay_days_sum", &RunRow::detection_delay_days_sum, "day",
        "Sum over detected incidents of landing → detection (divide by detected)")
      .add("attribution_delay_days_sum", &RunRow::attribution_delay_days_sum, "day",
           "Sum over judgements of detection → judgement (divide by attributed)")
      .add("response_delay_days_sum", &RunRow::response_delay_days_sum, "day",
           "Sum over public responses of landing → response (divide by public_responses)")
      .add("public_responses", &RunRow::public_responses, "count",
           "Public responses (attribute, coordinate, sanction)")
      .add("coalitions_invited", &RunRow::coalitions_invited, "count",
           "Decisions to coordinate or sanction (allies invited)")
      .add("coalition_signers_sum", &RunRow::coalition_signers_sum, "count",
           "Signers over coalition responses (divide by coalitions_invited)")
      .add("coalitions_failed", &RunRow::coalitions_failed, "count",
           "Invitations that no ally joined")
      .add("reputation_cost", &RunRow::reputation_cost, "VU", "Cost imposed by statements")
      .add("sanction_cost", &RunRow::sanction_cost, "VU", "Cost imposed by sanctions")
      .add("program_cost", &RunRow::program_cost, "VU", "Spent by states on their programs")
      .add("fingerprint", &RunRow::fingerprint, "1", "Hash of the event trajectory");
  return s;
}

TableSchema<PeriodRow> timeseries_schema() {
  TableSchema<PeriodRow> s("Counts per reporting period and replication");
  s.add("point", &PeriodRow::point, "1", "Design point of a sweep (0 for a single scenario)")
      .add("replication", &PeriodRow::replication, "1", "Replication index")
      .add("period", &PeriodRow::period, "1", "Reporting period, from 0")
      .add("start_day", &PeriodRow::start_day, "day", "Start of the period")
      .add("end_day", &PeriodRow::end_day, "day", "End of the period (inclusive)");
  add_counts(s, "", [](const PeriodRow& r) -> const Counts& { return r.counts; });
  add_by_kind(s, "launched", &PeriodRow::launched_by_kind, "count", "Operations launched");
  s.add("sanctions_active", &PeriodRow::sanctions_active, "count",
        "Sanctions in force at the end of the period")
      .add("mean_defense", &PeriodRow::mean_defense, "1", "Mean defense over states at the end")
      .add("mean_p_attributed", &PeriodRow::mean_p_attributed, "1",
           "Attackers' mean belief of being attributed, over their targets, at the end");
  return s;
}

TableSchema<StateRow> states_schema() {
  TableSchema<StateRow> s("One row per state and replication: counts as victim");
  s.add("point", &StateRow::point, "1", "Design point of a sweep (index into /design); 0 for run")
      .add("replication", &StateRow::replication, "1", "Replication index")
      .add("state", &StateRow::state, "1", "State index into /scenario/states");
  add_counts(s, "", [](const StateRow& r) -> const Counts& { return r.counts; });
  s.add("final_defense", &StateRow::final_defense, "1", "Defense D at the end")
      .add("final_detection_rate", &StateRow::final_detection_rate, "1/day",
           "Effective detection rate at the end")
      .add("final_workforce", &StateRow::final_workforce, "persons", "Workforce at the end")
      .add("final_resilience", &StateRow::final_resilience, "1",
           "Resilience r at the end: share of damage avoided")
      .add("recovery_days", &StateRow::recovery_days, "day",
           "Recovery time of its successful incidents, summed (divide by succeeded)")
      .add("program_cost", &StateRow::program_cost, "VU", "Spent on the programs it owns");
  return s;
}

TableSchema<AttackerRow> attackers_schema() {
  TableSchema<AttackerRow> s("One row per attacker and replication");
  s.add("point", &AttackerRow::point, "1",
        "Design point of a sweep (index into /design); 0 for run")
      .add("replication", &AttackerRow::replication, "1", "Replication index")
      .add("attacker", &AttackerRow::attacker, "1", "Attacker index into /scenario/attackers")
      .add("opportunities", &AttackerRow::opportunities, "count", "Opportunities considered")
      .add("launched", &AttackerRow::launched, "count", "Operations launched")
      .add("succeeded", &AttackerRow::succeeded, "count", "Operations that succeeded")
      .add("gain", &AttackerRow::gain, "VU", "Value obtained")
      .add("named", &AttackerRow::named, "count", "Times publicly named")
      .add("named_wrongly", &AttackerRow::named_wrongly, "count",
           "Times named for another's operation")
      .add("reputation_cost", &AttackerRow::reputation_cost, "VU", "Cost of statements borne")
      .add("sanction_cost", &AttackerRow::sanction_cost, "VU", "Cost of sanctions borne")
      .add("stock", &AttackerRow::stock, "count", "Scarce capabilities left at the end")
      .add("p_attributed", &AttackerRow::p_attributed, "1",
           "Final belief of being attributed, mean over targets");
  for (std::size_t k = 0; k < rung_count; ++k) {
    s.add_field(
        std::string("p_") + rung_names[k],
        [k](const AttackerRow& r) -> const auto& { return r.p_rung[k]; }, "1",
        std::string("Final belief that an attribution leads to '") + rung_names[k] +
            "', mean over targets");
  }
  s.add("decisions", &AttackerRow::decisions, "count",
        "Opportunities it decided on (with a capability to attack with)")
      .add("held", &AttackerRow::held, "count",
           "Decisions to attack held back to save a scarce capability")
      .add("margin_mean", &AttackerRow::margin_mean, "VU",
           "Attack margin: mean over decisions of the best target's EU (0 if none)")
      .add("p_none_mean", &AttackerRow::p_none_mean, "1",
           "Mean probability of holding (no operation) at its decisions")
      .add("decisions_final", &AttackerRow::decisions_final, "count",
           "Decisions in the horizon's last 365.25 days")
      .add("margin_final", &AttackerRow::margin_final, "VU",
           "Attack margin over the last year's decisions (0 if none)")
      .add("disclosed", &AttackerRow::disclosed, "count",
           "Times its capabilities were disclosed by a scheduled event");
  return s;
}

TableSchema<BeliefRow> beliefs_schema() {
  TableSchema<BeliefRow> s("Final beliefs of each attacker about each of its targets");
  s.add("point", &BeliefRow::point, "1", "Design point of a sweep (index into /design); 0 for run")
      .add("replication", &BeliefRow::replication, "1", "Replication index")
      .add("attacker", &BeliefRow::attacker, "1", "Attacker index")
      .add("state", &BeliefRow::state, "1", "Target state index")
      .add("p_attributed", &BeliefRow::p_attributed, "1", "P̂_attr: posterior mean of being named");
  for (std::size_t k = 0; k < rung_count; ++k) {
    s.add_field(
        std::string("p_") + rung_names[k],
        [k](const BeliefRow& r) -> const auto& { return r.p_rung[k]; }, "1",
        std::string("P̂(") + rung_names[k] + " | attribution)");
  }
  s.add("coalition_size", &BeliefRow::coalition_size, "states", "k̂: expected signers")
      .add("delay_days", &BeliefRow::delay_days, "day", "τ̂: expected attack → consequence delay")
      .add("sanction_weight", &BeliefRow::sanction_weight, "1", "Ŵ: expected imposers' weight")
      .add("sanction_days", &BeliefRow::sanction_days, "day", "T̂: expected sanction duration");
  return s;
}

TableSchema<IncidentRow> incidents_schema() {
  TableSchema<IncidentRow> s("Every incident's whole record (--incidents)");
  s.add("point", &IncidentRow::point, "1", "Design point of a sweep (0 for a single scenario)")
      .add("replication", &IncidentRow::replication, "1", "Replication index")
      .add("incident", &IncidentRow::incident, "1", "Incident number within the replication")
      .add("attacker", &IncidentRow::attacker, "1", "True attacker (index)")
      .add("victim", &IncidentRow::victim, "1", "Victim state (index)")
      .add("sector", &IncidentRow::sector, "1", "Sector (index into /scenario/sectors)")
      .add("attacker_kind", &IncidentRow::attacker_kind, "1",
           "0 state_sponsored, 1 criminal, 2 hacktivist")
      .add("decided_day", &IncidentRow::decided_day, "day", "When the attacker decided")
      .add("landed_day", &IncidentRow::landed_day, "day", "When the operation landed")
      .add("success", &IncidentRow::success, "1", "The operation succeeded")
      .add("severity", &IncidentRow::severity, "VU", "What the operation achieved (0 on failure)")
      .add("resilience", &IncidentRow::resilience, "1", "The victim's resilience r at landing")
      .add("damage", &IncidentRow::damage, "VU", "Damage to the victim: severity × (1 − r)")
      .add("gain", &IncidentRow::gain, "VU",
           "What the attacker got: severity × (1 − disruption × r)")
      .add("recovery_days", &IncidentRow::recovery_days, "day",
           "The victim's recovery time (0 on failure)")
      .add("mega_event", &IncidentRow::mega_event, "1", "Landed during a mega-event of the victim")
      .add("detected", &IncidentRow::detected, "1", "Detected within the window")
      .add("detected_day", &IncidentRow::detected_day, "day", "When detected (-1 if not)")
      .add("attributed", &IncidentRow::attributed, "1", "A judgement named an actor")
      .add("attributed_day", &IncidentRow::attributed_day, "day", "When judged (-1 if not)")
      .add("named", &IncidentRow::named, "1", "Attacker named (-1 if none)")
      .add("correct", &IncidentRow::correct, "1", "The named actor is the culprit")
      .add("false_flag", &IncidentRow::false_flag, "1", "A wrong name came from a false flag")
      .add("confidence", &IncidentRow::confidence, "1", "Confidence c of the judgement")
      .add("case_strength", &IncidentRow::case_strength, "1", "z = c·v − ψ·R (+ noise)")
      .add("rung_decided", &IncidentRow::rung_decided, "1",
           "Doctrine's rung: 0 none, 1 attribute, 2 coordinate, 3 sanction")
      .add("rung_final", &IncidentRow::rung_final, "1", "Rung carried out (after the coalition)")
      .add("invited", &IncidentRow::invited, "count", "Allies invited")
      .add("signers", &IncidentRow::signers, "count", "States signing (1 = unilateral)")
      .add("response_day", &IncidentRow::response_day, "day", "Public response (-1 if none)")
      .add("reputation_cost", &IncidentRow::reputation_cost, "VU",
           "ρ·k_eff^β·(1 + γ·e) borne by the named")
      .add("sanction_weight", &IncidentRow::sanction_weight, "1", "Imposers' economic weight W")
      .add("sanction_days", &IncidentRow::sanction_days, "day", "Duration of the sanctions")
      .add("sanction_cost", &IncidentRow::sanction_cost, "VU", "σ·W·duration borne by the named")
      .add("learned_day", &IncidentRow::learned_day, "day",
           "When the culprit counted the outcome (-1 if not yet)")
      .add("learned_named", &IncidentRow::learned_named, "1",
           "The culprit counted the operation as named publicly")
      .add("separate", &IncidentRow::separate, "count",
           "States that named the actor in separate statements of their own wording")
      .add("evidence", &IncidentRow::evidence, "1",
           "Share of the technical evidence the public statement released")
      .add("statement", &IncidentRow::statement, "1",
           "Joint statement outcome: 0 no coalition, 1 joint, 2 split, 3 alone, 4 blocked");
  return s;
}

TableSchema<ChoiceRow> choices_schema() {
  TableSchema<ChoiceRow> s("Each target evaluated at each attacker decision, with its EU terms");
  s.add("replication", &ChoiceRow::replication, "1", "Replication index")
      .add("decision", &ChoiceRow::decision, "1", "Decision number within the replication")
      .add("day", &ChoiceRow::day, "day", "When the attacker decided")
      .add("attacker", &ChoiceRow::attacker, "1", "Attacker index")
      .add("target", &ChoiceRow::target, "1", "Target state index")
      .add("p_success", &ChoiceRow::p_success, "1", "κ(1 − D)")
      .add("gain", &ChoiceRow::gain, "VU", "Expected gain of a success")
      .add("cost", &ChoiceRow::cost, "VU", "Operation cost")
      .add("p_attributed", &ChoiceRow::p_attributed, "1", "P̂_attr")
      .add("expected_cost_if_attributed", &ChoiceRow::expected_cost_if_attributed, "VU",
           "Σ_k P̂(k) Cost_k")
      .add("discount", &ChoiceRow::discount, "1", "exp(−r τ̂)")
      .add("consequence", &ChoiceRow::consequence, "VU", "Expected discounted consequence")
      .add("utility", &ChoiceRow::utility, "VU", "EU = p_success·gain − cost − consequence")
      .add("probability", &ChoiceRow::probability, "1", "Probability of choosing this target")
      .add("chosen", &ChoiceRow::chosen, "1", "This target was chosen")
      .add("held", &ChoiceRow::held, "1", "Chosen but held to save a scarce capability");
  return s;
}

void write_scenario(sim::h5::File& file, const Scenario& sc) {
  file.create_group("/scenario");
  file.write_text("/scenario/text", sc.text, "The scenario file as read, before overrides");
  file.write_text("/scenario/resolved", resolved_toml(sc),
                  "Every parameter after defaults and overrides, as TOML");
  std::vector<std::string> names;
  for (const auto& s : sc.states) names.push_back(s.name);
  file.write_dataset("/scenario/states", names, "State names; index = row of the state columns");
  names.clear();
  for (const auto& a : sc.attackers) names.push_back(a.name);
  file.write_dataset("/scenario/attackers", names, "Attacker names; index = attacker columns");
  names.clear();
  for (const auto& s : sc.sectors) names.push_back(s.name);
  file.write_dataset("/scenario/sectors", names, "Sector names; index = sector column");
  const std::vector<std::string> rungs(rung_names.begin(), rung_names.end());
  file.write_dataset("/scenario/rungs", rungs, "Response rungs; index = rung columns");
  const std::vector<std::string> kinds(kind_names.begin(), kind_names.end());
  file.write_dataset("/scenario/attacker_kinds", kinds, "Attacker kinds; index = attacker_kind");
  file.set_attribute("/scenario", "model", "deterrence");
  file.set_attribute("/scenario", "name", sc.name);
  file.set_attribute("/scenario", "source_path", sc.path);
  file.set_attribute("/scenario", "master_seed", sc.run.seed);
  file.set_attribute("/scenario", "replications", sc.run.replications);
  file.set_attribute("/scenario", "horizon_days", sc.run.horizon_days);
  file.set_attribute("/scenario", "reporting_days", sc.run.reporting_days);
  file.set_attribute("/scenario", "start_date", sc.run.start_date);
  file.set_attribute("/scenario", "value_unit", sc.run.value_unit);
}

// A table and the rows waiting to be handed to the writer thread.
template <class Row>
struct Batched {
  sim::h5::Table<Row> table;
  std::vector<Row> pending;

  explicit Batched(sim::h5::Table<Row> t) : table(std::move(t)) {}
};

struct H5Sink::Tables {
  static constexpr std::size_t batch_rows = 1024;

  Batched<RunRow> runs;
  Batched<PeriodRow> timeseries;
  Batched<StateRow> states;
  Batched<AttackerRow> attackers;
  Batched<BeliefRow> beliefs;
  std::optional<Batched<IncidentRow>> incidents;
  std::optional<Batched<ChoiceRow>> choices;
  sim::BackgroundWorker writer;  // last: stops (running what is queued) before the tables go

  template <class Row>
  void hand_over(Batched<Row>& b) {
    if (b.pending.empty()) return;
    writer.post([&table = b.table, rows = std::move(b.pending)] {
      table.append(std::span<const Row>(rows));
    });
    b.pending = {};
    b.pending.reserve(batch_rows);
  }

  template <class Row>
  void add(Batched<Row>& b, const Row& row) {
    b.pending.push_back(row);
    if (b.pending.size() >= batch_rows) hand_over(b);
  }

  template <class Row>
  void add(Batched<Row>& b, const std::vector<Row>& rows) {
    b.pending.insert(b.pending.end(), rows.begin(), rows.end());
    if (b.pending.size() >= batch_rows) hand_over(b);
  }
};

H5Sink::H5Sink(sim::h5::File& file, const RunOptions& options, const sim::h5::TableOptions& storage)
    : tables_(new Tables{Batched(file.create_table("/runs", runs_schema(), storage)),
                         Batched(file.create_table("/timeseries", timeseries_schema(), storage)),
                         Batched(file.create_table("/states", states_schema(), storage)),
                         Batched(file.create_table("/attackers", attackers_schema(), storage)),
                         Batched(file.create_table("/beliefs", beliefs_schema(), storage)),
                         std::nullopt, std::nullopt, sim::BackgroundWorker{2}}) {
  if (options.incidents) {
    tables_->incidents.emplace(file.create_table("/incidents", incidents_schema(), storage));
  }
  if (options.choices) {
    tables_->choices.emplace(file.create_table("/choices", choices_schema(), storage));
  }
}

H5Sink::~H5Sink() = default;

void H5Sink::period(const PeriodRow& row) { tables_->add(tables_->timeseries, row); }
void H5Sink::incident(const IncidentRow& row) {
  if (tables_->incidents) tables_->add(*tables_->incidents, row);
}
void H5Sink::choice(const ChoiceRow& row) {
  if (tables_->choices) tables_->add(*tables_->choices, row);
}

void H5Sink::finish(const RunResult& result) {
  tables_->add(tables_->runs, result.run);
  tables_->add(tables_->states, result.states);
  tables_->add(tables_->attackers, result.attackers);
  tables_->add(tables_->beliefs, result.beliefs);
}

void H5Sink::close() {
  Tables& t = *tables_;
  t.hand_over(t.runs);
  t.hand_over(t.timeseries);
  t.hand_over(t.states);
  t.hand_over(t.attackers);
  t.hand_over(t.beliefs);
  if (t.incidents) t.hand_over(*t.incidents);
  if (t.choices) t.hand_over(*t.choices);
  t.writer.post([&t] {
    t.runs.table.flush();
    t.timeseries.table.flush();
    t.states.table.flush();
    t.attackers.table.flush();
    t.beliefs.table.flush();
    if (t.incidents) t.incidents->table.flush();
    if (t.choices) t.choices->table.flush();
  });
  t.writer.finish();
}

}  // namespace cyberdeter::models::deterrence
