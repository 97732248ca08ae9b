#include "ops/run_stats.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "ops/thread_cpu.h"

namespace sqs2pg::ops {
namespace {

// The number after `key` in `text` (e.g. "cpu_s=" -> 0.123), or -1 if absent.
double NumberAfter(const std::string& text, const std::string& key) {
  const size_t at = text.find(key);
  return at == std::string::npos ? -1 : std::atof(text.c_str() + at + key.size());
}

TEST(RunStatsTest, SummaryBreaksTheCpuDownByStage) {
  RunStats stats;
  stats.cpu_ns[RunStats::kCpuReceive] = 1234567890;
  stats.cpu_ns[RunStats::kCpuTransform] = 2000000;
  stats.cpu_ns[RunStats::kCpuDelete] = 500000000;
  // A million seconds: more than this process can have used, whatever ran before.
  stats.cpu_ns[RunStats::kCpuCommit] = 1000000000000000;
  const std::string summary = stats.Summary();
  EXPECT_NE(summary.find("  cpu                 "), std::string::npos) << summary;
  EXPECT_NE(summary.find(
                "receive 1.235, transform 0.002, commit 1000000.000, delete 0.500, other 0.000\n"),
            std::string::npos)
      << summary;
  const std::string line = stats.SummaryLine();
  EXPECT_NEAR(NumberAfter(line, " cpu_receive_s="), 1.235, 1e-9) << line;
  EXPECT_NEAR(NumberAfter(line, " cpu_transform_s="), 0.002, 1e-9) << line;
  EXPECT_NEAR(NumberAfter(line, " cpu_commit_s="), 1e6, 1e-9) << line;
  EXPECT_NEAR(NumberAfter(line, " cpu_delete_s="), 0.5, 1e-9) << line;
  // The stages add up to more than this process has used: nothing is left for "other".
  EXPECT_NEAR(NumberAfter(line, " cpu_other_s="), 0.0, 1e-9) << line;
}

TEST(RunStatsTest, OtherIsTheProcessCpuNotChargedToAStage) {
  RunStats stats;
  const double before = static_cast<double>(ProcessCpuNanos()) / 1e9;
  const std::string line = stats.SummaryLine();
  const double after = static_cast<double>(ProcessCpuNanos()) / 1e9;
  const double total = NumberAfter(line, " cpu_s=");
  // Printed with 3 decimals.
  EXPECT_GE(total, before - 0.0005) << line;
  EXPECT_LE(total, after + 0.0005) << line;
  EXPECT_NEAR(NumberAfter(line, " cpu_other_s="), total, 1e-9) << line;
}

}  // namespace
}  // namespace sqs2pg::ops
