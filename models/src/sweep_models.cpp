#include "sweep_models.hpp"

#include "cyberdeter/models/games/attribution_model.hpp"
#include "cyberdeter/models/games/timing.hpp"
#include "cyberdeter/models/reference/anu.hpp"

namespace cyberdeter::models::detail {
namespace {

template <class LoadText, class LoadFile>
std::string load(const Sweep& sw, const std::vector<std::string>& overrides, LoadText from_text,
                 LoadFile from_file) {
  return (sw.base_text ? from_text(*sw.base_text, sw.base_path, overrides)
                       : from_file(sw.base_path, overrides))
      .resolved_toml();
}

}  // namespace

bool swept_model(std::string_view model) noexcept {
  return model == "anu_deterrence" || model == "attribution_game" || model == "timing_game";
}

std::string load_model_base(const Sweep& sw, const std::vector<std::string>& overrides) {
  if (sw.model == "attribution_game") {
    return load(sw, overrides, games::load_attribution_scenario_text,
                games::load_attribution_scenario);
  }
  if (sw.model == "timing_game") {
    return load(sw, overrides, games::load_timing_scenario_text, games::load_timing_scenario);
  }
  return load(sw, overrides, anu::load_anu_scenario_text, anu::load_anu_scenario);
}

}  // namespace cyberdeter::models::detail
