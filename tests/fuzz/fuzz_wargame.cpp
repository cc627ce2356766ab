// The war-game's inputs: a decisions file (replayed with --decisions), and a player's
// answer at each kind of prompt (a response, an invitation, a turn's action, with an
// optional rationale). The first byte chooses which; the rest is the input. A file is
// read or refused as bad input (file and line named); an answer is taken or refused with
// a message to show — never an exception the terminal does not catch, a crash or a hang.
#include <cstdint>
#include <stdexcept>

#include "cyberdeter/models/deterrence/scenario_loader.hpp"
#include "cyberdeter/models/deterrence/wargame.hpp"
#include "cyberdeter/models/scenario_error.hpp"
#include "cyberdeter/wargame/briefs.hpp"
#include "cyberdeter/wargame/record.hpp"
#include "fuzz_support.hpp"

namespace det = cyberdeter::models::deterrence;

namespace {

const det::Scenario& scenario() {
  static const det::Scenario sc =
      det::load_scenario_text(cyberdeter::fuzz::minimal_scenario, "fuzz_base.toml");
  return sc;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string input = cyberdeter::fuzz::text(data + 1, size - 1);
  const det::Scenario& sc = scenario();
  switch (data[0] % 4) {
    case 0:
      try {
        (void)cyberdeter::wargame::read_decisions_file(
            cyberdeter::fuzz::scratch_file("decisions.toml", input), sc);
      } catch (const cyberdeter::models::ScenarioError&) {
      }
      break;
    case 1: {
      det::ResponseBrief brief;
      brief.doctrine = sc.states[0].doctrine;
      brief.resolve = sc.states[0].resolve;
      const auto line = cyberdeter::wargame::split_rationale(input);
      (void)cyberdeter::wargame::parse_response(sc, brief, line.answer);
      break;
    }
    case 2: {
      det::JoinBrief brief;
      brief.leader = 0;
      brief.state = 1;
      (void)cyberdeter::wargame::parse_join(brief,
                                            cyberdeter::wargame::split_rationale(input).answer);
      break;
    }
    case 3:
      try {
        const det::DoctrineAction action = det::parse_action(input, sc);
        // Every action that parses has canonical words that parse back to it.
        if (det::parse_action(det::format_action(action, sc), sc).kind != action.kind) {
          __builtin_trap();
        }
      } catch (const std::invalid_argument&) {
      }
      break;
  }
  return 0;
}
