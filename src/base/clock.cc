#include "base/clock.h"

#include <thread>

namespace sqs2pg {
namespace {

class RealClock final : public Clock {
 public:
  std::chrono::system_clock::time_point WallNow() override {
    return std::chrono::system_clock::now();
  }
  std::chrono::steady_clock::time_point SteadyNow() override {
    return std::chrono::steady_clock::now();
  }
  void SleepFor(std::chrono::milliseconds duration) override {
    std::this_thread::sleep_for(duration);
  }
};

}  // namespace

Clock& SystemClock() {
  static RealClock clock;
  return clock;
}

}  // namespace sqs2pg
