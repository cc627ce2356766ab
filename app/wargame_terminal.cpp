#include "wargame_terminal.hpp"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <sstream>
#include <stdexcept>

#include "cli_common.hpp"
#include "cyberdeter/wargame/record.hpp"

namespace cyberdeter::app {
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

std::string header(const std::string& text) { return rule('=') + " " + text + "\n" + rule('='); }

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

std::string sponsor_name(const det::Scenario& sc, const std::optional<std::uint32_t>& sponsor) {
  return sponsor ? sc.states[*sponsor].name : std::string("no state sponsor");
}

}  // namespace

std::string error_line(const std::string& message) {
  // A message quotes what the player typed; a pasted page must not fill the screen.
  constexpr std::size_t longest = 4 * (width - 3);
  std::string out;
  bool first = true;
  for (const auto& l : wrap(shown_input(message, longest), width - 3, 0)) {
    out += (first ? " ! " : "   ") + l + "\n";
    first = false;
  }
  return out;
}

// ---- input -------------------------------------------------------------------------------

LineInput::LineInput() : interactive_(::isatty(STDIN_FILENO) == 1) {}

std::optional<std::string> LineInput::next() {
  for (;;) {
    // Only what arrived since the last search is searched: a long line costs linear time.
    const auto nl = buffer_.find('\n', scanned_);
    if (nl != std::string::npos) {
      std::string line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      scanned_ = 0;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      return line;
    }
    scanned_ = buffer_.size();
    if (eof_) {
      if (buffer_.empty()) return std::nullopt;
      std::string line;
      line.swap(buffer_);
      scanned_ = 0;
      return line;
    }
    check_interrupted();
    pollfd p{STDIN_FILENO, POLLIN, 0};
    const int ready = ::poll(&p, 1, 200);  // wake up to notice Ctrl-C
    if (ready < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error(std::string("cannot read standard input: ") + std::strerror(errno));
    }
    if (ready == 0) continue;
    // A closed standard input (`<&-`) is the end of input, which saves the session.
    if ((p.revents & POLLNVAL) != 0) {
      eof_ = true;
      continue;
    }
    char chunk[65536];
    const ssize_t n = ::read(STDIN_FILENO, chunk, sizeof chunk);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      if (errno == EBADF) {
        eof_ = true;
        continue;
      }
      throw std::runtime_error(std::string("cannot read standard input: ") + std::strerror(errno));
    }
    if (n == 0) {
      eof_ = true;
    } else {
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
  }
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
    s.more("damage " + fmt("%.1f", b.severity) + " " + sc.run.value_unit + " (" +
           fmt("%.2f", b.normalised_severity) + " x the reference severity)");
  } else {
    s.more("no damage");
  }
  if (b.mega_event) {
    for (const auto& e : sc.mega_events) {
      if (e.host == b.state && b.landed_day >= e.start_day && b.landed_day <= e.end_day) {
        s.more("during " + e.name + " (stakes x" + fmt("%.1f", e.value_multiplier) + ")");
      }
    }
  }
  s.line("Attribution",
         "names " + attacker_label(sc, b.named) + ", confidence " + pct(b.confidence));
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
    s.line("Sponsor", sc.states[*b.sponsor].name + "; " + me + "'s dependence on it " +
                          fmt("%.2f", b.dependence) + " (naming aversion " +
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
      std::snprintf(buf, sizeof buf, "  %-18s alignment %.2f  %s (%s)%s",
                    sc.states[a.state].name.c_str(), a.alignment, likelihood(a.p_join).c_str(),
                    pct(a.p_join).c_str(), a.played ? "  [a player decides]" : "");
      s.more(buf);
    }
  }
  s.line("Doctrine", "case strength z = " + fmt("%.2f", b.case_strength) + " (resolve " +
                         fmt("%.2f", b.resolve) + ")");
  s.more(rung_line(b.doctrine));
  s.more("recommends: " + upper(std::string(wargame::rung_word(b.recommended))));
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
  s.line("Attribution", leader + "'s confidence " + pct(b.confidence));
  s.line("Ties", me + "'s alignment with " + leader + " " + fmt("%.2f", b.alignment) +
                     ", dependence on " + sponsor_name(sc, b.sponsor) + " " +
                     fmt("%.2f", b.dependence));
  s.line("Model", "a state like " + me + " joins with probability " + pct(b.p_join));
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
  if (b.running_programs.empty()) {
    s.line("Programs", "none running for " + me);
  } else {
    s.line("Programs", "running for " + me + ":");
    for (const auto i : b.running_programs) {
      const auto& prog = b.programs[i];
      std::string text =
          "  " + (prog.name.empty() ? std::string(det::to_string(prog.kind)) : prog.name);
      if (std::isfinite(prog.end_day)) text += ", until " + when(sc, prog.end_day);
      s.more(text);
    }
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
    const std::string word(wargame::rung_word(r));
    out += "  [" + word.substr(0, 1) + "]" + word.substr(1);
  }
  out += "\n Enter = " + std::string(wargame::rung_word(b.recommended)) +
         " (the doctrine's choice)   ? = help\n> ";
  return out;
}

