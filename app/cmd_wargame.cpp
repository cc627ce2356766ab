// cyberdeter wargame: players take some states' decisions while the model plays the rest
// (docs/wargame.md). A session is one replication of a deterrence scenario; every
// decision is recorded with its brief, a decisions file or the session itself replays it,
// and the same replication without players is the counterfactual of the after-action
// summary.

#include <chrono>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <iostream>
#include <limits>
#include <optional>
#include <sstream>

#include "cli_common.hpp"
#include "cyberdeter/models/deterrence/model.hpp"
#include "cyberdeter/models/deterrence/output.hpp"
#include "cyberdeter/models/deterrence/scenario_loader.hpp"
#include "cyberdeter/models/deterrence/wargame.hpp"
#include "cyberdeter/models/scenario_error.hpp"
#include "cyberdeter/wargame/after_action.hpp"
#include "cyberdeter/wargame/record.hpp"
#include "wargame_terminal.hpp"

namespace cyberdeter::app {
namespace {

namespace det = models::deterrence;
using det::Rung;
using wargame::Decision;
using wargame::DecisionKind;
using wargame::DecisionSource;
using wargame::PlayedRun;
using Clock = std::chrono::steady_clock;

constexpr double quarter_days = 365.25 / 4.0;

struct WargameOptions {
  ScenarioArgs scenario;
  std::vector<std::string> play;
  std::string output;
  std::string resume;
  std::string decisions;
  std::string rest = "ask";
  std::optional<std::uint64_t> seed;
  std::optional<std::uint64_t> replication;
  std::optional<double> turn_days;
  std::optional<double> horizon_days;
  std::optional<double> delegate_below;
  bool quiet = false;
};

/// A player typed `quit`, or input ended: the session stops and is saved.
struct SessionStopped : std::runtime_error {
  SessionStopped(const std::string& why, int exit_status)
      : std::runtime_error(why), status(exit_status) {}
  int status;
};

// Takes the played states' decisions: first from a script (a decisions file or the session
// being resumed), then from the terminal or the doctrine; records each with its brief.
class SessionDecider final : public det::Decider {
 public:
  SessionDecider(const det::Scenario& sc, std::vector<Decision> script, std::string script_path,
                 bool rest_doctrine, double turn_days, double delegate_below, bool quiet)
      : sc_(sc),
        script_(script.begin(), script.end()),
        script_path_(std::move(script_path)),
        rest_doctrine_(rest_doctrine),
        turn_days_(turn_days),
        delegate_below_(delegate_below),
        quiet_(quiet) {}

  Rung respond(const det::ResponseBrief& b) override {
    Decision d = start(DecisionKind::respond, b.state, b.day);
    d.row.incident = static_cast<std::int64_t>(b.incident);
    d.row.named = static_cast<std::int32_t>(b.named);
    d.row.confidence = b.confidence;
    d.row.case_strength = b.case_strength;
    d.row.recommended = static_cast<std::int8_t>(b.recommended);
    for (const Rung r : b.options())
      d.row.options |= static_cast<std::uint8_t>(1u << static_cast<unsigned>(r));
    d.brief = render_response(sc_, b, d.row.decision + 1);
    Rung chosen = b.recommended;
    // A weak case the script does not mention is left to the doctrine, so a hand-written
    // decisions file need not list the cases --delegate-below would never show.
    const bool delegated = b.case_strength < delegate_below_ && !next_scripted_is(d);
    if (delegated) {
      d.row.source = static_cast<std::uint8_t>(DecisionSource::doctrine);
    } else if (const Decision* s = scripted(d)) {
      const auto r = static_cast<Rung>(s->row.choice);
      const auto options = b.options();
      if (std::find(options.begin(), options.end(), r) == options.end()) {
        fail(*s, "chooses " + std::string(det::to_string(r)) + ", which is not enabled in " +
                     sc_.states[b.state].name + "'s doctrine on " + when(sc_, b.day));
      }
      chosen = r;
    } else if (!rest_doctrine_) {
      const auto answer =
          ask(d.brief, response_prompt(b), response_help(sc_, b),
              [&](const std::string& line) { return parse_response(sc_, b, line); });
      chosen = static_cast<Rung>(answer);
      d.row.seconds = last_seconds_;
    }
    d.row.choice = static_cast<std::int8_t>(chosen);
    d.row.deviates = chosen != b.recommended;
    d.action = std::string(wargame::rung_word(chosen));
    record(std::move(d));
    return chosen;
  }

