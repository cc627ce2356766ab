#pragma once
// The models that sweeps run besides the deterrence model, for the sweep file's loader
// (sweep.cpp): which they are, and how their base scenario is loaded.

#include <string>
#include <string_view>
#include <vector>

#include "cyberdeter/models/sweep.hpp"

namespace cyberdeter::models::detail {

/// True for "anu_deterrence", "attribution_game" and "timing_game".
bool swept_model(std::string_view model) noexcept;

/// Loads the base scenario of `sw` (a swept_model) from sw.base_text, or else sw.base_path,
/// with `overrides` applied, and returns its resolved parameters as TOML. Throws
/// ScenarioError.
std::string load_model_base(const Sweep& sw, const std::vector<std::string>& overrides);

}  // namespace cyberdeter::models::detail
