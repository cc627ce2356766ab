// The briefs of a war-game as text (briefs.hpp): what a state knows at a decision, the
// prompts' choices and their help, and the words a player may answer with.

#include "cyberdeter/wargame/briefs.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "cyberdeter/wargame/record.hpp"
#include "cyberdeter/wargame/text.hpp"

namespace cyberdeter::wargame {
namespace {

namespace det = models::deterrence;
using det::Rung;

constexpr int width = 78;

std::string fmt(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}
std::string pct(double p) { return fmt("%.0f %%", 100.0 * p); }
std::string rule(char c) { return std::string(width, c) + "\n"; }

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}
std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

constexpr std::size_t margin = 14;

// A labelled section: the label in a 13-column margin, the lines after it indented and
// wrapped to the width.
class Section {
 public:
  void line(const std::string& label, const std::string& text) {
    char buf[32];
    std::snprintf(buf, sizeof buf, " %-12s ", label.c_str());
    out_ << buf;
    emit(text, false);
  }
  void more(const std::string& text) { emit(text, true); }
  std::string str() const { return out_.str(); }

 private:
  void emit(const std::string& text, bool indent_first) {
    bool first = true;
    for (const auto& l : wrap(text, width - margin)) {
      if (!first || indent_first) out_ << std::string(margin, ' ');
      out_ << l << "\n";
      first = false;
    }
  }
  std::ostringstream out_;
};

// One entry of a help text: the keys in a column, the explanation wrapped beside them.
std::string help_entry(const std::string& keys, const std::string& text) {
  constexpr std::size_t column = 23;
  std::string out;
  bool first = true;
  for (const auto& l : wrap(text, width - column, 0)) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "   %-*s", static_cast<int>(column - 3),
                  first ? keys.c_str() : "");
    out += buf + l + "\n";
    first = false;
  }
  return out;
}

// "1 incident", "3 incidents".
std::string count(std::uint64_t n, const std::string& noun) {
  return std::to_string(n) + " " + noun + (n == 1 ? "" : "s");
}

// A header's words, wrapped so that no line is wider than the rules around it.
std::string header(const std::string& text) {
  std::string out = rule('=');
  for (const auto& line : wrap(text, width - 1, 2)) out += " " + line + "\n";
  return out + rule('=');
}

std::string attacker_label(const det::Scenario& sc, std::size_t a) {
  return sc.attackers[a].name + " (" + std::string(det::to_string(sc.attackers[a].kind)) + ")";
}

std::string likelihood(double p) {
  if (p >= 0.66) return "likely to join";
  if (p >= 0.33) return "may join";
  return "unlikely to join";
}

std::string rung_line(const det::Doctrine& d) {
  std::string out;
  for (const Rung r : {Rung::attribute, Rung::coordinate, Rung::sanction}) {
    if (!out.empty()) out += " | ";
    out += std::string(det::to_string(r)) + " >= " + fmt("%.2f", d.rung(r).threshold) +
           (d.rung(r).enabled ? " on" : " off");
  }
  return out;
}

// What the state knows so far of who attacks it and how the world responds.
void record_lines(Section& s, const det::Scenario& sc, std::size_t state, const det::StateRecord& r,
                  std::optional<std::size_t> focus) {
  const std::string& name = sc.states[state].name;
  s.line("So far", name + " detected " + count(r.detected, "incident") + " and named an actor in " +
                       std::to_string(r.judgements) + ";");
  s.more("detected in the last quarter: " + std::to_string(r.detected_last_quarter) +
         " (the quarter before: " + std::to_string(r.detected_previous_quarter) + ")");
  s.more("actors named:");
  std::vector<std::pair<std::uint64_t, std::size_t>> named;
  for (std::size_t a = 0; a < r.named.size(); ++a) {
    if (r.named[a] > 0) named.emplace_back(r.named[a], a);
  }
  std::sort(named.begin(), named.end(), [](auto x, auto y) { return x.first > y.first; });
  std::string list;
  for (const auto& [n, a] : named) {
    const std::string item = sc.attackers[a].name + " " + std::to_string(n);
    if (list.size() + item.size() > 60) {
      s.more("  " + list + ",");
      list.clear();
    }
    list += (list.empty() ? "" : ", ") + item;
  }
  s.more("  " + (list.empty() ? std::string("nobody yet") : list));
  s.more("responses: quiet " + std::to_string(r.responses[0]) + ", attribute " +
         std::to_string(r.responses[1]) + ", coordinate " + std::to_string(r.responses[2]) +
         ", sanction " + std::to_string(r.responses[3]));
  if (focus) {
    s.more(sc.attackers[*focus].name + " publicly named " +
           count(r.publicly_named[*focus], "time") + " by anyone, sanctioned " +
           count(r.sanctioned[*focus], "time"));
  }
  s.more("sanctions in force worldwide: " + std::to_string(r.active_sanctions));
}

