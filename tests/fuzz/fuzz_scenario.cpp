// A scenario file: the loader accepts it or reports bad input (ScenarioError, exit 2); a
// scenario it accepts runs one replication, within a small event budget, to the horizon
// or to the budget's error (exit 2) — never to another exception (exit 1), a crash or a
// hang.
#include <cstdint>

#include "cyberdeter/models/deterrence/model.hpp"
#include "cyberdeter/models/deterrence/scenario_loader.hpp"
#include "cyberdeter/models/scenario_error.hpp"
#include "fuzz_support.hpp"

namespace det = cyberdeter::models::deterrence;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  det::Scenario sc;
  try {
    sc = det::load_scenario_text(cyberdeter::fuzz::text(data, size), "fuzz.toml");
  } catch (const cyberdeter::models::ScenarioError&) {
    return 0;
  }
  sc.run.max_events = 20'000;
  det::RunSink sink;
  try {
    det::run_replication(sc, 0, sink, det::RunOptions{true, true});
  } catch (const cyberdeter::models::ScenarioError&) {
  }
  return 0;
}
