// A sweep file over a fixed base scenario: loaded and expanded, or bad input.
#include <cstdint>

#include "cyberdeter/models/scenario_error.hpp"
#include "cyberdeter/models/sweep.hpp"
#include "fuzz_support.hpp"

namespace models = cyberdeter::models;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const models::Sweep sweep = models::load_sweep_text(
        cyberdeter::fuzz::text(data, size), "fuzz_sweep.toml", cyberdeter::fuzz::minimal_scenario);
    (void)models::expand(sweep);
  } catch (const models::ScenarioError&) {
  }
  return 0;
}
