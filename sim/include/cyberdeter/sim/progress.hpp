#pragma once
// The progress of a long command: on a terminal, one line redrawn in place (done/total,
// rate, ETA); in a batch log, a plain line every few seconds; nothing when quiet. Written
// to stderr so that stdout stays the command's result.

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace cyberdeter::sim {

enum class ProgressMode {
  quiet,     ///< print nothing
  terminal,  ///< redraw one line, at most five times a second
  log,       ///< a new line every `log_interval`
};

/// terminal if stderr is a terminal, log otherwise; quiet if `quiet`.
ProgressMode progress_mode_for_stderr(bool quiet);

class Progress {
 public:
  Progress(std::string label, std::uint64_t total, ProgressMode mode,
           std::chrono::seconds log_interval = std::chrono::seconds(10), std::FILE* out = stderr);
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;
  /// Clears a terminal line left unfinished.
  ~Progress();

  /// `done` tasks are finished (monotonic); prints if it is time to.
  void update(std::uint64_t done);
  /// Prints the final state (terminal: ends the line; log: one last line).
  void finish();

  /// "1,234/10,000 runs (12.3 %), 456 runs/s, ETA 19 s".
  std::string line() const;

 private:
  using Clock = std::chrono::steady_clock;
  void print(bool final);

  std::string label_;
  std::uint64_t total_;
  ProgressMode mode_;
  std::chrono::seconds log_interval_;
  std::FILE* out_;
  Clock::time_point start_;
  Clock::time_point last_print_;
  std::uint64_t done_ = 0;
  std::uint64_t start_done_ = 0;  // done at the first update (resumed work excluded from rates)
  bool started_ = false;
  bool line_open_ = false;
  bool printed_ = false;
  bool finished_ = false;
};

/// 1234567 -> "1,234,567".
std::string thousands(std::uint64_t value);

}  // namespace cyberdeter::sim
