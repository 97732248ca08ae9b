#include "pipeline/receiver_scaler.h"

#include <algorithm>

namespace sqs2pg::pipeline {

namespace {
// A growth step must bring at least this share of the rate the added polls would bring if each
// added as much as the polls before it did.
constexpr double kShareThatPays = 0.25;
}  // namespace

ReceiverScaler::ReceiverScaler(int min, int max, int start)
    : min_(std::max(1, min)), max_(std::max(std::max(1, min), max)) {
  target_ = std::clamp(start, min_, max_);
}

int ReceiverScaler::target() const {
  std::lock_guard<std::mutex> lock(mu_);
  return target_;
}

void ReceiverScaler::StartSettling(int64_t now_ns) {
  phase_ = Phase::kSettling;
  phase_started_ns_ = now_ns;
  receives_ = 0;
  messages_ = 0;
}

void ReceiverScaler::StartMeasuring(int64_t now_ns) {
  phase_ = Phase::kMeasuring;
  phase_started_ns_ = now_ns;
  receives_ = 0;
  messages_ = 0;
}

int ReceiverScaler::OnReceive(size_t messages, bool may_grow, int64_t now_ns) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!started_) {
    started_ = true;
    last_change_ns_ = now_ns;
    StartSettling(now_ns);
  }
  if (messages < kFullReceive) {
    // Fewer messages than the polls can take: one poll fewer (at once when nothing came), and
    // whatever was being measured is not a full-supply rate.
    if (target_ > min_ && (messages == 0 || now_ns - last_change_ns_ >= kShrinkEvery.count())) {
      --target_;
      last_change_ns_ = now_ns;
    }
    grown_from_ = 0;
    StartSettling(now_ns);
    return target_;
  }
  ++receives_;
  messages_ += messages;
  if (phase_ == Phase::kSettling) {
    // The receives in flight when the count changed were sent at the old count.
    if (receives_ >= target_) StartMeasuring(now_ns);
    return target_;
  }
  const int64_t elapsed_ns = now_ns - phase_started_ns_;
  if (receives_ < target_ || elapsed_ns < kMinMeasure.count()) return target_;
  const double rate = static_cast<double>(messages_) * 1e9 / static_cast<double>(elapsed_ns);
  if (grown_from_ > 0) {
    const double added = static_cast<double>(target_ - grown_from_) / grown_from_;
    if (rate < rate_before_ * (1 + kShareThatPays * added)) {
      // The added polls did not pay: back to the count before, and no growth past it for a while.
      target_ = grown_from_;
      ceiling_ = grown_from_;
      ceiling_until_ns_ = now_ns + kHoldCeiling.count();
      grown_from_ = 0;
      last_change_ns_ = now_ns;
      StartSettling(now_ns);
      return target_;
    }
    grown_from_ = 0;
  }
  const int limit = now_ns < ceiling_until_ns_ ? std::min(max_, ceiling_) : max_;
  if (may_grow && target_ < limit) {
    grown_from_ = target_;
    rate_before_ = rate;
    target_ = std::min(limit, target_ * 2);
    last_change_ns_ = now_ns;
    StartSettling(now_ns);
  } else {
    StartMeasuring(now_ns);
  }
  return target_;
}

}  // namespace sqs2pg::pipeline
