#include "cli_common.hpp"

#include <signal.h>
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <iomanip>
#include <sstream>
#include <thread>

#include "cyberdeter/models/catalog.hpp"
#include "cyberdeter/models/games/attribution_model.hpp"
#include "cyberdeter/models/games/timing.hpp"
#include "cyberdeter/models/reference/reference.hpp"
#include "cyberdeter/models/scenario_error.hpp"
#include "cyberdeter/models/schema.hpp"
#include "cyberdeter/sim/build_info.hpp"
#include "cyberdeter/sim/merge.hpp"
#include "cyberdeter/sim/time.hpp"
#include "cyberdeter/wargame/journal.hpp"
#include "cyberdeter/wargame/record.hpp"

namespace cyberdeter::app {
namespace {

volatile std::sig_atomic_t interrupt_signal = 0;

extern "C" void on_interrupt(int signal) { interrupt_signal = signal; }

std::string& invocation_storage() {
  static std::string text;
  return text;
}

// A decimal number as the scenario files write them.
std::string detail_number(double v) {
  std::ostringstream out;
  out << std::setprecision(6) << v;
  return out.str();
}

// A finite decimal number, the whole text (no hex floats, no "nan" or "inf").
bool parse_finite(const std::string& text, double& value) {
  if (text.empty() || text.find_first_of("xXpP") != std::string::npos) return false;
  char* end = nullptr;
  errno = 0;
  value = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size()) return false;
  if (errno == ERANGE && value == 0.0) return true;  // underflow: a tiny number is still one
  return std::isfinite(value);
}

std::string quote(const std::string& arg) {
  if (!arg.empty() && arg.find_first_of(" \t\n'\"\\$`*?;&|<>()") == std::string::npos) return arg;
  std::string out = "'";
  for (const char c : arg) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

}  // namespace

const std::string& invocation() { return invocation_storage(); }

void set_invocation(int argc, char** argv) {
  std::string text;
  for (int i = 0; i < argc; ++i) {
    if (i > 0) text += ' ';
    text += quote(argv[i]);
  }
  invocation_storage() = std::move(text);
}

std::string version_string() {
  return std::string(build::version()) + " (git " + build::git_revision() + ")";
}

void watch_interrupts() {
  std::signal(SIGINT, on_interrupt);
  std::signal(SIGTERM, on_interrupt);
}

void watch_hangup() {
  struct sigaction current {};
  if (::sigaction(SIGHUP, nullptr, &current) == 0 && current.sa_handler == SIG_IGN) return;
  std::signal(SIGHUP, on_interrupt);
}

void check_interrupted() {
  if (interrupt_signal != 0) {
    throw Interrupted(interrupt_signal == SIGINT   ? "interrupted (SIGINT)"
                      : interrupt_signal == SIGHUP ? "hung up (SIGHUP)"
                                                   : "terminated (SIGTERM)");
  }
}

void check_interrupted_no_output() {
  try {
    check_interrupted();
  } catch (const Interrupted& e) {
    throw Interrupted(std::string(e.what()) + "; no output was written");
  }
}

int exit_status_of(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const Interrupted&) {
    return exit_interrupted;
  } catch (const models::ScenarioError&) {
    return exit_bad_input;
  } catch (const UsageError&) {
    return exit_bad_input;
  } catch (const sim::MergeError&) {
    return exit_bad_input;
  } catch (...) {
    return exit_failure;
  }
}

void write_provenance(sim::h5::File& file) {
  sim::h5::write_provenance(file, {"cyberdeter", build::version(), build::git_revision(),
                                   invocation(), "", models::schema_version});
}

wargame::StoredSession read_session_file(const std::string& path) {
  if (!std::filesystem::exists(path)) throw UsageError("session file " + path + " does not exist");
  try {
    return wargame::read_session(path);
  } catch (const std::exception& e) {
    throw UsageError(e.what());
  }
}

wargame::StoredSession read_session_or_journal(const std::string& path) {
  const std::string suffix = ".journal";
  const bool journal_given = path.size() > suffix.size() &&
                             path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0;
  const std::string session = journal_given ? path.substr(0, path.size() - suffix.size()) : path;
  const std::string journal = wargame::journal_path(session);
  std::optional<wargame::StoredSession> stored;
  if (!journal_given && std::filesystem::exists(session)) {
    stored = read_session_file(session);
    if (stored->info.complete) return *stored;
  }
  if (!std::filesystem::exists(journal)) {
    if (stored) return *stored;
    throw UsageError("session file " + session + " does not exist (nor its journal)");
  }
  try {
    // A session that stopped early: its journal holds every decision, its file may not.
    return wargame::stored_session(wargame::read_journal(journal), session);
  } catch (const std::exception& e) {
    throw UsageError(e.what());
  }
}

void check_output_path(const std::string& output) {
  const auto parent = std::filesystem::path(output).parent_path();
  if (!parent.empty() && !std::filesystem::is_directory(parent)) {
    throw UsageError("output directory " + parent.string() + " does not exist");
  }
}

void add_scenario_args(CLI::App& cmd, ScenarioArgs& args) {
  cmd.add_option("file", args.file, "Scenario file (TOML)")->required();
  cmd.add_option("--set", args.overrides,
                 "Override a parameter first: KEY.PATH=VALUE, e.g. states.Japan.defense=0.5 "
                 "(repeatable)");
}

bool is_reference_scenario(const std::string& file) {
  return models::reference::is_reference_model(models::model_of(file));
}