std::string impact_words(double v) {
  if (v <= 0.0) return "none (the operation failed)";
  if (v < 0.5) return "low";
  if (v < 1.0) return "moderate";
  if (v < 2.0) return "high";
  return "severe";
}

std::string dependence_words(double r) {
  if (r < 0.1) return "little";
  if (r < 0.4) return "some";
  return "heavy";
}

std::string sponsor_name(const det::Scenario& sc, const std::optional<std::uint32_t>& sponsor) {
  return sponsor ? sc.states[*sponsor].name : std::string("no state sponsor");
}

}  // namespace

// ICD 203's expressions of likelihood and their bands (Intelligence Community Directive 203,
// Analytic Standards, 2015, section D.6.e.(2)(a)).
std::string likelihood_words(double p) {
  struct Band {
    double upper;
    const char* words;
  };
  static constexpr Band bands[] = {
      {0.05, "almost no chance (01-05 %)"}, {0.20, "very unlikely (05-20 %)"},
      {0.45, "unlikely (20-45 %)"},         {0.55, "roughly even chance (45-55 %)"},
      {0.80, "likely (55-80 %)"},           {0.95, "very likely (80-95 %)"}};
  for (const Band& b : bands) {
    if (p < b.upper) return b.words;
  }
  return "almost certain (95-99 %)";
}

// Analytic confidence (ICD 203: the quality of the sources and reasoning, stated apart from
// likelihood): from the state's attribution accuracy and whether a false flag is plausible.
// The bands are [M] (docs/wargame.md, "The briefs").
std::string confidence_words(double accuracy, bool false_flag_plausible) {
  if (accuracy >= 0.8 && !false_flag_plausible) return "high";
  if (accuracy < 0.6) return "low";
  return false_flag_plausible ? "moderate (a false flag is plausible)" : "moderate";
}

// ---- briefs ------------------------------------------------------------------------------

