#include "ops/thread_cpu.h"

#include <time.h>

namespace sqs2pg::ops {
namespace {

uint64_t ClockNanos(clockid_t clock) {
  timespec ts{};
  if (clock_gettime(clock, &ts) != 0) return 0;
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000u + static_cast<uint64_t>(ts.tv_nsec);
}

}  // namespace

uint64_t ThreadCpuNanos() { return ClockNanos(CLOCK_THREAD_CPUTIME_ID); }
uint64_t ProcessCpuNanos() { return ClockNanos(CLOCK_PROCESS_CPUTIME_ID); }

void ThreadCpuMeter::Charge(std::atomic<uint64_t>* counter) {
  const uint64_t now = ThreadCpuNanos();
  // A thread's CPU clock never goes back; the guard only keeps a failed read (0) harmless.
  if (now > last_) {
    counter->fetch_add(now - last_, std::memory_order_relaxed);
    last_ = now;
  }
}

}  // namespace sqs2pg::ops
