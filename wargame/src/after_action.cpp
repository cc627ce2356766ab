#include "cyberdeter/wargame/after_action.hpp"
#include "cyberdeter/wargame/statement.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>

#include "cyberdeter/wargame/text.hpp"

namespace cyberdeter::wargame {
namespace {

namespace det = models::deterrence;

std::string num(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

// "-6 (-12 %)", "+0.031", "same".
std::string change(double session, double doctrine, int decimals) {
  const double d = session - doctrine;
  if (std::abs(d) < 0.5 * std::pow(10.0, -decimals)) return "same";
  std::string out = d > 0 ? "+" : "";
  out += num(d, decimals);
  const double relative = doctrine != 0.0 ? 100.0 * d / doctrine : 0.0;
  if (std::abs(relative) >= 0.5) {
    out += d > 0 ? " (+" : " (";
    out += num(relative, 0);
    out += " %)";
  }
  return out;
}

class Table {
 public:
  void section(const std::string& name) { out_ << " " << name << "\n"; }
  void row(const std::string& label, double session, double doctrine, int decimals) {
    char buf[160];
    std::snprintf(buf, sizeof buf, "   %-38s %9s %9s   %s\n", label.c_str(),
                  num(session, decimals).c_str(), num(doctrine, decimals).c_str(),
                  change(session, doctrine, decimals).c_str());
    out_ << buf;
  }
  std::string str() const { return out_.str(); }

 private:
  std::ostringstream out_;
};

struct Launched {
  double all = 0, state_sponsored = 0;
};
Launched launched_on(const std::vector<det::IncidentRow>& incidents, std::size_t s) {
  Launched l;
  for (const auto& i : incidents) {
    if (i.victim != s || i.landed_day < 0.0) continue;
    ++l.all;
    if (i.attacker_kind == static_cast<std::uint8_t>(det::AttackerKind::state_sponsored)) {
      ++l.state_sponsored;
    }
  }
  return l;
}

double mean_belief(const det::RunResult& r, std::size_t s) {
  double sum = 0;
  std::size_t n = 0;
  for (const auto& b : r.beliefs) {
    if (b.state == s) {
      sum += b.p_attributed;
      ++n;
    }
  }
  return n > 0 ? sum / static_cast<double>(n) : 0.0;
}

std::string describe(const det::Scenario& sc, const Decision& d) {
  const auto kind = static_cast<DecisionKind>(d.row.kind);
  const std::string& state = sc.states.at(d.row.state).name;
  switch (kind) {
    case DecisionKind::respond:
      return state + " chose " + d.action + " on incident " + std::to_string(d.row.incident) +
             " (named " + sc.attackers.at(static_cast<std::size_t>(d.row.named)).name +
             "); the doctrine said " +
             std::string(rung_word(static_cast<det::Rung>(d.row.recommended)));
    case DecisionKind::join:
      return state + " chose to " + d.action + " an invitation about incident " +
             std::to_string(d.row.incident) + "; the model would have " +
             (d.row.recommended == 1 ? "joined" : "declined");
    case DecisionKind::turn:
      return state + " at turn " + std::to_string(d.row.turn) + ": " + d.action;
    case DecisionKind::inject:
      return "the white cell's inject " + std::to_string(d.row.turn) + ": " + d.action;
    case DecisionKind::adjudication:
      return "the white cell ruled " + d.action + " on incident " + std::to_string(d.row.incident) +
             "; the model proposed " +
             std::string(outcome_word(static_cast<std::uint8_t>(d.row.recommended)));
  }
  return "";
}

// The Brier score of each seat's stated probabilities that the actor it named did it
// ("p P" in a response's words: docs/wargame.md, "Joint statements"), against the truth;
// empty when nobody stated one.
std::string stated_probabilities(const det::Scenario& sc, const std::vector<std::size_t>& played,
                                 const std::vector<Decision>& decisions, const PlayedRun& session) {
  std::ostringstream out;
  bool any = false;
  for (const std::size_t s : played) {
    const auto score = stated_score(decisions, session, s);
    if (!score) continue;
    if (!any) {
      out << " Stated probabilities that the actor named did it, against the truth\n"
             " (Brier score: 0 is perfect, 0.25 is always saying 0.5):\n";
      any = true;
    }
    char buf[160];
    std::snprintf(buf, sizeof buf, "   %-30s %4zu stated, %4zu right; Brier score %.3f\n",
                  sc.states[s].name.c_str(), score->stated, score->right, score->brier);
    out << buf;
  }
  return out.str();
}

// The probability a response's words state ("coordinate evidence 0.5 p 0.8"), if any.
std::optional<double> stated_in(const Decision& d) {
  if (static_cast<DecisionKind>(d.row.kind) != DecisionKind::respond) return std::nullopt;
  const std::size_t space = d.action.find(' ');
  if (space == std::string::npos) return std::nullopt;
  std::string error;
  const auto words = parse_draft_words(std::string_view(d.action).substr(space + 1), error);
  if (!words) return std::nullopt;
  return words->probability;
}

}  // namespace

std::string after_action(const det::Scenario& sc, const SessionInfo& info,
                         const std::vector<std::size_t>& played,
                         const std::vector<Decision>& decisions, const PlayedRun& session,
                         const PlayedRun& doctrine, const std::string& session_path,
                         const Cosigners& cosigners) {
  std::ostringstream out;
  const std::string rule(78, '=');
  out << rule << "\n AFTER-ACTION SUMMARY | " << (sc.name.empty() ? sc.path : sc.name) << "\n"
      << rule << "\n";
  std::string players;
  for (const auto s : played) players += (players.empty() ? "" : ", ") + sc.states[s].name;
  out << " Played: " << players << ". Seed " << info.seed << ", replication " << info.replication
      << ",\n " << num(sc.run.horizon_days, 0) << " days to " << when(sc, sc.run.horizon_days)
      << ".\n";

  std::size_t responds = 0, respond_dev = 0, joins = 0, join_dev = 0, changes = 0, injects = 0,
              overrides = 0;
  std::set<std::pair<std::uint32_t, std::uint32_t>> turns;
  const Decision* first_departure = nullptr;
  for (const auto& d : decisions) {
    switch (static_cast<DecisionKind>(d.row.kind)) {
      case DecisionKind::respond:
        ++responds;
        respond_dev += d.row.deviates ? 1 : 0;
        break;
      case DecisionKind::join:
        ++joins;
        join_dev += d.row.deviates ? 1 : 0;
        break;
      case DecisionKind::turn:
        turns.insert({d.row.state, d.row.turn});
        changes += d.row.deviates ? 1 : 0;
        break;
      case DecisionKind::inject: ++injects; break;
      case DecisionKind::adjudication: ++overrides; break;
    }
    if (d.row.deviates && first_departure == nullptr) first_departure = &d;
  }
  out << " Decisions: " << responds << (responds == 1 ? " response (" : " responses (")
      << respond_dev << " unlike the doctrine),\n " << joins
      << (joins == 1 ? " invitation answered (" : " invitations answered (") << join_dev
      << " unlike the model), " << turns.size() << " turns with " << changes
      << (changes == 1 ? " change.\n" : " changes.\n");
  if (injects > 0) {
    out << " The white cell's injects: " << injects
        << " (the doctrine's history below has them too).\n";
  }
  if (overrides > 0)
    out << " The white cell overrode the model's outcome " << overrides << " time(s).\n";
  if (first_departure) {
    out << " First departure from the doctrine: " << when(sc, first_departure->row.day) << ":\n";
    for (const auto& line : wrap(describe(sc, *first_departure) + ".", 74, 0)) {
      out << "   " << line << "\n";
    }
  } else {
    out << " No decision departed from the doctrine: both histories are the same.\n";
  }

  out << "\n" << public_acts(sc, played, session, cosigners);
  if (const std::string brier = stated_probabilities(sc, played, decisions, session);
      !brier.empty()) {
    out << "\n" << brier;
  }
  out << "\n What happened, against the same replication played by the doctrine\n"
      << " (same random numbers; every difference comes from the players' decisions):\n\n";
  out << compare_runs(sc, played, session, doctrine, "session", "doctrine");
  out << "\n One history cannot separate the decisions' effect from the luck of what\n"
         " followed them. For the average effect of always answering like this, turn\n"
         " the session into a doctrine and sweep it over many replications:\n"
      << "   cyberdeter debrief " << session_path << " --sweep as_played.toml\n";
  return out.str();
}

std::vector<ComparisonRow> comparison_rows(const det::Scenario& sc,
                                           const std::vector<std::size_t>& played,
                                           const PlayedRun& session, const PlayedRun& doctrine) {
  std::vector<ComparisonRow> rows;
  std::string section;
  auto row = [&](const std::string& label, double a, double b, int decimals) {
    rows.push_back({section, label, a, b, decimals});
  };
  const std::string& unit = sc.run.value_unit;
  for (const auto s : played) {
    const auto& a = session.result.states.at(s).counts;
    const auto& b = doctrine.result.states.at(s).counts;
    const Launched la = launched_on(session.incidents, s);
    const Launched lb = launched_on(doctrine.incidents, s);
    section = sc.states[s].name;
    row("attacks launched on it", la.all, lb.all, 0);
    row("  by state-sponsored groups", la.state_sponsored, lb.state_sponsored, 0);
    row("succeeded", static_cast<double>(a.succeeded), static_cast<double>(b.succeeded), 0);
    row("damage (" + unit + ")", a.damage, b.damage, 1);
    row("detected", static_cast<double>(a.detected), static_cast<double>(b.detected), 0);
    row("attributed to an actor", static_cast<double>(a.attributed),
        static_cast<double>(b.attributed), 0);
    row("kept quiet", static_cast<double>(a.responses[0]), static_cast<double>(b.responses[0]), 0);
    row("attributed publicly (alone)", static_cast<double>(a.responses[1]),
        static_cast<double>(b.responses[1]), 0);
    row("coordinated statements", static_cast<double>(a.responses[2]),
        static_cast<double>(b.responses[2]), 0);
    row("sanctions", static_cast<double>(a.responses[3]), static_cast<double>(b.responses[3]), 0);
    row("wrong actor named publicly", static_cast<double>(a.innocent_punished),
        static_cast<double>(b.innocent_punished), 0);
    row("spent on programs (" + unit + ")", session.result.states.at(s).program_cost,
        doctrine.result.states.at(s).program_cost, 1);
    row("attackers' P(named) of it at the end", mean_belief(session.result, s),
        mean_belief(doctrine.result, s), 3);
  }
  const auto& ra = session.result.run;
  const auto& rb = doctrine.result.run;
  section = "World";
  row("attacks launched", static_cast<double>(ra.total.launched),
      static_cast<double>(rb.total.launched), 0);
  row("damage (" + unit + ")", ra.total.damage, rb.total.damage, 1);
  row("public responses", static_cast<double>(ra.public_responses),
      static_cast<double>(rb.public_responses), 0);
  row("sanctions imposed", static_cast<double>(ra.total.sanctions_imposed),
      static_cast<double>(rb.total.sanctions_imposed), 0);
  row("coalition invitations", static_cast<double>(ra.coalitions_invited),
      static_cast<double>(rb.coalitions_invited), 0);
  row("cost to attackers (" + unit + ")", ra.reputation_cost + ra.sanction_cost,
      rb.reputation_cost + rb.sanction_cost, 1);
  return rows;
}

std::string compare_runs(const det::Scenario& sc, const std::vector<std::size_t>& played,
                         const PlayedRun& session, const PlayedRun& doctrine,
                         const std::string& a_label, const std::string& b_label) {
  std::ostringstream out;
  char head[160];
  std::snprintf(head, sizeof head, "   %-38s %9s %9s   %s\n", "", a_label.substr(0, 9).c_str(),
                b_label.substr(0, 9).c_str(), "difference");
  out << head;
  Table t;
  std::string section;
  for (const auto& r : comparison_rows(sc, played, session, doctrine)) {
    if (r.section != section) {
      section = r.section;
      t.section(section);
    }
    t.row(r.label, r.first, r.second, r.decimals);
  }
  out << t.str();
  return out.str();
}

std::vector<SeatCase> seat_cases(const std::vector<Decision>& decisions, const PlayedRun& session,
                                 std::size_t state) {
  std::map<std::uint64_t, const det::IncidentRow*> by_incident;
  for (const auto& i : session.incidents) by_incident[i.incident] = &i;
  std::vector<SeatCase> out;
  for (const auto& d : decisions) {
    const auto kind = static_cast<DecisionKind>(d.row.kind);
    if (d.row.state != state || kind == DecisionKind::turn || d.row.incident < 0) continue;
    const auto it = by_incident.find(static_cast<std::uint64_t>(d.row.incident));
    if (it == by_incident.end()) continue;
    const det::IncidentRow& i = *it->second;
    SeatCase c;
    c.incident = i.incident;
    c.day = d.row.day;
    c.victim = i.victim;
    c.invited = kind == DecisionKind::join;
    c.choice = d.action;
    c.named = i.named;
    c.culprit = i.attacker;
    c.correct = i.correct;
    c.false_flag = i.false_flag;
    c.rung_final = i.rung_final;
    c.stated = stated_in(d);
    out.push_back(std::move(c));
  }
  return out;
}

std::optional<StatedScore> stated_score(const std::vector<Decision>& decisions,
                                        const PlayedRun& session, std::size_t state) {
  StatedScore score;
  double sum = 0.0;
  for (const auto& c : seat_cases(decisions, session, state)) {
    if (!c.stated || c.invited) continue;
    const double y = c.correct ? 1.0 : 0.0;
    sum += (*c.stated - y) * (*c.stated - y);
    score.right += c.correct ? 1 : 0;
    ++score.stated;
  }
  if (score.stated == 0) return std::nullopt;
  score.brier = sum / static_cast<double>(score.stated);
  return score;
}

std::string public_acts(const det::Scenario& sc, const std::vector<std::size_t>& states,
                        const PlayedRun& run, const Cosigners& cosigners) {
  auto ours = [&](std::size_t s) {
    return std::find(states.begin(), states.end(), s) != states.end();
  };
  std::vector<const det::IncidentRow*> acts;
  for (const auto& i : run.incidents) {
    if (i.rung_final == 0 || i.response_day < 0.0 || i.named < 0) continue;
    const auto it = cosigners.find(i.incident);
    bool cosigned = false;
    if (it != cosigners.end()) {
      for (const auto c : it->second) cosigned = cosigned || ours(c);
    }
    if (ours(i.victim) || cosigned) acts.push_back(&i);
  }
  std::sort(acts.begin(), acts.end(), [](const auto* x, const auto* y) {
    return x->response_day != y->response_day ? x->response_day < y->response_day
                                              : x->incident < y->incident;
  });
  std::ostringstream out;
  std::size_t wrong = 0, flags = 0;
  for (const auto* i : acts) {
    wrong += i->correct ? 0 : 1;
    flags += !i->correct && i->false_flag ? 1 : 0;
  }
  std::string names;
  for (const auto s : states) names += (names.empty() ? "" : ", ") + sc.states[s].name;
  const std::string intro =
      acts.empty()
          ? "No public act by " + names + ", and none that " +
                (states.size() == 1 ? "it" : "they") + " co-signed."
          : "Public acts by " + names + ", or that " + (states.size() == 1 ? "it" : "they") +
                " co-signed: " + std::to_string(acts.size()) + ", of which " +
                std::to_string(wrong) + " named the wrong actor (" + std::to_string(flags) +
                " of them a false flag). The true culprits:";
  for (const auto& l : wrap(intro, 76, 0)) out << " " << l << "\n";
  for (const auto* i : acts) {
    const auto rung = static_cast<det::Rung>(i->rung_final);
    const std::string act = rung == det::Rung::attribute    ? "attributed publicly"
                            : rung == det::Rung::coordinate ? "a joint statement"
                                                            : "sanctions";
    std::string signers;
    if (const auto it = cosigners.find(i->incident); it != cosigners.end()) {
      for (const auto c : it->second) signers += (signers.empty() ? "" : ", ") + sc.states[c].name;
    }
    const std::string& named = sc.attackers.at(static_cast<std::size_t>(i->named)).name;
    const std::string& culprit = sc.attackers.at(i->attacker).name;
    std::string text = when(sc, i->response_day) + ": " + sc.states[i->victim].name + ", " + act +
                       " on incident " + std::to_string(i->incident) + " naming " + named;
    if (rung != det::Rung::attribute) {
      text += signers.empty() ? ", alone" : ", co-signed by " + signers;
    }
    text += ". Culprit: " + culprit +
            (i->correct ? " (right)."
                        : (i->false_flag ? " - WRONG: a false flag planted by " + culprit + "."
                                         : " - WRONG: an analytic error."));
    for (const auto& l : wrap(text, 74, 2)) out << "   " << l << "\n";
  }
  return out.str();
}

}  // namespace cyberdeter::wargame
