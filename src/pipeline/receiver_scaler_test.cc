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
// A receive sent just before it came back (after any change of count).
int Receive(ReceiverScaler& scaler, size_t messages, int64_t now_ns) {
  return scaler.OnReceive(messages, true, now_ns, now_ns);
}

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
      const int64_t sent = now_ns;
      now_ns += gap;
      polls = scaler.OnReceive(10, may_grow, sent, now_ns);
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
  EXPECT_EQ(sim.Run(scaler, 4'000 * kMs), 4);  // the backlog's floor
  EXPECT_EQ(sim.highest, 8);                   // one probe, undone
  // It stays at the floor, probing up now and then, never higher.
  sim.Reset();
  sim.Run(scaler, 60'000 * kMs);
  EXPECT_LE(sim.highest, 8);
  EXPECT_GT(sim.ShareAt(4), 0.9);
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
  // a noisy measurement): the looks at half as many bring it down to the backlog's floor.
  ReceiverScaler scaler(1, 64, 32);
  Simulation sim{[](int) { return 20'000.0; }};
  sim.Run(scaler, 60'000 * kMs);
  EXPECT_EQ(scaler.target(), ReceiverScaler::kBacklogFloor);
}

TEST(ReceiverScalerTest, APartlyFilledReceiveUndoesADoublingBeingMeasured) {
  ReceiverScaler scaler(1, 64, 2);
  int64_t now = 0;
  int polls = 2;
  while (polls < 8) polls = Receive(scaler, 10, now += 10 * kMs);
  ASSERT_EQ(polls, 8);  // 2 -> 4 (the floor), then doubled, now being measured
  EXPECT_EQ(Receive(scaler, 9, now += kMs), 4);
}

TEST(ReceiverScalerTest, ReceivesSentBeforeAChangeDoNotJudgeIt) {
  ReceiverScaler scaler(1, 64, 2);
  int64_t now = 0;
  int polls = 2;
  while (polls < 8) polls = Receive(scaler, 10, now += 10 * kMs);
  ASSERT_EQ(polls, 8);  // a doubling from the floor (4), being measured
  const int64_t changed = now;
  // Slow answers to calls sent before the doubling: not the new count's, so they decide nothing.
  for (int i = 0; i < 50; ++i) {
    ASSERT_EQ(scaler.OnReceive(10, true, changed - kMs, now += 100 * kMs), 8) << i;
  }
  // Calls sent since, twice as fast as before the doubling: it pays.
  for (int i = 0; i < 50; ++i) polls = Receive(scaler, 10, now += 5 * kMs);
  EXPECT_GE(polls, 8);
}

TEST(ReceiverScalerTest, AStepThatBringsLessThanAQuarterOfItsShareIsUndone) {
  // Doubling from 4 must bring at least +25%: +20% is undone, +30% is kept.
  for (const auto& [gain, expected] : {std::pair{1.2, 4}, std::pair{1.3, 8}}) {
    ReceiverScaler scaler(1, 8, 4);
    Simulation sim{[gain = gain](int polls) { return polls > 4 ? 10'000.0 * gain : 10'000.0; }};
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
  EXPECT_EQ(Receive(scaler, 5, now += period), 63);
  EXPECT_EQ(Receive(scaler, 5, now += period / 2), 63);
  EXPECT_EQ(Receive(scaler, 5, now += period / 2), 62);
  // Empty: one fewer each, down to the minimum and no further.
  int polls = 62;
  for (int i = 0; i < 100; ++i) polls = Receive(scaler, 0, now += kMs);
  EXPECT_EQ(polls, 3);
  EXPECT_EQ(scaler.target(), 3);
}

TEST(ReceiverScalerTest, AFixedRangeNeverMoves) {
  ReceiverScaler scaler(5, 5, 2);
  Simulation sim{[](int polls) { return 500.0 * polls; }};
  EXPECT_EQ(sim.Run(scaler, 1'000 * kMs), 5);
  EXPECT_EQ(Receive(scaler, 0, sim.now_ns + kMs), 5);
}

}  // namespace
}  // namespace sqs2pg::pipeline
