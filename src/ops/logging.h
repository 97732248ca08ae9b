// Process-wide logging on spdlog, to stderr, and the one status line that log lines keep clear of.
//
// Contract:
//  - InitLogging() configures the default spdlog logger once, early in main(); later calls replace
//  it.
//  - On a terminal (stderr is a tty) with the text format, log records go through
//    StderrStatusLine(): a status line shown there (drain's progress, ops/progress.h) is erased
//    before each record and drawn again below it, so no record shares a row with it. Otherwise
//    (json, or stderr is a pipe or file) records are written to stderr as they are.
//  - Levels: trace, debug, info, warn, error, off. ParseLogLevel() rejects anything else.
//  - Formats: text ("<UTC ISO-8601> <level> <message>") or json, one object per line:
//    {"time":"2026-11-30T15:00:00.123Z","level":"info","message":"..."}, the message escaped as a
//    JSON string (control characters as \uXXXX), for log shippers that parse lines.
//  - What is logged is the caller's responsibility: never a raw ip, device_id, message body, key or
//    secret. Message ids, counts, reason codes, SQLSTATEs and endpoints are fine.
//  - Thread-safety: spdlog's default logger is thread-safe; InitLogging() itself is not.
//    StatusLine is thread-safe: one mutex orders every write to its stream.
#pragma once

#include <spdlog/formatter.h>
#include <spdlog/sinks/sink.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace sqs2pg::ops {

std::optional<spdlog::level::level_enum> ParseLogLevel(std::string_view name);

enum class LogFormat { kText, kJson };

std::optional<LogFormat> ParseLogFormat(std::string_view name);

// The json format as an spdlog formatter (exposed for tests).
std::unique_ptr<spdlog::formatter> MakeJsonLogFormatter();

void InitLogging(spdlog::level::level_enum level, LogFormat format = LogFormat::kText);

// The owner of a terminal's last row: a line redrawn in place (Show) that other output (WriteAbove)
// passes above instead of running into. Everything written to `out` while a status line may be
// shown must go through it. Does not own `out`; every call flushes it.
class StatusLine {
 public:
  explicit StatusLine(std::FILE* out) : out_(out) {}
  StatusLine(const StatusLine&) = delete;
  StatusLine& operator=(const StatusLine&) = delete;

  // Draws `text` (one line, no newline) in place of the current status line: "\r", text, clear to
  // the end of the row. Clipped to one column less than the terminal's width, if `out` has one.
  void Show(std::string_view text);
  // Ends the shown status line with a newline: it stays on screen as an ordinary line, and what
  // follows starts on the next row. No-op when none is shown.
  void Finish();
  // Writes `lines` (whole lines; a missing final newline is added while a status line is shown)
  // as if the status line were not there: erases it ("\r" + clear to end of row), writes them from
  // column 0, and draws it again below them.
  void WriteAbove(std::string_view lines);
  void Flush();

 private:
  std::mutex mu_;
  std::FILE* const out_;
  std::string text_;    // the status line shown
  bool shown_ = false;  // between Show() and Finish()
};

// The status line on stderr, for the whole process (log records and drain's progress share it).
StatusLine& StderrStatusLine();

// An spdlog sink writing each formatted record through `line.WriteAbove` (exposed for tests).
// `line` must outlive the sink.
std::shared_ptr<spdlog::sinks::sink> MakeStatusLineSink(StatusLine& line);

}  // namespace sqs2pg::ops
