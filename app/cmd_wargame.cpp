// cyberdeter wargame: players take some states' decisions while the model plays the rest
// (docs/wargame.md). A session is one replication of a deterrence scenario; every
// decision is recorded with its brief, a decisions file or the session itself replays it,
// and the same replication without players is the counterfactual of the after-action
// summary.

#include <algorithm>
#include <chrono>
#include <cmath>
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
#include "cyberdeter/wargame/journal.hpp"
#include "cyberdeter/wargame/pacing.hpp"
#include "cyberdeter/wargame/record.hpp"
#include "cyberdeter/wargame/session.hpp"
#include "wargame_server.hpp"
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
  std::optional<double> move_days;
  std::optional<double> move_minutes;
  bool every_turn = false;
  bool quiet = false;
  bool force = false;
  // cyberdeter serve: the seats play over WebSocket (wargame_server.hpp).
  bool serve = false;
  std::string bind = "127.0.0.1";
  std::uint16_t port = 0;
  bool white_cell = false;
  bool adjudicate = false;
  double max_rate = 50.0;
};

// A session has at most this many turns: more could never be played by a room, and each
// is an event of the run.
constexpr double max_turns = 10'000;

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
                  const wargame::Session& session) {
  info.complete = false;
  info.day_reached = session.day();
  auto file = sim::h5::File::create(output);
  write_provenance(file);
  det::write_scenario(file, sc);
  wargame::write_session(file, info, session.decisions());
  file.commit();
}

// The questions a year the session will ask, in the doctrine's history, for a few values of
// --delegate-below: a facilitator picks the pacing from it before the room sits down.
void print_pacing(const det::Scenario& sc, const std::vector<std::size_t>& played, double turn_days,
                  const sim::RunId& id, double delegate_below, bool every_turn) {
  std::vector<double> values{-std::numeric_limits<double>::infinity(), 0.0, 0.2, 0.4, 0.6};
  if (std::find(values.begin(), values.end(), delegate_below) == values.end()) {
    values.push_back(delegate_below);
    std::sort(values.begin(), values.end());
  }
  const wargame::Pacing pacing = wargame::estimate_pacing(
      [&](det::Decider& decider) {
        const det::Wargame game{played, turn_days, &decider};
        det::RunOptions options;
        options.wargame = &game;
        CollectingSink sink;
        det::run_replication(sc, id, sink, options);
      },
      sc.run.horizon_days, values, every_turn);
  std::printf(
      "Questions a year for all played states, counted in the doctrine's history (the\n"
      "room's own answers change it), by --delegate-below:\n"
      "  %-18s %9s %12s %7s %8s\n",
      "--delegate-below", "cases", "invitations", "turns", "in all");
  for (const auto& row : pacing.rows) {
    char label[40];
    if (std::isinf(row.delegate_below)) {
      std::snprintf(label, sizeof label, "(none)");
    } else {
      std::snprintf(label, sizeof label, "%g", row.delegate_below);
    }
    std::string name = label;
    if (row.delegate_below == delegate_below) name += " (this one)";
    std::printf("  %-18s %9.1f %12.1f %7.1f %8.1f\n", name.c_str(), row.responses, row.invitations,
                row.turns, row.total());
  }
}

// Where a session to resume is: its file, its journal, or both (the journal, written as
// the players answer, is the more recent).
struct ResumeSource {
  std::string session_path;  // SESSION.h5
  std::optional<wargame::JournalContents> journal;
  std::optional<wargame::StoredSession> stored;  // the file, when there is no journal
};

