#include "ops/progress.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>

namespace sqs2pg::ops {
namespace {

std::string Duration(double seconds) {
  const auto s = static_cast<int64_t>(std::llround(seconds));
  if (s >= 3600) return fmt::format("{}h{:02}m", s / 3600, (s % 3600) / 60);
  if (s >= 60) return fmt::format("{}m{:02}s", s / 60, s % 60);
  return fmt::format("{}s", s);
}

}  // namespace

std::string ProgressText(uint64_t processed, int64_t total, std::chrono::duration<double> elapsed,
                         int receivers) {
  const double seconds = elapsed.count();
  const double rate = seconds > 0 ? static_cast<double>(processed) / seconds : 0;
  std::string text;
  if (total >= 0) {
    const double percent =
        total > 0 ? 100.0 * static_cast<double>(processed) / static_cast<double>(total) : 100.0;
    text = fmt::format("processed {} / ~{} ({:.0f}%)", processed, total, percent);
  } else {
    text = fmt::format("processed {}", processed);
  }
  text += fmt::format(", {:.0f} msg/s", rate);
  if (total >= 0 && rate > 0) {
    const double left = static_cast<double>(total) - static_cast<double>(processed);
    text += left > 0 ? ", ETA " + Duration(left / rate) : ", ETA -";
  }
  text += ", elapsed " + Duration(seconds);
  if (receivers > 0) text += fmt::format(", {} receiver{}", receivers, receivers == 1 ? "" : "s");
  return text;
}

bool ShouldShowProgress(std::FILE* stream) {
  const char* term = std::getenv("TERM");
  if (term != nullptr && std::strcmp(term, "dumb") == 0) return false;
  return isatty(fileno(stream)) == 1;
}

ProgressLine::ProgressLine(const RunStats& stats, int64_t total, StatusLine& line,
                           std::chrono::milliseconds period)
    : stats_(stats),
      total_(total),
      line_(line),
      period_(period),
      start_(std::chrono::steady_clock::now()) {}

ProgressLine::~ProgressLine() { Stop(); }

void ProgressLine::Start() {
  if (thread_.joinable()) return;
  Draw();  // at once: output after Start() returns finds the line shown and passes above it
  thread_ = std::thread([this] {
    // Short naps so Stop() is not kept waiting for a whole period (and a short period holds).
    const auto nap = std::min<std::chrono::milliseconds>(period_, std::chrono::milliseconds(20));
    while (!stop_.load()) {
      const auto until = std::chrono::steady_clock::now() + period_;
      while (!stop_.load() && std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(nap);
      }
      if (!stop_.load()) Draw();
    }
  });
}

void ProgressLine::Stop() {
  if (!thread_.joinable()) return;
  stop_ = true;
  thread_.join();
  Draw();
  line_.Finish();
}

void ProgressLine::Draw() {
  const uint64_t processed = stats_.inserted + stats_.duplicates + stats_.rejected();
  const std::string line = ProgressText(
      processed, total_, std::chrono::steady_clock::now() - start_, stats_.receivers.load());
  line_.Show(line);
}

}  // namespace sqs2pg::ops
