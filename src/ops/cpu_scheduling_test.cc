#include "ops/cpu_scheduling.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace sqs2pg::ops {
namespace {

TEST(CpuSchedulingTest, ParsesTheTwoNames) {
  EXPECT_EQ(ParseCpuScheduling("batch"), CpuScheduling::kBatch);
  EXPECT_EQ(ParseCpuScheduling("normal"), CpuScheduling::kNormal);
  EXPECT_EQ(ParseCpuScheduling("BATCH"), std::nullopt);
  EXPECT_EQ(ParseCpuScheduling("idle"), std::nullopt);
}

// A thread that was already running when the policy was applied, and one started afterwards, both
// end up with it; applying kNormal undoes it everywhere.
TEST(CpuSchedulingTest, AppliesToRunningAndLaterThreads) {
  std::mutex mu;
  std::condition_variable cv;
  bool applied = false;
  std::string seen_by_running;
  std::thread running([&] {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return applied; });
    seen_by_running = CurrentCpuSchedulingName();
  });

  ASSERT_TRUE(ApplyCpuScheduling(CpuScheduling::kBatch).ok());
  EXPECT_EQ(CurrentCpuSchedulingName(), "batch");
  {
    std::lock_guard<std::mutex> lock(mu);
    applied = true;
  }
  cv.notify_all();
  running.join();
  EXPECT_EQ(seen_by_running, "batch");
  std::string seen_by_later;
  std::thread later([&] { seen_by_later = CurrentCpuSchedulingName(); });
  later.join();
  EXPECT_EQ(seen_by_later, "batch");

  ASSERT_TRUE(ApplyCpuScheduling(CpuScheduling::kNormal).ok());
  EXPECT_EQ(CurrentCpuSchedulingName(), "normal");
  std::thread after_reset([&] { seen_by_later = CurrentCpuSchedulingName(); });
  after_reset.join();
  EXPECT_EQ(seen_by_later, "normal");
}

}  // namespace
}  // namespace sqs2pg::ops
