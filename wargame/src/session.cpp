// A war-game session: moves, forms and the passes that build them (session.hpp).

#include "cyberdeter/wargame/session.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>
#include <limits>

#include "cyberdeter/models/deterrence/scenario_loader.hpp"
#include "cyberdeter/models/scenario_error.hpp"
#include "cyberdeter/sim/time.hpp"
#include "cyberdeter/wargame/briefs.hpp"
#include "cyberdeter/wargame/statement.hpp"
#include "cyberdeter/wargame/text.hpp"

namespace cyberdeter::wargame {

namespace det = models::deterrence;
using det::Rung;

namespace {

// Thrown from inside a pass when the move's questions so far must be answered before the
// replication can go on: a question of a later move, or a turn after unanswered questions.
struct EndOfSegment {};
// Thrown from inside a pass when the white cell changed the world during a turn: the
// replication runs again from day 0 in the new world, with the answers so far.
struct Restart {};

constexpr auto inject_kind = static_cast<std::uint8_t>(DecisionKind::inject);
constexpr auto ruling_kind = static_cast<std::uint8_t>(DecisionKind::adjudication);

// The injects among `decisions`, in the order of their days (the order they apply in).
std::vector<Decision> injects_by_day(const std::vector<Decision>& decisions,
                                     const std::vector<Decision>& more) {
  std::vector<Decision> out;
  for (const auto* list : {&decisions, &more}) {
    for (const Decision& d : *list) {
      if (d.row.kind == inject_kind) out.push_back(d);
    }
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const Decision& a, const Decision& b) { return a.row.day < b.row.day; });
  return out;
}

class Hash {
 public:
  Hash& add(std::uint64_t v) {
    for (int i = 0; i < 8; ++i) {
      h_ ^= (v >> (8 * i)) & 0xffu;
      h_ *= 0x100000001b3ull;
    }
    return *this;
  }
  Hash& add(double v) { return add(std::bit_cast<std::uint64_t>(v)); }
  std::uint64_t value() const { return h_; }

 private:
  std::uint64_t h_ = 0xcbf29ce484222325ull;
};

}  // namespace

// The facts of a case: an answer given to it applies as long as they are the same.
std::uint64_t content_of(const det::ResponseBrief& b) {
  return Hash()
      .add(std::uint64_t{b.incident})
      .add(std::uint64_t{b.named})
      .add(std::uint64_t{b.sector})
      .add(std::uint64_t{b.success})
      .add(b.severity)
      .add(b.confidence)
      .add(b.case_strength)
      .add(b.landed_day)
      .add(b.detected_day)
      .value();
}

std::uint64_t content_of(const det::JoinBrief& b) {
  Hash h;
  h.add(std::uint64_t{b.incident})
      .add(std::uint64_t{b.leader})
      .add(std::uint64_t{b.named})
      .add(static_cast<std::uint64_t>(b.rung))
      .add(b.severity)
      .add(b.confidence)
      .add(std::uint64_t{b.late})
      .add(b.invited_day);
  // The draft is part of the question: an invitation answered while the leader's seat was
  // still drafting (a simultaneous move) is asked again with the text it circulated. A
  // doctrine's draft adds nothing, so that sessions before drafts keep their keys.
  if (!(b.draft == det::StatementDraft{})) {
    h.add(b.draft.evidence)
        .add(static_cast<std::uint64_t>(b.draft.likelihood + 1))
        .add(b.draft.release_days.value_or(-1.0))
        .add(static_cast<std::uint64_t>(b.draft.consent));
  }
  return h.value();
}

// ---- one run of the replication --------------------------------------------------------

class Session::Pass final : public det::Decider {
 public:
  Pass(Session& s, const std::vector<Decision>& fixed, bool first)
      : s_(s), injects_(injects_by_day(fixed, s.inject_answers_)), first_(first) {
    for (const Decision& d : fixed) {
      if (d.row.kind == ruling_kind) {
        rulings_.emplace(d.row.incident, std::make_pair(d, true));
      } else if (d.row.kind != inject_kind) {
        fixed_.push_back(d);
      }
    }
    for (const Decision& d : s.rulings_) rulings_.emplace(d.row.incident, std::make_pair(d, false));
  }

  std::uint8_t adjudicate(const det::Adjudication& a) override {
    proposals.push_back({a, s_.reasons(a), std::nullopt});
    const auto it = rulings_.find(static_cast<std::int64_t>(a.incident));
    if (it == rulings_.end()) return a.proposed;
    auto& [ruling, scripted] = it->second;
    const auto outcome = static_cast<std::uint8_t>(ruling.row.choice);
    if (outcome != a.unblocked && outcome != det::statement_outcome::blocked) {
      // A white cell's override that the answers since made moot is dropped; a file's
      // is an error.
      if (scripted) {
        s_.fail(ruling, "the model proposes " + std::string(outcome_word(a.proposed)) +
                            " for incident " + std::to_string(a.incident) +
                            ": an override may rule " + std::string(outcome_word(a.unblocked)) +
                            " or blocked");
      }
      return a.proposed;
    }
    place_injects(a.day);
    Decision d = ruling;
    d.row.decision = decisions.size();
    d.row.day = a.day;
    d.row.move = s_.move_of(a.day);
    d.row.state = a.lead;
    d.row.named = static_cast<std::int32_t>(a.named);
    d.row.recommended = static_cast<std::int8_t>(a.proposed);
    d.row.deviates = outcome != a.proposed;
    decisions.push_back(std::move(d));
    proposals.back().ruled = outcome;
    rulings_.erase(it);
    return outcome;
  }

