#pragma once
// A war-game session (docs/wargame.md): the model asks, the session answers for the played
// states. An answer comes from a script (the decisions being resumed or replayed), from the
// doctrine (weak cases with --delegate-below, everything with --rest doctrine) or from a
// front end, which shows the brief to the players and returns what they chose. Every
// decision is recorded with its brief, appended to the journal and made durable before the
// next question is shown. The session owns everything but the screen: a terminal and a
// server with seats are two front ends of it.

#include <cstdint>
#include <deque>
#include <stdexcept>
#include <string>
#include <vector>

#include "cyberdeter/models/deterrence/scenario.hpp"
#include "cyberdeter/models/deterrence/wargame.hpp"
#include "cyberdeter/wargame/journal.hpp"
#include "cyberdeter/wargame/record.hpp"

namespace cyberdeter::wargame {

/// The players stopped the session (quit, end of input): it is saved and can be resumed.
struct SessionStopped : std::runtime_error {
  SessionStopped(const std::string& why, int exit_status)
      : std::runtime_error(why), status(exit_status) {}
  int status;
};

/// A scripted decision that does not fit the session, or a script the session never used
/// up: bad input (the file and, for a decisions file, the line are named).
struct ScriptMismatch : std::runtime_error {
  ScriptMismatch(std::string file, std::size_t line, std::string which, std::string message)
      : std::runtime_error(message),
        path(std::move(file)),
        line_number(line),
        key(std::move(which)) {}
  std::string path;
  std::size_t line_number;
  std::string key;  ///< "decision 3"
};

/// What the players answered to one question, and how long it took them.
struct Answer {
  int value = 0;  ///< respond: the rung; join: 1 join, 0 decline
  std::string rationale;
  double seconds = 0.0;
};
struct ActionAnswer {
  models::deterrence::DoctrineAction action;
  std::string rationale;
  double seconds = 0.0;
};

/// Shows questions to the players and returns their answers; throws SessionStopped to
/// stop. Each method is called only when players must answer.
class FrontEnd {
 public:
  virtual ~FrontEnd() = default;
  virtual Answer respond(const models::deterrence::ResponseBrief& b, const std::string& brief) = 0;
  virtual Answer join(const models::deterrence::JoinBrief& b, const std::string& brief) = 0;
  /// `brief` is empty for the second and later actions of a turn (shown already). The
  /// action returned must pass check_action.
  virtual ActionAnswer turn(const models::deterrence::TurnBrief& b, const std::string& brief) = 0;
  /// A decision taken from the script, as it is replayed.
  virtual void replayed(const Decision&) {}
  /// The end of the script: `count` decisions replayed up to `day`.
  virtual void replay_done(std::size_t /*count*/, double /*day*/) {}
  /// Something a played state learns outside a question (a missed deadline).
  virtual void notice(std::uint32_t /*state*/, const std::string& /*text*/) {}
};

/// The session's settings beyond those in SessionInfo.
struct SessionOptions {
  bool rest_doctrine = false;  ///< once the script runs out, the doctrine decides
  std::string script_path;     ///< where the script came from (for messages)
  /// The first `journalled` decisions of the script are in the journal already (resume).
  std::size_t journalled = 0;
};

/// The decider of one run of a session.
class Session final : public models::deterrence::Decider {
 public:
  Session(const models::deterrence::Scenario& sc, SessionInfo info, std::vector<Decision> script,
          SessionOptions options, FrontEnd& front_end, Journal* journal);

  models::deterrence::Rung respond(const models::deterrence::ResponseBrief& b) override;
  bool join(const models::deterrence::JoinBrief& b) override;
  models::deterrence::DoctrineAction turn(const models::deterrence::TurnBrief& b) override;

  const std::vector<Decision>& decisions() const noexcept { return decisions_; }
  const SessionInfo& info() const noexcept { return info_; }
  /// The day of the last decision (0 before the first).
  double day() const noexcept { return decisions_.empty() ? 0.0 : decisions_.back().row.day; }
  /// Throws ScriptMismatch if scripted decisions were never asked for.
  void check_script_used() const;

 private:
  Decision start(DecisionKind kind, std::uint32_t state, double day) const;
  bool next_scripted_is(const Decision& d) const;
  const Decision* scripted(Decision& d);
  std::string describe(const Decision& d) const;
  [[noreturn]] void fail(const Decision& s, const std::string& message) const;
  void record(Decision d);
  void before_asking();

  const models::deterrence::Scenario& sc_;
  SessionInfo info_;
  std::deque<Decision> script_;
  SessionOptions options_;
  FrontEnd& front_;
  Journal* journal_;
  bool replaying_ = true;
  std::size_t replayed_ = 0;
  Decision current_;
  std::vector<Decision> decisions_;
  std::uint32_t seen_turn_ = 0;  // the turn whose first action was recorded last
  std::uint32_t seen_state_ = 0;
  std::uint32_t shown_turn_ = 0;  // the turn whose brief the players saw last
  std::uint32_t shown_state_ = 0;
};

}  // namespace cyberdeter::wargame
