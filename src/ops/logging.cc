#include "ops/logging.h"

#include <spdlog/sinks/stdout_sinks.h>

namespace sqs2pg::ops {

std::optional<spdlog::level::level_enum> ParseLogLevel(std::string_view name) {
  using spdlog::level::level_enum;
  if (name == "trace") return level_enum::trace;
  if (name == "debug") return level_enum::debug;
  if (name == "info") return level_enum::info;
  if (name == "warn" || name == "warning") return level_enum::warn;
  if (name == "error") return level_enum::err;
  if (name == "off") return level_enum::off;
  return std::nullopt;
}

void InitLogging(spdlog::level::level_enum level) {
  auto logger = spdlog::stderr_logger_mt("sqs2pg");
  // ISO-8601 UTC timestamps so lines from several replicas sort together.
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %l %v", spdlog::pattern_time_type::utc);
  logger->set_level(level);
  spdlog::set_default_logger(logger);
}

}  // namespace sqs2pg::ops