  Rung respond(const det::ResponseBrief& b) override {
    Decision d = start(DecisionKind::respond, b.state, b.day);
    d.row.incident = static_cast<std::int64_t>(b.incident);
    d.row.named = static_cast<std::int32_t>(b.named);
    d.row.confidence = b.confidence;
    d.row.case_strength = b.case_strength;
    d.row.recommended = static_cast<std::int8_t>(b.recommended);
    for (const Rung r : b.options()) {
      d.row.options |= static_cast<std::uint8_t>(1u << static_cast<unsigned>(r));
    }
    d.brief = render_response(s_.sc_, b, d.row.decision + 1);
    Rung chosen = b.recommended;
    draft_ = DraftWords{};
    // A weak case the script does not mention is left to the doctrine, so a hand-written
    // decisions file need not list the cases --delegate-below would never show.
    const bool delegated = b.case_strength < s_.info_.delegate_below && !next_fixed_is(d);
    if (delegated) {
      d.row.source = static_cast<std::uint8_t>(DecisionSource::doctrine);
    } else if (const Decision* f = fixed(d)) {
      chosen = static_cast<Rung>(f->row.choice);
      draft_ = words_after_rung(*f);
    } else if (!s_.options_.rest_doctrine) {
      enter_question(d);
      const QuestionKey key{static_cast<std::uint8_t>(DecisionKind::respond),
                            b.state,
                            d.row.incident,
                            0,
                            0,
                            content_of(b)};
      if (const auto it = s_.answers_.find(key); it != s_.answers_.end()) {
        const Answer& a = it->second.answer;
        chosen = a.default_answer ? b.recommended : static_cast<Rung>(a.value);
        if (!a.default_answer && !a.words.empty()) {
          std::string error;
          if (const auto w = parse_draft_words(a.words, error)) draft_ = *w;
        }
        take(d, a);
      } else {
        FormItem item = form_item(d, key);
        item.respond = b;
        item.summary = "incident " + std::to_string(b.incident) + ": " +
                       s_.sc_.attackers[b.named].name +
                       " named, case strength z = " + fixed_point(b.case_strength) +
                       "; the doctrine advises " + std::string(rung_word(b.recommended));
        pending.push_back(std::move(item));
      }
    }
    d.row.choice = static_cast<std::int8_t>(chosen);
    d.row.deviates = chosen != b.recommended;
    if (chosen == Rung::none) {
      const auto probability = draft_.probability;
      draft_ = DraftWords{};
      draft_.probability = probability;
    }
    const std::string words = format_draft_words(draft_);
    d.action = std::string(rung_word(chosen)) + (words.empty() ? "" : " " + words);
    record(std::move(d));
    return chosen;
  }

  det::StatementDraft draft(const det::ResponseBrief&, Rung, double doctrine_evidence) override {
    return draft_.draft(doctrine_evidence);
  }

  det::JoinAnswer stance(const det::JoinBrief&, bool) override { return stance_; }

  bool join(const det::JoinBrief& b) override {
    Decision d = start(DecisionKind::join, b.state, b.day);
    d.row.incident = static_cast<std::int64_t>(b.incident);
    d.row.named = static_cast<std::int32_t>(b.named);
    d.row.confidence = b.confidence;
    d.row.recommended = b.model_answer ? 1 : 0;
    d.row.late = b.late;
    d.row.leader = static_cast<std::int32_t>(b.leader);
    d.row.p_join = b.p_join;
    d.brief = render_join(s_.sc_, b, d.row.decision + 1);
    bool joins = b.model_answer;
    bool asked = false;
    std::string stance_words;
    if (const Decision* f = fixed(d)) {
      joins = f->row.choice == 1;
      stance_words = f->action;
    } else if (!s_.options_.rest_doctrine) {
      enter_question(d);
      asked = true;
      const QuestionKey key{static_cast<std::uint8_t>(DecisionKind::join),
                            b.state,
                            d.row.incident,
                            0,
                            0,
                            content_of(b)};
      if (const auto it = s_.answers_.find(key); it != s_.answers_.end()) {
        const Answer& a = it->second.answer;
        joins = a.default_answer ? b.model_answer : a.value == 1;
        if (!a.default_answer) stance_words = a.words;
        take(d, a);
      } else {
        FormItem item = form_item(d, key);
        item.join = b;
        item.summary = "invitation from " + s_.sc_.states[b.leader].name + " to " +
                       (b.rung == Rung::sanction ? "sanction " : "a statement naming ") +
                       s_.sc_.attackers[b.named].name + " (incident " + std::to_string(b.incident) +
                       ")";
        pending.push_back(std::move(item));
      }
    }
    stance_ = det::JoinAnswer{};
    stance_.stance = joins ? det::Stance::concur : det::Stance::abstain;
    if (!stance_words.empty()) {
      std::string error;
      if (const auto a = parse_stance_words(stance_words, error)) stance_ = *a;
      // The stance decides whether it co-signs: a separate statement or a rejection does not.
      joins = stance_.stance == det::Stance::concur || stance_.stance == det::Stance::amend;
    }
    d.row.choice = joins ? 1 : 0;
    d.row.deviates = joins != b.model_answer;
    d.action = format_stance_words(stance_);
    if (b.late && asked) {
      // Both sides learn that the answer missed the deadline (docs/model.md §11.5).
      const std::string& ally = s_.sc_.states[b.state].name;
      const std::string& leader = s_.sc_.states[b.leader].name;
      const std::size_t i = decisions.size();
      notices.push_back({i, b.state,
                         ally + "'s answer (" + (joins ? std::string("join") : "decline") +
                             ") could not reach " + leader + " by its deadline, " +
                             when(s_.sc_, b.deadline_day) + ": it went ahead without " + ally +
                             "."});
      notices.push_back({i, b.leader,
                         ally + " did not answer " + leader + "'s invitation on incident " +
                             std::to_string(b.incident) + " by the deadline, " +
                             when(s_.sc_, b.deadline_day) + "."});
    }
    record(std::move(d));
    return joins;
  }

