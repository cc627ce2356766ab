// The formal games' scenario files (attribution game, timing game): loaded or bad input.
// The first byte chooses the loader, the rest is the file.
#include <cstdint>

#include "cyberdeter/models/games/attribution_model.hpp"
#include "cyberdeter/models/games/timing.hpp"
#include "cyberdeter/models/scenario_error.hpp"
#include "fuzz_support.hpp"

namespace games = cyberdeter::models::games;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string text = cyberdeter::fuzz::text(data + 1, size - 1);
  try {
    if (data[0] % 2 == 0) {
      (void)games::load_attribution_scenario_text(text, "fuzz_game.toml");
    } else {
      (void)games::load_timing_scenario_text(text, "fuzz_game.toml");
    }
  } catch (const cyberdeter::models::ScenarioError&) {
  }
  return 0;
}
