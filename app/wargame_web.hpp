#pragma once
// The war-game web page (wargame/web/), built into the binary so that `cyberdeter serve`
// needs no files beside it and no network beyond the room.

#include <string_view>

namespace cyberdeter::app {

struct WebFile {
  std::string_view path;  ///< "/index.html"
  std::string_view type;  ///< its Content-Type
  std::string_view content;
};

/// The file served at `path` ("/" is "/index.html"), or nullptr.
const WebFile* web_file(std::string_view path);

}  // namespace cyberdeter::app