  det::DoctrineAction turn(const det::TurnBrief& b) override {
    Decision d = start(DecisionKind::turn, b.state, b.day);
    d.row.turn = b.turn;
    const bool first = !(turn_ == b.turn && turn_state_ == b.state);
    index_ = first ? 0 : index_ + 1;
    turn_ = b.turn;
    turn_state_ = b.state;
    // The brief is recorded with the turn's first action; later actions of the turn show
    // only the doctrine as it now stands.
    d.brief = render_turn(s_.sc_, b, s_.info_.turn_days);
    det::DoctrineAction action;
    if (const Decision* f = fixed(d)) {
      try {
        action = det::parse_action(f->action, s_.sc_);
      } catch (const std::invalid_argument& e) {
        s_.fail(*f, e.what());  // a session file of another scenario
      }
      if (const auto why = det::check_action(s_.sc_, b, action)) s_.fail(*f, *why);
    } else if (s_.options_.rest_doctrine || (first && quiet_turn(b))) {
      // A turn at which nothing happened to the seat is skipped (--every-turn asks it).
      d.row.source = static_cast<std::uint8_t>(DecisionSource::doctrine);
    } else {
      if (first) enter_question(d);
      const QuestionKey key{
          static_cast<std::uint8_t>(DecisionKind::turn), b.state, -1, b.turn, index_, 0};
      bool have = false;
      if (const auto it = s_.answers_.find(key); it != s_.answers_.end()) {
        try {
          action = det::parse_action(it->second.action, s_.sc_);
          have = !det::check_action(s_.sc_, b, action).has_value();
        } catch (const std::invalid_argument&) {
        }
        if (have) {
          take(d, it->second.answer);
        } else {
          // What was typed no longer applies: the rest of the turn is asked again.
          std::erase_if(s_.answers_, [&](const auto& kv) {
            const QuestionKey& k = kv.first;
            return k.kind == key.kind && k.state == key.state && k.turn == key.turn &&
                   k.index >= key.index;
          });
        }
      }
      if (!have) {
        if (!pending.empty()) throw EndOfSegment{};  // the questions before it first
        settle();
        const bool shown = !s_.turns_shown_.insert({b.state, b.turn}).second;
        s_.now_ = s_.info_.move_days > 0.0
                      ? std::min(s_.move_of(b.day) * s_.info_.move_days, s_.sc_.run.horizon_days)
                      : b.day;
        ActionAnswer a;
        if (s_.jump_to_ && b.day <= *s_.jump_to_) {
          a.source = DecisionSource::jump;  // done: the white cell jumped past the turn
        } else {
          a = s_.front_.turn(b, shown ? std::string() : d.brief, move_.value_or(0),
                             s_.deadline(b.state, move_.value_or(0)));
        }
        action = a.action;
        Stored stored;
        stored.answer.rationale = a.rationale;
        stored.answer.seconds = a.seconds;
        stored.answer.source = a.source;
        stored.action = det::format_action(action, s_.sc_);
        s_.store(key, stored, move_.value_or(0));
        if (s_.restart_) throw Restart{};
        take(d, stored.answer);
      }
    }
    if (!first) d.brief.clear();
    d.row.choice = static_cast<std::int8_t>(action.kind);
    d.row.deviates = action.kind != det::ActionKind::done;
    d.action = det::format_action(action, s_.sc_);
    record(std::move(d));
    return action;
  }

  void answered(std::uint64_t incident, std::uint32_t ally, bool joins) override {
    if (joins) cosigners[incident].push_back(ally);
  }

  void published(const det::Publication& p) override { publications.push_back(p); }

  void scheduled(std::size_t index, double day, bool acts) override {
    s_.fired_.try_emplace(index, day);
    if (acts) acts_done.emplace_back(index, day);
  }

  /// The white cell's injects take their place among the decisions by their day: after
  /// every question of that day or before, before any later one.
  void place_injects(double before) {
    for (; next_inject_ < injects_.size() && injects_[next_inject_].row.day < before;
         ++next_inject_) {
      Decision d = injects_[next_inject_];
      d.row.decision = decisions.size();
      d.row.move = s_.move_of(d.row.day);
      decisions.push_back(std::move(d));
    }
  }

