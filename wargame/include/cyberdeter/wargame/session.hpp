#pragma once
// A war-game session (docs/wargame.md): the model asks, the session answers for the played
// states. An answer comes from a script (the decisions being resumed or replayed), from the
// doctrine (weak cases with --delegate-below, everything with --rest doctrine) or from a
// front end, which shows the questions to the players and returns what they chose.
//
// Questions are gathered into moves (docs/wargame.md, "Moves"): move k holds the decisions
// of days ((k-1)·move_days, k·move_days], and each played state (a seat) answers one form
// per move that lists its cases and invitations. To know a move's questions before they are
// answered, the session runs the replication ahead to the move's end with provisional
// answers (the doctrine's advice, the model's answer), then puts each seat's form to the
// front end. It runs the replication again from day 0 with the answers, matched to the
// questions by key (kind, state, incident or turn) and content (the facts of the case); a
// question the answers made arise, or changed, goes to its seat in a short follow-up form.
// A turn changes what follows it, so it is asked on its own when everything before it is
// answered. A whole seven-year session replays in a fraction of a second, so a move costs
// two or three replays of its prefix.
//
// Every answer is appended to the journal and made durable before the next question is
// shown; a move's decisions are journalled when the move is complete. The session owns
// everything but the screen: a terminal and a server with seats are two front ends of it.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "cyberdeter/models/deterrence/scenario.hpp"
#include "cyberdeter/models/deterrence/wargame.hpp"
#include "cyberdeter/wargame/inject.hpp"
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

using Clock = std::chrono::steady_clock;

/// What the players answered to one question, and how long it took them.
struct Answer {
  int value = 0;  ///< respond: the rung; join: 1 join, 0 decline
  /// Enter: the doctrine's advice (respond) or the model's answer (join), whatever it is
  /// when the move is played out; `value` is then what it was when asked.
  bool default_answer = false;
  std::string rationale;
  double seconds = 0.0;
  DecisionSource source = DecisionSource::player;  ///< timeout: the move's time ran out
  /// The statement's words after the rung (respond: "evidence 0.5 p 0.8", statement.hpp),
  /// or the stance (join: "separate", "amend evidence 0.2"); empty: the doctrine's
  /// statement, or concur or abstain as `value` says.
  std::string words;
};
struct ActionAnswer {
  models::deterrence::DoctrineAction action;
  std::string rationale;
  double seconds = 0.0;
  DecisionSource source = DecisionSource::player;
};

/// The key and content of a question, by which an answer is matched to it when the move is
/// played again: the same key with other content is another question.
struct QuestionKey {
  std::uint8_t kind = 0;
  std::uint32_t state = 0;
  std::int64_t incident = -1;
  std::uint32_t turn = 0;
  std::uint32_t index = 0;    ///< turn: the action's position in the turn
  std::uint64_t content = 0;  ///< respond, join: a hash of the case's facts
  auto operator<=>(const QuestionKey&) const = default;
};

/// One question of a form: a response to a case or an answer to an invitation.
struct FormItem {
  QuestionKey key;
  DecisionKind kind = DecisionKind::respond;
  std::uint32_t state = 0;
  double day = 0.0;
  std::uint64_t number = 0;  ///< the decision's sequence number (as the brief's header says)
  std::optional<models::deterrence::ResponseBrief> respond;
  std::optional<models::deterrence::JoinBrief> join;
  std::string brief;    ///< as rendered
  std::string summary;  ///< one line for the form's list
};

/// A seat's questions of one move.
struct Form {
  std::uint32_t move = 0;  ///< 1, 2, ...
  double from_day = 0.0;   ///< the move covers (from_day, to_day]
  double to_day = 0.0;
  std::uint32_t state = 0;
  bool follow_up = false;  ///< questions that arose from the answers to the move's form
  std::vector<FormItem> items;
  /// When the move's time runs out (a move timer): unanswered items take their default.
  std::optional<Clock::time_point> deadline;
};

/// An outcome the model proposes for a statement, with its reasons in words, for the white
/// cell to accept or override (docs/wargame.md, "Adjudication").
struct Proposal {
  models::deterrence::Adjudication adjudication;
  std::vector<std::string> reasons;
  std::optional<std::uint8_t> ruled;  ///< the white cell's override, if it gave one
};

