#include "cyberdeter/models/catalog.hpp"

#include "toml_reader.hpp"

namespace cyberdeter::models {

std::string model_of(const std::string& path) {
  const detail::Document doc = detail::parse_file(path);
  detail::Reader root(doc, doc.root, "");
  return root.choice("model", "deterrence", {"deterrence", "phold", "hold"});
}

}  // namespace cyberdeter::models
