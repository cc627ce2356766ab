#include "cyberdeter/models/catalog.hpp"

#include "toml_reader.hpp"

namespace cyberdeter::models {

std::string model_of(const std::string& path) {
  const detail::Document doc = detail::parse_file(path);
  detail::Reader root(doc, doc.root, "");
  return root.choice("model", "deterrence",
                     {"deterrence", "phold", "hold", "attribution_game", "timing_game"});
}

bool is_game_model(const std::string& model_name) {
  return model_name == "attribution_game" || model_name == "timing_game";
}

}  // namespace cyberdeter::models
