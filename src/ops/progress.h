// Progress: the live line `drain` shows on a terminal: processed / approximate total, rate, ETA.
//
// Contract:
//  - ProgressText() renders one line from figures (pure; no terminal codes).
//  - ProgressLine draws that line through a StatusLine (ops/logging.h) in Start(), then redraws
//    it in place every `period` from its own thread until Stop(); Stop() draws it a last time and
//    ends it with a newline, so what follows (the summary) starts on a row of its own. Log records
//    written meanwhile pass above it when they go through the same StatusLine (InitLogging() does
//    so for StderrStatusLine() on a terminal). Whether to use it at all (only when stderr is a
//    terminal) is the caller's choice: see ShouldShowProgress().
//  - Processed = rows inserted + duplicates skipped + rejects. The total is the queue's
//    approximate depth when the drain started (SQS's figure, so the percentage can pass 100).
//  - Thread-safety: Start() and Stop() from one thread; RunStats is read with atomics.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <thread>

#include "ops/logging.h"
#include "ops/run_stats.h"

namespace sqs2pg::ops {

// `total` < 0: unknown.
// `receivers`: the receive polls at work (shown when > 0: --receivers auto scales them).
std::string ProgressText(uint64_t processed, int64_t total, std::chrono::duration<double> elapsed,
                         int receivers = 0);

// Whether `stream` is a terminal (and TERM is not "dumb").
bool ShouldShowProgress(std::FILE* stream);

class ProgressLine {
 public:
  // `line` must outlive this object.
  ProgressLine(const RunStats& stats, int64_t total, StatusLine& line,
               std::chrono::milliseconds period = std::chrono::milliseconds(500));
  ~ProgressLine();
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

  void Start();
  void Stop();

 private:
  void Draw();

  const RunStats& stats_;
  const int64_t total_;
  StatusLine& line_;
  const std::chrono::milliseconds period_;
  const std::chrono::steady_clock::time_point start_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace sqs2pg::ops
