#include "pipeline/visibility_windows.h"

#include <gtest/gtest.h>

namespace sqs2pg::pipeline {
namespace {

using std::chrono::milliseconds;

// The defect this guards against: windows computed in whole seconds were 0 at a 1 s timeout
// (extensions only after the lapse) and the hold-off window 0 at 2-3 s.
TEST(VisibilityWindowsTest, ShortTimeoutsKeepTheirFractions) {
  constexpr VisibilityWindows one = VisibilityWindowsFor(1);
  EXPECT_EQ(one.extend_ahead, milliseconds(500));
  EXPECT_EQ(one.hold_off_ahead, milliseconds(250));
  EXPECT_EQ(one.heartbeat_period, milliseconds(250));
  constexpr VisibilityWindows three = VisibilityWindowsFor(3);
  EXPECT_EQ(three.extend_ahead, milliseconds(1500));
  EXPECT_EQ(three.hold_off_ahead, milliseconds(750));
}

TEST(VisibilityWindowsTest, EveryTimeoutIsLookedAtBeforeItLapses) {
  for (int v = 1; v <= 43200; ++v) {
    const VisibilityWindows w = VisibilityWindowsFor(v);
    ASSERT_GT(w.hold_off_ahead.count(), 0) << v;
    ASSERT_LT(w.hold_off_ahead, w.extend_ahead) << v;
    ASSERT_LT(w.heartbeat_period, w.extend_ahead) << v;
    ASSERT_LE(w.heartbeat_period, std::chrono::seconds(5)) << v;
  }
}

}  // namespace
}  // namespace sqs2pg::pipeline
