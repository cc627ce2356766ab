#pragma once

#include <string>

namespace cyberdeter::models {

/// The model a scenario file asks for: its `model` key, "deterrence" when absent.
/// Unreadable files and TOML syntax errors throw ScenarioError.
std::string model_of(const std::string& path);
/// The same for a file's text (`path` is used in messages).
std::string model_of_text(std::string text, std::string path);

/// True for the formal games of docs/validation.md: "attribution_game" and "timing_game".
bool is_game_model(const std::string& model_name);

}  // namespace cyberdeter::models