std::string response_help(const det::Scenario& sc, const det::ResponseBrief& b) {
  const std::string& me = sc.states[b.state].name;
  auto off = [&](Rung r) {
    return b.doctrine.rung(r).enabled ? std::string()
                                      : std::string(" Not enabled: enable it at a turn.");
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
                               std::string(wargame::rung_word(b.recommended)) + ").");
  h += help_entry("brief", "show the brief again.");
  h += help_entry("quit", "save the session and stop (Ctrl-C does the same).");
  h += " Naming the wrong actor costs credibility; a larger coalition costs the\n"
       " culprit more.\n";
  return h;
}

std::string join_prompt(const det::JoinBrief& b) {
  return std::string(" Answer:  [j]oin  [d]ecline\n Enter = ") +
         (b.model_answer ? "join" : "decline") + " (the model's answer)   ? = help\n> ";
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
  h += help_entry("Enter", std::string("take the model's answer for a state like this one (") +
                               (b.model_answer ? "join" : "decline") + ").");
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
  h += help_entry(
      "program exercise",
      "double detection for " + fmt("%.0f", sc.calibration.exercise_window_days) + " days.");
  h += help_entry("program sharing", "COMMUNITY [years Y]: join an information-sharing community.");
  h += help_entry("done, Enter", "end the turn. Without years, a program runs to the end.");
  h += help_entry("brief", "show the brief again.");
  h += help_entry("quit", "save the session and stop (Ctrl-C does the same).");
  return h;
}

ParsedAnswer parse_response(const det::Scenario& sc, const det::ResponseBrief& b,
                            const std::string& line) {
  const std::string w = normalise_answer(line);
  if (w.empty()) return {static_cast<int>(b.recommended), ""};
  std::optional<Rung> r;
  if (w == "q") r = Rung::none;
  if (w == "a") r = Rung::attribute;
  if (w == "c") r = Rung::coordinate;
  if (w == "s") r = Rung::sanction;
  if (!r) r = wargame::parse_rung_word(w);
  if (!r) {
    return {std::nullopt, "'" + trim(line) +
                              "' is not an answer: type q, a, c or s (or the word), Enter for "
                              "the doctrine's choice, ? for help"};
  }
  if (*r != Rung::none && !b.doctrine.rung(*r).enabled) {
    return {std::nullopt, std::string(det::to_string(*r)) + " is not enabled in " +
                              sc.states[b.state].name +
                              "'s doctrine; a player can enable it at a turn"};
  }
  return {static_cast<int>(*r), ""};
}

ParsedAnswer parse_join(const det::JoinBrief& b, const std::string& line) {
  const std::string w = normalise_answer(line);
  if (w.empty()) return {b.model_answer ? 1 : 0, ""};
  if (w == "j" || w == "join" || w == "y" || w == "yes") return {1, ""};
  if (w == "d" || w == "decline" || w == "n" || w == "no") return {0, ""};
  return {std::nullopt, "'" + trim(line) +
                            "' is not an answer: type j (join) or d (decline), Enter for the "
                            "model's answer, ? for help"};
}

}  // namespace cyberdeter::app
