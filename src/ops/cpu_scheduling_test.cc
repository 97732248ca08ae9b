#include "ops/cpu_scheduling.h"

#include <gtest/gtest.h>
#include <sched.h>

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

  const Status batch = ApplyCpuScheduling(CpuScheduling::kBatch);
  {
    std::lock_guard<std::mutex> lock(mu);
    applied = true;
  }
  cv.notify_all();
  if (batch.code() == StatusCode::kUnavailable) {
    running.join();
    GTEST_SKIP() << "this kernel or sandbox refuses SCHED_BATCH: " << batch.ToString();
  }
  ASSERT_TRUE(batch.ok()) << batch.ToString();
  EXPECT_EQ(CurrentCpuSchedulingName(), "batch");
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

// A thread under a policy the operator chose (here SCHED_IDLE, which needs no privilege to enter)
// keeps it.
TEST(CpuSchedulingTest, LeavesOtherPoliciesAlone) {
  std::mutex mu;
  std::condition_variable cv;
  bool ready = false;
  bool idle_set = false;
  bool applied = false;
  std::string seen;
  std::thread idle([&] {
    sched_param param{};
    const bool ok = sched_setscheduler(0, SCHED_IDLE, &param) == 0;
    std::unique_lock<std::mutex> lock(mu);
    idle_set = ok;
    ready = true;
    cv.notify_all();
    cv.wait(lock, [&] { return applied; });
    seen = CurrentCpuSchedulingName();
  });
  {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return ready; });
  }
  const Status status = ApplyCpuScheduling(CpuScheduling::kBatch);
  {
    std::lock_guard<std::mutex> lock(mu);
    applied = true;
  }
  cv.notify_all();
  idle.join();
  ASSERT_TRUE(ApplyCpuScheduling(CpuScheduling::kNormal).ok());
  if (!idle_set || status.code() == StatusCode::kUnavailable) {
    GTEST_SKIP() << "SCHED_IDLE or SCHED_BATCH refused here";
  }
  EXPECT_EQ(seen, "other (" + std::to_string(SCHED_IDLE) + ")");
}

}  // namespace
}  // namespace sqs2pg::ops