/// What the white cell changes in a session (docs/wargame.md, "The white cell"). A front
/// end calls it from the session's thread while it waits for answers (in forms() or
/// turn()); each change returns why it was refused, or nothing when it was taken.
class WhiteCell {
 public:
  virtual ~WhiteCell() = default;
  /// Publishes, edits or skips a scheduled event, from the end of the move under way; a
  /// decision of the session, journalled before it returns.
  virtual std::optional<std::string> inject(const Inject& inject, const std::string& reason,
                                            double seconds) = 0;
  /// Jumps the clock to `day`: every question of a move that ends by then takes its default
  /// (source jump), and so does the rest of the move under way.
  virtual std::optional<std::string> jump(double day) = 0;
  /// Overrides the outcome the model proposed for an incident's statement, while the
  /// front end reviews them (`outcome` 1 to 4 as IncidentRow::statement); a reason is
  /// required.
  virtual std::optional<std::string> overrule(std::uint64_t incident, std::uint8_t outcome,
                                              const std::string& reason, double seconds) = 0;
  /// The scenario as the injects so far made it.
  virtual const models::deterrence::Scenario& world() const = 0;
  /// Per scheduled event: it has not happened by the end of the move under way.
  virtual std::vector<bool> inject_pending() const = 0;
  /// The day an inject takes effect: the end of the move under way.
  virtual double inject_day() const = 0;
};

/// Shows questions to the players and returns their answers; throws SessionStopped to
/// stop. Each method is called only when players must answer.
class FrontEnd {
 public:
  virtual ~FrontEnd() = default;
  /// The session's white-cell controls, given once before the first question.
  virtual void white_cell(WhiteCell& /*control*/) {}
  /// Puts a seat's form to its players; calls `answered(i, answer)` as soon as item i is
  /// answered (the session makes the answer durable before it returns), in any order.
  virtual void form(const Form& form,
                    const std::function<void(std::size_t, const Answer&)>& answered) = 0;
  /// Puts every seat's form of a move at once; calls `answered(f, i, answer)` for item i
  /// of form f, in any order. By default one form after the other (a shared terminal).
  virtual void forms(const std::vector<Form>& forms,
                     const std::function<void(std::size_t, std::size_t, const Answer&)>& answered) {
    for (std::size_t f = 0; f < forms.size(); ++f) {
      form(forms[f], [&](std::size_t i, const Answer& a) { answered(f, i, a); });
    }
  }
  /// One action of a turn. `brief` is empty for the second and later actions of a turn
  /// (shown already). The action returned must pass check_action; after `deadline`, `done`
  /// with source timeout.
  virtual ActionAnswer turn(const models::deterrence::TurnBrief& b, const std::string& brief,
                            std::uint32_t move, std::optional<Clock::time_point> deadline) = 0;
  /// A decision taken from the script, as it is replayed.
  virtual void replayed(const Decision&) {}
  /// The end of the script: `count` decisions replayed up to `day`.
  virtual void replay_done(std::size_t /*count*/, double /*day*/) {}
  /// Something a played state learns outside a question (a missed deadline).
  virtual void notice(std::uint32_t /*state*/, const std::string& /*text*/) {}
  /// A statement or sanctions went public (what everyone, observers too, may see), once
  /// per incident, when the move in which it happened is complete.
  virtual void published(const models::deterrence::Publication& /*p*/) {}
  /// The outcomes the model proposes for the statements of a move whose questions are all
  /// answered, before they count: returns when the white cell has ruled (through
  /// WhiteCell::overrule) or has nothing to say. By default at once: accepted.
  virtual void review(const std::vector<Proposal>& /*p*/, std::uint32_t /*move*/) {}
  /// A scheduled event (an inject) happened on `day`, told once when its move is complete.
  virtual void scheduled_act(const models::deterrence::ScheduledEvent& /*e*/, std::size_t /*index*/,
                             double /*day*/) {}
};

/// The session's settings beyond those in SessionInfo.
struct SessionOptions {
  bool rest_doctrine = false;  ///< once the script runs out, the doctrine decides
  std::string script_path;     ///< where the script came from (for messages)
  /// The first `journalled` decisions of the script are in the journal already (resume).
  std::size_t journalled = 0;
  /// Answers of the move under way when the session stopped (resume), in journal order.
  std::vector<JournalAnswer> answers;
  /// Wall time a seat has for its questions of a move; 0: no limit.
  double move_seconds = 0.0;
  /// Put every turn to the players, also when nothing happened to the seat since its last.
  bool every_turn = false;
};

/// Runs one replication of `world` (the session's scenario as the white cell's injects
/// made it) with `decider` from day 0.
using PassRunner = std::function<void(const models::deterrence::Scenario& world,
                                      models::deterrence::Decider& decider)>;

/// A session: plays the replication move by move until its end.
class Session final : public WhiteCell {
 public:
  Session(const models::deterrence::Scenario& sc, SessionInfo info, std::vector<Decision> script,
          SessionOptions options, FrontEnd& front_end, Journal* journal);