ResumeSource find_resume(const std::string& given) {
  ResumeSource r;
  const std::string suffix = ".journal";
  const bool journal_given =
      given.size() > suffix.size() &&
      given.compare(given.size() - suffix.size(), suffix.size(), suffix) == 0;
  r.session_path = journal_given ? given.substr(0, given.size() - suffix.size()) : given;
  const std::string journal = wargame::journal_path(r.session_path);
  if (std::filesystem::exists(journal)) {
    try {
      r.journal = wargame::read_journal(journal);
    } catch (const std::exception& e) {
      throw UsageError(e.what());
    }
    if (r.journal->complete) {
      throw UsageError(r.session_path +
                       " is a complete session: nothing to resume (replay it with "
                       "--decisions " +
                       r.session_path + ")");
    }
    return r;
  }
  if (!std::filesystem::exists(r.session_path)) {
    throw UsageError("session file " + r.session_path + " does not exist (nor its journal)");
  }
  r.stored = read_session_file(r.session_path);
  if (r.stored->info.complete) {
    throw UsageError(r.session_path +
                     " is a complete session: nothing to resume (replay it with "
                     "--decisions " +
                     r.session_path + ")");
  }
  return r;
}

int run_wargame(const WargameOptions& opt) {
  det::Scenario sc;
  std::vector<Decision> script;
  std::string script_path;
  std::vector<std::string> play = opt.play;
  std::uint64_t replication = opt.replication.value_or(0);
  double turn_days = opt.turn_days.value_or(quarter_days);
  double delegate_below = opt.delegate_below.value_or(-std::numeric_limits<double>::infinity());
  std::optional<double> move_days = opt.move_days;
  double move_seconds = opt.move_minutes.value_or(0.0) * 60.0;
  bool every_turn = opt.every_turn;
  std::vector<wargame::JournalAnswer> answers;
  std::string output = opt.output;
  std::string rest = opt.rest;
  std::optional<ResumeSource> resume;

  if (!opt.resume.empty()) {
    if (!opt.scenario.file.empty()) {
      throw UsageError("--resume continues the session's own scenario: give no scenario FILE");
    }
    if (!opt.decisions.empty()) throw UsageError("--resume and --decisions cannot be combined");
    if (!opt.scenario.overrides.empty() || opt.seed || opt.replication || opt.turn_days ||
        opt.horizon_days || opt.delegate_below || opt.move_days || opt.every_turn) {
      throw UsageError(
          "--resume keeps the session's settings: --set, --seed, --replication, --turn-days, "
          "--move-days, --every-turn, --horizon-days and --delegate-below do not apply "
          "(--move-minutes may change)");
    }
    resume = find_resume(opt.resume);
    wargame::SessionInfo info;
    std::string resolved, text, path;
    if (resume->journal) {
      const wargame::JournalHeader& h = resume->journal->header;
      info = h.info;
      resolved = h.scenario_resolved;
      text = h.scenario_text;
      path = h.scenario_path;
      script = resume->journal->decisions;
      answers = resume->journal->answers;
      rest = h.rest;
      if (!opt.move_minutes) move_seconds = h.move_seconds;
      every_turn = h.every_turn;
    } else {
      info = resume->stored->info;
      resolved = resume->stored->scenario_resolved;
      text = resume->stored->scenario_text;
      path = resume->stored->scenario_path;
      script = resume->stored->decisions;
    }
    sc = det::load_scenario_text(resolved, resume->session_path + ":/scenario/resolved");
    sc.text = text;
    sc.path = path;
    if (!play.empty() && play != info.played) {
      throw UsageError("--play differs from the session's players; --resume keeps them");
    }
    play = info.played;
    sc.run.seed = info.seed;
    replication = info.replication;
    turn_days = info.turn_days;
    delegate_below = info.delegate_below;
    move_days = info.move_days;
    script_path =
        resume->journal ? wargame::journal_path(resume->session_path) : resume->session_path;
    if (output.empty()) output = resume->session_path;
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
        if (!opt.move_days) move_days = stored.info.move_days;
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
  const std::string journal_file = wargame::journal_path(output);
  const bool in_place = resume && output == resume->session_path;
  // A session being resumed is completed in place; any other session is kept.
  if (!opt.force && !in_place) {
    if (std::filesystem::exists(output)) {
      throw UsageError(output + " exists: give another -o, or --force to replace it");
    }
    if (std::filesystem::exists(journal_file)) {
      throw UsageError(journal_file + " exists: a session that stopped early; continue it with " +
                       "cyberdeter " + (opt.serve ? "serve" : "wargame") + " --resume " + output +
                       ", or give --force to replace it");
    }
  }
  if (turn_days > 0.0 && sc.run.horizon_days / turn_days > max_turns) {
    throw UsageError("--turn-days " + std::to_string(turn_days) + " gives more than " +
                     std::to_string(static_cast<long>(max_turns)) + " turns in " +
                     std::to_string(sc.run.horizon_days) +
                     " days: give 0 (no turns) or a longer turn");
  }

  // A move is a turn's span by default, so that each move ends with the seats' turns.
  if (!move_days) move_days = turn_days > 0.0 ? turn_days : quarter_days;

  wargame::SessionInfo info;
  info.played = play;
  info.turn_days = turn_days;
  info.move_days = *move_days;
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
    if (*move_days > 0) {
      std::printf(
          "Moves of %.0f days: each played state answers one form per move, listing its\n"
          "cases and invitations of the move.%s\n",
          *move_days, "");
      if (move_seconds > 0) {
        std::printf(
            "A move gives each state %g minute(s); then its unanswered questions take\n"
            "their defaults (the doctrine's advice, the simulation's answer, end of turn).\n",
            move_seconds / 60.0);
      }
    } else {
      std::printf("Questions come one at a time (--move-days 0).\n");
    }
    print_pacing(sc, played, turn_days, sim::RunId{sc.run.seed, replication, {}}, delegate_below,
                 every_turn);
    std::printf(
        "Type ? at any prompt for help. Every answer is saved as it is given; 'quit'\n"
        "stops, and so does a closed window. Continue with:\n"
        "  cyberdeter %s --resume %s\n",
        opt.serve ? "serve" : "wargame", output.c_str());
    if (!script.empty()) {
      std::printf("Replaying %zu decision(s) from %s.\n", script.size(), script_path.c_str());
    }
    if (!answers.empty()) {
      std::printf(
          "Resuming the move under way with its %zu answer(s) given: only its other questions "
          "are asked.\n",
          answers.size());
    }
    std::fflush(stdout);
  }

  // The journal: continued in place, or started (with the decisions being resumed).
  wargame::SessionOptions session_options;
  session_options.rest_doctrine = rest == "doctrine";
  session_options.script_path = script_path;
  std::optional<wargame::Journal> journal;
  if (in_place && resume->journal) {
    journal = wargame::Journal::append_to(journal_file, resume->journal->good_bytes);
    journal->resumed(script.size());
    session_options.journalled = script.size();
  } else {
    wargame::JournalHeader header;
    header.info = info;
    header.rest = rest;
    header.move_seconds = move_seconds;
    header.every_turn = every_turn;
    header.scenario_resolved = det::resolved_toml(sc);
    header.scenario_text = sc.text;
    header.scenario_path = wargame::printable(sc.path, 4096);
    header.scenario_name = sc.name;
    header.program_version = version_string();
    header.command_line = wargame::printable(invocation(), 65536);
    journal = wargame::Journal::create(journal_file, header);
  }

  watch_hangup();
  session_options.answers = std::move(answers);
  session_options.move_seconds = move_seconds;
  session_options.every_turn = every_turn;
  std::optional<TerminalFrontEnd> terminal;
  std::optional<ServerFrontEnd> server;
  if (opt.serve) {
    ServerSettings settings;
    settings.bind = opt.bind;
    settings.port = opt.port;
    settings.white_cell = opt.white_cell;
    settings.adjudicate = opt.adjudicate;
    settings.messages_per_second = opt.max_rate;
    settings.burst = 4.0 * opt.max_rate;
    settings.tokens_path = output + ".tokens";
    settings.reuse_tokens = in_place;
    settings.messages_path = output + ".messages";
    settings.intel_path = output + ".intel";
    server.emplace(sc, played, settings);
  } else {
    terminal.emplace(sc, turn_days, opt.quiet);
  }
  wargame::FrontEnd& front = server ? static_cast<wargame::FrontEnd&>(*server)
                                    : static_cast<wargame::FrontEnd&>(*terminal);
  wargame::Session session(sc, info, std::move(script), session_options, front, &*journal);
  const sim::RunId id{sc.run.seed, replication, {}};
  PlayedRun played_run;
  CollectingSink sink;
  // Each call replays the replication from day 0 with the answers so far; the last one is
  // the session's history.
  const wargame::PassRunner run = [&](const det::Scenario& world, det::Decider& decider) {
    const det::Wargame game{played, turn_days, &decider};
    det::RunOptions run_options;
    run_options.incidents = true;
    run_options.wargame = &game;
    sink = CollectingSink{};
    played_run.result = det::run_replication(world, id, sink, run_options);
    played_run.incidents = std::move(sink.incidents);
  };
  try {
    session.play(run);
    // Everything below is computed from the finished session; the periods go to the file.
    det::RunOptions doctrine_options;
    doctrine_options.incidents = true;
    CollectingSink doctrine_sink;
    PlayedRun doctrine;
    // The doctrine's history runs in the world the white cell's injects made: every
    // difference from the session is the players' doing.
    doctrine.result = det::run_replication(session.world(), id, doctrine_sink, doctrine_options);
    doctrine.incidents = std::move(doctrine_sink.incidents);

    info.complete = true;
    info.day_reached = sc.run.horizon_days;
    const std::string summary = wargame::after_action(
        sc, info, played, session.decisions(), played_run, doctrine, output, session.cosigners());

    auto file = sim::h5::File::create(output);
    write_provenance(file);
    det::write_scenario(file, sc);
    {
      det::RunOptions table_options;
      table_options.incidents = true;
      det::H5Sink tables(file, table_options);
      for (const auto& row : sink.periods) tables.period(row);
      for (const auto& row : played_run.incidents) tables.incident(row);
      tables.finish(played_run.result);
      tables.close();
    }
    wargame::write_session(file, info, session.decisions());
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
    journal->completed(session.decisions().size());
    if (server) server->finish(summary, output, session.decisions(), played_run, doctrine);
    if (!opt.quiet) std::printf("\n%s\nSession saved to %s.\n", summary.c_str(), output.c_str());
    return exit_success;
  } catch (const wargame::ScriptMismatch& e) {
    // Bad input: nothing of this session is kept, unless it continues a journal.
    journal.reset();
    if (!(in_place && resume->journal)) std::filesystem::remove(journal_file);
    if (e.line_number > 0) {
      throw models::ScenarioError(e.path, static_cast<int>(e.line_number), 1, e.key, e.what());
    }
    throw UsageError(e.path + ": " + e.key + " " + e.what());
  } catch (const wargame::SessionStopped& e) {
    journal->stopped(e.what(), session.decisions().size());
    save_partial(output, sc, info, session);
    std::printf(
        "\nThe session stopped: %s.\nSaved to %s: %zu decision(s), up to %s%s.\n"
        "Continue with: cyberdeter %s --resume %s\n",
        e.what(), output.c_str(), session.decisions().size(), when(sc, session.day()).c_str(),
        session.pending_answers() > 0 ? (", and " + std::to_string(session.pending_answers()) +
                                         " answer(s) of the move under way")
                                            .c_str()
                                      : "",
        opt.serve ? "serve" : "wargame", output.c_str());
    return e.status;
  } catch (const Interrupted& e) {
    journal->stopped(e.what(), session.decisions().size());
    save_partial(output, sc, info, session);
    std::printf("\n");
    throw Interrupted(std::string(e.what()) + "; session saved to " + output + " after " +
                      std::to_string(session.decisions().size()) +
                      " decision(s). Continue with: cyberdeter " +
                      (opt.serve ? "serve" : "wargame") + " --resume " + output);
  }
}

}  // namespace