  bool join(const det::JoinBrief& b) override {
    Decision d = start(DecisionKind::join, b.state, b.day);
    d.row.incident = static_cast<std::int64_t>(b.incident);
    d.row.named = static_cast<std::int32_t>(b.named);
    d.row.confidence = b.confidence;
    d.row.recommended = b.model_answer ? 1 : 0;
    d.brief = render_join(sc_, b, d.row.decision + 1);
    bool joins = b.model_answer;
    if (const Decision* s = scripted(d)) {
      joins = s->row.choice == 1;
    } else if (!rest_doctrine_) {
      joins = ask(d.brief, join_prompt(b), join_help(sc_, b),
                  [&](const std::string& line) { return parse_join(b, line); }) == 1;
      d.row.seconds = last_seconds_;
    }
    d.row.choice = joins ? 1 : 0;
    d.row.deviates = joins != b.model_answer;
    d.action = joins ? "join" : "decline";
    record(std::move(d));
    return joins;
  }

  det::DoctrineAction turn(const det::TurnBrief& b) override {
    Decision d = start(DecisionKind::turn, b.state, b.day);
    d.row.turn = b.turn;
    const bool first = !(seen_turn_ == b.turn && seen_state_ == b.state);
    seen_turn_ = b.turn;
    seen_state_ = b.state;
    // The brief is recorded with the turn's first action; later actions of the turn show
    // only the doctrine as it now stands.
    d.brief = render_turn(sc_, b, turn_days_);
    det::DoctrineAction action;
    if (const Decision* s = scripted(d)) {
      try {
        action = det::parse_action(s->action, sc_);
      } catch (const std::invalid_argument& e) {
        fail(*s, e.what());  // a session file of another scenario
      }
      if (const auto why = det::check_action(sc_, b, action)) fail(*s, *why);
    } else if (!rest_doctrine_) {
      // The turn's brief is shown once, even when its first actions were replayed.
      const bool shown = shown_turn_ == b.turn && shown_state_ == b.state;
      shown_turn_ = b.turn;
      shown_state_ = b.state;
      action = ask_action(shown ? std::string() : d.brief, b);
      d.row.seconds = last_seconds_;
    }
    if (!first) d.brief.clear();
    d.row.choice = static_cast<std::int8_t>(action.kind);
    d.row.deviates = action.kind != det::ActionKind::done;
    d.action = det::format_action(action, sc_);
    if (!quiet_ && action.kind != det::ActionKind::done && replaying_) {
      std::printf("  turn %u, %s: %s\n", b.turn, sc_.states[b.state].name.c_str(),
                  d.action.c_str());
    } else if (action.kind != det::ActionKind::done && !replaying_ && !rest_doctrine_) {
      std::printf("  ok: %s\n", d.action.c_str());
    }
    record(std::move(d));
    return action;
  }

  const std::vector<Decision>& decisions() const noexcept { return decisions_; }
  double day() const noexcept { return decisions_.empty() ? 0.0 : decisions_.back().row.day; }

  /// Every scripted decision must have been asked for.
  void check_script_used() const {
    if (script_.empty()) return;
    const Decision& s = script_.front();
    fail(s, std::to_string(script_.size()) +
                " scripted decision(s) were never asked for: the session ended first. The "
                "decisions come from another scenario, seed, replication or --turn-days");
  }

