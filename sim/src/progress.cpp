#include "cyberdeter/sim/progress.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>

namespace cyberdeter::sim {

ProgressMode progress_mode_for_stderr(bool quiet) {
  if (quiet) return ProgressMode::quiet;
  return isatty(STDERR_FILENO) != 0 ? ProgressMode::terminal : ProgressMode::log;
}

std::string thousands(std::uint64_t value) {
  const std::string digits = std::to_string(value);
  std::string out;
  out.reserve(digits.size() + digits.size() / 3);
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i != 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

namespace {

std::string duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const auto s = static_cast<std::uint64_t>(std::llround(seconds));
  if (s < 60) return std::to_string(s) + " s";
  if (s < 3600) return std::to_string(s / 60) + " min " + std::to_string(s % 60) + " s";
  return std::to_string(s / 3600) + " h " + std::to_string(s % 3600 / 60) + " min";
}

}  // namespace

Progress::Progress(std::string label, std::uint64_t total, ProgressMode mode,
                   std::chrono::seconds log_interval, std::FILE* out)
    : label_(std::move(label)),
      total_(total),
      mode_(mode),
      log_interval_(log_interval),
      out_(out),
      start_(Clock::now()),
      last_print_(start_) {}

Progress::~Progress() {
  if (line_open_) {
    std::fputs("\n", out_);
    std::fflush(out_);
  }
}

std::string Progress::line() const {
  const double elapsed = std::chrono::duration<double>(Clock::now() - start_).count();
  const double rate = elapsed > 0 ? static_cast<double>(done_ - start_done_) / elapsed : 0.0;
  std::string out = label_ + ": " + thousands(done_) + "/" + thousands(total_) + " runs";
  if (total_ > 0) {
    char percent[32];
    std::snprintf(percent, sizeof percent, " (%.1f %%)",
                  100.0 * static_cast<double>(done_) / static_cast<double>(total_));
    out += percent;
  }
  out += ", " + thousands(static_cast<std::uint64_t>(std::llround(rate))) + " runs/s";
  if (done_ < total_) {
    out += ", ETA " + (rate > 0 ? duration(static_cast<double>(total_ - done_) / rate) : "?");
  } else {
    out += ", " + duration(elapsed);
  }
  return out;
}

void Progress::print(bool final) {
  if (mode_ == ProgressMode::quiet) return;
  if (mode_ == ProgressMode::terminal) {
    std::fprintf(out_, "\r\033[K%s%s", line().c_str(), final ? "\n" : "");
    line_open_ = !final;
  } else {
    std::fprintf(out_, "%s\n", line().c_str());
  }
  printed_ = true;
  std::fflush(out_);
  last_print_ = Clock::now();
}

void Progress::update(std::uint64_t done) {
  if (!started_) {
    started_ = true;
    start_done_ = done;
    start_ = Clock::now();
    last_print_ = start_;
  }
  done_ = std::max(done_, done);
  if (mode_ == ProgressMode::quiet || finished_) return;
  const auto now = Clock::now();
  const auto interval =
      mode_ == ProgressMode::terminal
          ? std::chrono::duration_cast<Clock::duration>(std::chrono::milliseconds(200))
          : std::chrono::duration_cast<Clock::duration>(log_interval_);
  if (now - last_print_ >= interval) print(false);
}

void Progress::finish() {
  if (finished_) return;
  finished_ = true;
  // A terminal line is closed with the final state; a log that printed progress gets a
  // last line; a log that printed nothing yet (a short run) stays clean.
  if (mode_ == ProgressMode::terminal && line_open_) print(true);
  if (mode_ == ProgressMode::log && printed_) print(true);
}

}  // namespace cyberdeter::sim
