#pragma once
// A war-game session as data (docs/wargame.md, docs/hdf5-schema.md): every decision the
// players took, with the brief they saw and the time they took, in /wargame of the
// session's HDF5 file; the same decisions as a TOML decisions file that replays them.

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "cyberdeter/models/deterrence/scenario.hpp"
#include "cyberdeter/models/deterrence/wargame.hpp"
#include "cyberdeter/sim/hdf5.hpp"

namespace cyberdeter::wargame {

using models::deterrence::Doctrine;
using models::deterrence::Rung;
using models::deterrence::Scenario;

/// inject: the white cell published, edited or skipped a scheduled event (inject.hpp);
/// adjudication: it overrode the outcome the model proposed for a statement ("override").
enum class DecisionKind : std::uint8_t {
  respond = 0,
  join = 1,
  turn = 2,
  inject = 3,
  adjudication = 4
};
/// Who took a decision: a player at the terminal, a decisions file (or the session being
/// resumed), or the doctrine (`--rest doctrine` after a decisions file ran out); timeout: the
/// default when a move's time ran out; jump: the default when the white cell jumped the
/// clock past the question.
enum class DecisionSource : std::uint8_t {
  player = 0,
  file = 1,
  doctrine = 2,
  timeout = 3,
  jump = 4
};

std::string_view to_string(DecisionKind k) noexcept;
std::string_view to_string(DecisionSource s) noexcept;

/// One row of /wargame/decisions.
struct DecisionRow {
  std::uint64_t decision = 0;  ///< sequence number in the session
  double day = 0.0;
  std::uint32_t state = 0;     ///< the deciding (played) state
  std::uint8_t kind = 0;       ///< DecisionKind
  std::int64_t incident = -1;  ///< respond, join: the incident; turn: -1
  std::uint32_t turn = 0;      ///< turn: its number; inject: the [[scheduled]] index; else 0
  std::int32_t named = -1;     ///< respond, join: the attacker named
  double confidence = 0.0;     ///< respond, join
  double case_strength = 0.0;  ///< respond: z
  /// respond: the doctrine's rung; join: the model's answer (1 join, 0 decline); turn: -1
  std::int8_t recommended = -1;
  /// respond: the rung chosen; join: 1 join, 0 decline; turn: the ActionKind
  std::int8_t choice = -1;
  /// respond: bit k set if rung k could be chosen (enabled then); otherwise 0
  std::uint8_t options = 0;
  bool deviates = false;    ///< the choice differs from the model's (turn: any change)
  double seconds = 0.0;     ///< from the brief shown to the answer accepted
  std::uint8_t source = 0;  ///< DecisionSource
  /// join: the answer could not reach the leader by its deadline, so it did not count
  bool late = false;
  /// The move it belongs to (move k: days ((k-1)·move_days, k·move_days]); 0 when questions
  /// come one at a time (move_days 0)
  std::uint32_t move = 0;
  std::int32_t leader = -1;  ///< join: the state that invited; otherwise -1
  /// join: the model's probability that the state joins (never shown to its players)
  double p_join = 0.0;
};

/// A decision with its texts.
struct Decision {
  DecisionRow row;
  std::string action;     ///< in words: "coordinate", "join", "threshold sanction 0.8", "done"
  std::string brief;      ///< the brief as shown (empty when not shown)
  std::string rationale;  ///< why, in the players' words (optional; printable ASCII)
  std::size_t line = 0;   ///< line in the decisions file it came from (0: not from a file)
};

sim::h5::TableSchema<DecisionRow> decisions_schema();

/// The session's settings and how far it got.
struct SessionInfo {
  std::vector<std::string> played;
  double turn_days = 0.0;
  /// Days a move spans (the questions of a move are put to each seat in one form); 0: one
  /// question at a time
  double move_days = 0.0;
  /// Responses to cases weaker than this were left to the doctrine (-inf: none were).
  double delegate_below = -std::numeric_limits<double>::infinity();
  std::uint64_t replication = 0;
  std::uint64_t seed = 0;
  bool complete = false;
  double day_reached = 0.0;
};

/// Writes /wargame: the settings as attributes, /wargame/decisions with its texts
/// /wargame/actions and /wargame/briefs.
void write_session(sim::h5::File& file, const SessionInfo& info,
                   const std::vector<Decision>& decisions);

/// A session read back: its settings, decisions, and the scenario as resolved.
struct StoredSession {
  std::string path;
  SessionInfo info;
  std::vector<Decision> decisions;
  std::string scenario_resolved;  ///< /scenario/resolved: loads to the session's scenario
  std::string scenario_text;      ///< /scenario/text: the file as first read
  std::string scenario_path;      ///< /scenario source_path
  std::string scenario_name;
  std::string after_action;  ///< /wargame/after_action (complete sessions)
};
/// Reads a session file; a file that is not one throws std::runtime_error naming it.
StoredSession read_session(const std::string& path);

/// Reads a TOML decisions file against `sc` (state names, rung and action words); errors
/// throw ScenarioError with file, line and key.
std::vector<Decision> read_decisions_file(const std::string& path, const Scenario& sc);
/// The decisions as a TOML decisions file that read_decisions_file reads back.
std::string decisions_toml(const std::vector<Decision>& decisions, const Scenario& sc,
                           const std::string& header);

/// A doctrine as a TOML inline table, the value of `states.NAME.doctrine`:
/// {attribute = {enabled = true, threshold = 0.3}, coordinate = {...}, sanction = {...},
///  sanction_days = 730.0, noise = 0.0}.
std::string doctrine_inline_toml(const Doctrine& d);

/// A sweep file that compares, for each played state, its doctrine in the scenario with
/// the doctrine fitted to the session ("what if we had always answered like this?"): one
/// grid parameter per state over `states.NAME.doctrine`, labelled "doctrine" and
/// "as played". `base` is the base scenario's path as the sweep names it.
struct PlayedDoctrine {
  std::size_t state = 0;
  Doctrine scenario;
  Doctrine played;
  /// How readily it joined invitations, against the model: a second grid parameter scales
  /// its alignment with each state in `inviters` (states.LEADER.alignment.STATE) by 1
  /// ("doctrine") or this factor ("as played"). Absent: it answered no invitation.
  std::optional<double> joining;
  std::vector<std::size_t> inviters;
};
std::string as_played_sweep_toml(const Scenario& sc, const std::vector<PlayedDoctrine>& doctrines,
                                 const std::string& base, std::uint64_t replications,
                                 std::uint64_t seed, const std::string& header);

/// A statement's outcome as IncidentRow::statement has it (0 alone, 1 joint, 2 split,
/// 3 unjoined, 4 blocked) in words, and back (1 to 4: what an override may rule).
std::string_view outcome_word(std::uint8_t outcome) noexcept;
std::optional<std::uint8_t> parse_outcome_word(std::string_view word) noexcept;

/// The words of a respond choice ("quiet", "attribute", ...) and back.
std::string_view rung_word(Rung r) noexcept;
std::optional<Rung> parse_rung_word(std::string_view word) noexcept;

}  // namespace cyberdeter::wargame
