#pragma once
// "Did you mean ...?": the suggestion every error about a misspelt name makes.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cyberdeter::models {

/// The candidate nearest `word` by edit distance, if it is near enough to be a typo of it.
std::optional<std::string> closest_name(std::string_view word,
                                        const std::vector<std::string>& candidates);

}  // namespace cyberdeter::models
