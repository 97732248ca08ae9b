// Process-wide logging on spdlog, to stderr.
//
// Contract:
//  - InitLogging() configures the default spdlog logger once, early in main(); later calls replace
//  it.
//  - Levels: trace, debug, info, warn, error, off. ParseLogLevel() rejects anything else.
//  - Formats: text ("<UTC ISO-8601> <level> <message>") or json, one object per line:
//    {"time":"2026-11-30T15:00:00.123Z","level":"info","message":"..."}, the message escaped as a
//    JSON string (control characters as \uXXXX), for log shippers that parse lines.
//  - What is logged is the caller's responsibility: never a raw ip, device_id, message body, key or
//    secret. Message ids, counts, reason codes, SQLSTATEs and endpoints are fine.
//  - Thread-safety: spdlog's default logger is thread-safe; InitLogging() itself is not.
#pragma once

#include <spdlog/formatter.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <optional>
#include <string_view>

namespace sqs2pg::ops {

std::optional<spdlog::level::level_enum> ParseLogLevel(std::string_view name);

enum class LogFormat { kText, kJson };

std::optional<LogFormat> ParseLogFormat(std::string_view name);

// The json format as an spdlog formatter (exposed for tests).
std::unique_ptr<spdlog::formatter> MakeJsonLogFormatter();

void InitLogging(spdlog::level::level_enum level, LogFormat format = LogFormat::kText);

}  // namespace sqs2pg::ops
