#pragma once
// The parameters of the deterrence model (docs/model.md), as loaded from a scenario file.
// Each field names its TOML key, unit, default and allowed range; the loader
// (scenario_loader.cpp) enforces exactly these, and docs/scenario-reference.md lists them.
// Agents are referred to by index (their order in the file); names are for people.

#include <array>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include <Eigen/Dense>

namespace cyberdeter::models::deterrence {

inline constexpr double infinity = std::numeric_limits<double>::infinity();

/// Response rungs, in escalating order. `none` is "no public response".
enum class Rung : std::uint8_t { none = 0, attribute = 1, coordinate = 2, sanction = 3 };
inline constexpr std::size_t rung_count = 4;

enum class AttackerKind : std::uint8_t { state_sponsored = 0, criminal = 1, hacktivist = 2 };
inline constexpr std::size_t attacker_kind_count = 3;

/// One rung of a doctrine: [states.S.doctrine.<rung>].
struct RungPolicy {
  bool enabled = true;     ///< `enabled`, default true (sanction: false)
  double threshold = 0.0;  ///< `threshold`, case strength z needed; >= resolve; default per rung
};

/// [states.S.doctrine]: which rungs a state may use and when (docs/model.md §7.1).
struct Doctrine {
  RungPolicy attribute{true, 0.3};   ///< default threshold 0.3
  RungPolicy coordinate{true, 0.6};  ///< default threshold 0.6
  RungPolicy sanction{false, 1.0};   ///< default disabled, threshold 1.0
  double sanction_days =
      730.0;  ///< `sanction_days`, mean duration of sanctions (days), > 0; TIES median 2 years
  double noise = 0.0;  ///< `noise`, sd of normal noise added to z (political variance), >= 0
  /// `evidence` in [0, 1]: the share of the technical evidence its public statements
  /// release (docs/model.md §7.5); 0 releases none
  double evidence = 0.0;