bool is_game_scenario(const std::string& file) {
  return models::is_game_model(models::model_of(file));
}

std::string validate_game(const ScenarioArgs& args) {
  namespace games = models::games;
  if (models::model_of(args.file) == "attribution_game") {
    const auto sc = games::load_attribution_scenario(args.file, args.overrides);
    return args.file + ": valid (attribution game, " + std::to_string(sc.game.attacker_count()) +
           " attackers, " + std::to_string(sc.replications) + " replications of " +
           std::to_string(sc.rounds) + " rounds)";
  }
  const auto sc = games::load_timing_scenario(args.file, args.overrides);
  return args.file + ": valid (timing game, " + std::to_string(sc.replications) +
         " replications of " + std::to_string(sc.episodes) + " episodes per evaluation)";
}

std::string describe_game(const ScenarioArgs& args) {
  namespace games = models::games;
  if (models::model_of(args.file) == "attribution_game") {
    return games::load_attribution_scenario(args.file, args.overrides).resolved_toml();
  }
  return games::load_timing_scenario(args.file, args.overrides).resolved_toml();
}

CLI::Validator finite_range(double lo, double hi) {
  const std::string range = "[" + detail_number(lo) + ", " + detail_number(hi) + "]";
  return CLI::Validator(
      [lo, hi, range](std::string& text) {
        double value = 0.0;
        if (!parse_finite(text, value) || value < lo || value > hi) {
          return "expected a number in " + range + ", got '" + text + "'";
        }
        return std::string();
      },
      "NUMBER in " + range);
}

void add_compression_option(CLI::App& cmd, int& level) {
  cmd.add_option("--compression", level,
                 "Deflate level of the tables, 0 (none, fastest) to 9 (smallest)")
      ->check(CLI::Range(0, 9))
      ->capture_default_str();
}

void add_batch_output_option(CLI::App& cmd, std::string& output) {
  cmd.add_option("-o,--output", output,
                 "Output HDF5 file (written atomically; progress is kept in OUTPUT.parts/ "
                 "until it is complete)")
      ->required();
}

void add_worker_threads_option(CLI::App& cmd, unsigned& threads) {
  cmd.add_option("--threads", threads,
                 "Worker threads per process (default: all cores; 1 per rank under MPI)")
      ->check(CLI::Range(1u, 4096u));
}

void add_checkpoint_option(CLI::App& cmd, double& seconds) {
  cmd.add_option("--checkpoint", seconds, "Seconds between checkpoints (what a kill can lose)")
      ->check(finite_range(0.01, 86400.0))
      ->capture_default_str();
}

CLI::Validator days_check() {
  const double tick = sim::to_days(1);
  const double longest = sim::to_days(sim::max_tick);
  return CLI::Validator(
      [tick, longest](std::string& text) {
        double value = 0.0;
        if (!parse_finite(text, value) || value < tick || value > longest) {
          return "expected a number of days from one second (" + detail_number(tick) + ") to " +
                 detail_number(longest) + ", got '" + text + "'";
        }
        return std::string();
      },
      "DAYS");
}

CLI::Validator whole_number() {
  return CLI::Validator(
      [](std::string& text) {
        const bool digits = !text.empty() && text.size() <= 20 &&
                            text.find_first_not_of("0123456789") == std::string::npos;
        // 18446744073709551615 has 20 digits; a longer or larger one does not fit.
        if (digits && (text.size() < 20 || text <= "18446744073709551615")) return std::string();
        return "expected a whole number from 0 to 18446744073709551615, got '" +
               text.substr(0, 40) + (text.size() > 40 ? "...'" : "'");
      },
      "N");
}

CLI::Validator days_or_zero_check() {
  const CLI::Validator days = days_check();
  return CLI::Validator(
      [days](std::string& text) {
        double value = 0.0;
        // Zero written as zero: an underflow such as 1e-400 is a span, and too short.
        if (!text.empty() && text.find_first_not_of("0.") == std::string::npos &&
            parse_finite(text, value)) {
          return std::string();
        }
        std::string copy = text;
        const std::string error = days(copy);
        return error.empty()
                   ? error
                   : "expected 0 (none) or " + error.substr(error.find("a number of days"));
      },
      "DAYS");
}

unsigned worker_threads(unsigned requested, bool under_mpi) {
  if (requested != 0) return requested;
  return under_mpi ? 1u : std::max(1u, std::thread::hardware_concurrency());
}

bool left_by_a_dead_process(std::string_view pid_digits) {
  if (pid_digits.empty() || pid_digits.size() > 9 ||
      pid_digits.find_first_not_of("0123456789") != std::string_view::npos) {
    return false;
  }
  const auto pid = static_cast<pid_t>(std::stol(std::string(pid_digits)));
  // Alive, or not ours to judge (EPERM: another user's process): not dead.
  return pid > 0 && ::kill(pid, 0) != 0 && errno == ESRCH;
}

std::vector<std::string> remove_stale_partials(const std::string& output) {
  namespace fs = std::filesystem;
  const fs::path target(output);
  const fs::path dir = target.parent_path().empty() ? fs::path(".") : target.parent_path();
  const std::string prefix = target.filename().string() + ".partial-";
  std::vector<std::string> removed;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(dir, error)) {
    const std::string name = entry.path().filename().string();
    if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
    if (!left_by_a_dead_process(name.substr(prefix.size()))) continue;
    std::error_code ignored;
    if (fs::remove(entry.path(), ignored)) removed.push_back(entry.path().string());
  }
  return removed;
}

}  // namespace cyberdeter::app