std::string render_response(const det::Scenario& sc, const det::ResponseBrief& b,
                            std::uint64_t number) {
  const std::string& me = sc.states[b.state].name;
  Section s;
  const std::string sector = sc.sectors[b.sector].name;
  if (b.success) {
    s.line("Incident", "A successful operation against " + me + "'s " + sector + " sector");
  } else {
    s.line("Incident", "A failed operation against " + me + "'s " + sector + " sector");
  }
  s.more("landed " + when(sc, b.landed_day) + ",");
  s.more("detected " + when(sc, b.detected_day) + ", " +
         fmt("%.0f", b.detected_day - b.landed_day) + " days later");
  if (b.success) {
    s.more("impact: " + impact_words(b.normalised_severity) + ", damage " +
           fmt("%.1f", b.severity) + " " + sc.run.value_unit + " (" +
           fmt("%.2f", b.normalised_severity) + " x the reference severity)");
  } else {
    s.more("impact: none, no damage");
  }
  if (b.mega_event) {
    for (const auto& e : sc.mega_events) {
      if (e.host == b.state && b.landed_day >= e.start_day && b.landed_day <= e.end_day) {
        s.more("during " + e.name + " (stakes x" + fmt("%.1f", e.value_multiplier) + ")");
      }
    }
  }
  s.line("Attribution", "names " + attacker_label(sc, b.named));
  s.more("likelihood: " + likelihood_words(b.confidence) +
         " that it did this (analysts: " + pct(b.confidence) + ")");
  s.more("confidence: " +
         confidence_words(sc.states[b.state].attribution_accuracy, !b.false_flag_suspects.empty()) +
         " (" + me + "'s attributions name the right actor in about " +
         pct(sc.states[b.state].attribution_accuracy) + " of cases before false flags)");
  if (b.false_flag_suspects.empty()) {
    s.more("False flag plausible: no - no actor of another sponsor that targets " + me);
    s.more("is known to plant false flags");
  } else {
    s.more("False flag plausible: yes - these actors target " + me + " and plant flags:");
    for (const auto a : b.false_flag_suspects) {
      s.more("  " + attacker_label(sc, a) + ", " + pct(sc.attackers[a].false_flag) +
             " of its operations");
    }
  }
  if (b.sponsor) {
    s.line("Sponsor", sc.states[*b.sponsor].name + "; " + me +
                          "'s dependence on it: " + dependence_words(b.dependence) + " (" +
                          fmt("%.2f", b.dependence) + ", naming aversion " +
                          fmt("%.2f", sc.states[b.state].naming_aversion) + ")");
  } else {
    s.line("Sponsor",
           "none known (" + std::string(det::to_string(sc.attackers[b.named].kind)) + " group)");
  }
  if (b.allies.empty()) {
    s.line("Allies", "none aligned with " + me + ": a statement or sanctions would be alone");
  } else {
    s.line("Allies", "would be invited to a coordinated statement or sanctions:");
    for (const auto& a : b.allies) {
      char buf[160];
      if (a.played) {
        std::snprintf(buf, sizeof buf, "  %-18s alignment %.2f  a player decides",
                      sc.states[a.state].name.c_str(), a.alignment);
      } else {
        std::snprintf(buf, sizeof buf, "  %-18s alignment %.2f  %s (%s)",
                      sc.states[a.state].name.c_str(), a.alignment, likelihood(a.p_join).c_str(),
                      pct(a.p_join).c_str());
      }
      s.more(buf);
    }
  }
  // Why the doctrine advises what it does: z's terms, then the rule (docs/model.md §7.1).
  const double aversion = sc.states[b.state].naming_aversion;
  const double noise =
      b.case_strength - (b.confidence * b.normalised_severity - aversion * b.dependence);
  s.line("Doctrine", "case strength z = " + fmt("%.2f", b.case_strength) + " = confidence " +
                         fmt("%.2f", b.confidence) + " x severity " +
                         fmt("%.2f", b.normalised_severity) + " - aversion " +
                         fmt("%.2f", aversion) + " x dependence " + fmt("%.2f", b.dependence) +
                         (std::abs(noise) >= 0.005 ? " + noise " + fmt("%.2f", noise) : ""));
  s.more(rung_line(b.doctrine));
  std::string why;
  if (b.case_strength < b.resolve) {
    why = "z is below " + me + "'s resolve (" + fmt("%.2f", b.resolve) + ")";
  } else if (b.recommended == Rung::none) {
    why = "no enabled rung's threshold is reached";
  } else {
    why = "the highest enabled rung whose threshold z reaches";
  }
  s.more("advises: " + upper(std::string(rung_word(b.recommended))) + ", because " + why +
         ". Every rung may be chosen.");
  record_lines(s, sc, b.state, b.record, b.named);
  return header("DECISION " + std::to_string(number) + " | " + upper(me) + " | " + when(sc, b.day) +
                " | incident " + std::to_string(b.incident)) +
         s.str() + rule('-');
}

