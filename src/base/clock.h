// Clock: the source of wall time and sleeps, an interface so tests can inject time.
//
// Contract:
//  - WallNow() is UTC wall-clock time (SigV4 dates, ledger timestamps, credential expiry).
//  - SteadyNow() is monotonic (timeouts, backoff, heartbeats).
//  - SleepFor() blocks the calling thread; a fake may return at once and advance its own time.
//  - Thread-safety: implementations must be safe to call from any thread.
//  - SystemClock() returns a process-wide instance; never delete it.
#pragma once

#include <chrono>

namespace sqs2pg {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::chrono::system_clock::time_point WallNow() = 0;
  virtual std::chrono::steady_clock::time_point SteadyNow() = 0;
  virtual void SleepFor(std::chrono::milliseconds duration) = 0;
};

Clock& SystemClock();

}  // namespace sqs2pg
