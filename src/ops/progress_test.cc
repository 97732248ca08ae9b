#include "ops/progress.h"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace sqs2pg::ops {
namespace {

using Seconds = std::chrono::duration<double>;

std::string ReadAll(std::FILE* file) {
  std::fflush(file);
  std::rewind(file);
  std::string text;
  for (int c; (c = std::fgetc(file)) != EOF;) text.push_back(static_cast<char>(c));
  return text;
}

// The rows a terminal shows after `bytes`: "\r" returns to column 0, "\n" starts the next row,
// ESC [ K clears from the cursor to the end of the row; other bytes overwrite at the cursor.
std::vector<std::string> Screen(const std::string& bytes) {
  std::vector<std::string> rows(1);
  size_t column = 0;
  for (size_t i = 0; i < bytes.size(); ++i) {
    const char c = bytes[i];
    std::string& row = rows.back();
    if (c == '\r') {
      column = 0;
    } else if (c == '\n') {
      rows.emplace_back();
      column = 0;
    } else if (bytes.compare(i, 3, "\x1b[K") == 0) {
      if (row.size() > column) row.resize(column);
      i += 2;
    } else {
      if (row.size() <= column) row.resize(column + 1, ' ');
      row[column++] = c;
    }
  }
  if (rows.back().empty()) rows.pop_back();  // the output ended with a newline
  return rows;
}

TEST(ProgressTest, TextShowsCountsRateAndEta) {
  EXPECT_EQ(ProgressText(2500, 10000, Seconds(5)),
            "processed 2500 / ~10000 (25%), 500 msg/s, ETA 15s, elapsed 5s");
  EXPECT_EQ(ProgressText(30000, 100000, Seconds(60)),
            "processed 30000 / ~100000 (30%), 500 msg/s, ETA 2m20s, elapsed 1m00s");
  EXPECT_EQ(ProgressText(0, 500, Seconds(0)), "processed 0 / ~500 (0%), 0 msg/s, elapsed 0s");
  // SQS's depth is approximate: past the total there is no ETA left.
  EXPECT_EQ(ProgressText(120, 100, Seconds(2)),
            "processed 120 / ~100 (120%), 60 msg/s, ETA -, elapsed 2s");
  EXPECT_EQ(ProgressText(7, -1, Seconds(1)), "processed 7, 7 msg/s, elapsed 1s");
  EXPECT_EQ(ProgressText(7, -1, Seconds(1), 5), "processed 7, 7 msg/s, elapsed 1s, 5 receivers");
  EXPECT_EQ(ProgressText(7, -1, Seconds(1), 1), "processed 7, 7 msg/s, elapsed 1s, 1 receiver");
}

TEST(ProgressTest, LineRedrawsInPlaceAndEndsWithANewline) {
  RunStats stats;
  stats.inserted = 3;
  stats.AddRejected("invalid_json");
  std::FILE* out = std::tmpfile();
  ASSERT_NE(out, nullptr);
  {
    StatusLine status(out);
    ProgressLine line(stats, 10, status, std::chrono::milliseconds(10));
    line.Start();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    line.Stop();
  }
  const std::string text = ReadAll(out);
  std::fclose(out);
  EXPECT_EQ(text.front(), '\r');
  EXPECT_EQ(text.back(), '\n');
  EXPECT_NE(text.find("processed 4 / ~10 (40%)"), std::string::npos) << text;
  EXPECT_NE(text.find("\x1b[K"), std::string::npos);
}

// Log records from several threads while the progress line redraws itself: on the terminal each
// record is a whole row of its own, the progress line comes back after each one, and the summary
// printed after Stop() starts below the finished progress line.
TEST(ProgressTest, LogRecordsFromManyThreadsPassAboveTheLine) {
  constexpr int kThreads = 4;
  constexpr int kRecords = 200;
  std::FILE* out = std::tmpfile();
  ASSERT_NE(out, nullptr);
  RunStats stats;
  {
    StatusLine status(out);
    spdlog::logger logger("progress_test", MakeStatusLineSink(status));
    logger.set_pattern("%l %v");
    ProgressLine progress(stats, kThreads * kRecords, status, std::chrono::milliseconds(1));
    progress.Start();
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kRecords; ++i) {
          logger.info("record {}-{} from a worker", t, i);
          ++stats.inserted;
          if (i % 10 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
      });
    }
    for (auto& thread : threads) thread.join();
    progress.Stop();
  }
  std::fputs("summary:\n  inserted 800\n", out);  // as consume_command prints it, straight
  const std::string bytes = ReadAll(out);
  std::fclose(out);

  // Redrawn after each record (the whole record, its newline, then the progress line again).
  std::map<std::string, int> seen;
  for (size_t at = 0; (at = bytes.find("info record ", at)) != std::string::npos;) {
    const size_t end = bytes.find('\n', at);
    ASSERT_NE(end, std::string::npos);
    EXPECT_EQ(bytes.compare(end + 1, 11, "\rprocessed "), 0)
        << "no redraw after: " << bytes.substr(at, end - at);
    at = end;
  }

  const std::vector<std::string> rows = Screen(bytes);
  ASSERT_GE(rows.size(), 3u) << bytes;
  for (size_t r = 0; r + 3 < rows.size(); ++r) {
    // Every row but the last three is a whole record starting at column 0, alone on its row.
    const std::string& row = rows[r];
    EXPECT_TRUE(row.starts_with("info record ") && row.ends_with(" from a worker") &&
                row.find("processed") == std::string::npos)
        << "row " << r << ": \"" << row << "\"";
    ++seen[row];
  }
  EXPECT_EQ(seen.size(), static_cast<size_t>(kThreads * kRecords));
  for (const auto& [row, count] : seen) EXPECT_EQ(count, 1) << row;
  // The finished progress line, on a row of its own, then the summary.
  EXPECT_TRUE(rows[rows.size() - 3].starts_with("processed 800 / ~800 (100%)"))
      << rows[rows.size() - 3];
  EXPECT_EQ(rows[rows.size() - 2], "summary:");
  EXPECT_EQ(rows.back(), "  inserted 800");
}

TEST(ProgressTest, NotATerminalShowsNothing) {
  std::FILE* out = std::tmpfile();
  ASSERT_NE(out, nullptr);
  EXPECT_FALSE(ShouldShowProgress(out));
  std::fclose(out);
}

}  // namespace
}  // namespace sqs2pg::ops
