#pragma once
// The [question] table of a sweep file (docs/user-guide.md, "Sweeps"): read and checked
// against the base scenario and the parameters when the sweep file is loaded.

#include "cyberdeter/models/deterrence/scenario.hpp"
#include "cyberdeter/models/sweep.hpp"
#include "toml_reader.hpp"

namespace cyberdeter::models::detail {

/// The metrics `analysis` derives from /runs columns (analysis/io.py DERIVED); a question
/// may name them. tests/analysis checks that analysis knows every one.
const std::vector<std::string_view>& derived_metric_names();

/// Reads [question]; throws ScenarioError at the offending key.
SweepQuestion read_question(Reader& t, const Sweep& sweep, const deterrence::Scenario& base);

}  // namespace cyberdeter::models::detail