 private:
  Decision start(DecisionKind kind, std::uint32_t state, double day) const {
    Decision d;
    d.row.decision = decisions_.size();
    d.row.day = day;
    d.row.state = state;
    d.row.kind = static_cast<std::uint8_t>(kind);
    d.row.source = static_cast<std::uint8_t>(
        rest_doctrine_ && script_.empty() ? DecisionSource::doctrine : DecisionSource::player);
    return d;
  }

  // True if the script's next decision is the one `d` is about.
  bool next_scripted_is(const Decision& d) const {
    if (script_.empty()) return false;
    const wargame::DecisionRow& s = script_.front().row;
    return s.kind == d.row.kind && s.state == d.row.state &&
           (static_cast<DecisionKind>(d.row.kind) == DecisionKind::turn
                ? s.turn == d.row.turn
                : s.incident == d.row.incident);
  }

  // The next scripted decision, checked against the one the session asks for; it sets
  // `d`'s source and time. Null when the script has run out.
  const Decision* scripted(Decision& d) {
    if (script_.empty()) {
      if (replaying_ && !quiet_ && replayed_ > 0) {
        std::printf("Replayed %zu decision(s) to %s.\n", replayed_, when(sc_, d.row.day).c_str());
      }
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
    const Decision& s = current_;
    d.row.seconds = s.row.seconds;
    // Who took the decision in the session it came from (a hand-written one: the file).
    d.row.source = s.row.source;
    ++replayed_;
    return &current_;
  }

  std::string describe(const Decision& d) const {
    const auto kind = static_cast<DecisionKind>(d.row.kind);
    const std::string state = sc_.states.at(d.row.state).name;
    if (kind == DecisionKind::turn) return state + "'s turn " + std::to_string(d.row.turn);
    return (kind == DecisionKind::respond ? state + "'s response to incident "
                                          : state + "'s answer to an invitation about incident ") +
           std::to_string(d.row.incident);
  }

  [[noreturn]] void fail(const Decision& s, const std::string& message) const {
    const std::string what = "decision " + std::to_string(s.row.decision + 1);
    if (s.line > 0) {
      throw models::ScenarioError(script_path_, static_cast<int>(s.line), 1, what, message);
    }
    throw UsageError(script_path_ + ": " + what + " " + message);
  }

  void record(Decision d) {
    if (replaying_ && !quiet_ && static_cast<DecisionKind>(d.row.kind) != DecisionKind::turn) {
      const bool respond = static_cast<DecisionKind>(d.row.kind) == DecisionKind::respond;
      std::printf("  %s  %s, %s %lld: %s\n", when(sc_, d.row.day).c_str(),
                  sc_.states.at(d.row.state).name.c_str(), respond ? "incident" : "invitation on",
                  static_cast<long long>(d.row.incident), d.action.c_str());
    }
    decisions_.push_back(std::move(d));
  }

  std::string read_line(const std::string& prompt) {
    std::fputs(prompt.c_str(), stdout);
    std::fflush(stdout);
    auto line = input_.next();
    if (!line) {
      std::fputs("\n", stdout);
      throw SessionStopped("standard input ended before the session did", exit_failure);
    }
    if (!input_.interactive()) {
      std::printf("%s\n", shown_input(*line, 48).c_str());  // a readable transcript
    }
    return *line;
  }

  // Counts a refused answer. Without a terminal nobody can correct them: after a run of
  // refusals the session stops (and is saved) instead of re-prompting for ever.
  void refused() {
    if (input_.interactive() || ++refusals_ < max_refusals) return;
    throw SessionStopped(std::to_string(max_refusals) +
                             " answers in a row were refused; look at the input's answers "
                             "(? at a prompt lists what each one accepts)",
                         exit_bad_input);
  }

  // Shows the brief and asks until the answer parses; ?, help and brief are answered here.
  template <class Parse>
  int ask(const std::string& brief, const std::string& prompt, const std::string& help,
          Parse parse) {
    std::fputs(("\n" + brief).c_str(), stdout);
    const auto begin = Clock::now();
    for (;;) {
      const std::string line = read_line(prompt);
      if (meta(line, brief, help)) continue;
      const ParsedAnswer answer = parse(line);
      if (answer.value) {
        last_seconds_ = std::chrono::duration<double>(Clock::now() - begin).count();
        refusals_ = 0;
        return *answer.value;
      }
      std::fputs(error_line(answer.error).c_str(), stdout);
      refused();
    }
  }

  det::DoctrineAction ask_action(const std::string& brief, const det::TurnBrief& b) {
    if (!brief.empty()) std::fputs(("\n" + brief).c_str(), stdout);
    const auto begin = Clock::now();
    for (;;) {
      const std::string line = read_line(turn_prompt());
      if (meta(line, render_turn(sc_, b, turn_days_), turn_help(sc_, b))) continue;
      try {
        const det::DoctrineAction a = line.find_first_not_of(" \t\r") == std::string::npos
                                          ? det::DoctrineAction{}
                                          : det::parse_action(line, sc_);
        if (const auto why = det::check_action(sc_, b, a)) {
          std::fputs(error_line(*why).c_str(), stdout);
          refused();
          continue;
        }
        last_seconds_ = std::chrono::duration<double>(Clock::now() - begin).count();
        refusals_ = 0;
        return a;
      } catch (const std::invalid_argument& e) {
        std::fputs(error_line(e.what()).c_str(), stdout);
        refused();
      }
    }
  }

  // Handles help, brief and quit; true if the line was one of them.
  bool meta(const std::string& line, const std::string& brief, const std::string& help) {
    std::string w = normalise_answer(line);
    std::erase_if(w, [](char c) { return c == ' ' || c == '\t'; });  // blanks inside too
    if (w == "?" || w == "help" || w == "h") {
      std::fputs(help.c_str(), stdout);
      return true;
    }
    if (w == "brief" || w == "b") {
      std::fputs(("\n" + brief).c_str(), stdout);
      return true;
    }
    if (w == "quit" || w == "exit" || w == "save") {
      throw SessionStopped("the session was stopped by a player (quit)", exit_success);
    }
    return false;
  }

  const det::Scenario& sc_;
  std::deque<Decision> script_;
  std::string script_path_;
  bool rest_doctrine_;
  double turn_days_;
  double delegate_below_;  // responses to weaker cases are left to the doctrine
  bool quiet_;
  bool replaying_ = true;
  std::size_t replayed_ = 0;
  Decision current_;
  LineInput input_;
  std::vector<Decision> decisions_;
  double last_seconds_ = 0.0;  // of the last answer asked for
  static constexpr int max_refusals = 20;
  int refusals_ = 0;             // answers refused in a row
  std::uint32_t seen_turn_ = 0;  // the turn whose first action was recorded last
  std::uint32_t seen_state_ = 0;
  std::uint32_t shown_turn_ = 0;  // the turn whose brief a player saw last
  std::uint32_t shown_state_ = 0;
};

struct CollectingSink final : det::RunSink {
  std::vector<det::PeriodRow> periods;
  std::vector<det::IncidentRow> incidents;
  void period(const det::PeriodRow& row) override { periods.push_back(row); }
  void incident(const det::IncidentRow& row) override { incidents.push_back(row); }
};

bool is_hdf5_file(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return false;
  char magic[8] = {};
  const std::size_t n = std::fread(magic, 1, sizeof magic, f);
  std::fclose(f);
  return n == sizeof magic &&
         std::string_view(magic, 8) == std::string_view("\x89HDF\r\n\x1a\n", 8);
}

std::string state_list(const det::Scenario& sc) {
  std::string out;
  for (const auto& s : sc.states) out += (out.empty() ? "" : ", ") + s.name;
  return out;
}

void save_partial(const std::string& output, const det::Scenario& sc, wargame::SessionInfo info,
                  const SessionDecider& decider) {
  info.complete = false;
  info.day_reached = decider.day();
  auto file = sim::h5::File::create(output);
  write_provenance(file);
  det::write_scenario(file, sc);
  wargame::write_session(file, info, decider.decisions());
  file.commit();
}

int run_wargame(const WargameOptions& opt) {
  det::Scenario sc;
  std::vector<Decision> script;
  std::string script_path;
  std::vector<std::string> play = opt.play;
  std::uint64_t replication = opt.replication.value_or(0);
  double turn_days = opt.turn_days.value_or(quarter_days);
  double delegate_below = opt.delegate_below.value_or(-std::numeric_limits<double>::infinity());
  std::string output = opt.output;

  if (!opt.resume.empty()) {
    if (!opt.scenario.file.empty()) {
      throw UsageError("--resume continues the session's own scenario: give no scenario FILE");
    }
    if (!opt.decisions.empty()) throw UsageError("--resume and --decisions cannot be combined");
    if (!opt.scenario.overrides.empty() || opt.seed || opt.replication || opt.turn_days ||
        opt.horizon_days || opt.delegate_below) {
      throw UsageError(
          "--resume keeps the session's settings: --set, --seed, --replication, --turn-days, "
          "--horizon-days and --delegate-below do not apply");
    }
    const wargame::StoredSession stored = read_session_file(opt.resume);
    if (stored.info.complete) {
      throw UsageError(opt.resume +
                       " is a complete session: nothing to resume (replay it with "
                       "--decisions " +
                       opt.resume + ")");
    }
    sc = det::load_scenario_text(stored.scenario_resolved, opt.resume + ":/scenario/resolved");
    sc.text = stored.scenario_text;
    sc.path = stored.scenario_path;
    if (!play.empty() && play != stored.info.played) {
      throw UsageError("--play differs from the session's players; --resume keeps them");
    }
    play = stored.info.played;
    replication = stored.info.replication;
    turn_days = stored.info.turn_days;
    delegate_below = stored.info.delegate_below;
    script = stored.decisions;
    script_path = opt.resume;
    if (output.empty()) output = opt.resume;
  } else {
    if (opt.scenario.file.empty()) {
      throw UsageError("give a scenario FILE to play, or --resume SESSION.h5");
    }
    if (is_reference_scenario(opt.scenario.file) || is_game_scenario(opt.scenario.file)) {
      throw UsageError(opt.scenario.file +
                       " is not a deterrence scenario: a war-game plays states of the deterrence "
                       "model");
    }
    if (output.empty()) throw UsageError("give the session file: -o SESSION.h5");
    sc = det::load_scenario(opt.scenario.file, opt.scenario.overrides);
    if (!opt.decisions.empty()) {
      if (!std::filesystem::exists(opt.decisions)) {
        throw UsageError("decisions file " + opt.decisions + " does not exist");
      }
      script_path = opt.decisions;
      if (is_hdf5_file(opt.decisions)) {
        // A session replays with its own settings unless told otherwise.
        const wargame::StoredSession stored = read_session_file(opt.decisions);
        script = stored.decisions;
        if (play.empty()) play = stored.info.played;
        if (!opt.seed) sc.run.seed = stored.info.seed;
        if (!opt.replication) replication = stored.info.replication;
        if (!opt.turn_days) turn_days = stored.info.turn_days;
        if (!opt.delegate_below) delegate_below = stored.info.delegate_below;
      } else {
        script = wargame::read_decisions_file(opt.decisions, sc);
      }
    }
    if (opt.seed) sc.run.seed = *opt.seed;
    if (opt.horizon_days) {
      sc.run.horizon_days = *opt.horizon_days;
      if (sc.run.reporting_days > sc.run.horizon_days) sc.run.reporting_days = sc.run.horizon_days;
    }
  }
  if (play.empty()) {
    throw UsageError(
        "name at least one state to play: --play STATE (the scenario has: " + state_list(sc) + ")");
  }
  std::vector<std::size_t> played;
  for (const auto& name : play) {
    const auto s = sc.state_index(name);
    if (!s) {
      throw UsageError("--play " + name + ": no such state (the scenario has: " + state_list(sc) +
                       ")");
    }
    if (std::find(played.begin(), played.end(), *s) != played.end()) {
      throw UsageError("--play " + name + " is given twice");
    }
    played.push_back(*s);
  }
  check_output_path(output);

  wargame::SessionInfo info;
  info.played = play;
  info.turn_days = turn_days;
  info.delegate_below = delegate_below;
  info.replication = replication;
  info.seed = sc.run.seed;

  if (!opt.quiet) {
    std::printf("cyberdeter %s wargame\n%s: seed %llu, replication %llu, %.0f days from %s\n",
                version_string().c_str(), (sc.name.empty() ? sc.path : sc.name).c_str(),
                static_cast<unsigned long long>(sc.run.seed),
                static_cast<unsigned long long>(replication), sc.run.horizon_days,
                sc.run.start_date.empty() ? "day 0" : sc.run.start_date.c_str());
    std::printf("Players: %s.\nThe simulation plays every other state and every attacker.\n",
                [&] {
                  std::string p;
                  for (const auto& n : play) p += (p.empty() ? "" : ", ") + n;
                  return p;
                }()
                    .c_str());
    if (turn_days > 0) {
      std::printf("Every %.0f days a turn lets players change their doctrine or start programs.\n",
                  turn_days);
    }
    std::printf(
        "Type ? at any prompt for help. Ctrl-C or 'quit' saves the session; continue it\n"
        "with: cyberdeter wargame --resume %s\n",
        output.c_str());
    if (!script.empty()) {
      std::printf("Replaying %zu decision(s) from %s.\n", script.size(), script_path.c_str());
    }
    std::fflush(stdout);
  }

  SessionDecider decider(sc, std::move(script), script_path, opt.rest == "doctrine", turn_days,
                         delegate_below, opt.quiet);
  const det::Wargame game{played, turn_days, &decider};
  det::RunOptions session_options;
  session_options.incidents = true;
  session_options.wargame = &game;
  const sim::RunId id{sc.run.seed, replication, {}};
  PlayedRun session;
  try {
    CollectingSink sink;
    session.result = det::run_replication(sc, id, sink, session_options);
    session.incidents = std::move(sink.incidents);
    decider.check_script_used();
    // Everything below is computed from the finished session; the periods go to the file.
    det::RunOptions doctrine_options;
    doctrine_options.incidents = true;
    CollectingSink doctrine_sink;
    PlayedRun doctrine;
    doctrine.result = det::run_replication(sc, id, doctrine_sink, doctrine_options);
    doctrine.incidents = std::move(doctrine_sink.incidents);

    info.complete = true;
    info.day_reached = sc.run.horizon_days;
    const std::string summary =
        wargame::after_action(sc, info, played, decider.decisions(), session, doctrine, output);

    auto file = sim::h5::File::create(output);
    write_provenance(file);
    det::write_scenario(file, sc);
    {
      det::RunOptions table_options;
      table_options.incidents = true;
      det::H5Sink tables(file, table_options);
      for (const auto& row : sink.periods) tables.period(row);
      for (const auto& row : session.incidents) tables.incident(row);
      tables.finish(session.result);
      tables.close();
    }
    wargame::write_session(file, info, decider.decisions());
    file.write_text("/wargame/after_action", summary,
                    "The after-action summary printed at the end of the session");
    file.create_group("/wargame/counterfactual");
    file.set_attribute("/wargame/counterfactual", "description",
                       "The same replication with every state playing its doctrine (same "
                       "random numbers)");
    auto runs = file.create_table("/wargame/counterfactual/runs", det::runs_schema());
    runs.append(doctrine.result.run);
    runs.flush();
    auto states = file.create_table("/wargame/counterfactual/states", det::states_schema());
    states.append(std::span<const det::StateRow>(doctrine.result.states));
    states.flush();
    auto incidents =
        file.create_table("/wargame/counterfactual/incidents", det::incidents_schema());
    incidents.append(std::span<const det::IncidentRow>(doctrine.incidents));
    incidents.flush();
    file.commit();
    if (!opt.quiet) std::printf("\n%s\nSession saved to %s.\n", summary.c_str(), output.c_str());
    return exit_success;
  } catch (const SessionStopped& e) {
    save_partial(output, sc, info, decider);
    std::printf(
        "\nThe session stopped: %s.\nSaved to %s: %zu decision(s), up to %s.\n"
        "Continue with: cyberdeter wargame --resume %s\n",
        e.what(), output.c_str(), decider.decisions().size(), when(sc, decider.day()).c_str(),
        output.c_str());
    return e.status;
  } catch (const Interrupted& e) {
    save_partial(output, sc, info, decider);
    std::printf("\n");
    throw Interrupted(std::string(e.what()) + "; session saved to " + output + " after " +
                      std::to_string(decider.decisions().size()) +
                      " decision(s). Continue with: cyberdeter wargame --resume " + output);
  }
}

}  // namespace

void add_wargame_command(CLI::App& app, Action& action) {
  auto* cmd = app.add_subcommand(
      "wargame",
      "Play one or more states while the simulation plays the rest; the session is saved as "
      "an HDF5 file (docs/wargame.md)");
  auto opt = std::make_shared<WargameOptions>();
  cmd->add_option("file", opt->scenario.file, "Scenario file (TOML); not with --resume");
  cmd->add_option("--set", opt->scenario.overrides,
                  "Override a parameter first: KEY.PATH=VALUE (repeatable)");
  // One state per --play, so that `--play Japan FILE` leaves FILE to the positional.
  cmd->add_option("--play", opt->play,
                  "A state the players decide for (repeatable): its responses to attributed "
                  "incidents, its answers to allies' invitations, and its doctrine at turns")
      ->allow_extra_args(false);
  cmd->add_option("-o,--output", opt->output,
                  "Session file (HDF5, written atomically); with --resume, default the session "
                  "itself");
  cmd->add_option("--resume", opt->resume,
                  "Continue an interrupted session: replay its decisions, then ask again");
  cmd->add_option("--decisions", opt->decisions,
                  "Take decisions from a decisions file (TOML) or a session file (.h5) first; "
                  "same seed and decisions give the same session");
  cmd->add_option("--rest", opt->rest,
                  "Who decides once the decisions file has run out: ask (the terminal) or "
                  "doctrine")
      ->check(CLI::IsMember({"ask", "doctrine"}))
      ->capture_default_str();
  cmd->add_option("--seed", opt->seed, "Master seed (overrides [run])");
  cmd->add_option("--replication", opt->replication,
                  "Which replication to play (its random numbers); default 0");
  cmd->add_option("--turn-days", opt->turn_days,
                  "Days between turns at which players may change their doctrine; 0: no turns "
                  "(default: a quarter, 91.3 days)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--delegate-below", opt->delegate_below,
                  "Leave responses to cases weaker than this case strength z to the doctrine "
                  "(recorded as the doctrine's), so players see only the cases that matter");
  cmd->add_option("--horizon-days", opt->horizon_days, "Simulated days of the session")
      ->check(CLI::PositiveNumber);
  cmd->add_flag("-q,--quiet", opt->quiet, "Print only what players must see (briefs and prompts)");
  cmd->callback([&action, opt] { action = [opt] { return run_wargame(*opt); }; });
}

}  // namespace cyberdeter::app