  /// The run ended: a script not used up is an error.
  void finished() const {
    for (const auto& [incident, ruling] : rulings_) {
      if (ruling.second) {
        s_.fail(ruling.first, "the session never adjudicated a statement on incident " +
                                  std::to_string(incident));
      }
    }
    if (next_ < fixed_.size()) {
      s_.fail(fixed_[next_], std::to_string(fixed_.size() - next_) +
                                 " scripted decision(s) were never asked for: the session "
                                 "ended first. The decisions come from another scenario, "
                                 "seed, replication or --turn-days");
    }
  }

  struct Notice {
    std::size_t decision;
    std::uint32_t state;
    std::string text;
  };
  std::vector<Decision> decisions;
  std::map<std::uint64_t, std::vector<std::uint32_t>> cosigners;
  std::vector<Notice> notices;
  std::vector<det::Publication> publications;
  std::vector<std::pair<std::size_t, double>> acts_done;  // scheduled events that happened
  std::vector<Proposal> proposals;                        // the model's, for the white cell
  std::vector<FormItem> pending;
  /// Decisions before the first question of the move under way: settled whatever its
  /// answers (all of them while no question came).
  std::size_t settled() const { return first_question_.value_or(decisions.size()); }
  std::optional<std::uint32_t> move() const { return move_; }

 private:
  Decision start(DecisionKind kind, std::uint32_t state, double day) {
    place_injects(day);
    Decision d;
    d.row.decision = decisions.size();
    d.row.day = day;
    d.row.state = state;
    d.row.kind = static_cast<std::uint8_t>(kind);
    d.row.move = s_.move_of(day);
    d.row.source = static_cast<std::uint8_t>(s_.options_.rest_doctrine && next_ >= fixed_.size()
                                                 ? DecisionSource::doctrine
                                                 : DecisionSource::player);
    return d;
  }

  FormItem form_item(const Decision& d, const QuestionKey& key) const {
    FormItem item;
    item.key = key;
    item.kind = static_cast<DecisionKind>(d.row.kind);
    item.state = d.row.state;
    item.day = d.row.day;
    item.number = d.row.decision + 1;
    item.brief = d.brief;
    return item;
  }

  static std::string fixed_point(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f", v);
    return buf;
  }

  static void take(Decision& d, const Answer& a) {
    d.row.seconds = a.seconds;
    d.row.source = static_cast<std::uint8_t>(a.source);
    d.rationale = a.rationale;
  }

  // A question of the move under way: the first one opens the move; one of a later move
  // ends this run of the replication (or, with move_days 0, any second question does).
  void enter_question(const Decision& d) {
    if (!move_) {
      move_ = d.row.move;
      first_question_ = decisions.size();
    } else if (s_.info_.move_days <= 0.0 || d.row.move > *move_) {
      throw EndOfSegment{};
    }
  }

  // Nothing happened to the seat since its last turn: no detection, no question.
  bool quiet_turn(const det::TurnBrief& b) const {
    if (s_.options_.every_turn) return false;
    if (b.record.detected != b.previous.detected) return false;
    if (b.record.coalitions_joined != b.previous.coalitions_joined) return false;
    for (auto it = decisions.rbegin(); it != decisions.rend(); ++it) {
      if (it->row.state != b.state) continue;
      if (it->row.kind == static_cast<std::uint8_t>(DecisionKind::turn)) break;
      if (it->row.source != static_cast<std::uint8_t>(DecisionSource::doctrine)) return false;
    }
    return true;
  }

  bool next_fixed_is(const Decision& d) const {
    if (next_ >= fixed_.size()) return false;
    const DecisionRow& s = fixed_[next_].row;
    return s.kind == d.row.kind && s.state == d.row.state &&
           (static_cast<DecisionKind>(d.row.kind) == DecisionKind::turn
                ? s.turn == d.row.turn
                : s.incident == d.row.incident);
  }

  const Decision* fixed(Decision& d) {
    if (next_ >= fixed_.size()) {
      if (first_ && !replay_done_ && next_ > 0) s_.front_.replay_done(next_, d.row.day);
      replay_done_ = true;
      return nullptr;
    }
    if (!next_fixed_is(d)) {
      const Decision& f = fixed_[next_];
      s_.fail(f, "is " + s_.describe(f) + ", but the session asks for " + s_.describe(d) +
                     ": the decisions come from another scenario, seed, replication or "
                     "--turn-days, or an earlier decision differs");
    }
    const Decision& f = fixed_[next_++];
    d.row.seconds = f.row.seconds;
    // Who took the decision in the session it came from (a hand-written one: the file).
    d.row.source = f.row.source;
    d.rationale = f.rationale;
    replaying_ = true;
    return &f;
  }

  void record(Decision d) {
    if (first_ && replaying_) s_.front_.replayed(d);
    replaying_ = false;
    decisions.push_back(std::move(d));
  }

  // A turn is asked in the middle of a run only when every question before it is answered:
  // the decisions so far are then final (the same answers give them again), and become part
  // of the session before the players are asked.
  void settle() { s_.accept(decisions, decisions.size()); }