std::string render_join(const det::Scenario& sc, const det::JoinBrief& b, std::uint64_t number) {
  const std::string& me = sc.states[b.state].name;
  const std::string& leader = sc.states[b.leader].name;
  Section s;
  s.line("Invitation", leader + " invites " + me + " to " +
                           (b.rung == Rung::sanction ? std::string("impose sanctions")
                                                     : std::string("sign a joint statement")));
  s.more("against " + attacker_label(sc, b.named) + ", sponsor " + sponsor_name(sc, b.sponsor));
  s.line(
      "Incident",
      std::string(b.severity > 0 ? "a successful" : "a failed") + " operation against " + leader +
          "'s " + sc.sectors[b.sector].name + " sector" +
          (b.severity > 0 ? ", damage " + fmt("%.1f", b.severity) + " " + sc.run.value_unit : ""));
  s.line("Attribution", leader + "'s analysts: " + likelihood_words(b.confidence) + " (" +
                            pct(b.confidence) + ")");
  s.line("Ties", me + "'s alignment with " + leader + " " + fmt("%.2f", b.alignment) +
                     "; dependence on " + sponsor_name(sc, b.sponsor) + ": " +
                     dependence_words(b.dependence) + " (" + fmt("%.2f", b.dependence) + ")");
  s.line("Deadline", "invited " + when(sc, b.invited_day) + "; " + leader + " goes ahead " +
                         when(sc, b.deadline_day) + " with those who answered");
  record_lines(s, sc, b.state, b.record, b.named);
  return header("DECISION " + std::to_string(number) + " | " + upper(me) + " | " + when(sc, b.day) +
                " | invitation from " + leader) +
         s.str() + rule('-');
}

std::string render_turn(const det::Scenario& sc, const det::TurnBrief& b, double turn_days) {
  const std::string& me = sc.states[b.state].name;
  Section s;
  const auto& r = b.record;
  const auto& p = b.previous;
  auto since = [](std::uint64_t now, std::uint64_t before) { return std::to_string(now - before); };
  s.line("Last turn", "in " + fmt("%.0f", turn_days) +
                          " days: " + count(r.detected - p.detected, "incident") + " detected, " +
                          since(r.judgements, p.judgements) + " attributed to an actor");
  s.more("responses: quiet " + since(r.responses[0], p.responses[0]) + ", attribute " +
         since(r.responses[1], p.responses[1]) + ", coordinate " +
         since(r.responses[2], p.responses[2]) + ", sanction " +
         since(r.responses[3], p.responses[3]));
  s.more("allies' invitations joined: " + since(r.coalitions_joined, p.coalitions_joined));
  s.line("Capability", "defense " + fmt("%.2f", b.defense) + ", detection " +
                           fmt("%.4f", b.detection_rate) + " per day, workforce " +
                           fmt("%.0f", b.workforce));
  s.line("Doctrine", "resolve " + fmt("%.2f", b.resolve) + " (no public act below it)");
  for (const Rung k : {Rung::attribute, Rung::coordinate, Rung::sanction}) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "  %-11s %-4s threshold %.2f",
                  std::string(det::to_string(k)).c_str(), b.doctrine.rung(k).enabled ? "on" : "off",
                  b.doctrine.rung(k).threshold);
    s.more(buf);
  }
  double exercise_until = -1.0;
  if (b.running_programs.empty()) {
    s.line("Programs", "none running for " + me);
  } else {
    s.line("Programs", "running for " + me + ":");
    for (const auto i : b.running_programs) {
      const auto& prog = b.programs[i];
      std::string text =
          "  " + (prog.name.empty() ? std::string(det::to_string(prog.kind)) : prog.name);
      if (std::isfinite(prog.end_day)) text += ", until " + when(sc, prog.end_day);
      if (prog.cost_per_year > 0.0 && prog.owner == b.state) {
        text += ", " + fmt("%.1f", prog.cost_per_year) + " " + sc.run.value_unit + " a year";
      }
      s.more(text);
      if (prog.kind == det::ProgramKind::exercise) {
        exercise_until = std::max(exercise_until, prog.end_day);
      }
    }
  }
  // What its programs cost it so far (docs/model.md §9.3), pro rata of the time they ran.
  double spent = 0.0, yearly = 0.0;
  for (const auto& prog : b.programs) {
    if (prog.owner != b.state || prog.cost_per_year <= 0.0 || prog.start_day > b.day) continue;
    spent += prog.cost_per_year * (std::min(prog.end_day, b.day) - prog.start_day) / 365.25;
    if (b.day < prog.end_day) yearly += prog.cost_per_year;
  }
  s.more("spent on " + me + "'s programs so far: " + fmt("%.1f", spent) + " " + sc.run.value_unit +
         (yearly > 0.0 ? ", now " + fmt("%.1f", yearly) + " a year" : ""));
  if (exercise_until >= 0.0) {
    s.more("an exercise runs until " + when(sc, exercise_until) +
           ": exercises do not stack (the largest applies), so another one now adds time, "
           "not detection");
  }
  std::string communities;
  for (const auto c : b.joinable_communities) {
    communities += (communities.empty() ? "" : ", ") + sc.communities[c].name;
  }
  s.line("Can join", communities.empty() ? std::string("no community") : communities);
  record_lines(s, sc, b.state, b.record, std::nullopt);
  return header("TURN " + std::to_string(b.turn) + " | " + upper(me) + " | " + when(sc, b.day) +
                " | doctrine and programs") +
         s.str() + rule('-');
}

