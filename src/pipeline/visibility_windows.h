// VisibilityWindows: how far ahead of a receipt's lapse the pipeline acts, from the visibility
// timeout.
//
// Why milliseconds: the timeout is given in whole seconds, and at 1-3 s half or a quarter of it in
// whole seconds is 0 (or a third too short), so the heartbeat would extend receipts only once
// they had lapsed and the receivers would never hold off. Everything here is computed in
// milliseconds from the timeout.
//
// Contract (visibility v, in seconds, 1-43200):
//  - extend_ahead = v / 2: the heartbeat extends a receipt that lapses within this;
//  - hold_off_ahead = v / 4: receivers do not poll while a receipt lapses within this (the
//    heartbeat is behind);
//  - heartbeat_period = v / 4, clamped to [100 ms, 5 s]: how often the heartbeat looks. Always
//    shorter than extend_ahead, so every receipt is looked at, at least once, before it lapses.
// Pure; thread-safe.
#pragma once

#include <algorithm>
#include <chrono>

namespace sqs2pg::pipeline {

struct VisibilityWindows {
  std::chrono::milliseconds visibility;
  std::chrono::milliseconds extend_ahead;
  std::chrono::milliseconds hold_off_ahead;
  std::chrono::milliseconds heartbeat_period;
};

constexpr VisibilityWindows VisibilityWindowsFor(int visibility_timeout_seconds) {
  const std::chrono::milliseconds v(int64_t{visibility_timeout_seconds} * 1000);
  return VisibilityWindows{v, v / 2, v / 4,
                           std::clamp<std::chrono::milliseconds>(
                               v / 4, std::chrono::milliseconds(100), std::chrono::seconds(5))};
}

}  // namespace sqs2pg::pipeline
