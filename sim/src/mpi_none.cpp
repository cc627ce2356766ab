// Built without MPI: sweeps run on threads and shards only.

#include <stdexcept>

#include "cyberdeter/sim/mpi.hpp"

namespace cyberdeter::sim::mpi {

bool built_with_mpi() noexcept { return false; }

World::World() {
  throw std::runtime_error("this cyberdeter was built without MPI (configure with MPI found)");
}
World::~World() = default;
void World::barrier() {}
void World::broadcast(std::string&) {}
void World::abort(int status) { std::exit(status); }

ExecuteResult execute(World&, const SweepJob&, const ExecuteOptions&) {
  throw std::runtime_error("this cyberdeter was built without MPI");
}

}  // namespace cyberdeter::sim::mpi
