#include "ops/progress.h"

#include <gtest/gtest.h>

#include <cstdio>

namespace sqs2pg::ops {
namespace {

using Seconds = std::chrono::duration<double>;

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
    ProgressLine line(stats, 10, out, std::chrono::milliseconds(10));
    line.Start();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    line.Stop();
  }
  std::rewind(out);
  std::string text;
  for (int c; (c = std::fgetc(out)) != EOF;) text.push_back(static_cast<char>(c));
  std::fclose(out);
  EXPECT_EQ(text.front(), '\r');
  EXPECT_EQ(text.back(), '\n');
  EXPECT_NE(text.find("processed 4 / ~10 (40%)"), std::string::npos) << text;
  EXPECT_NE(text.find("\x1b[K"), std::string::npos);
}

TEST(ProgressTest, NotATerminalShowsNothing) {
  std::FILE* out = std::tmpfile();
  ASSERT_NE(out, nullptr);
  EXPECT_FALSE(ShouldShowProgress(out));
  std::fclose(out);
}

}  // namespace
}  // namespace sqs2pg::ops