  // The words of a decision's statement after its rung ("coordinate evidence 0.5").
  static DraftWords words_after_rung(const Decision& f) {
    const std::size_t space = f.action.find(' ');
    if (space == std::string::npos) return {};
    std::string error;
    return parse_draft_words(std::string_view(f.action).substr(space + 1), error)
        .value_or(DraftWords{});
  }

  Session& s_;
  std::vector<Decision> fixed_;    // the decisions to replay, the injects apart
  std::vector<Decision> injects_;  // fixed and of the move under way, by day
  // The white cell's overrides by incident, fixed (true) or of the move under way.
  std::map<std::int64_t, std::pair<Decision, bool>> rulings_;
  std::size_t next_inject_ = 0;
  bool first_;
  DraftWords draft_;        // the statement of the last response
  det::JoinAnswer stance_;  // the stance of the last answer to an invitation
  std::size_t next_ = 0;    // the next fixed decision
  bool replaying_ = false;
  bool replay_done_ = false;
  std::optional<std::uint32_t> move_;
  std::optional<std::size_t> first_question_;
  std::uint32_t turn_ = 0, turn_state_ = 0, index_ = 0;
};

// ---- the session ------------------------------------------------------------------------

Session::Session(const det::Scenario& sc, SessionInfo info, std::vector<Decision> script,
                 SessionOptions options, FrontEnd& front_end, Journal* journal)
    : sc_(sc),
      info_(std::move(info)),
      fixed_(std::move(script)),
      options_(std::move(options)),
      front_(front_end),
      journal_(journal),
      journalled_(options_.journalled),
      notified_(options_.journalled),
      unaccepted_answers_(options_.answers.size()) {
  for (const JournalAnswer& a : options_.answers) {
    Stored s;
    s.answer.value = a.value;
    s.answer.default_answer = a.default_answer;
    s.answer.rationale = a.rationale;
    s.answer.seconds = a.seconds;
    s.answer.source = static_cast<DecisionSource>(a.source);
    s.action = a.action;
    if (a.kind == ruling_kind) {
      Decision d;
      d.row.kind = ruling_kind;
      d.row.state = a.state;
      d.row.incident = a.incident;
      d.row.day = a.day;
      d.row.move = a.move;
      d.row.choice = static_cast<std::int8_t>(a.value);
      d.row.seconds = a.seconds;
      d.row.source = a.source;
      d.action = a.action;
      d.rationale = a.rationale;
      rulings_.push_back(std::move(d));
      continue;
    }
    if (a.kind == inject_kind) {
      Decision d;
      d.row.kind = inject_kind;
      d.row.state = a.state;
      d.row.turn = a.turn;
      d.row.day = a.day;
      d.row.move = a.move;
      d.row.seconds = a.seconds;
      d.row.source = a.source;
      d.action = a.action;
      d.rationale = a.rationale;
      std::string error;
      if (const auto inject = parse_inject_words(a.action, a.turn, error)) {
        d.row.choice = static_cast<std::int8_t>(inject->op);
      }
      inject_answers_.push_back(std::move(d));
      continue;
    }
    if (a.kind != static_cast<std::uint8_t>(DecisionKind::turn)) s.answer.words = a.action;
    answers_[QuestionKey{a.kind, a.state, a.incident, a.turn, a.index, a.content}] = s;
  }
}

std::uint32_t Session::move_of(double day) const noexcept {
  if (!(info_.move_days > 0.0)) return 0;
  const sim::Tick t = sim::to_ticks(day);
  const sim::Tick m = std::max<sim::Tick>(1, sim::to_ticks(info_.move_days));
  return static_cast<std::uint32_t>(t <= 0 ? 1 : (t + m - 1) / m);
}

void Session::play(const PassRunner& run) {
  build_world();
  front_.white_cell(*this);
  bool first = true;
  for (;;) {
    Pass pass(*this, fixed_, first);
    bool finished = false;
    fired_.clear();
    in_pass_ = true;
    restart_ = false;
    try {
      run(world(), pass);
      finished = true;
    } catch (const EndOfSegment&) {
    } catch (const Restart&) {
      in_pass_ = false;
      ++passes_;
      first = false;
      continue;
    } catch (...) {
      in_pass_ = false;
      throw;
    }
    in_pass_ = false;
    ++passes_;
    first = false;
    if (finished) {
      pass.place_injects(std::numeric_limits<double>::infinity());
      pass.finished();
    }
    if (!pass.pending.empty()) {
      accept(pass.decisions, pass.settled());
      fixed_ = accepted_;

      ask_forms(pass.pending, pass.move().value_or(0));
      continue;
    }
    // Semi-rigid adjudication: the move's questions are answered; before its statements
    // count, the white cell reviews the outcomes the model gives them, and the move is
    // played again with its overrides (docs/wargame.md, "Adjudication").
    if (asked_move_ > 0 && info_.move_days > 0.0) {
      const double end = std::min(asked_move_ * info_.move_days, sc_.run.horizon_days);
      // Only the move's statements after every decision already settled (a turn settles
      // those before it), so that an override changes nothing decided.
      const double settled = accepted_.empty() ? -1.0 : accepted_.back().row.day;
      std::vector<Proposal> fresh;
      for (const Proposal& p : pass.proposals) {
        const double day = p.adjudication.day;
        if (move_of(day) == asked_move_ && day > settled &&
            !reviewed_.contains(p.adjudication.incident) && !(jump_to_ && day <= *jump_to_)) {
          fresh.push_back(p);
        }
      }
      if (!fresh.empty()) {
        for (const Proposal& p : fresh) reviewed_.insert(p.adjudication.incident);
        proposals_ = std::move(fresh);
        now_ = end;
        const std::size_t before = rulings_.size();
        front_.review(proposals_, asked_move_);
        proposals_.clear();
        if (rulings_.size() > before) continue;  // played again with the rulings
      }
    }
    accept(pass.decisions, pass.decisions.size());
    fixed_ = accepted_;
    inject_answers_.clear();  // the move is complete: they are decisions now
    rulings_.clear();
    proposals_.clear();
    // What the players learn outside a question (a missed deadline), once per decision,
    // when its move is complete.
    for (const auto& n : pass.notices) {
      if (n.decision >= notified_) front_.notice(n.state, n.text);
    }
    notified_ = accepted_.size();
    for (const auto& p : pass.publications) {
      if (published_.insert(p.incident).second) front_.published(p);
    }
    for (const auto& [index, day] : pass.acts_done) {
      if (acts_published_.insert({index, day}).second) {
        front_.scheduled_act(world().scheduled[index], index, day);
      }
    }
    answers_.clear();
    if (finished) {
      cosigners_ = std::move(pass.cosigners);
      return;
    }
  }
}

