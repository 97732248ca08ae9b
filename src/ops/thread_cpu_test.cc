#include "ops/thread_cpu.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <thread>

namespace sqs2pg::ops {
namespace {

constexpr uint64_t kMs = 1000000;

// Burns this thread's CPU until its clock has advanced by `ns` (CPU time, not wall time).
void Spin(uint64_t ns) {
  const uint64_t until = ThreadCpuNanos() + ns;
  volatile uint64_t sink = 0;
  while (ThreadCpuNanos() < until) sink = sink + 1;
}

TEST(ThreadCpuTest, ChargesEachPieceToItsCounterAndTheRestOnDestruction) {
  std::atomic<uint64_t> first{0}, second{0}, rest{0};
  const uint64_t before = ThreadCpuNanos();
  {
    ThreadCpuMeter meter(&rest);
    Spin(5 * kMs);
    meter.Charge(&first);
    Spin(3 * kMs);
    meter.Charge(&second);
    Spin(2 * kMs);
  }
  const uint64_t after = ThreadCpuNanos();
  EXPECT_GE(first.load(), 5 * kMs);
  EXPECT_GE(second.load(), 3 * kMs);
  EXPECT_LT(second.load(), 5 * kMs);  // the first piece is not charged twice
  EXPECT_GE(rest.load(), 2 * kMs);
  EXPECT_LE(first + second + rest, after - before);
}

TEST(ThreadCpuTest, CountsOnlyItsOwnThread) {
  std::atomic<uint64_t> mine{0}, theirs{0};
  std::atomic<bool> done{false};
  ThreadCpuMeter meter(&mine);
  const uint64_t process_before = ProcessCpuNanos();
  std::thread busy([&] {
    ThreadCpuMeter other(&theirs);
    Spin(30 * kMs);
    other.Charge();
    done = true;
  });
  busy.join();  // this thread sleeps meanwhile
  meter.Charge();
  EXPECT_TRUE(done.load());
  EXPECT_GE(theirs.load(), 30 * kMs);
  EXPECT_LT(mine.load(), 15 * kMs);
  // The process clock counts every thread, the one that ended too.
  EXPECT_GE(ProcessCpuNanos() - process_before, 30 * kMs);
}

}  // namespace
}  // namespace sqs2pg::ops
