#pragma once

#include <memory>
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

/// A scenario file parsed once, from which many variants are loaded (a sweep's points):
/// load(overrides) equals load_scenario_text(text, path, overrides) without parsing the
/// text again, and without copying the parsed document for each load (the overrides are
/// applied to a working copy and undone after). Safe to call from several threads.
class ScenarioSource {
 public:
  /// Parses `text`; throws ScenarioError for a syntax error.
  ScenarioSource(std::string text, std::string path);
  Scenario load(const std::vector<std::string>& overrides = {}) const;
  /// As load, but the scenario's `text` is left empty: a sweep writes the base scenario's
  /// text once and runs its points without it.
  Scenario load_point(const std::vector<std::string>& overrides) const;

 private:
  struct Parsed;
  std::shared_ptr<const Parsed> parsed_;
};

/// Every parameter of `scenario`, defaults filled in, as a TOML document that
/// load_scenario_text reads back to an identical Scenario (except path and text).
std::string resolved_toml(const Scenario& scenario);

}  // namespace cyberdeter::models::deterrence