// ---- prompts -----------------------------------------------------------------------------

std::string response_prompt(const det::ResponseBrief& b) {
  std::string out = " Respond:";
  for (const Rung r : b.options()) {
    const std::string word(rung_word(r));
    out += "  [" + word.substr(0, 1) + "]" + word.substr(1);
  }
  out += "\n Enter = " + std::string(rung_word(b.recommended)) +
         " (the doctrine's advice)   ? = help\n> ";
  return out;
}

std::string response_help(const det::Scenario& sc, const det::ResponseBrief& b) {
  const std::string& me = sc.states[b.state].name;
  auto off = [&](Rung r) {
    return b.doctrine.rung(r).enabled ? std::string()
                                      : std::string(" Not in the doctrine: allowed, with a note.");
  };
  std::string h = " Choose how " + me + " responds, by letter or word:\n";
  h += help_entry("q, quiet", "no public response. The culprit notes that it was not named.");
  h += help_entry("a, attribute", me + " names " + sc.attackers[b.named].name +
                                      " publicly, alone." + off(Rung::attribute));
  h += help_entry("c, coordinate",
                  "invite the allies listed to a joint statement; they answer within " +
                      fmt("%.0f", sc.calibration.coalition_deadline_days) +
                      " days. If none joins, it is a unilateral attribution." +
                      off(Rung::coordinate));
  h += help_entry("s, sanction", "invite the allies to sanctions; " + me +
                                     " imposes them even alone, for " +
                                     fmt("%.0f", b.doctrine.sanction_days) + " days on average." +
                                     off(Rung::sanction));
  h += help_entry("Enter", "take the doctrine's recommendation (" +
                               std::string(rung_word(b.recommended)) + ").");
  h += help_entry("brief", "show the brief again.");
  h += help_entry("quit", "save the session and stop (Ctrl-C does the same).");
  h += " Add a reason after # (c # too damaging to stay quiet): it is kept with the\n"
       " decision for the after-action review.\n";
  h += " Naming the wrong actor costs credibility; a larger coalition costs the\n"
       " culprit more.\n";
  return h;
}

std::string join_prompt(const det::JoinBrief&) {
  return " Answer:  [j]oin  [d]ecline\n Enter = leave it to the simulation   ? = help\n> ";
}

std::string join_help(const det::Scenario& sc, const det::JoinBrief& b) {
  const std::string& me = sc.states[b.state].name;
  std::string h = " Answer " + sc.states[b.leader].name + "'s invitation:\n";
  h += help_entry("j, join",
                  me + " signs; the culprit's cost grows with the coalition" +
                      (b.rung == Rung::sanction
                           ? std::string(", and " + me + "'s economy adds to the sanctions.")
                           : std::string(".")));
  h += help_entry("d, decline", me + " stays out.");
  h += help_entry("Enter",
                  "leave the answer to the simulation, as for a state nobody plays "
                  "(its answer is not shown).");
  h += help_entry("brief", "show the brief again.");
  h += help_entry("quit", "save the session and stop (Ctrl-C does the same).");
  return h;
}

std::string turn_prompt() { return " Action, or Enter to end the turn   ? = help\n> "; }

