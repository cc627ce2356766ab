#include "cli_common.hpp"

#include <csignal>
#include <filesystem>

#include "cyberdeter/models/catalog.hpp"
#include "cyberdeter/models/deterrence/wargame_session.hpp"
#include "cyberdeter/models/games/attribution_model.hpp"
#include "cyberdeter/models/games/timing.hpp"
#include "cyberdeter/models/reference/reference.hpp"
#include "cyberdeter/models/scenario_error.hpp"
#include "cyberdeter/models/schema.hpp"
#include "cyberdeter/sim/build_info.hpp"
#include "cyberdeter/sim/merge.hpp"

namespace cyberdeter::app {
namespace {

volatile std::sig_atomic_t interrupt_signal = 0;

extern "C" void on_interrupt(int signal) { interrupt_signal = signal; }

std::string& invocation_storage() {
  static std::string text;
  return text;
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

void check_interrupted() {
  if (interrupt_signal != 0) {
    throw Interrupted(interrupt_signal == SIGINT ? "interrupted (SIGINT)" : "terminated (SIGTERM)");
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

models::deterrence::StoredSession read_session_file(const std::string& path) {
  if (!std::filesystem::exists(path)) throw UsageError("session file " + path + " does not exist");
  try {
    return models::deterrence::read_session(path);
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

}  // namespace cyberdeter::app
