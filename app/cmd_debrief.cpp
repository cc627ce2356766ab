// cyberdeter debrief: what a war-game session says after the game (docs/wargame.md). It
// prints the after-action summary and, for each played state, the doctrine that best
// reproduces the players' answers; it writes that doctrine as a sweep against the
// scenario's own, and the decisions as an editable decisions file.

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "cli_common.hpp"
#include "cyberdeter/models/deterrence/scenario_loader.hpp"
#include "cyberdeter/models/sweep.hpp"
#include "cyberdeter/wargame/doctrine_fit.hpp"
#include "cyberdeter/wargame/record.hpp"
#include "wargame_terminal.hpp"

namespace cyberdeter::app {
namespace {

namespace det = models::deterrence;
namespace fs = std::filesystem;

struct DebriefOptions {
  std::string session;
  std::string sweep;
  std::string decisions;
  std::uint64_t replications = 200;
  bool quiet = false;
};

void write_text_file(const fs::path& path, const std::string& text) {
  const fs::path tmp = path.string() + ".partial-" + std::to_string(::getpid());
  {
    std::ofstream out(tmp);
    out << text;
    out.close();
    if (!out) throw std::runtime_error("cannot write " + tmp.string());
  }
  fs::rename(tmp, path);
}

std::string rung_cell(const det::Doctrine& d, det::Rung r) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%-3s %.3g", d.rung(r).enabled ? "on" : "off",
                d.rung(r).threshold);
  return buf;
}

