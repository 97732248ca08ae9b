// The receivers: ReceiveMessage polls, how many (--receivers auto), when to hold off, and how a
// stop abandons them (see pipeline.h).
#include <pthread.h>
#include <signal.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "base/backoff.h"
#include "pipeline/pipeline_impl.h"

namespace sqs2pg::pipeline {

void InstallPollInterrupt() {
  static const bool kInstalled = [] {
    struct sigaction action {};
    action.sa_handler = [](int) {};
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0;
    return sigaction(SIGURG, &action, nullptr) == 0;
  }();
  (void)kInstalled;
}

void Pipeline::Impl::EnsureReceiverThreads(int count) {
  std::lock_guard<std::mutex> lock(receivers_mu_);
  while (static_cast<int>(receiver_threads_.size()) < count && !Stopping()) {
    const int index = static_cast<int>(receiver_threads_.size());
    ++receivers_running_;
    receiver_threads_.emplace_back([this, index] {
      ReceiverLoop(index);
      --receivers_running_;
    });
  }
}

void Pipeline::Impl::AbandonPolls() {
  cancel_receives_ = true;
  std::lock_guard<std::mutex> lock(receivers_mu_);
  for (std::thread& t : receiver_threads_) {
    if (t.joinable()) pthread_kill(t.native_handle(), SIGURG);
  }
}

void Pipeline::Impl::AdjustReceivers(size_t messages, Steady::time_point sent) {
  if (!options_.receivers_auto) return;
  const bool may_grow = inbox_.size() < inbox_capacity_ / 2 && !MustHoldOff();
  int target;
  int next;
  {
    // One change at a time, in order: the target, the log line, the summary and the gauge.
    std::lock_guard<std::mutex> lock(scaling_mu_);
    next = scaler_.OnReceive(messages, may_grow, sent.time_since_epoch().count(), NowNanos());
    target = target_receivers_.exchange(next);
    if (next == target) return;
    spdlog::debug("receivers: {} -> {} (a receive brought {})", target, next, messages);
    stats_.receivers = next;
    if (options_.metrics != nullptr) options_.metrics->SetReceivers(next);
  }
  if (next > target) {
    EnsureReceiverThreads(next);
    EnsureDeleterThreads(std::max(options_.deleters, next));
    receivers_cv_.notify_all();
  }
}

void Pipeline::Impl::ReceiverLoop(int index) {
  Backoff backoff(milliseconds(200), milliseconds(20000));
  sqs::ReceiveRequest request;
  request.max_messages = static_cast<int>(kSqsBatchLimit);
  request.wait_time_seconds = EffectiveWaitSeconds();
  request.visibility_timeout = options_.visibility_timeout_seconds;
  request.cancel = &cancel_receives_;
  request.message_attributes = options_.receive_message_attributes;
  request.sender_id = options_.receive_sender_id;
  const auto visibility = windows_.visibility;
  ops::ThreadCpuMeter cpu(&stats_.cpu_ns[ops::RunStats::kCpuReceive]);  // charged at the end
  while (!Stopping()) {
    Beat();
    if (index >= target_receivers_.load()) {
      // Parked: more polls than the queue fills.
      std::unique_lock<std::mutex> lock(receivers_mu_);
      receivers_cv_.wait_for(lock, milliseconds(200),
                             [&] { return index < target_receivers_.load() || Stopping(); });
      continue;
    }
    if (MustHoldOff()) {
      // Not polling is not failing: the SQS retry deadline counts only time spent trying.
      receives_failing_since_ns_ = 0;
      std::this_thread::sleep_for(milliseconds(20));
      continue;
    }
    const auto asked_at = Steady::now();
    Result<sqs::ReceiveResult> received = sqs_.ReceiveMessage(options_.queue_url, request);
    if (!received.ok()) {
      if (received.status().code() == StatusCode::kCancelled) return;
      if (!received.status().IsRetryable()) {
        Fail(received.status());
        return;
      }
      milliseconds delay = backoff.Next();
      if (options_.drain) {
        // The deadline runs from when the first of the failing calls was sent (one call may take
        // several attempts and timeouts).
        const int64_t asked_ns = asked_at.time_since_epoch().count();
        int64_t failing_since = 0;
        if (receives_failing_since_ns_.compare_exchange_strong(failing_since, asked_ns)) {
          failing_since = asked_ns;
        }
        const int64_t give_up_ns =
            failing_since +
            std::chrono::duration_cast<std::chrono::nanoseconds>(options_.sqs_retry_timeout)
                .count();
        if (NowNanos() >= give_up_ns) {
          Fail(DeadlineExceededError(
              "SQS unreachable (every ReceiveMessage failing) for longer than "
              "--sqs-retry-timeout: " +
              received.status().message()));
          return;
        }
        // Try once more at the deadline rather than sleep past it.
        delay = std::min(delay, std::chrono::duration_cast<milliseconds>(
                                    std::chrono::nanoseconds(give_up_ns - NowNanos())) +
                                    milliseconds(1));
      }
      if (backoff.attempt() == 1) {
        spdlog::warn("ReceiveMessage failed, retrying: {}", received.status().ToString());
      }
      // In steps, so a stop does not wait out a backoff of up to 20 s.
      for (auto slept = milliseconds(0); slept < delay && !Stopping(); slept += milliseconds(50)) {
        std::this_thread::sleep_for(std::min(milliseconds(50), delay - slept));
      }
      continue;
    }
    backoff.Reset();
    receives_failing_since_ns_ = 0;
    stats_.md5_mismatches += received->md5_mismatches;
    AdjustReceivers(received->messages.size() + received->withheld_receipts.size(), asked_at);
    if (!received->withheld_receipts.empty()) {
      // Corrupted in transit (or, on a FIFO queue, behind such a message in its group): visible
      // again at once rather than after the timeout; SQS keeps a FIFO group's order.
      (void)ChangeVisibility(received->withheld_receipts, 0);
    }
    if (request.wait_time_seconds == 0 && received->messages.size() < kSqsBatchLimit) {
      // Short polls (a drain's default) on a queue running dry: pace them rather than spin.
      for (auto slept = milliseconds(0); slept < kShortPollPause && !Stopping();
           slept += milliseconds(10)) {
        std::this_thread::sleep_for(milliseconds(10));
      }
    }
    if (received->messages.empty()) continue;
    stats_.received += received->messages.size();
    stats_.MarkReceived();
    // The visibility clock started when SQS answered, at the latest; count from the request.
    for (const auto& message : received->messages) {
      in_flight_.Add(message.receipt_handle, asked_at + visibility,
                     message.body.size() + message.receipt_handle.size());
    }
    // Received after a stop: not in hand yet, so handed back at once with the rest.
    if (Stopping()) return;
    unfinished_ += static_cast<int64_t>(received->messages.size());
    last_message_receive_ns_ = NowNanos();
    // One lock and one wake-up for the whole receive. Push only fails once the inbox is closed,
    // which happens after receivers have joined.
    (void)inbox_.PushAll(received->messages);
  }
}

bool Pipeline::Impl::MustHoldOff() const {
  // Receiving faster than messages can be committed, deleted or kept (heartbeat) only makes
  // their visibility lapse in our hands: SQS hands them out again and the deletes, made with
  // superseded receipts, delete nothing (a redelivery storm that never drains). So: no more than
  // max_held_ in hand, and none while the heartbeat is behind, i.e. a receipt is within a quarter
  // timeout of lapsing (it extends them at half).
  // Bodies are up to 256 KiB each, so the count alone does not bound memory: bytes too.
  return in_flight_.size() >= max_held_ ||
         (options_.max_held_bytes > 0 && in_flight_.bytes() >= options_.max_held_bytes) ||
         in_flight_.AnyDue(Steady::now() + windows_.hold_off_ahead);
}

}  // namespace sqs2pg::pipeline
