// A war-game session as data: /wargame of the session file and TOML decisions files.

#include "cyberdeter/wargame/record.hpp"

#include "cyberdeter/models/deterrence/records.hpp"
#include "cyberdeter/wargame/inject.hpp"
#include "cyberdeter/wargame/statement.hpp"

#include <algorithm>
#include <cctype>
#include <sstream>
#include <stdexcept>

#include "toml_reader.hpp"

namespace cyberdeter::wargame {

namespace detail = models::detail;
using namespace models::deterrence;

namespace {
constexpr std::size_t max_rationale = 1000;  // characters
}  // namespace

std::string_view to_string(DecisionKind k) noexcept {
  switch (k) {
    case DecisionKind::respond: return "respond";
    case DecisionKind::join: return "join";
    case DecisionKind::turn: return "turn";
    case DecisionKind::inject: return "inject";
    case DecisionKind::adjudication: return "override";
  }
  return "?";
}

std::string_view to_string(DecisionSource s) noexcept {
  switch (s) {
    case DecisionSource::player: return "player";
    case DecisionSource::file: return "file";
    case DecisionSource::doctrine: return "doctrine";
    case DecisionSource::timeout: return "timeout";
    case DecisionSource::jump: return "jump";
  }
  return "?";
}

std::string_view outcome_word(std::uint8_t outcome) noexcept {
  switch (outcome) {
    case statement_outcome::uninvited: return "alone";
    case statement_outcome::joint: return "joint";
    case statement_outcome::split: return "split";
    case statement_outcome::unjoined: return "unjoined";
    case statement_outcome::blocked: return "blocked";
    default: return "?";
  }
}

std::optional<std::uint8_t> parse_outcome_word(std::string_view word) noexcept {
  for (std::uint8_t o = statement_outcome::joint; o <= statement_outcome::blocked; ++o) {
    if (word == outcome_word(o)) return o;
  }
  return std::nullopt;
}

std::string_view rung_word(Rung r) noexcept { return r == Rung::none ? "quiet" : to_string(r); }

std::optional<Rung> parse_rung_word(std::string_view word) noexcept {
  const std::string w = detail::lowercase(word);
  if (w == "quiet" || w == "none") return Rung::none;
  if (w == "attribute") return Rung::attribute;
  if (w == "coordinate") return Rung::coordinate;
  if (w == "sanction") return Rung::sanction;
  return std::nullopt;
}

sim::h5::TableSchema<DecisionRow> decisions_schema() {
  sim::h5::TableSchema<DecisionRow> s(
      "One row per decision a player (or a decisions file) took for a played state; "
      "/wargame/actions and /wargame/briefs hold its words and the brief shown, row for row");
  s.add("decision", &DecisionRow::decision, "1", "Sequence number of the decision in the session");
  s.add("day", &DecisionRow::day, "day", "Simulated day of the decision");
  s.add("state", &DecisionRow::state, "index", "Deciding state (index into /scenario/states)");
  s.add("kind", &DecisionRow::kind, "enum",
        "0 respond (a victim's response), 1 join (an ally's answer), 2 turn (a doctrine change), "
        "3 inject (the white cell published, edited or skipped a scheduled event), 4 override "
        "(the white cell overrode the outcome the model proposed for a statement)");
  s.add("incident", &DecisionRow::incident, "1",
        "Incident (the incident column of /incidents); -1 for a turn");
  s.add("turn", &DecisionRow::turn, "1",
        "Turn number (turn k is at day k * turn_days); inject: the index of the scheduled "
        "event (/scenario [[scheduled]]); 0 otherwise");
  s.add("named", &DecisionRow::named, "index", "Attacker the attribution named; -1 for a turn");
  s.add("confidence", &DecisionRow::confidence, "1", "Confidence of the attribution");
  s.add("case_strength", &DecisionRow::case_strength, "1",
        "Case strength z the victim's doctrine weighs (respond)");
  s.add("recommended", &DecisionRow::recommended, "enum",
        "respond: the doctrine's rung (index into /scenario/rungs); join: the model's answer "
        "with the same random numbers (1 join, 0 decline); turn: -1");
  s.add("choice", &DecisionRow::choice, "enum",
        "respond: the rung chosen; join: 1 join, 0 decline; turn: 0 done, 1 enable, 2 disable, "
        "3 threshold, 4 program; inject: 0 skip, 1 publish, 2 edit; override: the outcome ruled "
        "(1 joint, 2 split, 3 unjoined, 4 blocked; recommended: the model's)");
  s.add("options", &DecisionRow::options, "bits",
        "respond: bit k set if rung k could be chosen then (bit 0, quiet, always); else 0");
  s.add("deviates", &DecisionRow::deviates, "bool",
        "The choice differs from the model's (turn: any change)");
  s.add("seconds", &DecisionRow::seconds, "s",
        "Time from the brief being shown to the answer being accepted (as recorded)");
  s.add("source", &DecisionRow::source, "enum",
        "Who decided: 0 a player at the terminal, 1 a hand-written decisions file, 2 the "
        "doctrine (--delegate-below, --rest doctrine), 3 the default answer when a move's "
        "time ran out, 4 the default when the white cell jumped the clock past it; a replayed "
        "decision keeps its source");
  s.add("late", &DecisionRow::late, "bool",
        "join: the answer could not reach the leader by its coalition deadline and did not "
        "count (the leader and the ally were told)");
  s.add("move", &DecisionRow::move, "1",
        "The move of the decision: move k spans days ((k-1) * move_days, k * move_days]; 0 "
        "when questions came one at a time (move_days 0)");
  s.add("leader", &DecisionRow::leader, "index",
        "join: the state that invited (index into /scenario/states); -1 otherwise");
  s.add("p_join", &DecisionRow::p_join, "1",
        "join: the model's probability that the state joins, never shown to its players "
        "(debrief fits the players' answers against it); 0 otherwise");
  return s;
}

void write_session(sim::h5::File& file, const SessionInfo& info,
                   const std::vector<Decision>& decisions) {
  file.create_group("/wargame");
  file.set_attribute("/wargame", "played", std::span(info.played));
  file.set_attribute("/wargame", "turn_days", info.turn_days);
  file.set_attribute("/wargame", "move_days", info.move_days);
  file.set_attribute("/wargame", "delegate_below", info.delegate_below);
  file.set_attribute("/wargame", "replication", info.replication);
  file.set_attribute("/wargame", "seed", info.seed);
  file.set_attribute("/wargame", "status", info.complete ? "complete" : "interrupted");
  file.set_attribute("/wargame", "day_reached", info.day_reached);
  file.set_attribute("/wargame", "decisions", static_cast<std::uint64_t>(decisions.size()));
  auto table = file.create_table("/wargame/decisions", decisions_schema());
  std::vector<std::string> actions, briefs, rationales;
  for (const Decision& d : decisions) {
    table.append(d.row);
    actions.push_back(d.action);
    briefs.push_back(d.brief.empty() ? std::string(" ") : d.brief);
    rationales.push_back(d.rationale.empty() ? std::string(" ") : d.rationale);
  }
  table.flush();
  if (!decisions.empty()) {
    file.write_dataset("/wargame/actions", actions,
                       "Each decision in words, as a decisions file writes it");
    file.write_dataset("/wargame/briefs", briefs, "The brief shown for each decision");
    file.write_dataset("/wargame/rationales", rationales,
                       "Each decision's rationale in the players' words (a space: none given)");
  }
}

StoredSession read_session(const std::string& path) {
  const auto file = sim::h5::File::open_read(path);
  if (!file.exists("/wargame") || !file.exists("/scenario/resolved")) {
    throw std::runtime_error(path + " is not a war-game session file (it has no /wargame)");
  }
  StoredSession s;
  s.path = path;
  s.info.played = file.read_attribute<std::vector<std::string>>("/wargame", "played");
  s.info.turn_days = file.read_attribute<double>("/wargame", "turn_days");
  if (file.has_attribute("/wargame", "move_days")) {
    s.info.move_days = file.read_attribute<double>("/wargame", "move_days");
  }
  s.info.delegate_below = file.read_attribute<double>("/wargame", "delegate_below");
  s.info.replication = file.read_attribute<std::uint64_t>("/wargame", "replication");
  s.info.seed = file.read_attribute<std::uint64_t>("/wargame", "seed");
  s.info.complete = file.read_attribute<std::string>("/wargame", "status") == "complete";
  s.info.day_reached = file.read_attribute<double>("/wargame", "day_reached");
  s.scenario_resolved = file.read_dataset<std::string>("/scenario/resolved");
  s.scenario_text = file.read_dataset<std::string>("/scenario/text");
  s.scenario_path = file.read_attribute<std::string>("/scenario", "source_path");
  s.scenario_name = file.read_attribute<std::string>("/scenario", "name");
  if (file.exists("/wargame/after_action")) {
    s.after_action = file.read_dataset<std::string>("/wargame/after_action");
  }
  const auto rows = sim::h5::read_table(file, "/wargame/decisions", decisions_schema());
  std::vector<std::string> actions, briefs;
  if (!rows.empty()) {
    actions = file.read_dataset<std::vector<std::string>>("/wargame/actions");
    briefs = file.read_dataset<std::vector<std::string>>("/wargame/briefs");
  }
  if (actions.size() != rows.size() || briefs.size() != rows.size()) {
    throw std::runtime_error(path + ": /wargame/actions and /wargame/briefs do not match " +
                             "/wargame/decisions row for row");
  }
  std::vector<std::string> rationales(rows.size(), " ");
  if (!rows.empty() && file.exists("/wargame/rationales")) {
    rationales = file.read_dataset<std::vector<std::string>>("/wargame/rationales");
  }
  if (rationales.size() != rows.size()) {
    throw std::runtime_error(path + ": /wargame/rationales does not match /wargame/decisions");
  }
  for (std::size_t i = 0; i < rows.size(); ++i) {
    s.decisions.push_back(Decision{rows[i], actions[i], briefs[i] == " " ? "" : briefs[i],
                                   rationales[i] == " " ? "" : rationales[i], 0});
  }
  return s;
}

std::vector<Decision> read_decisions_file(const std::string& path, const Scenario& sc) {
  const detail::Document doc = detail::parse_file(path);
  detail::Reader root(doc, doc.root, "");
  std::vector<Decision> out;
  for (auto& t : root.table_array("decision")) {
    Decision d;
    d.line = t.raw("state")  ? t.raw("state")->source().begin.line
             : t.raw("kind") ? t.raw("kind")->source().begin.line
                             : 0;
    const std::string kind =
        t.choice("kind", "", {"respond", "join", "turn", "inject", "override"});
    if (!t.has("kind")) t.fail("kind", "missing: respond, join, turn, inject or override");
    d.row.kind = static_cast<std::uint8_t>(kind == "respond"  ? DecisionKind::respond
                                           : kind == "join"   ? DecisionKind::join
                                           : kind == "turn"   ? DecisionKind::turn
                                           : kind == "inject" ? DecisionKind::inject
                                                              : DecisionKind::adjudication);
    if (kind != "inject" || t.has("state")) {
      const std::string state = t.required_string("state");
      const auto s = sc.state_index(state);
      if (!s) t.fail("state", "no state '" + state + "' in the scenario");
      d.row.state = static_cast<std::uint32_t>(*s);
    }
    const std::string choice = t.required_string("choice");
    if (kind == "inject") {
      // The white cell's inject (inject.hpp): the scheduled event, what it does to it and
      // the day it takes effect; `rationale` is the white cell's reason.
      const auto index = t.integer("inject", -1, 0, 1'000'000);
      if (!t.has("inject")) t.fail("inject", "missing: the scheduled event's index (0, 1, ...)");
      if (static_cast<std::size_t>(index) >= sc.scheduled.size()) {
        t.fail("inject",
               "the scenario has " + std::to_string(sc.scheduled.size()) + " scheduled event(s)");
      }
      if (!t.has("day")) t.fail("day", "missing: the day the inject takes effect");
      if (t.has("incident")) t.fail("incident", "an inject has no incident");
      if (t.has("turn")) t.fail("turn", "an inject has no turn number");
      std::string error;
      const auto inject = parse_inject_words(choice, static_cast<std::size_t>(index), error);
      if (!inject) t.fail("choice", error);
      d.row.turn = static_cast<std::uint32_t>(index);
      d.row.choice = static_cast<std::int8_t>(inject->op);
      if (!t.has("state")) {
        d.row.state =
            static_cast<std::uint32_t>(sc.scheduled[static_cast<std::size_t>(index)].state);
      }
      d.action = format_inject_words(*inject);
    } else if (kind == "override") {
      // The white cell's ruling on a statement's outcome, with its reason (`rationale`).
      d.row.incident = t.integer("incident", -1, 0, std::numeric_limits<std::int64_t>::max());
      if (!t.has("incident")) t.fail("incident", "missing: the incident's number");
      const auto outcome = parse_outcome_word(choice);
      if (!outcome) t.fail("choice", "expected joint, split, unjoined or blocked");
      d.row.choice = static_cast<std::int8_t>(*outcome);
      d.action = std::string(outcome_word(*outcome));
      if (!t.has("rationale") || t.string("rationale", "").empty()) {
        t.fail("rationale", "an override needs a reason");
      }
    } else if (kind == "turn") {
      d.row.turn = static_cast<std::uint32_t>(t.integer("turn", 0, 1, 1'000'000'000));
      if (!t.has("turn")) t.fail("turn", "missing: the turn's number (1, 2, ...)");
      if (t.has("incident")) t.fail("incident", "a turn has no incident");
      try {
        const DoctrineAction a = parse_action(choice, sc);
        d.row.choice = static_cast<std::int8_t>(a.kind);
        d.action = format_action(a, sc);
      } catch (const std::invalid_argument& e) {
        t.fail("choice", e.what());
      }
    } else {
      if (t.has("inject")) t.fail("inject", "only an inject names a scheduled event");
      d.row.incident = t.integer("incident", -1, 0, std::numeric_limits<std::int64_t>::max());
      if (!t.has("incident")) t.fail("incident", "missing: the incident's number");
      if (t.has("turn")) t.fail("turn", "only a turn has a turn number");
      // The rung or stance, then a statement's words (statement.hpp).
      const std::string c = detail::lowercase(choice);
      std::string error;
      if (kind == "respond") {
        const auto r = parse_respond_words(c, error);
        if (!r) {
          t.fail("choice",
                 "expected quiet, attribute, coordinate or sanction, then a "
                 "statement's words: " +
                     error);
        }
        d.row.choice = static_cast<std::int8_t>(r->rung);
        const std::string words = format_draft_words(r->draft);
        d.action = std::string(rung_word(r->rung)) + (words.empty() ? "" : " " + words);
      } else {
        const auto a = parse_stance_words(c, error);
        if (!a) t.fail("choice", "expected join or decline, or a stance: " + error);
        d.row.choice = a->stance == models::deterrence::Stance::concur ||
                               a->stance == models::deterrence::Stance::amend
                           ? 1
                           : 0;
        d.action = format_stance_words(*a);
      }
    }
    d.row.day = t.number("day", 0.0, detail::Range::closed(0.0, 1e9));
    d.row.seconds = t.number("seconds", 0.0, detail::Range::closed(0.0, 1e9));
    d.rationale = t.string("rationale", "");
    if (d.rationale.size() > max_rationale) {
      t.fail("rationale", "at most " + std::to_string(max_rationale) + " characters");
    }
    if (std::any_of(d.rationale.begin(), d.rationale.end(), [](char c) {
          return static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f;
        })) {
      t.fail("rationale", "printable ASCII only (no line breaks or control characters)");
    }
    // Who took it in the session it came from; a hand-written decision is the file's.
    const std::string source =
        t.choice("source", "file", {"player", "file", "doctrine", "timeout", "jump"});
    d.row.source = static_cast<std::uint8_t>(source == "player"     ? DecisionSource::player
                                             : source == "doctrine" ? DecisionSource::doctrine
                                             : source == "timeout"  ? DecisionSource::timeout
                                             : source == "jump"     ? DecisionSource::jump
                                                                    : DecisionSource::file);
    t.finish();
    d.row.decision = out.size();
    out.push_back(std::move(d));
  }
  root.finish();
  return out;
}

std::string decisions_toml(const std::vector<Decision>& decisions, const Scenario& sc,
                           const std::string& header) {
  std::ostringstream out;
  std::istringstream lines(header);
  for (std::string line; std::getline(lines, line);) out << "# " << line << "\n";
  for (const Decision& d : decisions) {
    const auto kind = static_cast<DecisionKind>(d.row.kind);
    out << "\n[[decision]]\n";
    out << "state = " << detail::toml_string(sc.states.at(d.row.state).name) << "\n";
    out << "kind = \"" << to_string(kind) << "\"\n";
    if (kind == DecisionKind::turn) {
      out << "turn = " << d.row.turn << "\n";
    } else if (kind == DecisionKind::inject) {
      out << "inject = " << d.row.turn << "\n";
    } else if (kind == DecisionKind::adjudication) {
      out << "incident = " << d.row.incident << "\n";
    } else {
      out << "incident = " << d.row.incident << "\n";
    }
    out << "choice = " << detail::toml_string(d.action) << "\n";
    out << "day = " << detail::toml_number(d.row.day) << "\n";
    out << "seconds = " << detail::toml_number(d.row.seconds) << "\n";
    out << "source = \"" << to_string(static_cast<DecisionSource>(d.row.source)) << "\"\n";
    if (!d.rationale.empty()) out << "rationale = " << detail::toml_string(d.rationale) << "\n";
  }
  return out.str();
}

std::string doctrine_inline_toml(const Doctrine& d) {
  std::string out = "{";
  for (const Rung r : {Rung::attribute, Rung::coordinate, Rung::sanction}) {
    out += std::string(to_string(r)) + " = {enabled = " + (d.rung(r).enabled ? "true" : "false") +
           ", threshold = " + detail::toml_number(d.rung(r).threshold) + "}, ";
  }
  out += "sanction_days = " + detail::toml_number(d.sanction_days) +
         ", noise = " + detail::toml_number(d.noise);
  // Written only when set, so that a doctrine without it reads as before.
  if (d.evidence != 0.0) out += ", evidence = " + detail::toml_number(d.evidence);
  return out + "}";
}

std::string as_played_sweep_toml(const Scenario& sc, const std::vector<PlayedDoctrine>& doctrines,
                                 const std::string& base, std::uint64_t replications,
                                 std::uint64_t seed, const std::string& header) {
  std::ostringstream out;
  std::istringstream lines(header);
  for (std::string line; std::getline(lines, line);) out << "# " << line << "\n";
  std::string name = "as-played";
  if (!sc.name.empty()) name += "-" + sc.name;
  out << "\nname = " << detail::toml_string(name) << "\n";
  out << "base = " << detail::toml_string(base) << "\n\n";
  out << "[run]\nreplications = " << replications << "\nseed = " << seed << "\n\n";
  out << "[design]\nkind = \"grid\"\n";
  // The scenario's own policy changes to a played state's doctrine would undo the played
  // doctrine; a second parameter runs the scenario without them.
  std::string without, played_names;
  std::vector<const PolicyChange*> kept;
  for (const PolicyChange& c : sc.policy_changes) {
    bool of_played = false;
    for (const PlayedDoctrine& p : doctrines) of_played = of_played || p.state == c.state;
    if (!of_played) kept.push_back(&c);
  }
  for (const PlayedDoctrine& p : doctrines) {
    played_names += (played_names.empty() ? "" : " and ") + sc.states.at(p.state).name;
  }
  auto changes = [&](const std::vector<const PolicyChange*>& list) {
    std::string text = "[";
    for (const PolicyChange* c : list) {
      text += std::string(text.size() > 1 ? ", " : "") + "{day = " + detail::toml_number(c->day) +
              ", state = " + detail::toml_string(sc.states.at(c->state).name) + ", rung = \"" +
              std::string(to_string(c->rung)) + "\"";
      if (c->enabled) text += std::string(", enabled = ") + (*c->enabled ? "true" : "false");
      if (c->threshold) text += ", threshold = " + detail::toml_number(*c->threshold);
      text += "}";
    }
    return text + "]";
  };
  for (const PlayedDoctrine& p : doctrines) {
    const std::string& state = sc.states.at(p.state).name;
    std::string column = "doctrine_";
    for (const char c : state) column += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
    out << "\n[[parameters]]\n";
    out << "name = " << detail::toml_string(column) << "\n";
    out << "path = " << detail::toml_string("states." + detail::toml_key(state) + ".doctrine")
        << "\n";
    out << "values = [\n  " << doctrine_inline_toml(p.scenario) << ",\n  "
        << doctrine_inline_toml(p.played) << ",\n]\n";
    out << "labels = [\"doctrine\", \"as played\"]\n";
    if (p.joining && !p.inviters.empty()) {
      std::string joining = "joining_";
      for (const char c : state) joining += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
      out << "\n# How readily " << state
          << " joined allies' statements and sanctions, against the model: its\n# "
             "alignment with those who invite it, scaled (docs/wargame.md, \"debrief\").\n";
      out << "[[parameters]]\nname = " << detail::toml_string(joining) << "\npaths = [";
      for (std::size_t i = 0; i < p.inviters.size(); ++i) {
        out << (i > 0 ? ", " : "")
            << detail::toml_string("states." + detail::toml_key(sc.states.at(p.inviters[i]).name) +
                                   ".alignment." + detail::toml_key(state));
      }
      out << "]\nlink = \"scale\"\nvalues = [1.0, " << detail::toml_number(*p.joining) << "]\n";
      out << "labels = [\"doctrine\", \"as played\"]\n";
    }
  }
  if (kept.size() != sc.policy_changes.size()) {
    std::vector<const PolicyChange*> all;
    for (const PolicyChange& c : sc.policy_changes) all.push_back(&c);
    out << "\n# The scenario changes " << played_names
        << "'s doctrine on its own (policy_changes); the played\n# doctrine "
           "replaces those changes, so \"as played\" goes with \"without them\".\n";
    out << "[[parameters]]\nname = \"policy_changes\"\npath = \"policy_changes\"\n";
    out << "values = [\n  " << changes(all) << ",\n  " << changes(kept) << ",\n]\n";
    out << "labels = [\"scenario\", \"without them\"]\n";
  }
  return out.str();
}

}  // namespace cyberdeter::wargame
