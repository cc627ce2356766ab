#pragma once

namespace cyberdeter::models {

/// Version of the HDF5 layout written by cyberdeter (root attribute `schema_version`).
/// Bump the major number when a reader of the old layout would misread the new one.
inline constexpr const char* schema_version = "0.1";

}  // namespace cyberdeter::models
