#pragma once

#include <string>
#include <vector>

#include "cyberdeter/models/deterrence/scenario.hpp"

namespace cyberdeter::models::deterrence {

/// Loads and validates a deterrence scenario file, applying "KEY.PATH=VALUE" overrides
/// first. Everything is checked before a run can start; bad input throws ScenarioError
/// naming file, line, column and key.
Scenario load_scenario(const std::string& path, const std::vector<std::string>& overrides = {});

/// Same, from text (`path` is used in messages only).
Scenario load_scenario_text(std::string text, std::string path,
                            const std::vector<std::string>& overrides = {});

/// Every parameter of `scenario`, defaults filled in, as a TOML document that
/// load_scenario_text reads back to an identical Scenario (except path and text).
std::string resolved_toml(const Scenario& scenario);

}  // namespace cyberdeter::models::deterrence
