#pragma once

namespace cyberdeter::build {

/// Program version, e.g. "0.1.0".
const char* version() noexcept;
/// `git describe --always --dirty` of the source tree at build time, or "unknown".
const char* git_revision() noexcept;

}  // namespace cyberdeter::build