namespace {

// The options `wargame` and `serve` share.
void add_session_options(CLI::App* cmd, const std::shared_ptr<WargameOptions>& opt) {
  cmd->add_option("file", opt->scenario.file, "Scenario file (TOML); not with --resume");
  cmd->add_option("--set", opt->scenario.overrides,
                  "Override a parameter first: KEY.PATH=VALUE (repeatable)");
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
  cmd->add_option("--seed", opt->seed, "Master seed (overrides [run])")->check(whole_number());
  cmd->add_option("--replication", opt->replication,
                  "Which replication to play (its random numbers); default 0")
      ->check(whole_number());
  cmd->add_option("--turn-days", opt->turn_days,
                  "Days between turns at which players may change their doctrine; 0: no turns "
                  "(default: a quarter, 91.3 days)")
      ->check(days_or_zero_check());
  cmd->add_option("--delegate-below", opt->delegate_below,
                  "Leave responses to cases weaker than this case strength z (0 to 1e12) to "
                  "the doctrine (recorded as the doctrine's), so players see only the cases "
                  "that matter")
      ->check(finite_range(0.0, 1e12));
  cmd->add_option("--move-days", opt->move_days,
                  "Days a move spans: each played state answers one form per move listing "
                  "its cases and invitations; 0: one question at a time (default: the turn "
                  "length, or a quarter without turns)")
      ->check(days_or_zero_check());
  cmd->add_option("--move-minutes", opt->move_minutes,
                  "A move timer: minutes each played state has for its questions of a move, "
                  "after which the rest take their defaults (recorded as source timeout); may "
                  "change with --resume")
      ->check(finite_range(0.01, 1440.0));
  cmd->add_flag("--every-turn", opt->every_turn,
                "Put every turn to the players, also when nothing happened to the state since "
                "its last (such turns are skipped otherwise)");
  cmd->add_option("--horizon-days", opt->horizon_days, "Simulated days of the session")
      ->check(days_check());
  cmd->add_flag("--force", opt->force, "Replace the session file -o if it exists");
  cmd->add_flag("-q,--quiet", opt->quiet, "Print only what players must see (briefs and prompts)");
}

}  // namespace

