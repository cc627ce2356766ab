#pragma once
// War-gaming (docs/wargame.md): players take the decisions of some states while the model
// plays everyone else. The model asks a Decider at the three kinds of decision a state
// takes, and shows it a brief of what that state knows at that moment:
//   - a victim's response to an attributed incident (ResponseBrief → a rung);
//   - an ally's answer to an invitation to a coordinated statement or sanctions
//     (JoinBrief → join or decline); a played ally is asked every invitation, even one
//     whose answer cannot arrive before the deadline (then at the deadline, and its
//     answer does not count);
//   - at fixed turns, changes to the state's own doctrine and programs (TurnBrief →
//     DoctrineAction, repeatedly, until `done`).
// The model draws every random number it would draw without players (the doctrine noise,
// the ally's answer) before it asks, so a session and the same scenario without players
// use the same random numbers: their difference is the players' doing.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cyberdeter/models/deterrence/records.hpp"
#include "cyberdeter/models/deterrence/scenario.hpp"

namespace cyberdeter::models::deterrence {

/// How the co-signers' consent to a circulated draft is counted (docs/model.md §7.5).
enum class Consent : std::uint8_t {
  willing = 0,    ///< those who concur sign; a refusal or no answer signs nothing
  unanimity = 1,  ///< a rejection, or an invitee's silence, blocks the joint text
  silence = 2,    ///< silence procedure: no answer by the release is consent; a rejection blocks
};

/// How an invited state answers a circulated draft (docs/model.md §7.5).
enum class Stance : std::uint8_t {
  abstain = 0,   ///< signs nothing
  concur = 1,    ///< co-signs the text
  amend = 2,     ///< co-signs, with amendments (the joint text keeps the most cautious)
  separate = 3,  ///< names the actor the same day in a statement of its own wording
  reject = 4,    ///< objects to the text (blocks it under unanimity or silence)
};

/// What a victim's public statement says and how it is agreed (docs/model.md §7.5): the
/// content the attacker sees, apart from who signs.
struct StatementDraft {
  /// Share of the technical evidence released, in [0, 1].
  double evidence = 0.0;
  /// The ICD 203 band (0 almost no chance ... 6 almost certain) the text states; -1: none
  /// (a doctrine's statement). The attacker sees the wording only through its divergence.
  int likelihood = -1;
  /// Days from the invitations to the release, at least a tick; absent: the scenario's
  /// calibration.coalition_deadline_days.
  std::optional<double> release_days;
  Consent consent = Consent::willing;
  bool operator==(const StatementDraft&) const = default;
};

/// An invited state's answer to a draft: its stance, and for `amend` the text it asks for
/// (the joint text takes the least evidence and the weakest wording of its signers).
struct JoinAnswer {
  Stance stance = Stance::abstain;
  StatementDraft amendment;
};

/// What a state knows of the attacks on it and of public responses so far. It never
/// includes what the state cannot know (undetected operations, the true culprits).
struct StateRecord {
  std::uint64_t detected = 0;                         ///< incidents it detected
  std::uint64_t detected_last_quarter = 0;            ///< of which in the last 91.3 days
  std::uint64_t detected_previous_quarter = 0;        ///< and in the 91.3 days before those
  std::uint64_t judgements = 0;                       ///< attributions that named someone
  std::array<std::uint64_t, rung_count> responses{};  ///< its own final responses by rung
  std::uint64_t coalitions_joined = 0;                ///< invitations of others it joined
  std::vector<std::uint64_t> named;                   ///< [attacker]: its judgements naming each
  std::vector<std::uint64_t> publicly_named;  ///< [attacker]: public responses by anyone naming
  std::vector<std::uint64_t> sanctioned;      ///< [attacker]: sanctions imposed by anyone on it
  std::uint64_t active_sanctions = 0;         ///< sanctions in force in the world now
};

/// An aligned state that would be invited to a coordinated statement or sanctions.
struct AllyStance {
  std::uint32_t state = 0;
  double alignment = 0.0;   ///< A[victim][ally]
  double dependence = 0.0;  ///< R[ally][sponsor of the named actor]
  double p_join = 0.0;      ///< the model's probability that it joins
  bool played = false;      ///< a player answers for it
};

/// A played victim must decide how to respond to an attributed incident.
struct ResponseBrief {
  double day = 0.0;
  std::uint32_t state = 0;
  std::uint64_t incident = 0;
  std::uint32_t sector = 0;
  bool success = false;
  double severity = 0.0;  ///< VU of damage (0 if the operation failed)
  double normalised_severity = 0.0;
  bool mega_event = false;
  double landed_day = 0.0;
  double detected_day = 0.0;
  std::uint32_t named = 0;  ///< the attacker attribution names
  double confidence = 0.0;
  std::optional<std::uint32_t> sponsor;  ///< the named attacker's sponsor
  double dependence = 0.0;               ///< R[state][sponsor]
  /// Attackers of another sponsor that target this state and use false flags: who could
  /// have planted a flag pointing at the named actor.
  std::vector<std::uint32_t> false_flag_suspects;
  double case_strength = 0.0;  ///< z, with the doctrine's noise
  Rung recommended = Rung::none;
  Doctrine doctrine;  ///< in force now
  double resolve = 0.0;
  std::vector<AllyStance> allies;
  StateRecord record;

