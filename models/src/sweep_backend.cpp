#include "cyberdeter/models/sweep_backend.hpp"

#include <fstream>
#include <sstream>

#include "cyberdeter/models/scenario_error.hpp"
#include "cyberdeter/sim/merge.hpp"

namespace cyberdeter::models {
namespace {

// The deterrence model's sweep (deterrence/sweep_run.cpp) behind the common interface.
class DeterrenceBackend final : public SweepBackend {
 public:
  explicit DeterrenceBackend(deterrence::SweepPlan plan) : plan_(std::move(plan)) {}
  std::string model() const override { return "deterrence"; }
  const Sweep& sweep() const override { return plan_.sweep; }
  std::size_t points() const override { return plan_.points.size(); }
  std::size_t worlds() const override { return plan_.worlds; }
  const std::string& sweep_id() const override { return plan_.sweep_id; }
  bool has_extras() const override { return true; }
  void validate_points(const sim::TaskSet& tasks, unsigned threads) const override {
    deterrence::validate_points(plan_, tasks, threads);
  }
  sim::SweepJob make_job(const deterrence::SweepOutput& output) const override {
    return deterrence::make_sweep_job(plan_, output);
  }
  std::uint64_t write_file(const deterrence::SweepOutput& output,
                           const std::vector<std::string>& parts, const sim::TaskSet& expected,
                           const std::string& shard, const std::string& path) const override {
    return deterrence::write_sweep_file(plan_, output, parts, expected, shard, path);
  }

 private:
  deterrence::SweepPlan plan_;
};

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) throw ScenarioError(path, 0, 0, "", "cannot read the file");
  return text.str();
}

}  // namespace

std::unique_ptr<SweepBackend> plan_any_sweep(const std::string& path,
                                             const std::string& worlds_text) {
  Sweep sweep = load_sweep(path);
  if (sweep.model != "deterrence" && !worlds_text.empty()) {
    throw ScenarioError(path, 0, 0, "",
                        "--worlds crosses a sweep of the deterrence model with a calibration's "
                        "worlds; this sweep runs the " +
                            sweep.model + " model");
  }
  if (sweep.model == "anu_deterrence") {
    std::string base_text = read_text(sweep.base_path);
    return anu::plan_anu_sweep(std::move(sweep), std::move(base_text));
  }
  if (sweep.model == "attribution_game" || sweep.model == "timing_game") {
    std::string base_text = read_text(sweep.base_path);
    return games::plan_game_sweep(std::move(sweep), std::move(base_text));
  }
  return std::make_unique<DeterrenceBackend>(deterrence::plan_sweep(path, worlds_text));
}

deterrence::MergeSummary merge_any_sweep_files(const std::vector<std::string>& inputs,
                                               const std::string& path,
                                               const deterrence::SweepOutput& output) {
  std::string model = "deterrence";
  if (!inputs.empty()) {
    try {
      const auto first = sim::h5::File::open_read(inputs.front());
      if (first.exists("/scenario"))
        model = first.read_attribute<std::string>("/scenario", "model");
    } catch (const sim::h5::H5Error& e) {
      throw sim::MergeError(inputs.front() + ": cannot be read as a part of a sweep: " + e.what());
    }
  }
  if (model == "anu_deterrence") return anu::merge_anu_sweep_files(inputs, path, output);
  if (model == "attribution_game" || model == "timing_game") {
    return games::merge_game_sweep_files(model, inputs, path, output);
  }
  return deterrence::merge_sweep_files(inputs, path, output);
}

}  // namespace cyberdeter::models
