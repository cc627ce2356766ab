#pragma once
// Pieces of the sweep file's [[parameters]] reader that calibration files share
// (private to models/): a parameter's paths, name and link read the same everywhere.

#include <string>
#include <vector>

#include "cyberdeter/models/sweep.hpp"
#include "toml_reader.hpp"

namespace cyberdeter::models::detail {

/// Reads `path` or `paths` (with `*` expanded over `base`, filtered by `where`) and `name`.
void read_parameter_paths(Reader& t, const toml::table& base, SweepParameter& p);
/// Reads `link`; for "scale", each path's base value from `base`. `numeric`: the values are
/// numbers (scale needs them).
void read_parameter_link(Reader& t, const toml::table& base, SweepParameter& p, bool numeric);
/// The "path=value" overrides that give parameter `p` the value `text` (a TOML literal).
std::vector<std::string> parameter_overrides(const SweepParameter& p, const std::string& text);

}  // namespace cyberdeter::models::detail
