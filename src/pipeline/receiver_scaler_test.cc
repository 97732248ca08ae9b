#include "pipeline/receiver_scaler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>

namespace sqs2pg::pipeline {
namespace {

constexpr int64_t kMs = 1'000'000;

// A queue that always has a backlog, served at `rate(polls)` messages per second: full receives
// arrive evenly spaced at that rate. Keeps the highest count seen and the time spent at each.
struct Simulation {
  std::function<double(int)> rate;
  int64_t now_ns = 0;
  int highest = 0;
  std::map<int, int64_t> time_at = {};  // count -> nanoseconds spent at it

  int Run(ReceiverScaler& scaler, int64_t for_ns, bool may_grow = true) {
    const int64_t until = now_ns + for_ns;
    int polls = scaler.target();
    while (now_ns < until) {
      const auto gap = static_cast<int64_t>(10 * 1e9 / rate(polls));
      time_at[polls] += gap;
      now_ns += gap;
      polls = scaler.OnReceive(10, may_grow, now_ns);
      highest = std::max(highest, polls);
    }
    return polls;
  }
  // The share of the time since the last Reset() spent at `polls`.
  double ShareAt(int polls) const {
    int64_t all = 0;
    for (const auto& [count, ns] : time_at) all += ns;
    const auto it = time_at.find(polls);
    return it == time_at.end() || all == 0 ? 0 : static_cast<double>(it->second) / all;
  }
  void Reset() {
    time_at.clear();
    highest = 0;
  }
};

TEST(ReceiverScalerTest, GrowsToTheMaximumWhileEachPollAddsItsShare) {
  // Behind a long round trip: every poll brings 10 messages per 20 ms.
  ReceiverScaler scaler(1, 64, 2);
  Simulation sim{[](int polls) { return 500.0 * polls; }};
  EXPECT_EQ(sim.Run(scaler, 2'000 * kMs), 64);
  EXPECT_EQ(sim.highest, 64);
  // And stays there, but for a look at half as many every kHold, undone.
  sim.Reset();
  sim.Run(scaler, 60'000 * kMs);
  EXPECT_GT(sim.ShareAt(64), 0.95);
  EXPECT_EQ(sim.highest, 64);
}

TEST(ReceiverScalerTest, StaysLowWhereMorePollsDoNotRaiseTheRate) {
  // Next to the queue: the rate is the server's, whatever the count.
  ReceiverScaler scaler(1, 64, 2);
  Simulation sim{[](int) { return 20'000.0; }};
  EXPECT_EQ(sim.Run(scaler, 4'000 * kMs), 2);
  EXPECT_EQ(sim.highest, 4);  // one probe, undone
  // After the hold, half as many do as well: it settles at the fewest, probing up now and then.
  sim.Reset();
  sim.Run(scaler, 60'000 * kMs);
  EXPECT_LE(sim.highest, 2);
  EXPECT_GT(sim.ShareAt(1), 0.9);
}

TEST(ReceiverScalerTest, SettlesWhereTheRateStopsRising) {
  ReceiverScaler scaler(1, 64, 2);
  Simulation sim{[](int polls) { return 1'000.0 * std::min(polls, 16); }};
  EXPECT_EQ(sim.Run(scaler, 3'000 * kMs), 16);
  EXPECT_EQ(sim.highest, 32);
  sim.Reset();
  sim.Run(scaler, 60'000 * kMs);
  EXPECT_GT(sim.ShareAt(16), 0.9);
  EXPECT_LE(sim.highest, 32);
}

TEST(ReceiverScalerTest, AMeasurementThatRaisedTheCountByMistakeIsWalkedBack) {
  // Starting high on a queue whose rate does not depend on the count (as after a doubling kept on
  // a noisy measurement): the looks at half as many bring it down to the minimum.
  ReceiverScaler scaler(1, 64, 32);
  Simulation sim{[](int) { return 20'000.0; }};
  sim.Run(scaler, 60'000 * kMs);
  EXPECT_EQ(scaler.target(), 1);
}

TEST(ReceiverScalerTest, APartlyFilledReceiveUndoesADoublingBeingMeasured) {
  ReceiverScaler scaler(1, 64, 2);
  int64_t now = 0;
  int polls = 2;
  while (polls == 2) polls = scaler.OnReceive(10, true, now += 10 * kMs);
  ASSERT_EQ(polls, 4);  // doubled, now being measured
  EXPECT_EQ(scaler.OnReceive(9, true, now += kMs), 2);
}

TEST(ReceiverScalerTest, AStepThatBringsLessThanAQuarterOfItsShareIsUndone) {
  // Doubling from 2 must bring at least +25%: +20% is undone, +30% is kept.
  for (const auto& [gain, expected] : {std::pair{1.2, 2}, std::pair{1.3, 4}}) {
    ReceiverScaler scaler(1, 4, 2);
    Simulation sim{[gain = gain](int polls) { return polls > 2 ? 10'000.0 * gain : 10'000.0; }};
    EXPECT_EQ(sim.Run(scaler, 1'000 * kMs), expected) << "gain " << gain;
  }
}

TEST(ReceiverScalerTest, DoesNotGrowWhileReceivingIsHeldBack) {
  ReceiverScaler scaler(1, 64, 2);
  Simulation sim{[](int polls) { return 500.0 * polls; }};
  EXPECT_EQ(sim.Run(scaler, 2'000 * kMs, /*may_grow=*/false), 2);
  EXPECT_EQ(sim.highest, 2);
}

TEST(ReceiverScalerTest, EmptyReceivesShrinkAtOncePartlyFilledOnesOnePerPeriod) {
  ReceiverScaler scaler(3, 64, 2);
  EXPECT_EQ(scaler.target(), 3);  // the start is clamped to the minimum
  Simulation sim{[](int polls) { return 500.0 * polls; }};
  ASSERT_EQ(sim.Run(scaler, 2'000 * kMs), 64);
  int64_t now = sim.now_ns;
  // Partly filled: one fewer per kShrinkEvery, however many come in between.
  const int64_t period = ReceiverScaler::kShrinkEvery.count();
  EXPECT_EQ(scaler.OnReceive(5, true, now += period), 63);
  EXPECT_EQ(scaler.OnReceive(5, true, now += period / 2), 63);
  EXPECT_EQ(scaler.OnReceive(5, true, now += period / 2), 62);
  // Empty: one fewer each, down to the minimum and no further.
  int polls = 62;
  for (int i = 0; i < 100; ++i) polls = scaler.OnReceive(0, true, now += kMs);
  EXPECT_EQ(polls, 3);
  EXPECT_EQ(scaler.target(), 3);
}

TEST(ReceiverScalerTest, AFixedRangeNeverMoves) {
  ReceiverScaler scaler(5, 5, 2);
  Simulation sim{[](int polls) { return 500.0 * polls; }};
  EXPECT_EQ(sim.Run(scaler, 1'000 * kMs), 5);
  EXPECT_EQ(scaler.OnReceive(0, true, sim.now_ns + kMs), 5);
}

}  // namespace
}  // namespace sqs2pg::pipeline