  /// The policy of a public rung (attribute, coordinate or sanction; `none` has none).
  const RungPolicy& rung(Rung r) const noexcept {
    return r == Rung::sanction ? sanction : r == Rung::coordinate ? coordinate : attribute;
  }
  RungPolicy& rung(Rung r) noexcept {
    return r == Rung::sanction ? sanction : r == Rung::coordinate ? coordinate : attribute;
  }
};

/// [states.NAME]
struct State {
  std::string name;
  double economy = 0.01;               ///< `economy`, w_s > 0: economic weight (share of world GDP)
  double defense = 0.3;                ///< `defense`, D_s in [0, 1)
  double detection_rate = 0.01;        ///< `detection_rate`, δ_s per day, > 0
  double detection_window_days = 365;  ///< `detection_window_days`, H_s > 0
  double attribution_days = 120;       ///< `attribution_days`, μ_s > 0: mean detection→judgement
  double attribution_shape = 2.0;      ///< `attribution_shape`, k_s > 0: Gamma shape
  double attribution_accuracy = 0.7;   ///< `attribution_accuracy`, q_s in [0, 1]
  double resolve = 0.2;          ///< `resolve`, θ_s >= 0: minimum case strength for any public act
  double naming_aversion = 0.0;  ///< `naming_aversion`, ψ_s >= 0
  double hardening = 0.02;  ///< `hardening`, η_s >= 0: defense gained per unit normalised severity
  double workforce = 1000;  ///< `workforce`, W_s > 0: cyber professionals serving the state,
                            ///< in-house and at vendors
  double in_house_share = 1.0;    ///< `in_house_share`, h_s in (0, 1]
  double board_engagement = 0.5;  ///< `board_engagement`, b_s in [0, 1]
  /// `resilience`, r_s in [0, 0.95]: share of a successful operation's damage (and recovery
  /// time) the state avoids by response and recovery, before programs (docs/model.md §5.5)
  double resilience = 0.0;
  double recovery_days = 30.0;  ///< `recovery_days` > 0: recovery time of a success at r = 0
  bool targetable = true;       ///< `targetable`: may attackers choose it as a target
  Doctrine doctrine;            ///< [states.NAME.doctrine]
};

/// [attackers.NAME.prior]: initial beliefs about every target (pseudo-counts).
struct Prior {
  double attributed = 1.0;      ///< `attributed`, Beta α > 0: pseudo-count of "was named"
  double not_attributed = 9.0;  ///< `not_attributed`, Beta β > 0
  std::array<double, rung_count> rungs{
      4.0, 3.0, 2.0,
      1.0};  ///< `rungs`, Dirichlet over none, attribute, coordinate, sanction, each > 0
  double coalition_size = 1.0;  ///< `coalition_size`, k̂ >= 1: prior mean number of signers
  double delay_days = 365.0;    ///< `delay_days`, τ̂ >= 0: prior mean attack→consequence delay
  double sanction_weight =
      0.1;              ///< `sanction_weight`, Ŵ >= 0: prior mean imposers' economic weight
  double weight = 2.0;  ///< `weight`, > 0: pseudo-count behind the running means
};

/// [attackers.NAME.scarce]: a limited stock of capabilities (docs/model.md §4.6).
struct Scarce {
  bool enabled = false;
  std::uint32_t stock = 1;      ///< `stock`, initial capabilities, >= 0
  std::uint32_t max_stock = 3;  ///< `max_stock`, >= 1
  double stealth = 0.1;         ///< `stealth`, S in [0, 1]: survives a use
  double persistence = 0.9;     ///< `persistence`, P in [0, 1]: survives a period unused
  double arrival_rate = 0.0;    ///< `arrival_rate`, new capabilities per day, >= 0
  double period_days = 30.0;    ///< `period_days`, length of a period of the timing game, > 0
  std::optional<double>
      threshold;  ///< `threshold` (VU); absent: computed as T* from expected stakes
};

/// [attackers.NAME]
struct Attacker {
  std::string name;
  AttackerKind kind = AttackerKind::criminal;  ///< `kind`
  std::optional<std::size_t> sponsor;  ///< `sponsor`, a state name; required for state_sponsored
  double capability = 0.5;             ///< `capability`, κ_a in (0, 1]
  double opportunity_rate = 0.05;      ///< `opportunity_rate`, λ_a per day, > 0
  double gain = 1.0;                   ///< `gain`, G_a default against any target (VU), >= 0
  std::vector<double> gain_by_target;  ///< `gain_by_target` = { STATE = VU, ... }; filled per state
  std::vector<double> sector_weights;  ///< `sector_weights` = { SECTOR = weight }; per [sectors]
  double operation_cost = 0.1;         ///< `operation_cost`, c_a >= 0 (VU)
  double false_flag = 0.0;             ///< `false_flag`, φ_a in [0, 1]
  double reputation_cost = 1.0;        ///< `reputation_cost`, ρ_a >= 0 (VU per naming)
  double coalition_exponent = 0.5;     ///< `coalition_exponent`, β_a >= 0
  double sanction_cost = 0.05;  ///< `sanction_cost`, σ_a >= 0 (VU per day per unit of weight)
  double discount = 0.001;      ///< `discount`, r_a >= 0 per day
  double rationality = 5.0;     ///< `rationality`, λ^choice > 0, or inf (strict best response)
  double observe_others = 0.3;  ///< `observe_others` in [0, 1]
  double preparation_days =
      7.0;  ///< `preparation_days`, mean decision→landing delay (exponential), >= 0
  /// `silence_days` > 0: an operation not publicly named within this many days of landing
  /// counts as not attributed (what the attacker can observe, docs/model.md §8.3)
  double silence_days = 365.0;
  /// `disruption` in [0, 1]: share of its gain that comes from the victim's disruption, which
  /// the victim's resilience takes away (espionage 0, sabotage 1; docs/model.md §5.5)
  double disruption = 0.0;
  std::vector<std::size_t>
      targets;  ///< `targets` = [STATE, ...]; default every targetable state but its sponsor
  Prior prior;
  Scarce scarce;
};

/// [sectors.NAME]
struct Sector {
  std::string name;
  double value_multiplier = 1.0;  ///< `value_multiplier` > 0: scales gain and severity
};

/// [communities.NAME]: a CERT or industry information-sharing forum.
struct Community {
  std::string name;
  std::vector<std::size_t> members;  ///< `members` = [STATE, ...]
  double detection_factor = 1.2;     ///< `detection_factor` >= 1: multiplies members' δ
  double accuracy_factor = 1.1;  ///< `accuracy_factor` >= 1: multiplies members' q (capped at 1)
};

enum class ProgramKind : std::uint8_t {
  training,
  investment,
  exercise,
  capacity_building,
  information_sharing
};

/// [[programs]]
struct Program {
  std::string name;                          ///< `name`, optional label
  ProgramKind kind = ProgramKind::training;  ///< `kind`
  std::size_t owner = 0;                     ///< `owner`, a state
  std::size_t beneficiary =
      0;                 ///< `beneficiary`, a state; default owner (capacity_building: required)
  double start_day = 0;  ///< `start_day` >= 0
  double end_day = infinity;   ///< `end_day` > start_day
  double rate = 0.1;           ///< `rate` per year: growth of the target parameter
  bool multiplicative = true;  ///< `mode` = "multiplicative" (default) or "additive"
  /// `bound`: ceiling of the parameter the program raises. Absent: no ceiling for training
  /// (workforce), 0.95 for defense (investment, capacity_building); for defense it must be < 1.
  std::optional<double> bound;
  double detection_multiplier =
      2.0;  ///< `detection_multiplier` (exercise): δ factor during the window
  /// `detection_bound` >= 1 (capacity_building): ceiling of the partner's detection growth
  double detection_bound = 2.0;
  std::optional<std::size_t> community;  ///< `community` (information_sharing)
  /// `resilience` in [0, 0.95]: a layer of the beneficiary's resilience while the program
  /// runs (docs/model.md §9.3)
  double resilience = 0.0;
  double retained = 0.0;          ///< `retained` in [0, 1]: share of `resilience` kept after
  double retention_days = 730.0;  ///< `retention_days` > 0: half-life of what is kept
  double cost_per_year = 0.0;  ///< `cost_per_year` >= 0 (VU per year while it runs), to the owner
};

/// [[mega_events]]
struct MegaEvent {
  std::string name;
  std::size_t host = 0;           ///< `host`, a state
  double start_day = 0;           ///< `start_day`
  double end_day = 0;             ///< `end_day` >= start_day
  double value_multiplier = 2.0;  ///< `value_multiplier` >= 1
};

/// [[policy_changes]]
struct PolicyChange {
  double day = 0;                   ///< `day` >= 0
  std::size_t state = 0;            ///< `state`
  Rung rung = Rung::sanction;       ///< `rung` = "attribute" | "coordinate" | "sanction"
  std::optional<bool> enabled;      ///< `enabled`
  std::optional<double> threshold;  ///< `threshold`
};

/// What a scheduled event does (docs/model.md §10.3).
enum class ScheduledAction : std::uint8_t { attribute, coordinate, sanction, disclose, policy };
/// When it happens: at a day, or at the first detection or attribution of an operation.
enum class ScheduledTrigger : std::uint8_t { day, detected, attributed };

/// [[scheduled]]: a public act or a policy change that happens at a day or on a condition,
/// whatever the doctrine says (a demonstration in a batch run, a war-game inject).
struct ScheduledEvent {
  std::string name;                                     ///< `name`, a label
  bool enabled = true;                                  ///< `enabled`: a switch for sweeps
  std::size_t state = 0;                                ///< `state`: who acts
  ScheduledAction action = ScheduledAction::attribute;  ///< `action`
  std::optional<std::size_t> target;  ///< `target`: the attacker named, sanctioned or exposed
  std::vector<std::size_t> signers;   ///< `signers`: states that co-sign (coordinate, sanction)
  /// `separate`: states that name the target the same day in statements of their own
  /// wording instead of co-signing (coordinate, sanction; docs/model.md §7.5)
  std::vector<std::size_t> separate;
  double evidence = 0.0;  ///< `evidence` in [0, 1]: share of the technical evidence released
  ScheduledTrigger trigger = ScheduledTrigger::day;  ///< `day`, or `on` = "detected"|"attributed"
  double day = 0.0;                                  ///< `day` (trigger day): when it happens
  std::optional<std::size_t> victim;  ///< `victim`: only operations against this state
  double after_day = 0.0;             ///< `after_day`: only operations detected or judged after
  double delay_days = 0.0;            ///< `delay_days`: from the trigger to the act
  double capability_loss = 0.5;       ///< `capability_loss` in [0, 1] (disclose)
  double duration_days = 180.0;       ///< `duration_days` > 0 (disclose): until it re-tools
  Rung rung = Rung::sanction;         ///< `rung` (policy): the rung it changes
  std::optional<bool> rung_enabled;   ///< `rung_enabled` (policy): switches the rung on or off
  std::optional<double> threshold;    ///< `threshold` (policy): the rung's new threshold
};

/// [calibration]: global modelling choices. (Not [model]: the root key `model` names the
/// model, and TOML cannot hold a key and a table of the same name.)
struct Calibration {
  double severity_sigma = 0.5;  ///< `severity_sigma` >= 0: log-normal sd of severity around gain
  double severity_reference = 10.0;  ///< `severity_reference` > 0 (VU): v = severity / reference
  double confidence_correct =
      0.75;  ///< `confidence_correct` in (0, 1): mean confidence of a right judgement
  double confidence_wrong = 0.45;  ///< `confidence_wrong` in (0, 1): mean confidence of a wrong one
  double confidence_concentration = 10;  ///< `confidence_concentration` > 0: Beta α+β
  double coordination_days = 14;  ///< `coordination_days` > 0: mean time for an ally to answer
  double coalition_deadline_days = 30;  ///< `coalition_deadline_days` > 0
  double join_base = -1.0;              ///< `join_base`: logit intercept of an ally's answer
  double join_alignment = 3.0;          ///< `join_alignment` >= 0: weight of A[s][t]
  double join_confidence = 2.0;         ///< `join_confidence` >= 0: weight of c
  double join_dependence = 3.0;         ///< `join_dependence` >= 0: weight of R[t][sponsor]
  /// `split_discount` in [0, 1]: what a separate statement lacks of a co-signature (§7.5)
  double split_discount = 0.5;
  /// `evidence_weight` >= 0: how much released evidence adds to a naming's cost (§7.5)
  double evidence_weight = 1.0;
  /// `signer_weight_share` in [0, 1]: how far a co-signer counts by its economy, relative
  /// to the lead's, rather than as one (§7.5); 0 counts heads
  double signer_weight_share = 0.0;
  double workforce_reference = 1000;   ///< `workforce_reference` > 0: W_ref
  double workforce_elasticity = 0.3;   ///< `workforce_elasticity` in [0, 1): ε
  double outsourced_discount = 0.5;    ///< `outsourced_discount` in [0, 1]: weight of vendor staff
  bool learn_quiet_hardening = false;  ///< `learn_quiet_hardening`
  double exercise_window_days =
      90;  ///< `exercise_window_days` > 0: how long an exercise's boost lasts
};

/// [run]
struct RunSettings {
  std::uint64_t replications = 10;      ///< `replications` >= 1
  std::uint64_t seed = 1;               ///< `seed`
  double horizon_days = 365.0 * 7;      ///< `horizon_days` > 0
  double reporting_days = 365.25 / 12;  ///< `reporting_days` > 0: length of a reporting period
  /// `max_events`: a replication that would process more events stops with an error (a
  /// world that generates events faster than it can be simulated), never a hang.
  std::uint64_t max_events = 100'000'000;
  std::string start_date = "";    ///< `start_date`, ISO date of day 0 (labels only)
  std::string value_unit = "VU";  ///< `value_unit`: what one VU means
};

/// A whole scenario.
struct Scenario {
  std::string path;
  std::string text;         ///< the file as read
  std::string name;         ///< `name`
  std::string description;  ///< `description`
  RunSettings run;
  Calibration calibration;
  std::vector<State> states;
  std::vector<Attacker> attackers;
  std::vector<Sector> sectors;  ///< at least one ("general" if none given)
  std::vector<Community> communities;
  std::vector<Program> programs;
  std::vector<MegaEvent> mega_events;
  std::vector<PolicyChange> policy_changes;
  std::vector<ScheduledEvent> scheduled;
  Eigen::MatrixXd alignment;   ///< A(s, t): [states.S.alignment] T = value, in [0, 1]
  Eigen::MatrixXd dependence;  ///< R(s, t): [states.S.dependence] T = value, in [0, 1]

  std::optional<std::size_t> state_index(std::string_view name) const;
  std::optional<std::size_t> attacker_index(std::string_view name) const;
};

/// Roughly the memory `scenario` holds: its own size and what its strings, vectors and
/// matrices allocate (to bound how many scenarios a sweep keeps in memory).
std::size_t footprint(const Scenario& scenario);

std::string_view to_string(Rung r) noexcept;
std::string_view to_string(AttackerKind k) noexcept;
std::string_view to_string(ProgramKind k) noexcept;
std::string_view to_string(ScheduledAction a) noexcept;

}  // namespace cyberdeter::models::deterrence
