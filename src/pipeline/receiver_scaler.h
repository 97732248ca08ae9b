// ReceiverScaler: how many ReceiveMessage polls to keep in flight (`--receivers auto`), decided
// from what the polls bring and how fast.
//
// Why: a fixed count is wrong somewhere. Behind a round trip of tens of milliseconds each poll
// adds its share of the rate, so more polls load faster; next to the queue (a local emulator, an
// SQS endpoint in the same zone) the rate saturates at a few polls, and more only cost threads,
// wake-ups and CPU (64 polls cost 2.5 µs per message more than 8 on the bench's drain, for no
// more rate). Growing while receives come back full, as AWS Lambda's pollers do, would keep
// growing on a queue that always answers full.
//
// Policy (a hill climb on the receive rate, in both directions):
//  - Measuring: while receives come back full (10 messages), the rate at the current count is
//    measured: first a settling round (until as many receives as polls, sent after the last
//    change, have come back: the ones in flight at a change were sent at the old count, and new
//    polls' first calls open connections), then over at least twice as many receives (the polls
//    of one round tend to come back together) and at least kMinMeasure.
//  - A backlog's floor: after the first measurement under a backlog (full receives, nothing
//    holding receiving back) the count rises to kBacklogFloor (4, within min and max) without
//    being judged, and halving never goes below it. Next to the queue 2 polls already take nearly
//    all it gives, but not all: each leaves the server idle between an answer and its next call,
//    and 4-6 polls drained the bench's queue 2-3% faster for 0.3 µs per message more; a gain
//    that small is below what a doubling must show. An idle queue still falls to `min` (empty
//    receives shrink the count, below the floor too).
//  - Climbing: after a measurement, if the caller says nothing holds receiving back, the count
//    doubles (at most `max`) and the doubled count is measured. A doubling pays when the rate grew
//    by at least a quarter of what the added polls would bring if each brought its share
//    (doubling: +25%); then the climb goes on. One that did not pay is undone.
//  - Holding: once the climb stops (a doubling undone, `max` reached, or receiving held back),
//    the count is held for kHold. Then fewer polls are tried: the count halves (rounded up, at
//    least the backlog's floor) and is measured. If the halved count lost less than a quarter of
//    the removed polls' share (halving: less than -12.5%), it is kept and held again, so a count
//    that a wrong measurement raised comes back down; otherwise the polls were needed: the count
//    goes back, and the climb resumes (a doubling is tried at once).
//  - Shrinking: an empty receive takes one poll away at once; a partly filled one, one per
//    kShrinkEvery. Either ends the measurement in progress, and a doubling being measured is
//    undone (unjudged, it is not kept); a halving being measured is kept.
//  - Always between `min` and `max`; starts at `start` (clamped).
//
// Thread-safety: not thread-safe; the caller serialises the calls (the pipeline calls OnReceive
// under the lock that also orders its target, log line and gauge, so a second lock here would only
// be taken twice per receive). Times come from the caller (nanoseconds on a steady clock), so the
// policy is tested without a clock.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace sqs2pg::pipeline {

class ReceiverScaler {
 public:
  static constexpr std::chrono::nanoseconds kMinMeasure = std::chrono::milliseconds(20);
  static constexpr std::chrono::nanoseconds kShrinkEvery = std::chrono::milliseconds(250);
  static constexpr std::chrono::nanoseconds kHold = std::chrono::seconds(5);
  static constexpr size_t kFullReceive = 10;
  static constexpr int kBacklogFloor = 4;

  ReceiverScaler(int min, int max, int start);

  // One receive, sent at `sent_ns`, returned `messages` at `now_ns`. `may_grow`: nothing holds
  // receiving back (the writers keep up, no backpressure). Returns the count of polls wanted from
  // now on.
  int OnReceive(size_t messages, bool may_grow, int64_t sent_ns, int64_t now_ns);

  int target() const;

 private:
  enum class Phase { kSettling, kMeasuring };
  void Start(Phase phase, int64_t now_ns);
  void Change(int to, int64_t now_ns);  // a new count, settled and then measured
  void Hold(int64_t now_ns);
  // A measurement of `rate` (messages per second) at target_ has completed.
  void OnRate(double rate, bool may_grow, int64_t now_ns);

  const int min_;
  const int max_;
  const int floor_;  // the backlog's floor: kBacklogFloor within min_ and max_
  int target_;
  Phase phase_ = Phase::kSettling;
  int64_t phase_started_ns_ = 0;
  bool started_ = false;
  int receives_ = 0;        // in the current phase
  size_t messages_ = 0;     // in the current phase
  int grown_from_ = 0;      // a doubling being measured: the count before it
  int shrunk_from_ = 0;     // a halving being measured: the count before it
  double rate_before_ = 0;  // messages per second at grown_from_ or shrunk_from_
  bool holding_ = false;    // no climbing until hold_until_ns_
  int64_t hold_until_ns_ = 0;
  int64_t last_change_ns_ = 0;
};

}  // namespace sqs2pg::pipeline
