#pragma once

#include <string>

namespace cyberdeter::models {

/// The model a scenario file asks for: its `model` key, "deterrence" when absent.
/// Unreadable files and TOML syntax errors throw ScenarioError.
std::string model_of(const std::string& path);

}  // namespace cyberdeter::models