  /// The rungs the players may choose: every rung. The doctrine is advice; a rung it has
  /// not enabled, or a public act below resolve, is the players' call.
  std::vector<Rung> options() const;
};

/// A played ally is invited to join a statement or sanctions led by another state.
struct JoinBrief {
  double day = 0.0;
  std::uint32_t state = 0;   ///< the invited (played) state
  std::uint32_t leader = 0;  ///< the victim who invites
  std::uint64_t incident = 0;
  Rung rung = Rung::coordinate;  ///< coordinate or sanction
  std::uint32_t sector = 0;
  double severity = 0.0;
  std::uint32_t named = 0;
  std::optional<std::uint32_t> sponsor;
  double confidence = 0.0;
  double alignment = 0.0;     ///< A[leader][state]
  double dependence = 0.0;    ///< R[state][sponsor]
  double p_join = 0.0;        ///< the model's probability of joining
  bool model_answer = false;  ///< what the model would have answered with this draw
  double invited_day = 0.0;   ///< when the leader sent the invitation
  double deadline_day = 0.0;  ///< when the statement or sanctions go ahead
  /// The ally's answer delay passed the deadline: asked at the deadline, its answer does
  /// not count (model_answer is then false: a lost answer signs nothing).
  bool late = false;
  /// The leader's draft: its evidence, wording, release and consent rule.
  StatementDraft draft;
  StateRecord record;
};

/// At a turn a played state may change its doctrine and start programs.
struct TurnBrief {
  double day = 0.0;
  std::uint32_t turn = 0;  ///< 1, 2, ... (turn k is at day k · turn_days)
  std::uint32_t state = 0;
  Doctrine doctrine;
  double resolve = 0.0;
  StateRecord record;
  StateRecord previous;  ///< at the previous turn (all zero at the first)
  double defense = 0.0;
  double detection_rate = 0.0;  ///< effective, per day
  double workforce = 0.0;
  std::vector<std::size_t> running_programs;      ///< indices into `programs` benefiting the state
  std::vector<Program> programs;                  ///< every program so far, the scenario's first
  std::vector<std::size_t> joinable_communities;  ///< communities it is not a member of
};

/// One change a player makes at a turn.
enum class ActionKind : std::uint8_t {
  done = 0,
  enable = 1,
  disable = 2,
  threshold = 3,
  program = 4
};

struct DoctrineAction {
  ActionKind kind = ActionKind::done;
  Rung rung = Rung::attribute;  ///< enable, disable, threshold
  double value = 0.0;           ///< threshold
  ProgramKind program = ProgramKind::training;
  double rate = 0.1;  ///< program: growth per year (training, investment)
  /// program: duration; absent, until the end of the run (an exercise's window is the
  /// scenario's calibration.exercise_window_days)
  std::optional<double> years;
  std::optional<std::size_t> community;  ///< program information_sharing
  /// program: what it costs its owner a year, VU (docs/model.md §9.3); absent: nothing
  std::optional<double> cost;

