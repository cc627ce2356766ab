// A war-game session: the decider of the model's run (session.hpp).

#include "cyberdeter/wargame/session.hpp"

#include <algorithm>

#include "cyberdeter/wargame/briefs.hpp"
#include "cyberdeter/wargame/text.hpp"

namespace cyberdeter::wargame {

namespace det = models::deterrence;
using det::Rung;

Session::Session(const det::Scenario& sc, SessionInfo info, std::vector<Decision> script,
                 SessionOptions options, FrontEnd& front_end, Journal* journal)
    : sc_(sc),
      info_(std::move(info)),
      script_(script.begin(), script.end()),
      options_(std::move(options)),
      front_(front_end),
      journal_(journal) {}

Rung Session::respond(const det::ResponseBrief& b) {
  Decision d = start(DecisionKind::respond, b.state, b.day);
  d.row.incident = static_cast<std::int64_t>(b.incident);
  d.row.named = static_cast<std::int32_t>(b.named);
  d.row.confidence = b.confidence;
  d.row.case_strength = b.case_strength;
  d.row.recommended = static_cast<std::int8_t>(b.recommended);
  for (const Rung r : b.options()) {
    d.row.options |= static_cast<std::uint8_t>(1u << static_cast<unsigned>(r));
  }
  d.brief = render_response(sc_, b, d.row.decision + 1);
  Rung chosen = b.recommended;
  // A weak case the script does not mention is left to the doctrine, so a hand-written
  // decisions file need not list the cases --delegate-below would never show.
  const bool delegated = b.case_strength < info_.delegate_below && !next_scripted_is(d);
  if (delegated) {
    d.row.source = static_cast<std::uint8_t>(DecisionSource::doctrine);
  } else if (const Decision* s = scripted(d)) {
    chosen = static_cast<Rung>(s->row.choice);
  } else if (!options_.rest_doctrine) {
    before_asking();
    const Answer a = front_.respond(b, d.brief);
    chosen = static_cast<Rung>(a.value);
    d.row.seconds = a.seconds;
    d.rationale = a.rationale;
  }
  d.row.choice = static_cast<std::int8_t>(chosen);
  d.row.deviates = chosen != b.recommended;
  d.action = std::string(rung_word(chosen));
  record(std::move(d));
  return chosen;
}

bool Session::join(const det::JoinBrief& b) {
  Decision d = start(DecisionKind::join, b.state, b.day);
  d.row.incident = static_cast<std::int64_t>(b.incident);
  d.row.named = static_cast<std::int32_t>(b.named);
  d.row.confidence = b.confidence;
  d.row.recommended = b.model_answer ? 1 : 0;
  d.row.late = b.late;
  d.brief = render_join(sc_, b, d.row.decision + 1);
  bool joins = b.model_answer;
  if (const Decision* s = scripted(d)) {
    joins = s->row.choice == 1;
  } else if (!options_.rest_doctrine) {
    before_asking();
    const Answer a = front_.join(b, d.brief);
    joins = a.value == 1;
    d.row.seconds = a.seconds;
    d.rationale = a.rationale;
  }
  d.row.choice = joins ? 1 : 0;
  d.row.deviates = joins != b.model_answer;
  d.action = joins ? "join" : "decline";
  const bool told = b.late && !replaying_;
  record(std::move(d));
  if (told) {
    // Both sides learn that the answer missed the deadline (docs/model.md §11.5).
    const std::string& ally = sc_.states[b.state].name;
    const std::string& leader = sc_.states[b.leader].name;
    front_.notice(b.state, ally + "'s answer (" + (joins ? std::string("join") : "decline") +
                               ") could not reach " + leader + " by its deadline, " +
                               when(sc_, b.deadline_day) + ": it went ahead without " + ally + ".");
    front_.notice(b.leader, ally + " did not answer " + leader + "'s invitation on incident " +
                                std::to_string(b.incident) + " by the deadline, " +
                                when(sc_, b.deadline_day) + ".");
  }
  return joins;
}

det::DoctrineAction Session::turn(const det::TurnBrief& b) {
  Decision d = start(DecisionKind::turn, b.state, b.day);
  d.row.turn = b.turn;
  const bool first = !(seen_turn_ == b.turn && seen_state_ == b.state);
  seen_turn_ = b.turn;
  seen_state_ = b.state;
  // The brief is recorded with the turn's first action; later actions of the turn show
  // only the doctrine as it now stands.
  d.brief = render_turn(sc_, b, info_.turn_days);
  det::DoctrineAction action;
  if (const Decision* s = scripted(d)) {
    try {
      action = det::parse_action(s->action, sc_);
    } catch (const std::invalid_argument& e) {
      fail(*s, e.what());  // a session file of another scenario
    }
    if (const auto why = det::check_action(sc_, b, action)) fail(*s, *why);
  } else if (!options_.rest_doctrine) {
    // The turn's brief is shown once, even when its first actions were replayed.
    const bool shown = shown_turn_ == b.turn && shown_state_ == b.state;
    shown_turn_ = b.turn;
    shown_state_ = b.state;
    before_asking();
    const ActionAnswer a = front_.turn(b, shown ? std::string() : d.brief);
    action = a.action;
    d.row.seconds = a.seconds;
    d.rationale = a.rationale;
  }
  if (!first) d.brief.clear();
  d.row.choice = static_cast<std::int8_t>(action.kind);
  d.row.deviates = action.kind != det::ActionKind::done;
  d.action = det::format_action(action, sc_);
  record(std::move(d));
  return action;
}

void Session::check_script_used() const {
  if (script_.empty()) return;
  fail(script_.front(), std::to_string(script_.size()) +
                            " scripted decision(s) were never asked for: the session ended "
                            "first. The decisions come from another scenario, seed, "
                            "replication or --turn-days");
}

Decision Session::start(DecisionKind kind, std::uint32_t state, double day) const {
  Decision d;
  d.row.decision = decisions_.size();
  d.row.day = day;
  d.row.state = state;
  d.row.kind = static_cast<std::uint8_t>(kind);
  d.row.source =
      static_cast<std::uint8_t>(options_.rest_doctrine && script_.empty() ? DecisionSource::doctrine
                                                                          : DecisionSource::player);
  return d;
}

bool Session::next_scripted_is(const Decision& d) const {
  if (script_.empty()) return false;
  const DecisionRow& s = script_.front().row;
  return s.kind == d.row.kind && s.state == d.row.state &&
         (static_cast<DecisionKind>(d.row.kind) == DecisionKind::turn
              ? s.turn == d.row.turn
              : s.incident == d.row.incident);
}

const Decision* Session::scripted(Decision& d) {
  if (script_.empty()) {
    if (replaying_ && replayed_ > 0) front_.replay_done(replayed_, d.row.day);
    replaying_ = false;
    return nullptr;
  }
  if (!next_scripted_is(d)) {
    const Decision& s = script_.front();
    fail(s, "is " + describe(s) + ", but the session asks for " + describe(d) +
                ": the decisions come from another scenario, seed, replication or "
                "--turn-days, or an earlier decision differs");
  }
  current_ = script_.front();
  script_.pop_front();
  d.row.seconds = current_.row.seconds;
  // Who took the decision in the session it came from (a hand-written one: the file).
  d.row.source = current_.row.source;
  d.rationale = current_.rationale;
  ++replayed_;
  return &current_;
}

std::string Session::describe(const Decision& d) const {
  const auto kind = static_cast<DecisionKind>(d.row.kind);
  const std::string state = sc_.states.at(d.row.state).name;
  if (kind == DecisionKind::turn) return state + "'s turn " + std::to_string(d.row.turn);
  return (kind == DecisionKind::respond ? state + "'s response to incident "
                                        : state + "'s answer to an invitation about incident ") +
         std::to_string(d.row.incident);
}

void Session::fail(const Decision& s, const std::string& message) const {
  throw ScriptMismatch(options_.script_path, s.line,
                       "decision " + std::to_string(s.row.decision + 1), message);
}

void Session::record(Decision d) {
  if (replaying_) front_.replayed(d);
  // The script's first decisions may be in the journal already (a resumed session).
  if (journal_ != nullptr && decisions_.size() >= options_.journalled) journal_->decision(d);
  decisions_.push_back(std::move(d));
}

void Session::before_asking() {
  // Every decision taken so far is on disk before the players see the next question.
  if (journal_ != nullptr) journal_->sync();
}

}  // namespace cyberdeter::wargame