  /// Plays to the end of the replication; the last call of `run` is the session's history.
  /// Throws SessionStopped, ScriptMismatch, or what the front end throws.
  void play(const PassRunner& run);

  /// The decisions of the moves completed (all of them once play() returns).
  const std::vector<Decision>& decisions() const noexcept { return accepted_; }
  const SessionInfo& info() const noexcept { return info_; }
  /// The day of the last decision taken (0 before the first).
  double day() const noexcept { return accepted_.empty() ? 0.0 : accepted_.back().row.day; }
  /// Answers given for the move under way (journalled, not yet decisions).
  std::size_t pending_answers() const noexcept { return unaccepted_answers_; }
  /// Replays `run` played: how many times the replication was run.
  std::size_t passes() const noexcept { return passes_; }

  /// Who joined each incident's statement or sanctions in time, by incident (once play()
  /// returned): the co-signers of the after-action review.
  const std::map<std::uint64_t, std::vector<std::uint32_t>>& cosigners() const noexcept {
    return cosigners_;
  }

  /// The move of a decision on `day` (1 for the first).
  std::uint32_t move_of(double day) const noexcept;

  // The white cell (WhiteCell above).
  std::optional<std::string> inject(const Inject& inject, const std::string& reason,
                                    double seconds) override;
  std::optional<std::string> jump(double day) override;
  std::optional<std::string> overrule(std::uint64_t incident, std::uint8_t outcome,
                                      const std::string& reason, double seconds) override;
  const models::deterrence::Scenario& world() const override { return world_ ? *world_ : sc_; }
  std::vector<bool> inject_pending() const override;
  double inject_day() const override { return now_; }

 private:
  class Pass;
  friend class Pass;
  struct Stored {
    Answer answer;
    std::string action;  ///< turn: the action's words
  };
  void ask_forms(std::vector<FormItem>& pending, std::uint32_t move);
  void accept(const std::vector<Decision>& decisions, std::size_t n);
  void store(const QuestionKey& key, const Stored& s, std::uint32_t move);
  std::optional<Clock::time_point> deadline(std::uint32_t state, std::uint32_t move);
  [[noreturn]] void fail(const Decision& s, const std::string& message) const;
  std::string describe(const Decision& d) const;

  const models::deterrence::Scenario& sc_;
  SessionInfo info_;
  std::vector<Decision> fixed_;  // what a run replays: the script, then the accepted decisions
  SessionOptions options_;
  FrontEnd& front_;
  Journal* journal_;
  std::vector<Decision> accepted_;         // decisions of the completed moves, in order
  std::size_t journalled_ = 0;             // of accepted_, how many are in the journal
  std::size_t notified_ = 0;               // of accepted_, whose notices were given
  std::size_t unaccepted_answers_ = 0;     // answers journalled after the last decision
  std::map<QuestionKey, Stored> answers_;  // the move under way
  using Seat = std::pair<std::uint32_t, std::uint32_t>;  // (state, move or turn)
  std::map<Seat, Clock::time_point> deadlines_;
  std::set<Seat> forms_shown_;
  std::set<Seat> turns_shown_;
  std::size_t passes_ = 0;
  std::map<std::uint64_t, std::vector<std::uint32_t>> cosigners_;
  std::set<std::uint64_t> published_;  // incidents whose publication the front end was told

  // The white cell's injects: those of the move under way (decisions once it is complete),
  // the scenario they make (the resolved scenario with the tables they wrote, in the order
  // of their days), what the last pass saw of the scheduled events, and the clock.
  void build_world();
  std::vector<std::string> reasons(const models::deterrence::Adjudication& a) const;
  std::vector<Decision> inject_answers_;
  std::optional<models::deterrence::Scenario> world_;
  std::vector<ScheduledTable> tables_;  // the [[scheduled]] tables of world()
  std::string resolved_;
  std::set<std::pair<std::size_t, double>> acts_published_;
  std::map<std::size_t, double> fired_;  // scheduled event -> day it happened or triggered
  double now_ = 0.0;                     // the end of the move under way
  std::optional<double> jump_to_;
  std::vector<Decision> rulings_;     // the white cell's overrides of the move under way
  std::vector<Proposal> proposals_;   // the model's, under review
  std::set<std::uint64_t> reviewed_;  // incidents whose outcome the white cell reviewed
  std::uint32_t asked_move_ = 0;      // the move whose forms were last put
  bool in_pass_ = false;
  bool restart_ = false;  // an inject during a turn: the pass runs again in the new world
};

/// The content hash of a question (part of its key).
std::uint64_t content_of(const models::deterrence::ResponseBrief& b);
std::uint64_t content_of(const models::deterrence::JoinBrief& b);

}  // namespace cyberdeter::wargame
