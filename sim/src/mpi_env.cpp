// What the launcher says about the job: shared by the MPI and the MPI-less builds, so that
// a binary without MPI started by mpirun refuses instead of running the sweep N times.

#include <cstdlib>
#include <string>

#include "cyberdeter/sim/mpi.hpp"

namespace cyberdeter::sim::mpi {

namespace {
int number(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr) return 0;
  try {
    return std::stoi(value);
  } catch (...) {
    return 0;
  }
}
}  // namespace

int launched_world_size() {
  if (const int size = number("OMPI_COMM_WORLD_SIZE"); size > 0) return size;
  if (const int size = number("PMI_SIZE"); size > 0) return size;
  if (std::getenv("PMIX_RANK") != nullptr || std::getenv("PMI_RANK") != nullptr) {
    if (const int size = number("SLURM_NTASKS"); size > 0) return size;
    return 1;
  }
  return 0;
}

}  // namespace cyberdeter::sim::mpi
