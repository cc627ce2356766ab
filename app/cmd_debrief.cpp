// cyberdeter debrief: what a war-game session says after the game (docs/wargame.md). It
// prints the after-action summary and, for each played state, the doctrine that best
// reproduces the players' answers; it writes that doctrine as a sweep against the
// scenario's own, and the decisions as an editable decisions file.

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <tuple>

#include "cli_common.hpp"
#include "cyberdeter/models/deterrence/scenario_loader.hpp"
#include "cyberdeter/models/sweep.hpp"
#include "cyberdeter/wargame/doctrine_fit.hpp"
#include "cyberdeter/wargame/journal.hpp"
#include "cyberdeter/wargame/record.hpp"
#include "cyberdeter/wargame/replay.hpp"
#include "wargame_terminal.hpp"

namespace cyberdeter::app {
namespace {

namespace det = models::deterrence;
namespace fs = std::filesystem;

struct DebriefOptions {
  std::string session;
  std::string sweep;
  std::string decisions;
  std::string compare;
  std::string csv;
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

// A CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break.
std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string out = "\"";
  for (const char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string number(double v, int digits = 10) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.*g", digits, v);
  return buf;
}

// The decisions with the players' rationales, one row each, for a spreadsheet.
std::string decisions_csv(const wargame::StoredSession& stored, const det::Scenario& sc) {
  std::string out =
      "decision,move,day,date,state,kind,incident,turn,leader,named,confidence,case_strength,"
      "recommended,choice,deviates,late,source,seconds,rationale\n";
  auto attacker = [&](std::int32_t a) {
    return a < 0 ? std::string() : sc.attackers.at(static_cast<std::size_t>(a)).name;
  };
  for (const auto& d : stored.decisions) {
    const auto& r = d.row;
    const auto kind = static_cast<wargame::DecisionKind>(r.kind);
    std::string recommended;
    if (kind == wargame::DecisionKind::respond) {
      recommended = wargame::rung_word(static_cast<det::Rung>(r.recommended));
    } else if (kind == wargame::DecisionKind::join) {
      recommended = r.recommended == 1 ? "join" : "decline";
    }
    const std::vector<std::string> cells{
        std::to_string(r.decision + 1),
        std::to_string(r.move),
        number(r.day),
        wargame::when(sc, r.day),
        sc.states.at(r.state).name,
        std::string(wargame::to_string(kind)),
        r.incident < 0 ? "" : std::to_string(r.incident),
        kind == wargame::DecisionKind::turn ? std::to_string(r.turn) : "",
        r.leader < 0 ? "" : sc.states.at(static_cast<std::size_t>(r.leader)).name,
        attacker(r.named),
        kind == wargame::DecisionKind::turn ? "" : number(r.confidence),
        kind == wargame::DecisionKind::respond ? number(r.case_strength) : "",
        recommended,
        d.action,
        r.deviates ? "true" : "false",
        r.late ? "true" : "false",
        std::string(wargame::to_string(static_cast<wargame::DecisionSource>(r.source))),
        number(r.seconds, 4),
        d.rationale};
    for (std::size_t i = 0; i < cells.size(); ++i) {
      if (i > 0) out += ',';
      out += csv_field(cells[i]);
    }
    out += "\n";
  }
  return out;
}

// `debrief A --compare B`: two sessions of one replication (two rooms, or a what-if and
// the session it was edited from), side by side on common random numbers.
int compare(const DebriefOptions& opt, const wargame::StoredSession& a, const det::Scenario& sc) {
  const wargame::StoredSession b = read_session_file(opt.compare);
  for (const auto* s : {&a, &b}) {
    if (!s->info.complete) {
      throw UsageError(s->path +
                       " is an interrupted session: finish it first (cyberdeter "
                       "wargame --resume " +
                       s->path + ")");
    }
  }
  if (a.scenario_resolved != b.scenario_resolved || a.info.seed != b.info.seed ||
      a.info.replication != b.info.replication) {
    throw UsageError(opt.session + " and " + opt.compare +
                     " are not two histories of one replication: their scenarios (as resolved, "
                     "/scenario/resolved), seeds or replications differ, so their random "
                     "numbers are not common and a difference would not be the decisions'");
  }
  const wargame::Replayed ra = wargame::replay_session(sc, a);
  const wargame::Replayed rb = wargame::replay_session(sc, b);
  std::vector<std::size_t> states;
  for (const auto* s : {&a, &b}) {
    for (const auto& name : s->info.played) {
      const auto i = sc.state_index(name);
      if (i && std::find(states.begin(), states.end(), *i) == states.end()) states.push_back(*i);
    }
  }
  // Decisions by question: kind, state, incident or turn, and the action's place in a turn.
  using Key = std::tuple<std::uint8_t, std::uint32_t, std::int64_t, std::uint32_t, std::size_t>;
  auto keyed = [](const std::vector<wargame::Decision>& ds) {
    std::map<Key, const wargame::Decision*> out;
    std::map<std::pair<std::uint32_t, std::uint32_t>, std::size_t> actions;
    for (const auto& d : ds) {
      std::size_t index = 0;
      if (d.row.kind == static_cast<std::uint8_t>(wargame::DecisionKind::turn)) {
        index = actions[{d.row.state, d.row.turn}]++;
      }
      out[{d.row.kind, d.row.state, d.row.incident, d.row.turn, index}] = &d;
    }
    return out;
  };
  const auto ka = keyed(a.decisions), kb = keyed(b.decisions);
  struct Difference {
    double day;
    std::string text;
  };
  std::vector<Difference> differences;
  auto describe = [&](const wargame::Decision& d) {
    const auto kind = static_cast<wargame::DecisionKind>(d.row.kind);
    const std::string& state = sc.states.at(d.row.state).name;
    if (kind == wargame::DecisionKind::turn) {
      return state + " at turn " + std::to_string(d.row.turn);
    }
    return state +
           (kind == wargame::DecisionKind::respond ? " on incident " : " invited on incident ") +
           std::to_string(d.row.incident);
  };
  for (const auto& [k, d] : ka) {
    const auto it = kb.find(k);
    if (it == kb.end()) {
      differences.push_back({d->row.day, describe(*d) + ": A " + d->action + ", not asked in B"});
    } else if (it->second->action != d->action) {
      differences.push_back(
          {d->row.day, describe(*d) + ": A " + d->action + ", B " + it->second->action});
    }
  }
  for (const auto& [k, d] : kb) {
    if (ka.count(k) == 0) {
      differences.push_back({d->row.day, describe(*d) + ": B " + d->action + ", not asked in A"});
    }
  }
  std::sort(differences.begin(), differences.end(),
            [](const Difference& x, const Difference& y) { return x.day < y.day; });
  if (!opt.quiet) {
    std::string out;
    auto para = [&](const std::string& text, std::size_t indent) {
      for (const auto& l : wargame::wrap(text, 78 - indent, 0)) {
        out += std::string(indent, ' ') + l + "\n";
      }
    };
    para(
        "A: " + opt.session + ", played by " +
            [&] {
              std::string p;
              for (const auto& n : a.info.played) p += (p.empty() ? "" : ", ") + n;
              return p;
            }() +
            ".",
        1);
    para(
        "B: " + opt.compare + ", played by " +
            [&] {
              std::string p;
              for (const auto& n : b.info.played) p += (p.empty() ? "" : ", ") + n;
              return p;
            }() +
            ".",
        1);
    para("The same replication (seed " + std::to_string(a.info.seed) + ", replication " +
             std::to_string(a.info.replication) + " of " +
             (sc.name.empty() ? a.scenario_path : sc.name) +
             ") on common random numbers: every difference comes from the decisions.",
         1);
    if (differences.empty()) {
      para("Every decision is the same: the two histories are one.", 1);
    } else {
      para(std::to_string(differences.size()) + " decision(s) differ" +
               (differences.size() > 20 ? std::string("; the first 20:") : std::string(":")),
           1);
      for (std::size_t i = 0; i < differences.size() && i < 20; ++i) {
        para(wargame::when(sc, differences[i].day) + "  " + differences[i].text, 3);
      }
    }
    out += "\n";
    out += wargame::compare_runs(sc, states, ra.run, rb.run, "A", "B");
    out += "\n A's public acts:\n";
    out += wargame::public_acts(sc, states, ra.run, ra.cosigners);
    out += "\n B's public acts:\n";
    out += wargame::public_acts(sc, states, rb.run, rb.cosigners);
    out +=
        "\n One history each: for the average effect of answering like B instead of A,\n"
        " sweep each session's doctrine (--sweep) over many replications.\n";
    std::fputs(out.c_str(), stdout);
  }
  return exit_success;
}

int run_debrief(const DebriefOptions& opt) {
  const wargame::StoredSession stored = read_session_or_journal(opt.session);
  det::Scenario sc =
      det::load_scenario_text(stored.scenario_resolved, opt.session + ":/scenario/resolved");
  for (const auto& out : {opt.sweep, opt.decisions, opt.csv}) {
    if (!out.empty()) check_output_path(out);
  }
  if (!opt.compare.empty()) return compare(opt, stored, sc);

  if (!opt.quiet) {
    if (stored.info.complete) {
      std::printf("%s\n", stored.after_action.c_str());
    } else {
      // The journal knows the answers of the move under way, which are not decisions yet.
      std::size_t answers = 0;
      const std::string journal = wargame::journal_path(stored.path);
      if (fs::exists(journal)) {
        try {
          answers = wargame::read_journal(journal).answers.size();
        } catch (const std::exception&) {
        }
      }
      std::printf(
          "%s: an interrupted session, %zu decision(s) up to %s%s; continue it with\n"
          "  cyberdeter wargame --resume %s\n\n",
          opt.session.c_str(), stored.decisions.size(), when(sc, stored.info.day_reached).c_str(),
          answers > 0
              ? (" and " + std::to_string(answers) + " answer(s) of the move under way").c_str()
              : "",
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
    doctrines.push_back({*s, state.doctrine, fit.doctrine, std::nullopt, {}});
    // Invitations: how readily the state joined, against the model's probabilities.
    std::vector<wargame::PlayedJoin> joins;
    for (const auto& d : stored.decisions) {
      if (d.row.state != *s ||
          d.row.kind != static_cast<std::uint8_t>(wargame::DecisionKind::join) || d.row.late ||
          d.row.leader < 0) {
        continue;
      }
      joins.push_back(
          {d.row.p_join,
           sc.alignment(static_cast<Eigen::Index>(d.row.leader), static_cast<Eigen::Index>(*s)),
           d.row.choice == 1});
    }
    double max_factor = 20.0;
    std::vector<std::size_t> inviters;
    for (std::size_t l = 0; l < sc.states.size(); ++l) {
      const double a = sc.alignment(static_cast<Eigen::Index>(l), static_cast<Eigen::Index>(*s));
      if (l == *s || a <= 0.0) continue;
      inviters.push_back(l);
      max_factor = std::min(max_factor, 1.0 / a);
    }
    const wargame::JoinFit join_fit =
        wargame::fit_joining(joins, sc.calibration.join_alignment, max_factor);
    // A room that joined as the model would gets no second parameter: nothing to vary.
    if (!joins.empty() && !inviters.empty() && join_fit.factor != 1.0) {
      doctrines.back().joining = join_fit.factor;
      doctrines.back().inviters = inviters;
    }
    auto print_joins = [&] {
      if (joins.empty()) {
        std::printf("  no invitation reached %s in time: its joining stays the model's\n\n",
                    name.c_str());
        return;
      }
      char text[512];
      std::snprintf(text, sizeof text,
                    "invitations: joined %zu of %zu in time; the model expected %.1f. As played, "
                    "%s joins as if its alignment with those who invite it were x %.2f%s "
                    "(%.1f joins expected then).",
                    join_fit.joined, join_fit.total, join_fit.expected, name.c_str(),
                    join_fit.factor, join_fit.at_bound ? ", the end of the range" : "",
                    join_fit.expected_fitted);
      for (const auto& l : wargame::wrap(text, 76, 0)) std::printf("  %s\n", l.c_str());
      std::printf("\n");
    };
    if (opt.quiet) continue;
    std::printf("%s: %zu responses recorded (%zu by players, %zu left to the doctrine)\n",
                name.c_str(), fit.total, by_player, fit.total - by_player);
    if (fit.total == 0) {
      std::printf("  no attributed incident reached %s: its doctrine stays as it was\n",
                  name.c_str());
      print_joins();
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
    std::printf("  as TOML: states.\"%s\".doctrine = %s\n", name.c_str(),
                wargame::doctrine_inline_toml(fit.doctrine).c_str());
    print_joins();
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
  if (!opt.csv.empty()) {
    write_text_file(opt.csv, decisions_csv(stored, sc));
    if (!opt.quiet) {
      std::printf("Wrote %zu decision(s) with their rationales to %s.\n", stored.decisions.size(),
                  opt.csv.c_str());
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
  cmd->add_option("--compare", opt->compare,
                  "Compare the session with another of the same replication (two rooms, or a "
                  "what-if and its original) on common random numbers");
  cmd->add_option("--csv", opt->csv,
                  "Write the decisions with the players' rationales as CSV (one row each)");
  cmd->add_flag("-q,--quiet", opt->quiet, "Print nothing; only write the files asked for");
  cmd->callback([&action, opt] { action = [opt] { return run_debrief(*opt); }; });
}

}  // namespace cyberdeter::app