int run_debrief(const DebriefOptions& opt) {
  const wargame::StoredSession stored = read_session_or_journal(opt.session);
  det::Scenario sc =
      det::load_scenario_text(stored.scenario_resolved, opt.session + ":/scenario/resolved");
  for (const auto& out : {opt.sweep, opt.decisions}) {
    if (!out.empty()) check_output_path(out);
  }

  if (!opt.quiet) {
    if (stored.info.complete) {
      std::printf("%s\n", stored.after_action.c_str());
    } else {
      std::printf(
          "%s: an interrupted session, %zu decision(s) up to %s; continue it with\n"
          "  cyberdeter wargame --resume %s\n\n",
          opt.session.c_str(), stored.decisions.size(), when(sc, stored.info.day_reached).c_str(),
          opt.session.c_str());
    }
  }

  std::vector<wargame::PlayedDoctrine> doctrines;
  for (const auto& name : stored.info.played) {
    const auto s = sc.state_index(name);
    if (!s) throw UsageError(opt.session + ": played state '" + name + "' is not in its scenario");
    std::vector<wargame::PlayedResponse> answers;
    std::size_t by_player = 0;
    for (const auto& d : stored.decisions) {
      if (d.row.state != *s ||
          d.row.kind != static_cast<std::uint8_t>(wargame::DecisionKind::respond)) {
        continue;
      }
      wargame::PlayedResponse a;
      a.case_strength = d.row.case_strength;
      a.chosen = static_cast<det::Rung>(d.row.choice);
      for (std::size_t k = 0; k < det::rung_count; ++k) a.enabled[k] = (d.row.options >> k) & 1u;
      answers.push_back(a);
      by_player += d.row.source != static_cast<std::uint8_t>(wargame::DecisionSource::doctrine);
    }
    const det::State& state = sc.states[*s];
    const wargame::DoctrineFit fit = wargame::fit_doctrine(answers, state.doctrine, state.resolve);
    doctrines.push_back({*s, state.doctrine, fit.doctrine});
    if (opt.quiet) continue;
    std::printf("%s: %zu responses recorded (%zu by players, %zu left to the doctrine)\n",
                name.c_str(), fit.total, by_player, fit.total - by_player);
    if (fit.total == 0) {
      std::printf("  no attributed incident reached %s: its doctrine stays as it was\n\n",
                  name.c_str());
      continue;
    }
    std::printf(
        "  the scenario's doctrine gives %zu of these answers; the doctrine fitted to them "
        "gives %zu\n",
        fit.reproduced_by_start, fit.reproduced);
    std::printf("  %-12s %-14s %-14s\n", "", "scenario", "as played");
    for (const det::Rung r : {det::Rung::attribute, det::Rung::coordinate, det::Rung::sanction}) {
      std::printf("  %-12s %-14s %-14s\n", std::string(det::to_string(r)).c_str(),
                  rung_cell(state.doctrine, r).c_str(), rung_cell(fit.doctrine, r).c_str());
    }
    if (fit.clamped) {
      std::printf(
          "  Some answers went public below %s's resolve (%.2f): no doctrine gives them\n"
          "  unless resolve is lowered too (states.%s.resolve).\n",
          name.c_str(), state.resolve, name.c_str());
    }
    std::printf("  as TOML: states.\"%s\".doctrine = %s\n\n", name.c_str(),
                wargame::doctrine_inline_toml(fit.doctrine).c_str());
  }

  if (!opt.sweep.empty()) {
    const fs::path sweep = opt.sweep;
    const fs::path base = sweep.parent_path() / (sweep.stem().string() + ".base.toml");
    const std::string base_text = "# The scenario of war-game session " + opt.session +
                                  ", as resolved (every parameter).\n" + stored.scenario_resolved;
    // State-sponsored attacks on the first played state, from the sweep's /incidents.
    const std::string& first = stored.info.played.front();
    const std::string metric = first.find(' ') == std::string::npos
                                   ? "launched_state_sponsored@" + first
                                   : "'launched_state_sponsored@" + first + "'";
    // Point 0 is the scenario as it is; the last point has every parameter "as played".
    auto sweep_text = [&](const std::string& last) {
      const std::string header =
          "Sweep generated by `cyberdeter debrief " + opt.session +
          "`.\n\nQUESTION\n  What if the played states had always answered as their players "
          "did in this\n  session? Each played state's doctrine in the scenario (\"doctrine\") "
          "against the\n  doctrine that best reproduces the players' responses (\"as played\"), "
          "over\n  many replications with common random numbers. Point 0 is the scenario as it "
          "is,\n  point " +
          last + " the session's doctrine throughout.\n\nRUN\n  cyberdeter sweep " +
          sweep.string() + " --incidents -o as_played.h5\n  python3 -m analysis effect " +
          "as_played.h5 --points 0 " + last + " --labels scenario 'as played' \\\n      --metric " +
          metric +
          "\n\nSOURCES\n "
          " The base scenario is the "
          "session's, as resolved: " +
          base.filename().string() + ".";
      return wargame::as_played_sweep_toml(sc, doctrines, base.filename().string(),
                                           opt.replications, sc.run.seed, header);
    };
    // Check the pair loads as a sweep before either file appears.
    const auto points =
        models::expand(models::load_sweep_text(sweep_text("?"), sweep.string(), base_text));
    const std::string last = std::to_string(points.size() - 1);
    const std::string text = sweep_text(last);  // differs only in its comments
    write_text_file(base, base_text);
    write_text_file(sweep, text);
    if (!opt.quiet) {
      std::printf(
          "Wrote %s (base scenario %s). Run it and compare point 0 (the scenario)\n"
          "with point %s (as played):\n  cyberdeter sweep %s --incidents -o as_played.h5\n"
          "  python3 -m analysis effect as_played.h5 --points 0 %s --labels scenario 'as played' "
          "--metric %s\n",
          sweep.c_str(), base.c_str(), last.c_str(), sweep.c_str(), last.c_str(), metric.c_str());
    }
  }
  if (!opt.decisions.empty()) {
    write_text_file(opt.decisions, wargame::decisions_toml(
                                       stored.decisions, sc,
                                       "War-game decisions from " + opt.session +
                                           ". Replay (or edit, then replay) with:\n  cyberdeter "
                                           "wargame SCENARIO --decisions " +
                                           opt.decisions + " -o SESSION.h5"));
    if (!opt.quiet) {
      std::printf("Wrote %zu decision(s) to %s.\n", stored.decisions.size(), opt.decisions.c_str());
    }
  }
  return exit_success;
}

}  // namespace

void add_debrief_command(CLI::App& app, Action& action) {
  auto* cmd = app.add_subcommand(
      "debrief",
      "After a war-game: the after-action summary, the doctrine the players' answers reveal, "
      "and a sweep of it");
  auto opt = std::make_shared<DebriefOptions>();
  cmd->add_option("session", opt->session, "Session file written by `cyberdeter wargame`")
      ->required();
  cmd->add_option("--sweep", opt->sweep,
                  "Write a sweep file comparing each played state's doctrine with the one its "
                  "players revealed (and its base scenario next to it)");
  cmd->add_option("--replications", opt->replications, "Replications per point of that sweep")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1'000'000'000}))
      ->capture_default_str();
  cmd->add_option("--decisions", opt->decisions,
                  "Write the session's decisions as a TOML decisions file (for --decisions)");
  cmd->add_flag("-q,--quiet", opt->quiet, "Print nothing; only write the files asked for");
  cmd->callback([&action, opt] { action = [opt] { return run_debrief(*opt); }; });
}

}  // namespace cyberdeter::app
