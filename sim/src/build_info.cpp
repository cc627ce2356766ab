#include "cyberdeter/sim/build_info.hpp"

namespace cyberdeter::build {

const char* version() noexcept { return CYBERDETER_VERSION; }

}  // namespace cyberdeter::build
