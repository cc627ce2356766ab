#pragma once

#include <stdexcept>
#include <string>

namespace cyberdeter::models {

/// Bad input in a scenario or sweep file. what() reads
/// "FILE:LINE:COLUMN: KEY: MESSAGE" so editors can jump to the place.
class ScenarioError : public std::runtime_error {
 public:
  ScenarioError(std::string file, int line, int column, std::string key, std::string message);

  const std::string& file() const noexcept { return file_; }
  int line() const noexcept { return line_; }
  int column() const noexcept { return column_; }
  /// Dotted path of the offending key, e.g. "states.Japan.defense" (empty for syntax errors).
  const std::string& key() const noexcept { return key_; }
  /// What was wrong and what was expected, without the location.
  const std::string& message() const noexcept { return message_; }

 private:
  std::string file_;
  int line_;
  int column_;
  std::string key_;
  std::string message_;
};

}  // namespace cyberdeter::models
