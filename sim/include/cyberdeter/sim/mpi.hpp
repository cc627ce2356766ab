#pragma once
// MPI, optional at build time: when cyberdeter is built without it, built_with_mpi() is
// false and World cannot be made; everything else still works on threads and shards.
//
// Only the calling (main) thread of a process talks to MPI (MPI_THREAD_FUNNELED): it is
// the writer of the executor, which polls between writes, so worker threads never block
// on communication and a rank never spins a core waiting for messages.

#include <string>

#include "cyberdeter/sim/executor.hpp"

namespace cyberdeter::sim::mpi {

/// True if this binary was built with MPI.
bool built_with_mpi() noexcept;

/// The number of processes the launcher says this job has (mpirun/mpiexec set
/// OMPI_COMM_WORLD_SIZE, Slurm's srun sets SLURM_NTASKS with PMIX_RANK or PMI_RANK), or 0
/// when the process was not started by an MPI launcher.
int launched_world_size();

/// MPI_COMM_WORLD for the life of the object.
class World {
 public:
  /// MPI_Init_thread; throws std::runtime_error if built without MPI or if it fails.
  World();
  World(const World&) = delete;
  World& operator=(const World&) = delete;
  /// MPI_Finalize, unless abandon() was called.
  ~World();

  int rank() const noexcept { return rank_; }
  int size() const noexcept { return size_; }
  void barrier();
  /// Makes every rank's `bytes` equal to rank 0's.
  void broadcast(std::string& bytes);
  /// MPI_Abort: ends every rank of the job with `status`.
  [[noreturn]] void abort(int status);
  /// Skip MPI_Finalize (after an interrupt, when other ranks may no longer answer).
  void abandon() noexcept { abandoned_ = true; }

 private:
  int rank_ = 0;
  int size_ = 1;
  bool abandoned_ = false;
};

/// Runs a sweep's tasks on every rank of `world`, each rank on options.threads threads.
/// Rank 0 hands out blocks of options.pending (other ranks' pending is ignored) to
/// whichever rank asks (a rank asks for its next block while it runs the current one), and
/// works itself. Every rank commits its own part files under options.parts_dir; the call
/// returns on every rank after all parts are committed (a barrier).
ExecuteResult execute(World& world, const SweepJob& job, const ExecuteOptions& options);

}  // namespace cyberdeter::sim::mpi