void Session::accept(const std::vector<Decision>& decisions, std::size_t n) {
  // Every answer given so far is in these decisions when they are all of the run's.
  if (n == decisions.size()) unaccepted_answers_ = 0;
  if (n <= accepted_.size()) return;
  accepted_.assign(decisions.begin(), decisions.begin() + static_cast<std::ptrdiff_t>(n));
  if (journal_ == nullptr) return;
  for (; journalled_ < accepted_.size(); ++journalled_) journal_->decision(accepted_[journalled_]);
  journal_->sync();
}

void Session::store(const QuestionKey& key, const Stored& s, std::uint32_t move) {
  answers_[key] = s;
  ++unaccepted_answers_;
  if (journal_ == nullptr) return;
  JournalAnswer a;
  a.move = move;
  a.kind = key.kind;
  a.state = key.state;
  a.incident = key.incident;
  a.turn = key.turn;
  a.index = key.index;
  a.content = key.content;
  a.value = s.answer.value;
  a.default_answer = s.answer.default_answer;
  a.action = key.kind == static_cast<std::uint8_t>(DecisionKind::turn) ? s.action : s.answer.words;
  a.rationale = s.answer.rationale;
  a.seconds = s.answer.seconds;
  a.source = static_cast<std::uint8_t>(s.answer.source);
  journal_->answer(a);
  // On disk before the next question is shown.
  journal_->sync();
}

std::optional<Clock::time_point> Session::deadline(std::uint32_t state, std::uint32_t move) {
  if (!(options_.move_seconds > 0.0)) return std::nullopt;
  const auto limit = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(options_.move_seconds));
  // One question at a time: each question (each action of a turn) has the time.
  if (!(info_.move_days > 0.0)) return Clock::now() + limit;
  const auto key = std::make_pair(state, move);
  auto it = deadlines_.find(key);
  if (it == deadlines_.end()) {
    it = deadlines_.emplace(key, Clock::now() + limit).first;
  }
  return it->second;
}

void Session::ask_forms(std::vector<FormItem>& pending, std::uint32_t move) {
  // One form per seat, the seats in the order of their first question.
  std::vector<std::uint32_t> seats;
  for (const FormItem& item : pending) {
    if (std::find(seats.begin(), seats.end(), item.state) == seats.end()) {
      seats.push_back(item.state);
    }
  }
  std::vector<Form> forms;
  for (const std::uint32_t seat : seats) {
    Form form;
    form.move = move;
    form.from_day = info_.move_days > 0.0 ? (move - 1) * info_.move_days : 0.0;
    form.to_day = info_.move_days > 0.0 ? std::min(move * info_.move_days, sc_.run.horizon_days)
                                        : pending.front().day;
    form.state = seat;
    form.follow_up = !forms_shown_.insert({seat, move}).second;
    for (const FormItem& item : pending) {
      if (item.state == seat) form.items.push_back(item);
    }
    form.deadline = deadline(seat, move);
    forms.push_back(std::move(form));
  }
  if (!forms.empty()) now_ = forms.front().to_day;
  asked_move_ = move;
  if (jump_to_ && !forms.empty() && forms.front().to_day <= *jump_to_) {
    // The white cell jumped the clock past this move: every question takes its default.
    for (const Form& form : forms) {
      for (const FormItem& item : form.items) {
        Stored s;
        s.answer.default_answer = true;
        s.answer.source = DecisionSource::jump;
        s.answer.value = item.respond ? static_cast<int>(item.respond->recommended)
                                      : (item.join->model_answer ? 1 : 0);
        store(item.key, s, move);
      }
    }
    return;
  }
  front_.forms(forms, [&](std::size_t f, std::size_t i, const Answer& a) {
    Stored s;
    s.answer = a;
    store(forms.at(f).items.at(i).key, s, move);
  });
}

