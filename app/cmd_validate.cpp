#include <iostream>

#include "cli_common.hpp"
#include "cyberdeter/models/deterrence/scenario_loader.hpp"
#include "cyberdeter/models/reference/anu.hpp"
#include "cyberdeter/models/reference/reference.hpp"

namespace cyberdeter::app {

void add_validate_command(CLI::App& app, Action& action) {
  auto* cmd = app.add_subcommand(
      "validate", "Check a scenario file without running it (exit 0 if valid, 2 if not)");
  auto args = std::make_shared<ScenarioArgs>();
  add_scenario_args(*cmd, *args);
  cmd->callback([&action, args] {
    action = [args] {
      const auto& [file, overrides] = *args;
      if (is_game_scenario(file)) {
        std::cout << validate_game(*args) << "\n";
        return exit_success;
      }
      if (is_anu_scenario(file)) {
        const auto sc = models::anu::load_anu_scenario(file, overrides);
        std::cout << file << ": valid (ANU deterrence model, " << sc.params.states << " states, "
                  << sc.replications << " replication" << (sc.replications == 1 ? "" : "s")
                  << " of " << sc.params.turns << " turns)\n";
        return exit_success;
      }
      if (is_reference_scenario(file)) {
        const auto sc = models::reference::load_reference_scenario(file, overrides);
        std::cout << file << ": valid (" << sc.replications << " replication"
                  << (sc.replications == 1 ? "" : "s") << ")\n";
        return exit_success;
      }
      const auto sc = models::deterrence::load_scenario(file, overrides);
      std::cout << file << ": valid (" << sc.states.size() << " states, " << sc.attackers.size()
                << " attackers, " << sc.run.replications << " replication"
                << (sc.run.replications == 1 ? "" : "s") << " of " << sc.run.horizon_days
                << " days)\n";
      return exit_success;
    };
  });
}

}  // namespace cyberdeter::app
