#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
#include <thread>

#include "cli_common.hpp"
#include "cyberdeter/models/deterrence/model.hpp"
#include "cyberdeter/models/deterrence/ordered_run.hpp"
#include "cyberdeter/models/deterrence/output.hpp"
#include "cyberdeter/models/deterrence/scenario_loader.hpp"
#include "cyberdeter/models/reference/reference.hpp"
#include "cyberdeter/sim/progress.hpp"

namespace cyberdeter::app {
namespace {

struct RunOptions {
  ScenarioArgs scenario;
  std::string output;
  std::optional<std::uint64_t> replications;
  std::optional<std::uint64_t> seed;
  std::optional<double> horizon_days;
  bool incidents = false;
  bool choices = false;
  int compression = sim::h5::TableOptions{}.compression_level;
  unsigned threads = 0;  // 0: all cores
  bool quiet = false;
};

int run_reference(const RunOptions& opt) {
  using namespace models::reference;
  ReferenceScenario sc = load_reference_scenario(opt.scenario.file, opt.scenario.overrides);
  if (opt.replications) sc.replications = *opt.replications;
  if (opt.seed) sc.seed = *opt.seed;
  if (opt.horizon_days) sc.horizon_days = *opt.horizon_days;
  check_output_path(opt.output);

  auto file = sim::h5::File::create(opt.output);
  write_provenance(file);
  write_scenario(file, sc);
  auto runs = file.create_table("/runs", reference_runs_schema());

  const auto start = std::chrono::steady_clock::now();
  std::uint64_t events = 0;
  for (std::uint64_t r = 0; r < sc.replications; ++r) {
    check_interrupted_no_output();
    const ReferenceRun row = sc.run(r);
    events += row.events;
    runs.append(row);
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  file.commit();

  if (!opt.quiet) {
    const char* model = sc.model == ReferenceScenario::Model::phold ? "phold" : "hold";
    std::printf("cyberdeter %s: %s, %llu replication%s of %g days (seed %llu)\n",
                version_string().c_str(), model, static_cast<unsigned long long>(sc.replications),
                sc.replications == 1 ? "" : "s", sc.horizon_days,
                static_cast<unsigned long long>(sc.seed));
    std::printf("  events processed  %s (%s per replication)\n", sim::thousands(events).c_str(),
                sim::thousands(events / sc.replications).c_str());
    std::printf("  engine speed      %.2f M events/s on one thread (%.2f s)\n",
                seconds > 0 ? static_cast<double>(events) / seconds / 1e6 : 0.0, seconds);
    std::printf("  output            %s (/runs: %llu rows)\n", opt.output.c_str(),
                static_cast<unsigned long long>(sc.replications));
  }
  return exit_success;
}

double per(double x, std::uint64_t n) { return n > 0 ? x / static_cast<double>(n) : 0.0; }
double pct(std::uint64_t part, std::uint64_t whole) {
  return whole > 0 ? 100.0 * static_cast<double>(part) / static_cast<double>(whole) : 0.0;
}

// The attack margin by attacker kind (docs/model.md §13), summed over replications.
// Decisions held back for a scarce capability's stakes are not deterrence: left out.
struct Margins {
  std::array<double, 3> decisions{}, launched{}, margin{};
  void add(const models::deterrence::RunResult& result, const models::deterrence::Scenario& sc) {
    for (const auto& a : result.attackers) {
      const auto k = static_cast<std::size_t>(sc.attackers[a.attacker].kind);
      decisions[k] += static_cast<double>(a.decisions - a.held);
      launched[k] += static_cast<double>(a.launched);
      margin[k] += a.margin_mean * static_cast<double>(a.decisions);
      weight[k] += static_cast<double>(a.decisions);
    }
  }
  std::array<double, 3> weight{};
};

// The run's totals, summed replication by replication: memory does not grow with them.
struct Totals {
  models::deterrence::Counts t;
  std::array<std::uint64_t, 3> by_kind{};
  double detection_delay = 0, attribution_delay = 0;
  std::uint64_t n = 0, events = 0, invited = 0, signers = 0, failed = 0;

  void add(const models::deterrence::RunRow& r) {
    ++n;
    t.opportunities += r.total.opportunities;
    t.launched += r.total.launched;
    t.succeeded += r.total.succeeded;
    t.damage += r.total.damage;
    t.detected += r.total.detected;
    t.attributed += r.total.attributed;
    t.attributed_correct += r.total.attributed_correct;
    for (std::size_t k = 0; k < t.responses.size(); ++k) t.responses[k] += r.total.responses[k];
    for (std::size_t k = 0; k < by_kind.size(); ++k) by_kind[k] += r.launched_by_kind[k];
    detection_delay += r.detection_delay_days_sum;
    attribution_delay += r.attribution_delay_days_sum;
    events += r.events;
    invited += r.coalitions_invited;
    signers += r.coalition_signers_sum;
    failed += r.coalitions_failed;
  }
};

void print_summary(const models::deterrence::Scenario& sc, const std::string& output,
                   const Totals& totals, const Margins& margins, std::uint64_t periods,
                   double seconds, unsigned threads) {
  const auto& t = totals.t;
  const auto& by_kind = totals.by_kind;
  const double detection_delay = totals.detection_delay;
  const double attribution_delay = totals.attribution_delay;
  const std::uint64_t events = totals.events, invited = totals.invited, signers = totals.signers,
                      failed = totals.failed;
  const std::uint64_t n = totals.n;
  std::printf("cyberdeter %s: %s, %llu replication%s of %g days (seed %llu)\n",
              version_string().c_str(), sc.name.empty() ? sc.path.c_str() : sc.name.c_str(),
              static_cast<unsigned long long>(n), n == 1 ? "" : "s", sc.run.horizon_days,
              static_cast<unsigned long long>(sc.run.seed));
  std::printf(
      "  attacks       %.1f launched per replication (of %.1f opportunities), %.0f %% succeeded\n",
      per(static_cast<double>(t.launched), n), per(static_cast<double>(t.opportunities), n),
      pct(t.succeeded, t.launched));
  std::printf("    by kind     state-sponsored %.1f, criminal %.1f, hacktivist %.1f\n",
              per(static_cast<double>(by_kind[0]), n), per(static_cast<double>(by_kind[1]), n),
              per(static_cast<double>(by_kind[2]), n));
  std::printf("  detection     %.1f %% of launched, mean %.0f days after landing\n",
              pct(t.detected, t.launched), per(detection_delay, t.detected));
  std::printf(
      "  attribution   %.1f %% of launched named an actor (%.0f %% correctly), mean %.0f days "
      "after detection\n",
      pct(t.attributed, t.launched), pct(t.attributed_correct, t.attributed),
      per(attribution_delay, t.attributed));
  std::printf(
      "  responses     per replication: quiet %.1f, attribute %.1f, coordinate %.1f, sanction "
      "%.1f\n",
      per(static_cast<double>(t.responses[0]), n), per(static_cast<double>(t.responses[1]), n),
      per(static_cast<double>(t.responses[2]), n), per(static_cast<double>(t.responses[3]), n));
  std::printf(
      "  coalitions    %.1f invitations per replication, mean %.1f signers, %.0f %% ended "
      "unilateral\n",
      per(static_cast<double>(invited), n), per(static_cast<double>(signers), invited),
      pct(failed, invited));
  // How near the attackers were to holding: deterrence can only move a decision that is
  // close (docs/model.md §13).
  const char* kinds[] = {"state-sponsored", "criminal", "hacktivist"};
  bool first = true;
  for (std::size_t k = 0; k < 3; ++k) {
    if (margins.decisions[k] <= 0.0) continue;
    std::printf("%s%-15s attack at %.0f %% of their decisions, best EU %+.1f %s\n",
                first ? "  margin        " : "                ", kinds[k],
                100.0 * margins.launched[k] / margins.decisions[k],
                margins.margin[k] / margins.weight[k], sc.run.value_unit.c_str());
    first = false;
  }
  std::printf("  damage        %.1f %s per replication\n", per(t.damage, n),
              sc.run.value_unit.c_str());
  std::printf(
      "  output        %s (/runs: %llu rows, /timeseries: %llu rows); %s events in %.2f s on "
      "%u thread%s\n",
      output.c_str(), static_cast<unsigned long long>(n), static_cast<unsigned long long>(periods),
      sim::thousands(events).c_str(), seconds, threads, threads == 1 ? "" : "s");
}

int run_deterrence(const RunOptions& opt) {
  namespace det = models::deterrence;
  det::Scenario sc = det::load_scenario(opt.scenario.file, opt.scenario.overrides);
  if (opt.replications) sc.run.replications = *opt.replications;
  if (opt.seed) sc.run.seed = *opt.seed;
  if (opt.horizon_days) {
    sc.run.horizon_days = *opt.horizon_days;
    if (sc.run.reporting_days > sc.run.horizon_days) sc.run.reporting_days = sc.run.horizon_days;
  }
  check_output_path(opt.output);

  auto file = sim::h5::File::create(opt.output);
  write_provenance(file);
  det::write_scenario(file, sc);
  const det::RunOptions run_options{opt.incidents, opt.choices};
  Totals totals;
  Margins margins;
  std::uint64_t periods = 0;
  // Threads never change the file: replications are handed to the sink in order.
  const unsigned threads = static_cast<unsigned>(
      std::min<std::uint64_t>(worker_threads(opt.threads, false), sc.run.replications));
  // As many threads compress the tables' chunks (the bytes do not depend on it either).
  sim::h5::set_filter_threads(threads);
  const auto start = std::chrono::steady_clock::now();
  {
    struct CountingSink : det::H5Sink {
      using det::H5Sink::H5Sink;
      std::uint64_t periods = 0;
      void period(const det::PeriodRow& row) override {
        ++periods;
        det::H5Sink::period(row);
      }
    } sink(file, run_options, sim::h5::TableOptions{4096, opt.compression});
    det::OrderedRunOptions ordered;
    ordered.threads = threads;
    ordered.run = run_options;
    ordered.check_interrupted = check_interrupted_no_output;
    det::run_ordered(
        sc, sc.run.replications, sink,
        [&](std::uint64_t, const det::RunResult& result) {
          sink.finish(result);
          totals.add(result.run);
          margins.add(result, sc);
        },
        ordered);
    sink.close();
    periods = sink.periods;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  file.commit();
  if (!opt.quiet) print_summary(sc, opt.output, totals, margins, periods, seconds, threads);
  return exit_success;
}

}  // namespace

void add_run_command(CLI::App& app, Action& action) {
  auto* cmd = app.add_subcommand("run", "Run a scenario's replications and write an HDF5 file");
  auto opt = std::make_shared<RunOptions>();
  add_scenario_args(*cmd, opt->scenario);
  cmd->add_option("-o,--output", opt->output, "Output HDF5 file (written atomically)")->required();
  cmd->add_option("--replications", opt->replications, "Number of replications (overrides [run])")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1'000'000'000}));
  cmd->add_option("--seed", opt->seed, "Master seed (overrides [run]); same seed, same file");
  cmd->add_option("--horizon-days", opt->horizon_days, "Simulated days per replication")
      ->check(days_check());
  cmd->add_flag("--incidents", opt->incidents,
                "Also write /incidents: every incident's whole record");
  cmd->add_flag("--choices", opt->choices,
                "Also write /choices: every attacker decision's EU terms");
  add_compression_option(*cmd, opt->compression);
  cmd->add_option("--threads", opt->threads,
                  "Threads that run replications (default: all cores); the file is the same "
                  "for any number")
      ->check(CLI::Range(1u, 4096u));
  cmd->add_flag("-q,--quiet", opt->quiet, "Print nothing on success");
  cmd->callback([&action, opt] {
    action = [opt] {
      if (is_reference_scenario(opt->scenario.file)) {
        return run_reference(*opt);
      }
      if (is_anu_scenario(opt->scenario.file)) {
        if (opt->horizon_days) throw UsageError("--horizon-days does not apply to the ANU model");
        if (opt->incidents || opt->choices) {
          throw UsageError("--incidents and --choices apply to deterrence scenarios only");
        }
        return run_anu(GameRunOptions{opt->scenario, opt->output, opt->replications, opt->seed,
                                      opt->compression, opt->quiet});
      }
      if (is_game_scenario(opt->scenario.file)) {
        // A game has rounds or episodes, not days, and no incidents or choices.
        if (opt->horizon_days) throw UsageError("--horizon-days does not apply to a game");
        if (opt->incidents || opt->choices) {
          throw UsageError("--incidents and --choices apply to deterrence scenarios only");
        }
        return run_game(GameRunOptions{opt->scenario, opt->output, opt->replications, opt->seed,
                                       opt->compression, opt->quiet});
      }
      return run_deterrence(*opt);
    };
  });
}

}  // namespace cyberdeter::app
