#include <iostream>

#include "cli_common.hpp"
#include "cyberdeter/models/deterrence/scenario_loader.hpp"
#include "cyberdeter/models/reference/anu.hpp"
#include "cyberdeter/models/reference/reference.hpp"

namespace cyberdeter::app {

void add_describe_command(CLI::App& app, Action& action) {
  auto* cmd = app.add_subcommand(
      "describe", "Print a scenario's resolved parameters (every key, defaults filled in) as TOML");
  auto args = std::make_shared<ScenarioArgs>();
  add_scenario_args(*cmd, *args);
  cmd->callback([&action, args] {
    action = [args] {
      const auto& [file, overrides] = *args;
      // Load first, print after: bad input must print nothing on standard output.
      const std::string resolved =
          is_game_scenario(file)  ? describe_game(*args)
          : is_anu_scenario(file) ? models::anu::load_anu_scenario(file, overrides).resolved_toml()
          : is_reference_scenario(file)
              ? models::reference::load_reference_scenario(file, overrides).resolved_toml()
              : models::deterrence::resolved_toml(
                    models::deterrence::load_scenario(file, overrides));
      std::cout << "# resolved parameters of " << file << "\n" << resolved;
      return exit_success;
    };
  });
}

}  // namespace cyberdeter::app
