#include "cli_common.hpp"

#include "cyberdeter/models/catalog.hpp"
#include "cyberdeter/models/reference/reference.hpp"
#include "cyberdeter/sim/build_info.hpp"

namespace cyberdeter::app {
namespace {

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

void add_scenario_args(CLI::App& cmd, ScenarioArgs& args) {
  cmd.add_option("file", args.file, "Scenario file (TOML)")->required();
  cmd.add_option("--set", args.overrides,
                 "Override a parameter first: KEY.PATH=VALUE, e.g. states.Japan.defense=0.5 "
                 "(repeatable)");
}

bool is_reference_scenario(const std::string& file) {
  return models::reference::is_reference_model(models::model_of(file));
}

}  // namespace cyberdeter::app