void add_wargame_command(CLI::App& app, Action& action) {
  auto* cmd = app.add_subcommand(
      "wargame",
      "Play one or more states while the simulation plays the rest; the session is saved as "
      "an HDF5 file (docs/wargame.md)");
  auto opt = std::make_shared<WargameOptions>();
  // One state per --play, so that `--play Japan FILE` leaves FILE to the positional.
  cmd->add_option("--play", opt->play,
                  "A state the players decide for (repeatable): its responses to attributed "
                  "incidents, its answers to allies' invitations, and its doctrine at turns")
      ->allow_extra_args(false);
  add_session_options(cmd, opt);
  cmd->callback([&action, opt] { action = [opt] { return run_wargame(*opt); }; });

  auto* serve = app.add_subcommand(
      "serve",
      "Serve a war-game to seats over WebSocket: one seat per played state, a white cell, "
      "observers; JSON messages (docs/wargame.md, \"The seat protocol\")");
  auto sopt = std::make_shared<WargameOptions>();
  sopt->serve = true;
  serve
      ->add_option("--seat", sopt->play,
                   "A state played from a seat of its own (repeatable); its join link, with a "
                   "random token, is printed")
      ->allow_extra_args(false);
  serve->add_flag("--white-cell", sopt->white_cell,
                  "Give the white cell a seat: it sees every channel and runs the clock");
  serve
      ->add_flag("--adjudicate", sopt->adjudicate,
                 "Semi-rigid adjudication: once a move's questions are answered, the white "
                 "cell (when connected) reviews the outcomes the model proposes for its "
                 "statements, and may override them with a reason")
      ->needs("--white-cell");
  serve
      ->add_option("--bind", sopt->bind,
                   "Address to listen on (default 127.0.0.1, loopback only); another address "
                   "opens the room to the network, with a warning")
      ->capture_default_str();
  serve->add_option("--port", sopt->port, "Port to listen on; 0 (default): any free port");
  serve
      ->add_option("--max-rate", sopt->max_rate,
                   "Messages a second a connection may send (bursts of four times as many); "
                   "a faster one is refused and closed")
      ->check(finite_range(1.0, 1e6))
      ->capture_default_str();
  add_session_options(serve, sopt);
  serve->callback([&action, sopt] { action = [sopt] { return run_wargame(*sopt); }; });
}

}  // namespace cyberdeter::app