std::string turn_help(const det::Scenario& sc, const det::TurnBrief& b) {
  std::string h = " Change " + sc.states[b.state].name +
                  "'s doctrine or start a program, one action per line:\n";
  h += help_entry("enable RUNG", "allow a rung: attribute, coordinate or sanction.");
  h += help_entry("disable RUNG", "forbid a rung.");
  h += help_entry("threshold RUNG Z",
                  "the case strength z the rung needs; keep resolve <= attribute <= "
                  "coordinate <= sanction.");
  h += help_entry("program training",
                  "[rate R] [years Y]: grow the workforce by R a year "
                  "(default 0.1).");
  h += help_entry("program investment",
                  "[rate R] [years Y]: raise defense by R a year (times board engagement), up "
                  "to 0.95.");
  h += help_entry("program exercise",
                  "double detection for " + fmt("%.0f", sc.calibration.exercise_window_days) +
                      " days. Exercises at once do not stack: the largest applies.");
  h += help_entry("program sharing", "COMMUNITY [years Y]: join an information-sharing community.");
  h += help_entry("... cost C", "after any program: it costs " + sc.states[b.state].name + " C " +
                                    sc.run.value_unit + " a year while it runs (default 0).");
  h += help_entry("done, Enter", "end the turn. Without years, a program runs to the end.");
  h += help_entry("brief", "show the brief again.");
  h += help_entry("quit", "save the session and stop (Ctrl-C does the same).");
  return h;
}

ParsedAnswer parse_response(const det::Scenario& sc, const det::ResponseBrief& b,
                            const std::string& line) {
  const std::string w = normalise_answer(line);
  ParsedAnswer out;
  if (w.empty()) {
    out.value = static_cast<int>(b.recommended);
    out.default_answer = true;
    return out;
  }
  std::optional<Rung> r;
  if (w == "q") r = Rung::none;
  if (w == "a") r = Rung::attribute;
  if (w == "c") r = Rung::coordinate;
  if (w == "s") r = Rung::sanction;
  if (!r) r = parse_rung_word(w);
  if (!r) {
    out.error = "'" + shown_input(trim(line), 40) +
                "' is not an answer: type q, a, c or s (or the word), Enter for the "
                "doctrine's advice, ? for help";
    return out;
  }
  out.value = static_cast<int>(*r);
  // The doctrine is advice: any rung may be chosen, and the players are told where the
  // choice leaves it.
  const std::string& me = sc.states[b.state].name;
  if (*r != Rung::none && b.case_strength < b.resolve) {
    out.warning = "warning: " + std::string(rung_word(*r)) + " on a case below " + me +
                  "'s resolve (z = " + fmt("%.2f", b.case_strength) + " < " +
                  fmt("%.2f", b.resolve) + "): its doctrine never goes public on so weak a case";
  } else if (*r != Rung::none && !b.doctrine.rung(*r).enabled) {
    out.warning = "note: " + std::string(rung_word(*r)) + " is not enabled in " + me +
                  "'s doctrine; the players chose it all the same";
  }
  return out;
}

ParsedAnswer parse_join(const det::JoinBrief& b, const std::string& line) {
  const std::string w = normalise_answer(line);
  ParsedAnswer out;
  if (w.empty()) {
    out.value = b.model_answer ? 1 : 0;  // the simulation decides, as for an unplayed state
    out.default_answer = true;
  } else if (w == "j" || w == "join" || w == "y" || w == "yes") {
    out.value = 1;
  } else if (w == "d" || w == "decline" || w == "n" || w == "no") {
    out.value = 0;
  } else {
    out.error = "'" + shown_input(trim(line), 40) +
                "' is not an answer: type j (join) or d (decline), Enter to leave it to the "
                "simulation, ? for help";
  }
  return out;
}

AnswerLine split_rationale(const std::string& line) {
  constexpr std::size_t longest = 1000;
  const auto hash = line.find('#');
  if (hash == std::string::npos) return {line, ""};
  std::string why = normalise_answer(line.substr(hash + 1)).empty()
                        ? std::string()
                        : printable(line.substr(hash + 1), longest + 64);
  const auto b = why.find_first_not_of(' ');
  why = b == std::string::npos ? std::string() : why.substr(b);
  while (!why.empty() && why.back() == ' ') why.pop_back();
  if (why.size() > longest) why.resize(longest);
  return {line.substr(0, hash), why};
}

}  // namespace cyberdeter::wargame