  bool operator==(const DoctrineAction&) const = default;
};

/// Why the state of `brief` cannot take `action` now (thresholds out of order, a rung
/// already enabled, a community it is already in...), or nullopt if it can.
std::optional<std::string> check_action(const Scenario& sc, const TurnBrief& brief,
                                        const DoctrineAction& action);
/// Applies a doctrine action (enable, disable, threshold) to `d`; programs are started by
/// the model.
void apply(Doctrine& d, const DoctrineAction& action);

/// A finite decimal number, the whole text (no hexadecimal floats, inf or nan; at most 64
/// characters); an underflow reads as 0. False if `text` is not one.
bool parse_decimal(std::string_view text, double& value);

/// The words of a stance ("abstain", "concur", "amend", "separate", "reject") and back.
std::string_view to_string(Stance s) noexcept;
std::optional<Stance> parse_stance(std::string_view word) noexcept;
std::string_view to_string(Consent c) noexcept;
std::optional<Consent> parse_consent(std::string_view word) noexcept;

/// Parses the words of a turn action: "done", "enable sanction", "disable coordinate",
/// "threshold attribute 0.4", "program training [rate R] [years Y] [cost C]", "program
/// investment ...", "program exercise [cost C]", "program sharing COMMUNITY [years Y]
/// [cost C]". Returns the action or throws
/// std::invalid_argument with a message a player can act on.
DoctrineAction parse_action(std::string_view text, const Scenario& sc);
/// The canonical words of an action; parse_action(format_action(a)) == a.
std::string format_action(const DoctrineAction& action, const Scenario& sc);

/// The program an action starts for state `s` on `day` (calibrated exercise window).
Program make_program(const Scenario& sc, std::size_t s, double day, const DoctrineAction& action);

/// What the world sees when a statement or sanctions go public (docs/model.md §7.5): who
/// names whom, with whom, in what words and with what evidence, on which day. Never the
/// drafts or answers that led to it.
struct Publication {
  std::uint64_t incident = 0;
  double day = 0.0;
  std::uint32_t lead = 0;   ///< the victim that went public
  std::uint32_t named = 0;  ///< the attacker named
  Rung rung = Rung::attribute;
  /// 0 alone (no invitation), 1 joint, 2 split (separate statements too), 3 nobody
  /// joined, 4 blocked by the consent rule (as IncidentRow::statement)
  std::uint8_t statement = 0;
  std::vector<std::uint32_t> cosigners;  ///< states that co-signed the lead's text
  std::vector<std::uint32_t> separate;   ///< states that issued statements of their own
  double evidence = 0.0;                 ///< share of the evidence released
  int likelihood = -1;                   ///< ICD 203 band of the text; -1: none stated
};

/// The outcome the model gives a coordinated statement or sanctions at their deadline
/// (docs/model.md §7.5), before they go public: what a white cell may rule on.
struct Adjudication {
  std::uint64_t incident = 0;
  double day = 0.0;
  std::uint32_t lead = 0;
  std::uint32_t named = 0;
  Rung rung = Rung::coordinate;
  Consent consent = Consent::willing;
  /// One of statement_outcome (records.hpp): joint, split, unjoined or blocked
  std::uint8_t proposed = 1;
  std::uint8_t unblocked = 1;            ///< the outcome were the consent rule not to block
  std::vector<std::uint32_t> cosigners;  ///< states that concurred (silence: and the silent)
  std::vector<std::uint32_t> separate;   ///< states that spoke apart
  std::vector<std::uint32_t> rejecters;  ///< states that rejected the draft
  std::vector<std::uint32_t> silent;     ///< invitees with no answer by the release
};

/// Takes the played states' decisions.
class Decider {
 public:
  virtual ~Decider() = default;
  /// One of brief.options().
  virtual Rung respond(const ResponseBrief& brief) = 0;
  virtual bool join(const JoinBrief& brief) = 0;
  /// Called right after respond() chose a public rung: the statement the victim drafts
  /// and circulates. By default the doctrine's: `doctrine_evidence`, no stated wording,
  /// the coalition deadline and the willing's consent.
  virtual StatementDraft draft(const ResponseBrief& /*brief*/, Rung /*chosen*/,
                               double doctrine_evidence) {
    StatementDraft d;
    d.evidence = doctrine_evidence;
    return d;
  }
  /// Called right after join() with its answer: how the state stands on the draft. By
  /// default it concurs if it joins and abstains otherwise.
  virtual JoinAnswer stance(const JoinBrief& /*brief*/, bool joins) {
    JoinAnswer a;
    a.stance = joins ? Stance::concur : Stance::abstain;
    return a;
  }
  /// Called again after each action, with the brief brought up to date, until it returns
  /// an action of kind `done`. Every other action must pass check_action.
  virtual DoctrineAction turn(const TurnBrief& brief) = 0;
  /// Told of every ally's answer to an invitation, played or not, as it arrives in time
  /// (who co-signs, for the after-action review); it changes nothing.
  virtual void answered(std::uint64_t /*incident*/, std::uint32_t /*ally*/, bool /*joins*/) {}
  /// Told of every statement or sanction as it goes public; it changes nothing.
  virtual void published(const Publication& /*p*/) {}
  /// Told when scheduled event `index` is triggered (`acts` false: a condition met, its act
  /// to follow after its delay) and when it happens (`acts` true); it changes nothing.
  virtual void scheduled(std::size_t /*index*/, double /*day*/, bool /*acts*/) {}
  /// Called at a statement's deadline before it goes public (no random number is drawn):
  /// the outcome to carry out, `a.proposed` (the model's) or, overriding it, `a.unblocked`
  /// or 4 (blocked).
  virtual std::uint8_t adjudicate(const Adjudication& a) { return a.proposed; }
};

/// Who plays, and when turns come.
struct Wargame {
  std::vector<std::size_t> played;  ///< states whose decisions the decider takes
  double turn_days = 0.0;           ///< days between turns; 0: no turns
  Decider* decider = nullptr;
};

}  // namespace cyberdeter::models::deterrence
