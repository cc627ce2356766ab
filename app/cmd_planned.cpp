// Subcommands of DESIGN.md whose implementation has not landed yet. They are listed in
// --help so that the command-line surface is stable, and they say plainly that they are
// not available rather than pretending to work.

#include <iostream>

#include "cli_common.hpp"

namespace cyberdeter::app {
namespace {

void add_planned(CLI::App& app, Action& action, const std::string& name,
                 const std::string& description, const std::string& issue) {
  auto* cmd = app.add_subcommand(name, description + " [not available yet]");
  cmd->allow_extras();
  cmd->callback([&action, name, issue] {
    action = [name, issue] {
      std::cerr << "cyberdeter " << name << ": not available in this version (" << version_string()
                << "); it is planned in issue " << issue << ".\n";
      return exit_failure;
    };
  });
}

}  // namespace

void add_planned_commands(CLI::App& app, Action& action) {
  add_planned(app, action, "wargame", "Play one or more states while the simulation plays the rest",
              "#7");
}

}  // namespace cyberdeter::app
