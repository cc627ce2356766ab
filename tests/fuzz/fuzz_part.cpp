// A file given to `cyberdeter merge` or found by `sweep --resume` among the parts: the
// bytes are the file. Resume reads what a part says it holds (an HDF5 error there is bad
// input: the part is named and refused); merge refuses what does not fit with a MergeError
// (exit 2). Any other outcome — a crash, an uncaught exception (exit 1), a hang — is a
// finding. The corpus holds real sweep outputs, shards and checkpoint parts, so that the
// mutations reach HDF5's structures and our tables, not only the file's signature.
#include <cstdint>
#include <filesystem>

#include "cyberdeter/models/deterrence/sweep_run.hpp"
#include "cyberdeter/models/scenario_error.hpp"
#include "cyberdeter/sim/hdf5.hpp"
#include "cyberdeter/sim/merge.hpp"
#include "fuzz_support.hpp"

namespace det = cyberdeter::models::deterrence;
namespace sim = cyberdeter::sim;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  sim::h5::configure_library();  // as the command line does: no error stacks on stderr
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string part =
      cyberdeter::fuzz::scratch_file("part.h5", cyberdeter::fuzz::text(data, size));
  // --resume: what the part says it holds (app/cmd_sweep.cpp, scan_progress).
  try {
    const auto file = sim::h5::File::open_read(part);
    const sim::PartInfo info = sim::read_part_info(file);
    (void)det::has_timeseries(file);
    (void)det::has_incidents(file);
    (void)file.row_count("/runs");
    (void)info.tasks.size();
  } catch (const sim::h5::H5Error&) {
  }
  // merge: the part alone, as the first input, rebuilds the sweep from its texts.
  const std::string out = cyberdeter::fuzz::scratch_file("merged.h5", "");
  std::filesystem::remove(out);
  try {
    det::SweepOutput output;
    (void)det::merge_sweep_files({part}, out, output);
  } catch (const sim::MergeError&) {
  } catch (const cyberdeter::models::ScenarioError&) {
    // the texts it carries are not a valid sweep: bad input (exit 2) too
  }
  std::filesystem::remove(out);
  return 0;
}
