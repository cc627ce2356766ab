#pragma once
// The journal of a war-game session (docs/wargame.md, "The journal"): an append-only text
// file next to the session file (SESSION.h5.journal) that holds the session's settings and
// every decision taken, one record a line, each line with its CRC-32. A decision is on
// disk (written and fsync'd) before the next question is shown, so a closed window, a
// dropped connection, a crash or a power cut lose at most the answer being typed:
// `cyberdeter wargame --resume` continues from the journal and `cyberdeter debrief` reads
// it.
//
// A line is TOML with the CRC of what precedes " # " as a comment:
//   decision = {decision = 3, day = 105.4, ..., action = "decline", rationale = ""} # 1a2b3c4d
// A last line cut short (no newline, or a CRC that does not match) was being written when
// the process died: it is ignored, and cut off before the journal is appended to again. A
// damaged line before the last is an error.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cyberdeter/wargame/record.hpp"

namespace cyberdeter::wargame {

/// What a journal's first record says: enough to replay the session without its files.
struct JournalHeader {
  SessionInfo info;               ///< played, turn_days, delegate_below, seed, replication
  std::string rest = "ask";       ///< who decides once the scripted decisions run out
  double move_seconds = 0.0;      ///< the move timer (0: none)
  bool every_turn = false;        ///< every turn is put to the players
  std::string scenario_resolved;  ///< the scenario as played (after --set, --horizon-days)
  std::string scenario_text;
  std::string scenario_path;
  std::string scenario_name;
  std::string program_version;
  std::string command_line;
};

/// A player's answer to a question of the move under way, before the move's decisions are
/// journalled (docs/wargame.md, "Moves"): matched to its question by key and content.
struct JournalAnswer {
  std::uint32_t move = 0;
  std::uint8_t kind = 0;  ///< DecisionKind
  std::uint32_t state = 0;
  std::int64_t incident = -1;
  std::uint32_t turn = 0;
  std::uint32_t index = 0;    ///< turn: the action's position
  std::uint64_t content = 0;  ///< respond, join: the hash of the case's facts
  int value = 0;              ///< respond: the rung; join: 1 or 0
  bool default_answer = false;
  std::string action;  ///< turn: the action in words
  std::string rationale;
  double seconds = 0.0;
  std::uint8_t source = 0;  ///< DecisionSource
  /// inject (kind 3; `turn` the event's index, `action` its words, `rationale` the reason):
  /// the day it takes effect
  double day = 0.0;
};

/// A journal read back.
struct JournalContents {
  JournalHeader header;
  std::vector<Decision> decisions;  ///< in the order taken
  /// The answers after the last decision: those of the move under way when it stopped.
  std::vector<JournalAnswer> answers;
  bool complete = false;         ///< the session ended and its file was written
  std::uint64_t stops = 0;       ///< times the session stopped before its end
  std::uint64_t good_bytes = 0;  ///< length of the journal up to its last whole line
  bool torn_tail = false;        ///< a last line was cut short (and is ignored)
};

/// The journal of session file `session_path`: session_path + ".journal".
std::string journal_path(const std::string& session_path);

/// Reads a journal; a file that is not one, or is damaged before its last line, throws
/// std::runtime_error naming the file and line.
JournalContents read_journal(const std::string& path);

/// A journal as the interrupted session it records (what read_session gives for a session
/// file that stopped early): `session_path` names it.
StoredSession stored_session(const JournalContents& journal, const std::string& session_path);

/// Appends records to a journal; every record is one write(2) of a whole line.
class Journal {
 public:
  /// Starts a new journal at `path` with `header` (an existing file is replaced), synced.
  static Journal create(const std::string& path, const JournalHeader& header);
  /// Continues `path`: cuts a torn last line off and appends from there.
  static Journal append_to(const std::string& path, std::uint64_t good_bytes);

  Journal(Journal&&) noexcept;
  Journal& operator=(Journal&&) noexcept;
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;
  ~Journal();

  const std::string& path() const noexcept { return path_; }
  /// Appends a decision; on disk after the next sync().
  void decision(const Decision& d);
  /// Appends an answer to a question of the move under way; on disk after the next sync().
  void answer(const JournalAnswer& a);
  /// Appends a note that the session stopped (why) or resumed, or completed; synced.
  void stopped(const std::string& why, std::uint64_t decisions);
  void resumed(std::uint64_t decisions);
  void completed(std::uint64_t decisions);
  /// Makes everything appended so far durable (fsync); a no-op when nothing is pending.
  void sync();

 private:
  Journal(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  void append(const std::string& type, const std::string& fields);
  std::string path_;
  int fd_ = -1;
  bool pending_ = false;
};

}  // namespace cyberdeter::wargame
