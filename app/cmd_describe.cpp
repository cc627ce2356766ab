#include <iostream>

#include "cli_common.hpp"
#include "cyberdeter/models/catalog.hpp"
#include "cyberdeter/models/deterrence/scenario_loader.hpp"
#include "cyberdeter/models/reference/reference.hpp"

namespace cyberdeter::app {

void add_describe_command(CLI::App& app, Action& action) {
  auto* cmd = app.add_subcommand(
      "describe", "Print a scenario's resolved parameters (every key, defaults filled in) as TOML");
  auto file = std::make_shared<std::string>();
  auto overrides = std::make_shared<std::vector<std::string>>();
  cmd->add_option("file", *file, "Scenario file (TOML)")->required();
  cmd->add_option("--set", *overrides, "Override a parameter first: KEY.PATH=VALUE (repeatable)");
  cmd->callback([&action, file, overrides] {
    action = [file, overrides] {
      std::cout << "# resolved parameters of " << *file << "\n";
      if (models::reference::is_reference_model(models::model_of(*file))) {
        std::cout << models::reference::load_reference_scenario(*file, *overrides).resolved_toml();
      } else {
        std::cout << models::deterrence::resolved_toml(
            models::deterrence::load_scenario(*file, *overrides));
      }
      return exit_success;
    };
  });
}

}  // namespace cyberdeter::app
