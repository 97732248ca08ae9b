#include "base/backoff.h"

#include <gtest/gtest.h>

namespace sqs2pg {
namespace {

using std::chrono::milliseconds;

TEST(BackoffTest, GrowsThenCapsAndResets) {
  Backoff backoff(milliseconds(100), milliseconds(1000), /*seed=*/42);
  int64_t max_seen_late = 0;
  for (int i = 0; i < 200; ++i) {
    milliseconds d = backoff.Next();
    EXPECT_GE(d.count(), 0);
    EXPECT_LE(d.count(), 1000);
    if (i >= 10) max_seen_late = std::max<int64_t>(max_seen_late, d.count());
  }
  // Full jitter over [0, 1000] for 190 draws: the top tenth is essentially certain to be hit.
  EXPECT_GT(max_seen_late, 900);
  backoff.Reset();
  EXPECT_EQ(backoff.attempt(), 0);
  EXPECT_LE(backoff.Next().count(), 100);  // first attempt is bounded by the base
}

TEST(BackoffTest, NoOverflowAfterManyAttempts) {
  Backoff backoff(milliseconds(100), milliseconds(30000), 7);
  for (int i = 0; i < 1000; ++i) EXPECT_LE(backoff.Next().count(), 30000);
}

}  // namespace
}  // namespace sqs2pg