std::string Session::describe(const Decision& d) const {
  const auto kind = static_cast<DecisionKind>(d.row.kind);
  const std::string state = sc_.states.at(d.row.state).name;
  if (kind == DecisionKind::turn) return state + "'s turn " + std::to_string(d.row.turn);
  if (kind == DecisionKind::inject) {
    return "the white cell's inject " + std::to_string(d.row.turn) + " (" + d.action + ")";
  }
  if (kind == DecisionKind::adjudication) {
    return "the white cell's override on incident " + std::to_string(d.row.incident) + " (" +
           d.action + ")";
  }
  return (kind == DecisionKind::respond ? state + "'s response to incident "
                                        : state + "'s answer to an invitation about incident ") +
         std::to_string(d.row.incident);
}

void Session::fail(const Decision& s, const std::string& message) const {
  throw ScriptMismatch(options_.script_path, s.line,
                       "decision " + std::to_string(s.row.decision + 1), message);
}

}  // namespace cyberdeter::wargame

namespace cyberdeter::wargame {

// ---- the white cell ---------------------------------------------------------------------

namespace {
std::string day_text(double day) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", day);
  return buf;
}
}  // namespace

// The scenario the injects make: each inject rewrites its event's [[scheduled]] table,
// computed on the world the injects before it made, in the resolved scenario, which the
// loader then validates as it validates any scenario file.
void Session::build_world() {
  const std::vector<Decision> injects = injects_by_day(fixed_, inject_answers_);
  world_.reset();
  tables_.clear();
  if (injects.empty()) return;
  if (resolved_.empty()) resolved_ = det::resolved_toml(sc_);
  for (std::size_t i = 0; i < sc_.scheduled.size(); ++i) tables_.push_back(scheduled_table(sc_, i));
  for (const Decision& d : injects) {
    std::string error;
    const auto inject = parse_inject_words(d.action, d.row.turn, error);
    if (!inject) fail(d, error);
    if (inject->index >= world().scheduled.size()) {
      fail(d, "the scenario has no scheduled event " + std::to_string(inject->index));
    }
    tables_[inject->index] = scheduled_table(world(), inject->index, &*inject, d.row.day);
    try {
      world_ = det::load_scenario_text(with_scheduled(resolved_, tables_), sc_.path);
    } catch (const models::ScenarioError& e) {
      fail(d, e.key() + ": " + e.message());
    }
  }
}

std::vector<bool> Session::inject_pending() const {
  const det::Scenario& w = world();
  std::vector<bool> out(w.scheduled.size(), true);
  for (std::size_t i = 0; i < out.size(); ++i) {
    const det::ScheduledEvent& e = w.scheduled[i];
    if (const auto day = wargame::inject_day(e)) {
      out[i] = *day > now_;
    } else if (e.trigger != det::ScheduledTrigger::day) {
      const auto it = fired_.find(i);
      out[i] = it == fired_.end() || it->second > now_;
    }
  }
  return out;
}

std::optional<std::string> Session::inject(const Inject& inject, const std::string& reason,
                                           double seconds) {
  const det::Scenario& w = world();
  const std::string which = "inject " + std::to_string(inject.index);
  if (inject.index >= w.scheduled.size()) {
    return "no " + which + ": the scenario has " + std::to_string(w.scheduled.size()) +
           " scheduled event(s)";
  }
  const det::ScheduledEvent& e = w.scheduled[inject.index];
  if (!inject_pending()[inject.index]) {
    return which + " has happened by the end of the move under way (day " + day_text(now_) +
           "): it can no longer be changed";
  }
  if (inject.op == InjectOp::skip && !e.enabled) return which + " is off already";
  if (reason.size() > 1000) return "a reason of at most 1000 characters";
  if (resolved_.empty()) resolved_ = det::resolved_toml(sc_);
  std::vector<ScheduledTable> tables = tables_;
  if (tables.empty()) {
    for (std::size_t i = 0; i < w.scheduled.size(); ++i) tables.push_back(scheduled_table(w, i));
  }
  tables[inject.index] = scheduled_table(w, inject.index, &inject, now_);
  det::Scenario next;
  try {
    next = det::load_scenario_text(with_scheduled(resolved_, tables), sc_.path);
  } catch (const models::ScenarioError& err) {
    return which + ": " + err.key() + ": " + err.message();
  }
  const det::ScheduledEvent& n = next.scheduled[inject.index];
  // An inject changes the world from the end of the move under way: the questions the
  // seats are answering, and every decision before them, stay as they are.
  if (n.enabled && n.trigger == det::ScheduledTrigger::day && n.day + n.delay_days < now_) {
    return which + " would happen on day " + day_text(n.day + n.delay_days) +
           ", before the end of the move under way (day " + day_text(now_) + ")";
  }
  if (n.enabled && n.trigger != det::ScheduledTrigger::day && n.after_day < now_) {
    return which +
           ": a conditional event watches from the end of the move under way: "
           "after_day at least " +
           day_text(now_);
  }
  Decision d;
  d.row.kind = inject_kind;
  d.row.state = static_cast<std::uint32_t>(e.state);
  d.row.turn = static_cast<std::uint32_t>(inject.index);
  d.row.day = now_;
  d.row.move = move_of(now_);
  d.row.choice = static_cast<std::int8_t>(inject.op);
  d.row.seconds = seconds;
  d.row.source = static_cast<std::uint8_t>(DecisionSource::player);
  d.action = format_inject_words(inject);
  d.rationale = reason;
  if (journal_ != nullptr) {
    JournalAnswer a;
    a.move = d.row.move;
    a.kind = inject_kind;
    a.state = d.row.state;
    a.turn = d.row.turn;
    a.action = d.action;
    a.rationale = d.rationale;
    a.seconds = seconds;
    a.source = d.row.source;
    a.day = d.row.day;
    journal_->answer(a);
    journal_->sync();  // on disk before it is acknowledged
  }
  ++unaccepted_answers_;
  inject_answers_.push_back(std::move(d));
  tables_ = std::move(tables);
  world_ = std::move(next);
  if (in_pass_) restart_ = true;
  return std::nullopt;
}

