#include "ops/logging.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <string>

namespace sqs2pg::ops {
namespace {

std::string FormatJson(spdlog::level::level_enum level, std::string_view payload) {
  spdlog::details::log_msg msg(spdlog::source_loc{}, "sqs2pg", level,
                               spdlog::string_view_t(payload.data(), payload.size()));
  msg.time = std::chrono::system_clock::time_point(std::chrono::milliseconds(1795000000123));
  spdlog::memory_buf_t out;
  MakeJsonLogFormatter()->format(msg, out);
  return std::string(out.data(), out.size());
}

TEST(LoggingTest, ParsesLevelsAndFormats) {
  EXPECT_EQ(ParseLogLevel("debug"), spdlog::level::debug);
  EXPECT_EQ(ParseLogLevel("warning"), spdlog::level::warn);
  EXPECT_FALSE(ParseLogLevel("loud"));
  EXPECT_EQ(ParseLogFormat("json"), LogFormat::kJson);
  EXPECT_EQ(ParseLogFormat("text"), LogFormat::kText);
  EXPECT_FALSE(ParseLogFormat("xml"));
}

TEST(LoggingTest, JsonLinesAreOneValidObjectEach) {
  const std::string line =
      FormatJson(spdlog::level::warn, "rejected \"x\"\\y\nnext\ttab\x01 caf\xC3\xA9");
  ASSERT_FALSE(line.empty());
  EXPECT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1);  // one line
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(line).get(doc), simdjson::SUCCESS) << line;
  EXPECT_EQ(std::string(doc["time"].get_string().value()), "2026-11-18T11:06:40.123Z");
  EXPECT_EQ(std::string(doc["level"].get_string().value()), "warning");
  EXPECT_EQ(std::string(doc["message"].get_string().value()),
            "rejected \"x\"\\y\nnext\ttab\x01 caf\xC3\xA9");
}

TEST(LoggingTest, InvalidUtf8StillMakesValidJson) {
  const std::string line = FormatJson(spdlog::level::info, "bad \xFF\xFE byte");
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(line).get(doc), simdjson::SUCCESS) << line;
  EXPECT_EQ(std::string(doc["message"].get_string().value()), "bad \xC3\xBF\xC3\xBE byte");
}

}  // namespace
}  // namespace sqs2pg::ops
