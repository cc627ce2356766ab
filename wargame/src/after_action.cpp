#include "cyberdeter/wargame/after_action.hpp"

#include <cmath>
#include <cstdio>
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
  }
  return "";
}

}  // namespace

std::string after_action(const det::Scenario& sc, const SessionInfo& info,
                         const std::vector<std::size_t>& played,
                         const std::vector<Decision>& decisions, const PlayedRun& session,
                         const PlayedRun& doctrine, const std::string& session_path) {
  std::ostringstream out;
  const std::string rule(78, '=');
  out << rule << "\n AFTER-ACTION SUMMARY | " << (sc.name.empty() ? sc.path : sc.name) << "\n"
      << rule << "\n";
  std::string players;
  for (const auto s : played) players += (players.empty() ? "" : ", ") + sc.states[s].name;
  out << " Played: " << players << ". Seed " << info.seed << ", replication " << info.replication
      << ",\n " << num(sc.run.horizon_days, 0) << " days to " << when(sc, sc.run.horizon_days)
      << ".\n";

  std::size_t responds = 0, respond_dev = 0, joins = 0, join_dev = 0, changes = 0;
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
    }
    if (d.row.deviates && first_departure == nullptr) first_departure = &d;
  }
  out << " Decisions: " << responds << (responds == 1 ? " response (" : " responses (")
      << respond_dev << " unlike the doctrine),\n " << joins
      << (joins == 1 ? " invitation answered (" : " invitations answered (") << join_dev
      << " unlike the model), " << turns.size() << " turns with " << changes
      << (changes == 1 ? " change.\n" : " changes.\n");
  if (first_departure) {
    out << " First departure from the doctrine: " << when(sc, first_departure->row.day) << ":\n";
    for (const auto& line : wrap(describe(sc, *first_departure) + ".", 74, 0)) {
      out << "   " << line << "\n";
    }
  } else {
    out << " No decision departed from the doctrine: both histories are the same.\n";
  }

  out << "\n What happened, against the same replication played by the doctrine\n"
      << " (same random numbers; every difference comes from the players' decisions):\n\n";
  char head[160];
  std::snprintf(head, sizeof head, "   %-38s %9s %9s   %s\n", "", "session", "doctrine",
                "difference");
  out << head;
  Table t;
  const std::string& unit = sc.run.value_unit;
  for (const auto s : played) {
    const auto& a = session.result.states.at(s).counts;
    const auto& b = doctrine.result.states.at(s).counts;
    const Launched la = launched_on(session.incidents, s);
    const Launched lb = launched_on(doctrine.incidents, s);
    t.section(sc.states[s].name);
    t.row("attacks launched on it", la.all, lb.all, 0);
    t.row("  by state-sponsored groups", la.state_sponsored, lb.state_sponsored, 0);
    t.row("succeeded", static_cast<double>(a.succeeded), static_cast<double>(b.succeeded), 0);
    t.row("damage (" + unit + ")", a.damage, b.damage, 1);
    t.row("detected", static_cast<double>(a.detected), static_cast<double>(b.detected), 0);
    t.row("attributed to an actor", static_cast<double>(a.attributed),
          static_cast<double>(b.attributed), 0);
    t.row("kept quiet", static_cast<double>(a.responses[0]), static_cast<double>(b.responses[0]),
          0);
    t.row("attributed publicly (alone)", static_cast<double>(a.responses[1]),
          static_cast<double>(b.responses[1]), 0);
    t.row("coordinated statements", static_cast<double>(a.responses[2]),
          static_cast<double>(b.responses[2]), 0);
    t.row("sanctions", static_cast<double>(a.responses[3]), static_cast<double>(b.responses[3]), 0);
    t.row("wrong actor named publicly", static_cast<double>(a.innocent_punished),
          static_cast<double>(b.innocent_punished), 0);
    t.row("attackers' P(named) of it at the end", mean_belief(session.result, s),
          mean_belief(doctrine.result, s), 3);
  }
  const auto& ra = session.result.run;
  const auto& rb = doctrine.result.run;
  t.section("World");
  t.row("attacks launched", static_cast<double>(ra.total.launched),
        static_cast<double>(rb.total.launched), 0);
  t.row("damage (" + unit + ")", ra.total.damage, rb.total.damage, 1);
  t.row("public responses", static_cast<double>(ra.public_responses),
        static_cast<double>(rb.public_responses), 0);
  t.row("sanctions imposed", static_cast<double>(ra.total.sanctions_imposed),
        static_cast<double>(rb.total.sanctions_imposed), 0);
  t.row("coalition invitations", static_cast<double>(ra.coalitions_invited),
        static_cast<double>(rb.coalitions_invited), 0);
  t.row("cost to attackers (" + unit + ")", ra.reputation_cost + ra.sanction_cost,
        rb.reputation_cost + rb.sanction_cost, 1);
  out << t.str();
  out << "\n One history cannot separate the decisions' effect from the luck of what\n"
         " followed them. For the average effect of always answering like this, turn\n"
         " the session into a doctrine and sweep it over many replications:\n"
      << "   cyberdeter debrief " << session_path << " --sweep as_played.toml\n";
  return out.str();
}

}  // namespace cyberdeter::wargame
