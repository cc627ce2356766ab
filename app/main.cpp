// cyberdeter: the command line. Parsing and error reporting live here; each subcommand
// is a thin file that reads its options and calls models/ and sim/.

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <exception>
#include <iostream>
#include <system_error>

#include "cli_common.hpp"
#include "cyberdeter/models/suggest.hpp"

int main(int argc, char** argv) {
  using namespace cyberdeter::app;
  cyberdeter::sim::h5::configure_library();
  set_invocation(argc, argv);

  CLI::App app{
      "cyberdeter: an agent-based, discrete-event simulator of cyber deterrence and "
      "attribution diplomacy.\nExit status: 0 success, 1 run-time failure, 2 bad input, "
      "130 interrupted.",
      "cyberdeter"};
  app.set_version_flag("--version", "cyberdeter " + version_string(),
                       "Print the version and git revision, then exit");
  app.require_subcommand(1);

  Action action;
  add_run_command(app, action);
  add_validate_command(app, action);
  add_describe_command(app, action);
  add_sweep_command(app, action);
  add_merge_command(app, action);
  add_calibrate_command(app, action);
  add_equilibrium_command(app, action);
  add_wargame_command(app, action);
  add_debrief_command(app, action);

  // A first word that is not an option must be a command: name it and suggest one, rather
  // than "A subcommand is required" (or the main help for `cyberdeter foo --help`).
  if (argc > 1 && argv[1][0] != '-') {
    std::vector<std::string> commands;
    for (const CLI::App* sub : app.get_subcommands({})) commands.push_back(sub->get_name());
    const std::string word = argv[1];
    if (std::find(commands.begin(), commands.end(), word) == commands.end()) {
      std::string list;
      for (const auto& c : commands) list += (list.empty() ? "" : ", ") + c;
      const auto close = cyberdeter::models::closest_name(word, commands);
      std::cerr << "cyberdeter: unknown command '" << word << "'"
                << (close ? " (did you mean '" + *close + "'?)" : std::string())
                << "; the commands are " << list << ". Run 'cyberdeter --help' for usage.\n";
      return exit_bad_input;
    }
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "cyberdeter: " << e.what() << "\nRun 'cyberdeter --help' for usage.\n";
    return exit_bad_input;
  }

  watch_interrupts();
  try {
    const int status = action();
    // What a command printed is part of its result: a write that failed (a full disk, a
    // closed pipe) is a failure, not a success with nothing said.
    std::cout.flush();
    errno = 0;
    if (std::fflush(stdout) != 0 || std::ferror(stdout) != 0 || !std::cout) {
      const int error = errno;
      std::cerr << "error: cannot write to standard output"
                << (error != 0 ? ": " + std::error_code(error, std::generic_category()).message()
                               : std::string())
                << "\n";
      return status == exit_success ? exit_failure : status;
    }
    return status;
  } catch (const Interrupted& e) {
    std::cerr << "cyberdeter: " << e.what() << "\n";
    return exit_interrupted;
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return exit_status_of(std::current_exception());
  }
}
