// Process-wide logging on spdlog, to stderr.
//
// Contract:
//  - InitLogging() configures the default spdlog logger once, early in main(); later calls replace
//  it.
//  - Levels: trace, debug, info, warn, error, off. ParseLogLevel() rejects anything else.
//  - What is logged is the caller's responsibility: never a raw ip, device_id, message body, key or
//    secret. Message ids, counts, reason codes, SQLSTATEs and endpoints are fine.
//  - Thread-safety: spdlog's default logger is thread-safe; InitLogging() itself is not.
#pragma once

#include <spdlog/spdlog.h>

#include <optional>
#include <string_view>

namespace sqs2pg::ops {

std::optional<spdlog::level::level_enum> ParseLogLevel(std::string_view name);

void InitLogging(spdlog::level::level_enum level);

}  // namespace sqs2pg::ops
