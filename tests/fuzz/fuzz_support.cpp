#include "fuzz_support.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace cyberdeter::fuzz {

std::string scratch_file(const std::string& name, const std::string& bytes) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("cyberdeter-fuzz-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto path = (dir / name).string();
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
  return path;
}

const char* const minimal_scenario = R"(name = "fuzz base"
[run]
horizon_days = 365
reporting_days = 91.3125
[states.Homeland]
defense = 0.3
[states.Ally]
[states.Rivalia]
targetable = false
[states.Homeland.alignment]
Ally = 0.8
[attackers.RivalAPT]
kind = "state_sponsored"
sponsor = "Rivalia"
[attackers.Crew]
kind = "criminal"
[[programs]]
kind = "exercise"
owner = "Homeland"
start_day = 100
[[mega_events]]
name = "Expo"
host = "Homeland"
start_day = 200
end_day = 210
)";

}  // namespace cyberdeter::fuzz
