#include "cyberdeter/models/catalog.hpp"

#include "toml_reader.hpp"

namespace cyberdeter::models {

namespace {

std::string read_model(const detail::Document& doc) {
  detail::Reader root(doc, doc.root, "");
  return root.choice(
      "model", "deterrence",
      {"deterrence", "phold", "hold", "attribution_game", "timing_game", "anu_deterrence"});
}

}  // namespace

std::string model_of(const std::string& path) { return read_model(detail::parse_file(path)); }

std::string model_of_text(std::string text, std::string path) {
  return read_model(detail::parse_text(std::move(text), std::move(path)));
}

bool is_game_model(const std::string& model_name) {
  return model_name == "attribution_game" || model_name == "timing_game";
}

}  // namespace cyberdeter::models
