#pragma once
// Helpers shared by the fuzz targets.

#include <cstddef>
#include <cstdint>
#include <string>

namespace cyberdeter::fuzz {

/// The input as text.
inline std::string text(const std::uint8_t* data, std::size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

/// Writes `bytes` to a file of this process's own (the same path every call) and returns
/// its path: for readers that take a path.
std::string scratch_file(const std::string& name, const std::string& bytes);

/// The text of the minimal scenario (scenarios/minimal.toml), built in: a base for sweeps.
extern const char* const minimal_scenario;

}  // namespace cyberdeter::fuzz
