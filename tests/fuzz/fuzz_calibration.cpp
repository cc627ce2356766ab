// A calibration file over a fixed base scenario: loaded and its first wave designed, or
// bad input.
#include <cstdint>

#include "cyberdeter/models/deterrence/calibration_run.hpp"
#include "cyberdeter/models/scenario_error.hpp"
#include "fuzz_support.hpp"

namespace models = cyberdeter::models;
namespace det = cyberdeter::models::deterrence;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const det::CalibrationSpec cal =
        det::load_calibration_text(cyberdeter::fuzz::text(data, size), "fuzz_calibration.toml",
                                   cyberdeter::fuzz::minimal_scenario);
    // The first wave's design loads every world's scenario lazily; designing it must not
    // fail on a file the loader accepted (bounded sizes keep a fuzz input fast).
    if (cal.points <= 1000) {
      const det::HistoryMatch hm(cal);
      const det::Wave wave = hm.next_wave(1);
      if (!wave.values.empty()) (void)wave.plan.scenario(0);
    }
  } catch (const models::ScenarioError&) {
  }
  return 0;
}
