#pragma once
// What one run of the deterrence model reports (docs/model.md §13), as plain rows that
// the HDF5 layer writes as tables (output.hpp) and tests read directly.

#include <array>
#include <cstdint>
#include <vector>

#include "cyberdeter/models/deterrence/scenario.hpp"

namespace cyberdeter::models::deterrence {

/// Counts that are kept per run, per reporting period, per victim and per attacker kind.
struct Counts {
  std::uint64_t opportunities = 0;  ///< attack opportunities considered
  std::uint64_t launched = 0;
  std::uint64_t succeeded = 0;
  double damage = 0.0;  ///< VU
  std::uint64_t detected = 0;
  std::uint64_t attributed = 0;  ///< judgements that named someone
  std::uint64_t attributed_correct = 0;
  std::uint64_t attributed_wrong = 0;
  std::array<std::uint64_t, rung_count> responses{};  ///< final rung of each judgement
  std::uint64_t sanctions_imposed = 0;
  std::uint64_t innocent_punished = 0;  ///< public responses naming a wrong actor
  std::uint64_t scheduled_acts = 0;     ///< scheduled events carried out (§10.3), by acting state
};

/// One row of /runs: a whole replication.
struct RunRow {
  std::uint64_t point = 0;  ///< design point of a sweep (0 for `run`)
  std::uint64_t replication = 0;
  std::uint64_t seed = 0;
  std::uint64_t events = 0;
  double end_day = 0.0;
  Counts total;
  std::array<std::uint64_t, attacker_kind_count> launched_by_kind{};
  std::array<std::uint64_t, attacker_kind_count> succeeded_by_kind{};
  std::array<double, attacker_kind_count> damage_by_kind{};
  double detection_delay_days_sum = 0.0;    ///< over detected incidents
  double attribution_delay_days_sum = 0.0;  ///< detection → judgement, over judgements
  double response_delay_days_sum = 0.0;     ///< attack → public response, over public responses
  std::uint64_t public_responses = 0;       ///< attribute + coordinate + sanction (final)
  std::uint64_t coalitions_invited = 0;     ///< coordinate or sanction decisions (invitations sent)
  std::uint64_t coalition_signers_sum = 0;  ///< signers over those coalitions
  std::uint64_t coalitions_failed = 0;      ///< invitations that ended unilateral
  double reputation_cost = 0.0;             ///< VU imposed by statements
  double sanction_cost = 0.0;               ///< VU imposed by sanctions
  double program_cost = 0.0;                ///< VU states spent on programs
  std::uint64_t fingerprint = 0;
};

/// One row of /timeseries: counts of one reporting period of one replication.
struct PeriodRow {
  std::uint64_t point = 0;  ///< design point of a sweep (0 for `run`)
  std::uint64_t replication = 0;
  std::uint32_t period = 0;
  double start_day = 0.0;
  double end_day = 0.0;
  Counts counts;
  std::array<std::uint64_t, attacker_kind_count> launched_by_kind{};
  std::uint64_t sanctions_active = 0;  ///< at the end of the period
  double mean_defense = 0.0;           ///< over states, at the end of the period
  double mean_p_attributed = 0.0;      ///< attackers' mean belief over their targets
};

/// One row of /states_summary: one victim in one replication.
struct StateRow {
  std::uint64_t point = 0;  ///< design point of a sweep (0 for `run`)
  std::uint64_t replication = 0;
  std::uint32_t state = 0;
  Counts counts;  ///< as victim (or leader of the response)
  double final_defense = 0.0;
  double final_detection_rate = 0.0;  ///< effective, per day, at the end
  double final_workforce = 0.0;
  double final_resilience = 0.0;  ///< r_s at the end
  double recovery_days = 0.0;     ///< recovery time of its successful incidents, summed
  double program_cost = 0.0;      ///< VU it spent on the programs it owns
};

/// One row of /attackers_summary: one attacker in one replication, with its final beliefs
/// averaged over its targets.
struct AttackerRow {
  std::uint64_t point = 0;  ///< design point of a sweep (0 for `run`)
  std::uint64_t replication = 0;
  std::uint32_t attacker = 0;
  std::uint64_t opportunities = 0;
  std::uint64_t launched = 0;
  std::uint64_t succeeded = 0;
  double gain = 0.0;                ///< VU obtained
  std::uint64_t named = 0;          ///< times publicly named (rightly or not)
  std::uint64_t named_wrongly = 0;  ///< times named for another's operation
  double reputation_cost = 0.0;
  double sanction_cost = 0.0;
  std::uint32_t stock = 0;                  ///< scarce capabilities left
  double p_attributed = 0.0;                ///< final P̂_attr, mean over targets
  std::array<double, rung_count> p_rung{};  ///< final P̂(k), mean over targets
  /// The attack margin (§13): decisions it took (opportunities with something to attack
  /// with), the mean over them of the best target's EU (VU; > 0 favours attacking) and of
  /// the probability of holding, and the same margin over the horizon's last year.
  std::uint64_t decisions = 0;
  std::uint64_t held = 0;  ///< decisions to attack held back to save a scarce capability (§4.6)
  double margin_mean = 0.0;
  double p_none_mean = 0.0;
  std::uint64_t decisions_final = 0;
  double margin_final = 0.0;
  std::uint64_t disclosed = 0;  ///< times its capabilities were disclosed (§10.3)
};

/// One row of /beliefs: an attacker's final belief about one target.
struct BeliefRow {
  std::uint64_t point = 0;  ///< design point of a sweep (0 for `run`)
  std::uint64_t replication = 0;
  std::uint32_t attacker = 0;
  std::uint32_t state = 0;
  double p_attributed = 0.0;
  std::array<double, rung_count> p_rung{};
  double coalition_size = 0.0;
  double delay_days = 0.0;
  double sanction_weight = 0.0;
  double sanction_days = 0.0;
};

/// One row of /incidents: an incident's whole record.
struct IncidentRow {
  std::uint64_t point = 0;  ///< design point of a sweep (0 for `run`)
  std::uint64_t replication = 0;
  std::uint64_t incident = 0;  ///< sequence number within the replication
  std::uint32_t attacker = 0;
  std::uint32_t victim = 0;
  std::uint32_t sector = 0;
  std::uint8_t attacker_kind = 0;
  double decided_day = 0.0;
  double landed_day = -1.0;  ///< -1 while not launched
  bool success = false;
  double severity = 0.0;    ///< VU the operation achieved (0 on failure)
  double resilience = 0.0;  ///< the victim's r at landing
  double damage = 0.0;      ///< VU the victim lost: severity × (1 − resilience)
  double gain = 0.0;        ///< VU the attacker got: severity × (1 − disruption × resilience)
  double recovery_days = 0.0;  ///< the victim's recovery time (0 on failure)
  bool mega_event = false;
  bool detected = false;
  double detected_day = -1.0;
  bool attributed = false;  ///< a judgement named someone
  double attributed_day = -1.0;
  std::int32_t named = -1;  ///< attacker index named, -1 for none
  bool correct = false;
  bool false_flag = false;  ///< the wrong name came from the culprit's false flag
  double confidence = 0.0;
  double case_strength = 0.0;
  std::uint8_t rung_decided = 0;  ///< Rung chosen by the doctrine
  std::uint8_t rung_final = 0;    ///< Rung carried out (a failed coalition falls to attribute)
  std::uint32_t invited = 0;
  std::uint32_t signers = 0;  ///< states signing the statement (1 = unilateral)
  double response_day = -1.0;
  double reputation_cost = 0.0;
  double sanction_weight = 0.0;  ///< imposers' economic weight
  double sanction_days = 0.0;
  double sanction_cost = 0.0;
  double learned_day = -1.0;   ///< when the culprit counted the outcome (-1: not yet)
  bool learned_named = false;  ///< it counted the operation as named publicly
  /// States that named the actor in statements of their own wording instead of co-signing
  std::uint32_t separate = 0;
  double evidence = 0.0;  ///< share of the technical evidence the public statement released
  /// The joint statement's outcome (docs/model.md §7.5), one of statement_outcome.
  std::uint8_t statement = 0;
};

/// The values of IncidentRow::statement (and of the adjudication's outcomes).
namespace statement_outcome {
inline constexpr std::uint8_t uninvited = 0;  ///< no coalition was invited
inline constexpr std::uint8_t joint = 1;      ///< the invitees who concurred co-signed
inline constexpr std::uint8_t split = 2;      ///< some named the actor in words of their own
inline constexpr std::uint8_t unjoined = 3;   ///< nobody else named the actor
inline constexpr std::uint8_t blocked = 4;    ///< the consent rule blocked the joint text

/// The outcome of a statement the consent rule does not block.
constexpr std::uint8_t unblocked(std::uint32_t joiners, std::uint32_t separate) noexcept {
  return joiners == 0 && separate == 0 ? unjoined : separate > 0 ? split : joint;
}
}  // namespace statement_outcome

/// One row of /choices: one target evaluated at one attacker decision, with its EU terms.
struct ChoiceRow {
  std::uint64_t replication = 0;
  std::uint64_t decision = 0;  ///< sequence number of the decision within the replication
  double day = 0.0;
  std::uint32_t attacker = 0;
  std::uint32_t target = 0;
  double p_success = 0.0;
  double gain = 0.0;
  double cost = 0.0;
  double p_attributed = 0.0;
  double expected_cost_if_attributed = 0.0;
  double discount = 1.0;
  double consequence = 0.0;
  double utility = 0.0;
  double probability = 0.0;  ///< of choosing this target at this decision
  bool chosen = false;
  bool held = false;  ///< chosen but held back to save a scarce capability
};

/// Where a run sends its rows as they are produced (streamed, so memory does not grow
/// with the horizon). The default does nothing.
class RunSink {
 public:
  virtual ~RunSink() = default;
  virtual void period(const PeriodRow&) {}
  virtual void incident(const IncidentRow&) {}
  virtual void choice(const ChoiceRow&) {}
};

/// Everything a run returns at its end.
struct RunResult {
  RunRow run;
  std::vector<StateRow> states;
  std::vector<AttackerRow> attackers;
  std::vector<BeliefRow> beliefs;
};

}  // namespace cyberdeter::models::deterrence
