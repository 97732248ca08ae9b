#include "ops/logging.h"

#include <gtest/gtest.h>
#include <pty.h>
#include <simdjson.h>
#include <unistd.h>

#include <cstdio>
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

// A file standing in for stderr; Contents() is everything written to it so far.
class FakeTerminal {
 public:
  FakeTerminal() : file_(std::tmpfile()) {}
  ~FakeTerminal() {
    if (file_ != nullptr) std::fclose(file_);
  }
  std::FILE* file() const { return file_; }
  std::string Contents() const {
    std::fflush(file_);
    std::rewind(file_);
    std::string text;
    for (int c; (c = std::fgetc(file_)) != EOF;) text.push_back(static_cast<char>(c));
    return text;
  }

 private:
  std::FILE* file_;
};

TEST(StatusLineTest, WithoutAStatusLineRecordsPassUnchanged) {
  FakeTerminal term;
  ASSERT_NE(term.file(), nullptr);
  StatusLine line(term.file());
  line.WriteAbove("first\n");
  line.Finish();  // nothing shown: nothing to end
  line.WriteAbove("second\n");
  EXPECT_EQ(term.Contents(), "first\nsecond\n");
}

TEST(StatusLineTest, RecordsEraseTheStatusLineAndRedrawItBelow) {
  FakeTerminal term;
  ASSERT_NE(term.file(), nullptr);
  StatusLine line(term.file());
  line.Show("status 1");
  line.WriteAbove("a record\n");
  line.Show("status 2");
  line.WriteAbove("no newline");  // ended for it, or the redraw would join it
  line.Finish();
  line.WriteAbove("after\n");
  EXPECT_EQ(term.Contents(),
            "\rstatus 1\x1b[K"
            "\r\x1b[Ka record\n\rstatus 1\x1b[K"
            "\rstatus 2\x1b[K"
            "\r\x1b[Kno newline\n\rstatus 2\x1b[K"
            "\n"
            "after\n");
}

TEST(StatusLineTest, SinkWritesFormattedRecordsAboveTheStatusLine) {
  FakeTerminal term;
  ASSERT_NE(term.file(), nullptr);
  StatusLine line(term.file());
  spdlog::logger logger("status_line_test", MakeStatusLineSink(line));
  logger.set_pattern("%l %v");
  line.Show("progress");
  logger.warn("rejected message {}", 7);
  line.Finish();
  EXPECT_EQ(term.Contents(),
            "\rprogress\x1b[K\r\x1b[Kwarning rejected message 7\n\rprogress\x1b[K\n");
}

// A status line wider than the terminal would wrap, and "\r" would then erase only its last row.
TEST(StatusLineTest, ClipsToTheTerminalWidth) {
  int master = -1;
  int slave = -1;
  winsize size{};
  size.ws_col = 12;
  size.ws_row = 5;
  ASSERT_EQ(openpty(&master, &slave, nullptr, nullptr, &size), 0);
  std::FILE* out = fdopen(slave, "w");
  ASSERT_NE(out, nullptr);
  {
    StatusLine line(out);
    line.Show("0123456789abcdef");
    line.Show("short");
  }
  std::fclose(out);
  std::string text;
  char buffer[256];
  for (ssize_t n; (n = read(master, buffer, sizeof(buffer))) > 0;) {
    text.append(buffer, static_cast<size_t>(n));
  }
  close(master);
  EXPECT_EQ(text, "\r0123456789a\x1b[K\rshort\x1b[K");
}

}  // namespace
}  // namespace sqs2pg::ops
