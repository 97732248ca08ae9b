#include "pipeline/receiver_scaler.h"

#include <algorithm>

namespace sqs2pg::pipeline {

namespace {
// A change of count pays (or is needed) when it moves the rate by at least this share of what the
// polls added (or removed) would move it if each brought as much as the polls before it did.
constexpr double kShareThatPays = 0.25;
}  // namespace

ReceiverScaler::ReceiverScaler(int min, int max, int start)
    : min_(std::max(1, min)),
      max_(std::max(min_, max)),
      floor_(std::min(max_, std::max(min_, kBacklogFloor))),
      target_(std::clamp(start, min_, max_)) {}

int ReceiverScaler::target() const { return target_; }

void ReceiverScaler::Start(Phase phase, int64_t now_ns) {
  phase_ = phase;
  phase_started_ns_ = now_ns;
  receives_ = 0;
  messages_ = 0;
}

void ReceiverScaler::Change(int to, int64_t now_ns) {
  target_ = to;
  last_change_ns_ = now_ns;
  Start(Phase::kSettling, now_ns);
}

void ReceiverScaler::Hold(int64_t now_ns) {
  holding_ = true;
  hold_until_ns_ = now_ns + kHold.count();
}

int ReceiverScaler::OnReceive(size_t messages, bool may_grow, int64_t sent_ns, int64_t now_ns) {
  if (!started_) {
    started_ = true;
    last_change_ns_ = now_ns;
    Start(Phase::kSettling, now_ns);
  }
  if (messages < kFullReceive) {
    // Fewer messages than the polls can take: what was being measured is not a full-supply rate.
    // A doubling cannot be judged, so it is undone; a halving stands.
    if (grown_from_ > 0) {
      Change(grown_from_, now_ns);
    } else if (target_ > min_ &&
               (messages == 0 || now_ns - last_change_ns_ >= kShrinkEvery.count())) {
      Change(target_ - 1, now_ns);  // one poll fewer (at once when nothing came)
    }
    grown_from_ = 0;
    shrunk_from_ = 0;
    Start(Phase::kSettling, now_ns);
    return target_;
  }
  if (phase_ == Phase::kSettling) {
    // Until as many receives as polls, sent since the change, have come back: the ones sent
    // before were the old count's, and new polls' first calls (new connections) come late.
    if (sent_ns >= phase_started_ns_ && ++receives_ >= target_) Start(Phase::kMeasuring, now_ns);
    return target_;
  }
  ++receives_;
  messages_ += messages;
  const int64_t elapsed_ns = now_ns - phase_started_ns_;
  // Two rounds: the polls of one round tend to come back together, so one round is a burst.
  if (receives_ < 2 * target_ || elapsed_ns < kMinMeasure.count()) return target_;
  OnRate(static_cast<double>(messages_) * 1e9 / static_cast<double>(elapsed_ns), may_grow, now_ns);
  return target_;
}

void ReceiverScaler::OnRate(double rate, bool may_grow, int64_t now_ns) {
  if (grown_from_ > 0) {
    const int from = grown_from_;
    grown_from_ = 0;
    const double added = static_cast<double>(target_ - from) / from;
    if (rate < rate_before_ * (1 + kShareThatPays * added)) {
      Change(from, now_ns);  // the added polls did not pay
      Hold(now_ns);
      return;
    }
    holding_ = false;  // paid: climb on
  } else if (shrunk_from_ > 0) {
    const int from = shrunk_from_;
    shrunk_from_ = 0;
    const double removed = static_cast<double>(from - target_) / from;
    if (rate < rate_before_ * (1 - kShareThatPays * removed)) {
      Change(from, now_ns);  // the removed polls were needed: back, and climb again
      holding_ = false;
      return;
    }
    Hold(now_ns);  // as good with fewer: keep them, and look again later
    Start(Phase::kMeasuring, now_ns);
    return;
  }
  if (may_grow && target_ < floor_) {
    Change(floor_, now_ns);  // a backlog gets at least kBacklogFloor polls, unjudged
    return;
  }
  if (!holding_) {
    if (may_grow && target_ < max_) {
      grown_from_ = target_;
      rate_before_ = rate;
      Change(std::min(max_, target_ * 2), now_ns);
      return;
    }
    Hold(now_ns);  // at the top, or held back
  } else if (now_ns >= hold_until_ns_) {
    holding_ = false;
    if (target_ > floor_) {
      shrunk_from_ = target_;
      rate_before_ = rate;
      Change(std::max(floor_, (target_ + 1) / 2), now_ns);
      return;
    }
  }
  Start(Phase::kMeasuring, now_ns);
}

}  // namespace sqs2pg::pipeline