std::optional<std::string> Session::jump(double day) {
  if (!std::isfinite(day) || !(day > now_)) {
    return "jump to a day after the end of the move under way (day " + day_text(now_) + ")";
  }
  if (day > sc_.run.horizon_days) {
    return "jump to a day up to the session's end (day " + day_text(sc_.run.horizon_days) + ")";
  }
  jump_to_ = day;
  return std::nullopt;
}

}  // namespace cyberdeter::wargame

namespace cyberdeter::wargame {

// ---- adjudication -----------------------------------------------------------------------

// The model's outcome in words: the consent rule and who did what (docs/model.md §7.5).
std::vector<std::string> Session::reasons(const det::Adjudication& a) const {
  auto names = [&](const std::vector<std::uint32_t>& states) {
    std::string out;
    for (const std::uint32_t s : states) out += (out.empty() ? "" : ", ") + sc_.states.at(s).name;
    return out;
  };
  std::vector<std::string> out;
  const std::string rule = a.consent == det::Consent::unanimity
                               ? "unanimity: a rejection or a silence blocks the joint text"
                           : a.consent == det::Consent::silence
                               ? "silence procedure: no answer by the release is consent, a "
                                 "rejection blocks"
                               : "the willing: those who concur sign";
  out.push_back("consent rule: " + rule);
  out.push_back(a.cosigners.empty() ? "nobody co-signed" : "co-signers: " + names(a.cosigners));
  if (!a.separate.empty()) out.push_back("separate statements: " + names(a.separate));
  if (!a.rejecters.empty()) out.push_back("rejected the draft: " + names(a.rejecters));
  if (!a.silent.empty()) out.push_back("no answer by the release: " + names(a.silent));
  out.push_back(a.proposed == det::statement_outcome::blocked
                    ? "so the rule blocks the joint text: " + sc_.states.at(a.lead).name +
                          " goes alone; overriding it gives " +
                          std::string(outcome_word(a.unblocked))
                    : "so the outcome is " + std::string(outcome_word(a.proposed)) +
                          "; overriding it blocks the joint text");
  return out;
}

std::optional<std::string> Session::overrule(std::uint64_t incident, std::uint8_t outcome,
                                             const std::string& reason, double seconds) {
  if (reason.find_first_not_of(' ') == std::string::npos) {
    return "an override needs a reason";
  }
  if (reason.size() > 1000) return "a reason of at most 1000 characters";
  const auto p = std::find_if(proposals_.begin(), proposals_.end(), [&](const Proposal& x) {
    return x.adjudication.incident == incident;
  });
  if (p == proposals_.end()) {
    return "no statement on incident " + std::to_string(incident) +
           " is adjudicated in the move under way";
  }
  const det::Adjudication& a = p->adjudication;
  if (std::any_of(rulings_.begin(), rulings_.end(), [&](const Decision& d) {
        return d.row.incident == static_cast<std::int64_t>(incident);
      })) {
    return "incident " + std::to_string(incident) + " is overridden already";
  }
  if (outcome == a.proposed) {
    return std::string(outcome_word(outcome)) +
           " is the model's proposal: accepting it needs no message";
  }
  if (outcome != a.unblocked && outcome != det::statement_outcome::blocked) {
    return "for incident " + std::to_string(incident) + " an override may rule " +
           std::string(outcome_word(a.proposed == det::statement_outcome::blocked
                                        ? a.unblocked
                                        : det::statement_outcome::blocked));
  }
  Decision d;
  d.row.kind = ruling_kind;
  d.row.state = a.lead;
  d.row.incident = static_cast<std::int64_t>(incident);
  d.row.day = a.day;
  d.row.move = move_of(a.day);
  d.row.choice = static_cast<std::int8_t>(outcome);
  d.row.seconds = seconds;
  d.row.source = static_cast<std::uint8_t>(DecisionSource::player);
  d.action = std::string(outcome_word(outcome));
  d.rationale = reason;
  if (journal_ != nullptr) {
    JournalAnswer j;
    j.move = d.row.move;
    j.kind = ruling_kind;
    j.state = d.row.state;
    j.incident = d.row.incident;
    j.value = outcome;
    j.action = d.action;
    j.rationale = reason;
    j.seconds = seconds;
    j.source = d.row.source;
    j.day = d.row.day;
    journal_->answer(j);
    journal_->sync();
  }
  ++unaccepted_answers_;
  p->ruled = outcome;
  rulings_.push_back(std::move(d));
  if (in_pass_) restart_ = true;
  return std::nullopt;
}

}  // namespace cyberdeter::wargame
