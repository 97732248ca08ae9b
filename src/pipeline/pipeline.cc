#include "pipeline/pipeline.h"

#include <pthread.h>
#include <signal.h>
#include <spdlog/spdlog.h>

#include <condition_variable>
#include <functional>
#include <limits>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "base/backoff.h"
#include "ops/thread_cpu.h"
#include "pipeline/bounded_queue.h"
#include "pipeline/in_flight.h"
#include "pipeline/receiver_scaler.h"
#include "pipeline/visibility_windows.h"

namespace sqs2pg::pipeline {
namespace {

using std::chrono::milliseconds;
using Steady = std::chrono::steady_clock;

constexpr size_t kSqsBatchLimit = 10;  // entries per SQS batch call
// ChangeMessageVisibilityBatch calls in flight at once (heartbeat and hand-back): extending
// thousands of receipts one call after another would take longer than the timeout they extend.
constexpr size_t kParallelVisibilityCalls = 8;
// Past the shutdown deadline, the hand-back of what was not committed gets this long.
constexpr std::chrono::seconds kReleaseGrace(5);
constexpr char kReasonAttribute[] = "sqs2pg_reject_reason";
constexpr char kSourceIdAttribute[] = "sqs2pg_source_message_id";
// Drain: the confirming look at the queue's counts comes this long after the first; after a look
// that finds messages, the next one waits kDrainRecheck.
constexpr milliseconds kDrainConfirm(50);
constexpr milliseconds kDrainRecheck(500);
// Short polls (WaitTimeSeconds 0) that bring less than a full batch wait this long before the next.
constexpr milliseconds kShortPollPause(100);

// SIGURG interrupts a receiver's blocking poll() (libcurl then calls its progress callback, which
// sees the cancel flag and abandons the exchange) instead of waiting up to a second for the next
// callback. Its default action is to be ignored; a handler without SA_RESTART only adds the EINTR.
void InstallPollInterrupt() {
  static const bool installed = [] {
    struct sigaction action {};
    action.sa_handler = [](int) {};
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0;
    return sigaction(SIGURG, &action, nullptr) == 0;
  }();
  (void)installed;
}

int64_t NowNanos() { return Steady::now().time_since_epoch().count(); }

// Runs fn(0) .. fn(n - 1) on up to `threads` threads, the caller's included.
void ParallelFor(size_t n, size_t threads, const std::function<void(size_t)>& fn) {
  std::atomic<size_t> next{0};
  const auto work = [&] {
    for (size_t i = next++; i < n; i = next++) fn(i);
  };
  std::vector<std::thread> pool;
  for (size_t t = 1; t < std::min(n, threads); ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
}

// Rows of one batch and the messages they came from, index for index.
struct RowBatch {
  std::vector<pg::PendingRow> rows;
  std::vector<const sqs::Message*> messages;
};

// What became of a batch: committed rows, and rejects (transform rejects plus rows the database
// refused) with their records.
struct BatchResult {
  std::vector<const sqs::Message*> committed;
  std::vector<pg::RejectRecord> rejects;
  std::vector<const sqs::Message*> rejected;
  int inserted = 0;
  int duplicates = 0;
};

}  // namespace

class Pipeline::Impl {
 public:
  Impl(PipelineOptions options, sqs::SqsClient& sqs, std::vector<WriterParts> writers,
       ops::RunStats& stats, const std::atomic<bool>& stop)
      : options_(std::move(options)),
        sqs_(sqs),
        writers_(std::move(writers)),
        stats_(stats),
        external_stop_(stop),
        max_held_(options_.max_held_messages > 0
                      ? options_.max_held_messages
                      : std::max<size_t>(options_.max_batch_messages * 2, kSqsBatchLimit)),
        windows_(VisibilityWindowsFor(options_.visibility_timeout_seconds)),
        inbox_capacity_(std::max<size_t>(options_.max_batch_messages * 2, kSqsBatchLimit)),
        inbox_(inbox_capacity_),
        deletes_(1024),
        scaler_(options_.receivers_min, options_.receivers_max, 2) {}

  Status Run();

 private:
  void ReceiverLoop(int index);
  // Starts receiver threads until `count` exist (never after a stop).
  void EnsureReceiverThreads(int count);
  // Starts deleter threads until `count` exist (never once the delete queue is closed).
  void EnsureDeleterThreads(int count);
  // Auto receivers: one receive brought `messages`.
  void AdjustReceivers(size_t messages);
  // Abandons the long polls in progress (cancel flag, and a SIGURG to every receiver thread).
  void AbandonPolls();
  // Backpressure for receivers: whether to poll no more for now (see PipelineOptions).
  bool MustHoldOff() const;
  void WriterLoop(WriterParts& writer);
  void DeleterLoop();
  void HeartbeatLoop();
  // `cpu`: the writer thread's meter; the transform's share is charged to its stage.
  void ProcessBatch(std::vector<sqs::Message>& batch, WriterParts& writer,
                    ops::ThreadCpuMeter& cpu);
  Status CommitIsolating(pg::Sink& sink, RowBatch part, bool with_rejects, BatchResult* result);
  Status WriteWithRetry(pg::Sink& sink, const std::vector<pg::PendingRow>& rows,
                        const std::vector<pg::RejectRecord>& rejects, pg::BatchOutcome* outcome);
  void DisposeRejects(const std::vector<const sqs::Message*>& rejected,
                      const std::vector<pg::RejectRecord>& records);
  // Counts a rejected message once per run, however often it comes back.
  void CountRejectOnce(const sqs::Message& message, const pg::RejectRecord& record);
  // Leaves a reject in the source queue (no heartbeat, no hand-back: its timeout runs out) and
  // lets the drain condition count it.
  void LeaveInQueue(const sqs::Message& message);
  // A SendMessageBatch to the DLQ failed as a whole (`status`) or for some entries: decides
  // whether the run can go on (see the header).
  void OnDlqFailure(const Status& status);
  // Sleeps up to `pause`, in steps, returning early once the run is stopped or has failed.
  void SleepUnlessStopping(milliseconds pause);
  void EnqueueDeletes(const std::vector<const sqs::Message*>& messages);
  // Sets the visibility of `handles`, 10 per call, several calls at once; returns the handles SQS
  // accepted and removes the ones it refused (no longer valid receipts) from in_flight_. No call
  // starts after `give_up_at`.
  std::vector<std::string> ChangeVisibility(
      const std::vector<std::string>& handles, int seconds,
      Steady::time_point give_up_at = Steady::time_point::max());
  void ReleaseUnfinished();
  // The long-poll wait, capped by the shutdown timeout (at least 1 s) so that a stop never waits
  // longer than that for polls in progress.
  int EffectiveWaitSeconds() const;
  bool Idle() const;
  Result<bool> QueueDrained();
  void Fail(Status status);
  bool Stopping() const { return stop_receiving_.load() || external_stop_.load(); }
  bool Failed() {
    std::lock_guard<std::mutex> lock(fail_mu_);
    return !failure_.ok();
  }
  bool PastShutdownDeadline() const { return NowNanos() > shutdown_deadline_ns_.load(); }
  void Beat() {
    if (options_.metrics != nullptr) options_.metrics->Beat();
  }

  const PipelineOptions options_;
  sqs::SqsClient& sqs_;
  std::vector<WriterParts> writers_;
  ops::RunStats& stats_;
  const std::atomic<bool>& external_stop_;
  const size_t max_held_;
  const VisibilityWindows windows_;
  const size_t inbox_capacity_;

  BoundedQueue<sqs::Message> inbox_;
  BoundedQueue<std::vector<sqs::DeleteEntry>> deletes_;
  InFlight in_flight_;  // received, not yet deleted, left as a reject, or released
  std::atomic<bool> stop_receiving_{false};
  std::atomic<bool> cancel_receives_{false};  // abandons hung polls past the shutdown deadline
  std::atomic<int> writers_running_{0};
  std::atomic<int> receivers_running_{0};
  std::atomic<int> target_receivers_{0};
  std::mutex scaling_mu_;
  ReceiverScaler scaler_;  // receivers_auto: decides target_receivers_; guarded by scaling_mu_
  std::mutex deleters_mu_;
  // At least options_.deleters; with receivers_auto, as many as the most receivers so far.
  std::vector<std::thread> deleter_threads_;  // guarded by deleters_mu_
  std::mutex receivers_mu_;
  std::condition_variable receivers_cv_;       // parked receivers wait here for a higher target
  std::vector<std::thread> receiver_threads_;  // guarded by receivers_mu_
  std::atomic<bool> stop_heartbeat_{false};
  std::mutex heartbeat_mu_;
  std::condition_variable heartbeat_cv_;
  std::atomic<int64_t> shutdown_deadline_ns_{std::numeric_limits<int64_t>::max()};

  // Drain bookkeeping: a message is "unfinished" from receipt until its batch is fully handled.
  std::atomic<int64_t> unfinished_{0};
  std::atomic<int64_t> pending_delete_calls_{0};
  std::atomic<int64_t> last_message_receive_ns_{0};
  // Drain: since when every receive has failed (0: the last one succeeded, or receivers held
  // off); shared by the receivers.
  std::atomic<int64_t> receives_failing_since_ns_{0};

  std::mutex left_mu_;
  std::unordered_set<std::string> left_in_queue_;  // rejects this run left in the source queue
  std::unordered_set<std::string> rejects_seen_;   // message ids counted as rejected
  // Since when every SendMessageBatch to the DLQ has failed (0: the last one succeeded).
  std::atomic<int64_t> dlq_failing_since_ns_{0};

  std::mutex fail_mu_;
  Status failure_;
};

Pipeline::Pipeline(PipelineOptions options, sqs::SqsClient& sqs, std::vector<WriterParts> writers,
                   ops::RunStats& stats, const std::atomic<bool>& stop)
    : impl_(std::make_unique<Impl>(std::move(options), sqs, std::move(writers), stats, stop)) {}

namespace {
std::vector<WriterParts> OneWriter(pg::Sink& sink, transform::RowTransformer transformer) {
  std::vector<WriterParts> writers;
  writers.push_back(WriterParts{&sink, std::move(transformer)});
  return writers;
}
}  // namespace

Pipeline::Pipeline(PipelineOptions options, sqs::SqsClient& sqs, pg::Sink& sink,
                   transform::RowTransformer transformer, ops::RunStats& stats,
                   const std::atomic<bool>& stop)
    : Pipeline(std::move(options), sqs, OneWriter(sink, std::move(transformer)), stats, stop) {}

Pipeline::~Pipeline() = default;

Status Pipeline::Run() { return impl_->Run(); }

void Pipeline::Impl::Fail(Status status) {
  std::lock_guard<std::mutex> lock(fail_mu_);
  if (failure_.ok()) failure_ = std::move(status);
  stop_receiving_ = true;
}

Status Pipeline::Impl::Run() {
  if (writers_.empty()) return InvalidArgumentError("the pipeline needs at least one writer");
  InstallPollInterrupt();
  const int first_receivers =
      options_.receivers_auto ? scaler_.target() : std::max(1, options_.receivers);
  spdlog::debug(
      "pipeline: {} receivers{}, {} writers, {} deleters, batches of up to {} messages or {} ms, "
      "visibility {} s, at most {} messages held",
      first_receivers,
      options_.receivers_auto
          ? fmt::format(" (auto, {}-{})", options_.receivers_min, options_.receivers_max)
          : std::string(),
      writers_.size(), options_.deleters, options_.max_batch_messages,
      options_.max_batch_delay.count(), options_.visibility_timeout_seconds, max_held_);
  EnsureDeleterThreads(std::max(options_.deleters, first_receivers));
  std::thread heartbeat([this] { HeartbeatLoop(); });
  std::vector<std::thread> writers;
  writers_running_ = static_cast<int>(writers_.size());
  for (WriterParts& w : writers_) {
    writers.emplace_back([this, &w] {
      WriterLoop(w);
      --writers_running_;
    });
  }
  target_receivers_ = first_receivers;
  stats_.receivers = first_receivers;
  if (options_.metrics != nullptr) options_.metrics->SetReceivers(first_receivers);
  EnsureReceiverThreads(first_receivers);

  // Drain: once nothing is in hand, look at the queue's counts; SQS's counts are approximate, so
  // want two agreeing looks, with no message received between them, before calling it empty.
  int drained_checks = 0;
  int64_t received_at_first_look = 0;
  auto next_look = Steady::now();
  bool drained_out = false;
  while (!Stopping()) {
    std::this_thread::sleep_for(options_.drain ? milliseconds(10) : options_.idle_check_interval);
    if (!options_.drain || Stopping() || !Idle()) {
      drained_checks = 0;
      continue;
    }
    if (Steady::now() < next_look) continue;
    Result<bool> drained = QueueDrained();
    if (!drained.ok()) {
      if (!drained.status().IsRetryable()) Fail(drained.status());
      next_look = Steady::now() + kDrainRecheck;
      continue;
    }
    if (!*drained ||
        (drained_checks > 0 && last_message_receive_ns_.load() != received_at_first_look)) {
      drained_checks = 0;
      next_look = Steady::now() + kDrainRecheck;
      continue;
    }
    if (drained_checks++ == 0) received_at_first_look = last_message_receive_ns_.load();
    next_look = Steady::now() + kDrainConfirm;
    if (drained_checks >= 2) {
      drained_out = true;
      break;
    }
  }
  const bool stop_requested = external_stop_.load();
  if (options_.metrics != nullptr) options_.metrics->SetShuttingDown();
  if (stop_requested) {
    spdlog::info(
        "stop requested: finishing what is in hand (up to {} ms), then handing back the rest",
        options_.shutdown_timeout.count());
    shutdown_deadline_ns_ =
        NowNanos() +
        std::chrono::duration_cast<std::chrono::nanoseconds>(options_.shutdown_timeout).count();
  }
  stop_receiving_ = true;
  receivers_cv_.notify_all();
  // The queue is empty: the polls in progress have nothing to take, so they need not be waited
  // for.
  if (drained_out) AbandonPolls();

  // Polls in progress are let finish (they are no longer than the shutdown timeout, see
  // EffectiveWaitSeconds) and what they bring is handed back. Abandoning them instead would leave
  // server-side polls alive that could swallow the very messages handed back below.
  // Past the deadline, a hung poll is abandoned and a commit still running is cancelled: it rolls
  // back and its messages are handed back like the rest.
  bool deadline_enforced = false;
  const auto wait_for = [&](const std::function<bool()>& done) {
    while (!done()) {
      std::this_thread::sleep_for(milliseconds(2));
      if (stop_requested && !deadline_enforced && PastShutdownDeadline()) {
        spdlog::warn("shutdown timeout reached; abandoning polls and cancelling any commit");
        AbandonPolls();
        for (WriterParts& w : writers_) w.sink->CancelCurrentQuery();
        deadline_enforced = true;
      } else if (cancel_receives_.load() && receivers_running_.load() > 0) {
        AbandonPolls();  // again: a receiver may have been between its check and its poll
      }
    }
  };
  wait_for([this] { return receivers_running_.load() == 0; });
  {
    std::lock_guard<std::mutex> lock(receivers_mu_);
    for (auto& t : receiver_threads_) t.join();
    receiver_threads_.clear();
  }
  inbox_.Close();
  wait_for([this] { return writers_running_.load() == 0; });
  for (auto& t : writers) t.join();
  deletes_.Close();
  {
    std::lock_guard<std::mutex> lock(deleters_mu_);
    for (auto& t : deleter_threads_) t.join();
    deleter_threads_.clear();
  }
  {
    std::lock_guard<std::mutex> lock(heartbeat_mu_);
    stop_heartbeat_ = true;
  }
  heartbeat_cv_.notify_all();
  heartbeat.join();
  ReleaseUnfinished();

  std::lock_guard<std::mutex> lock(fail_mu_);
  return failure_;
}

int Pipeline::Impl::EffectiveWaitSeconds() const {
  const auto cap = std::chrono::duration_cast<std::chrono::seconds>(options_.shutdown_timeout);
  return std::min<int>(options_.wait_time_seconds,
                       static_cast<int>(std::max<int64_t>(1, cap.count())));
}

bool Pipeline::Impl::Idle() const {
  return unfinished_.load() == 0 && pending_delete_calls_.load() == 0;
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

void Pipeline::Impl::AdjustReceivers(size_t messages) {
  if (!options_.receivers_auto) return;
  const bool may_grow = inbox_.size() < inbox_capacity_ / 2 && !MustHoldOff();
  int target;
  int next;
  {
    std::lock_guard<std::mutex> lock(scaling_mu_);  // so target_receivers_ follows in order
    next = scaler_.OnReceive(messages, may_grow, NowNanos());
    target = target_receivers_.exchange(next);
  }
  if (next == target) return;
  spdlog::debug("receivers: {} -> {} (a receive brought {})", target, next, messages);
  stats_.receivers = next;
  if (options_.metrics != nullptr) options_.metrics->SetReceivers(next);
  if (next > target) {
    EnsureReceiverThreads(next);
    EnsureDeleterThreads(std::max(options_.deleters, next));
    receivers_cv_.notify_all();
  }
}

void Pipeline::Impl::EnsureDeleterThreads(int count) {
  std::lock_guard<std::mutex> lock(deleters_mu_);
  while (static_cast<int>(deleter_threads_.size()) < count && !deletes_.ClosedAndEmpty()) {
    deleter_threads_.emplace_back([this] { DeleterLoop(); });
  }
}

Result<bool> Pipeline::Impl::QueueDrained() {
  SQS2PG_ASSIGN_OR_RETURN(sqs::QueueCounts counts, sqs_.GetQueueCounts(options_.queue_url));
  const int64_t remaining = counts.visible + counts.in_flight;
  size_t left;
  {
    std::lock_guard<std::mutex> lock(left_mu_);
    left = left_in_queue_.size();
  }
  spdlog::debug("drain check: {} messages remain in the queue, {} of them rejects left there",
                remaining, left);
  return remaining <= static_cast<int64_t>(left);
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
    AdjustReceivers(received->messages.size() + received->withheld_receipts.size());
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

void Pipeline::Impl::WriterLoop(WriterParts& writer) {
  std::vector<sqs::Message> batch;
  // All but the transform (ProcessBatch) is the commit stage's.
  ops::ThreadCpuMeter cpu(&stats_.cpu_ns[ops::RunStats::kCpuCommit]);
  while (true) {
    Beat();
    batch.clear();
    if (inbox_.PopUpTo(options_.max_batch_messages, milliseconds(100), &batch) == 0) {
      if (inbox_.ClosedAndEmpty()) break;
      continue;
    }
    const auto deadline = Steady::now() + options_.max_batch_delay;
    while (batch.size() < options_.max_batch_messages) {
      auto left = std::chrono::duration_cast<milliseconds>(deadline - Steady::now());
      if (left.count() <= 0) break;
      // A lull means no more messages are on their way: commit now rather than sit on what is in
      // hand (on a FIFO queue, messages in hand block the rest of their group).
      if (inbox_.PopUpTo(options_.max_batch_messages - batch.size(),
                         std::min(left, options_.batch_idle_gap), &batch) == 0) {
        break;
      }
    }
    // Past the shutdown deadline, or after a failure that ends the run, nothing more is started:
    // these stay in in_flight_ and are handed back by ReleaseUnfinished().
    if (!PastShutdownDeadline() && !Failed()) ProcessBatch(batch, writer, cpu);
    unfinished_ -= static_cast<int64_t>(batch.size());
  }
}

void Pipeline::Impl::ProcessBatch(std::vector<sqs::Message>& batch, WriterParts& writer,
                                  ops::ThreadCpuMeter& cpu) {
  RowBatch rows;
  BatchResult result;
  rows.rows.reserve(batch.size());
  rows.messages.reserve(batch.size());

  pg::PendingRow pending;
  transform::Rejection rejection;
  cpu.Charge();
  for (const sqs::Message& message : batch) {
    int64_t sent_ms = message.sent_timestamp_ms;
    if (sent_ms <= 0) {
      // No SentTimestamp from the server: the receive time is the closest we have.
      sent_ms = std::chrono::duration_cast<milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
    }
    transform::MessageView view;
    view.body = message.body;
    view.message_id = message.message_id;
    view.sent_timestamp_ms = sent_ms;
    view.receive_count = message.receive_count;
    view.sender_id = message.sender_id;
    view.attributes = &message.message_attributes;
    const bool transformed = writer.transformer.Transform(view, &pending.fields, &rejection);
    for (std::string_view field : writer.transformer.unknown_fields()) {
      stats_.AddUnknownField(field);
    }
    if (transformed) {
      pending.message_id = message.message_id;
      // The ledger key takes SentTimestamp as the server sent it (never the stand-in above): it
      // must be the same on every delivery.
      pending.sent_timestamp_ms = std::max<int64_t>(0, message.sent_timestamp_ms);
      rows.rows.push_back(pending);
      rows.messages.push_back(&message);
    } else {
      result.rejects.push_back(pg::RejectRecord{
          message.message_id, std::string(transform::RejectReasonName(rejection.reason)),
          rejection.field, message.receive_count});
      result.rejected.push_back(&message);
    }
  }

  cpu.Charge(&stats_.cpu_ns[ops::RunStats::kCpuTransform]);
  const auto commit_started = Steady::now();
  Status written = CommitIsolating(*writer.sink, std::move(rows), /*with_rejects=*/true, &result);
  if (options_.metrics != nullptr && written.ok()) {
    options_.metrics->ObserveBatch(
        batch.size(), std::chrono::duration<double>(Steady::now() - commit_started).count());
    // Send-to-commit lag of each committed message (duplicates included: their ledger key was
    // found in this commit). Messages without a SentTimestamp have none to measure.
    const int64_t committed_ms = std::chrono::duration_cast<milliseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count();
    for (const sqs::Message* message : result.committed) {
      if (message->sent_timestamp_ms <= 0) continue;
      options_.metrics->ObserveMessageLag(
          static_cast<double>(committed_ms - message->sent_timestamp_ms) / 1000.0);
    }
  }
  if (!written.ok()) {
    // Whatever was not committed is not deleted: it is handed back or its visibility lapses.
    if (external_stop_.load()) {
      spdlog::warn("stopping: a batch was not committed and will be redelivered: {}",
                   written.ToString());
    } else {
      Fail(written.WithContext("writing batch"));
    }
    // Sub-batches that did commit (after a split) are deleted; the ledger covers the rest.
    EnqueueDeletes(result.committed);
    return;
  }
  stats_.inserted += result.inserted;
  stats_.duplicates += result.duplicates;
  if (result.duplicates > 0) {
    spdlog::info("{} redelivered message(s) were already committed; skipped", result.duplicates);
  }
  EnqueueDeletes(result.committed);
  DisposeRejects(result.rejected, result.rejects);
}

Status Pipeline::Impl::CommitIsolating(pg::Sink& sink, RowBatch part, bool with_rejects,
                                       BatchResult* result) {
  static const std::vector<pg::RejectRecord> kNoRejects;
  while (true) {
    pg::BatchOutcome outcome;
    Status written =
        WriteWithRetry(sink, part.rows, with_rejects ? result->rejects : kNoRejects, &outcome);
    if (written.ok()) {
      result->inserted += outcome.inserted;
      result->duplicates += outcome.duplicates;
      result->committed.insert(result->committed.end(), part.messages.begin(), part.messages.end());
      return Status::Ok();
    }
    // Only a refused row (kInvalidArgument) is isolated; anything else fails the whole part.
    if (written.code() != StatusCode::kInvalidArgument || part.rows.empty()) return written;
    std::optional<size_t> refused = sink.last_failed_row();
    if (!refused && part.rows.size() == 1) refused = 0;
    if (refused && *refused < part.rows.size()) {
      // Rejected like any bad message, so it never blocks its neighbours. The sink's message holds
      // the SQLSTATE and object names, never row values.
      const size_t i = *refused;
      result->rejects.push_back(pg::RejectRecord{part.rows[i].message_id, "db_refused",
                                                 written.message().substr(0, 200),
                                                 part.messages[i]->receive_count});
      result->rejected.push_back(part.messages[i]);
      part.rows.erase(part.rows.begin() + static_cast<std::ptrdiff_t>(i));
      part.messages.erase(part.messages.begin() + static_cast<std::ptrdiff_t>(i));
      if (part.rows.empty() && !with_rejects) return Status::Ok();
      continue;
    }
    // The server did not say which row (e.g. a deferred constraint trigger failing at COMMIT):
    // split in halves, each committed on its own, until every refused row stands alone.
    ++stats_.split_batches;
    const auto half = static_cast<std::ptrdiff_t>(part.rows.size() / 2);
    RowBatch second;
    second.rows.assign(std::make_move_iterator(part.rows.begin() + half),
                       std::make_move_iterator(part.rows.end()));
    second.messages.assign(part.messages.begin() + half, part.messages.end());
    part.rows.resize(static_cast<size_t>(half));
    part.messages.resize(static_cast<size_t>(half));
    SQS2PG_RETURN_IF_ERROR(CommitIsolating(sink, std::move(part), /*with_rejects=*/false, result));
    SQS2PG_RETURN_IF_ERROR(
        CommitIsolating(sink, std::move(second), /*with_rejects=*/false, result));
    if (!with_rejects) return Status::Ok();
    part = RowBatch{};  // what is left to commit: the reject records
  }
}

Status Pipeline::Impl::WriteWithRetry(pg::Sink& sink, const std::vector<pg::PendingRow>& rows,
                                      const std::vector<pg::RejectRecord>& rejects,
                                      pg::BatchOutcome* outcome) {
  Backoff backoff(milliseconds(250), milliseconds(30000));
  const auto give_up_at = Steady::now() + options_.db_retry_timeout;
  auto last_log = Steady::now() - std::chrono::hours(1);
  while (true) {
    Beat();  // an outage is not a stall: retrying is progress
    Result<pg::BatchOutcome> result = sink.WriteBatch(rows, rejects);
    if (result.ok()) {
      if (backoff.attempt() > 0) spdlog::info("database reachable again; batch committed");
      *outcome = std::move(result).value();
      return Status::Ok();
    }
    if (!result.status().IsRetryable()) return result.status();
    if (Failed()) {
      // Another thread has failed the run: this batch will not be committed either way.
      return CancelledError("the run failed elsewhere while the database was unreachable: " +
                            result.status().message());
    }
    if (options_.drain && Steady::now() >= give_up_at) {
      return DeadlineExceededError("database unreachable for longer than --db-retry-timeout: " +
                                   result.status().message());
    }
    if (external_stop_.load()) {
      return CancelledError("stop requested while the database is unreachable: " +
                            result.status().message());
    }
    // One line per 30 s at most, so an outage does not flood the log.
    if (Steady::now() - last_log > std::chrono::seconds(30)) {
      spdlog::warn("database write failed, retrying with backoff: {}", result.status().ToString());
      last_log = Steady::now();
    }
    auto pause = backoff.Next();
    if (options_.drain) {
      // Give up on time: the last pause ends at the deadline, not up to a backoff step past it.
      pause = std::min(pause, std::max(milliseconds(0), std::chrono::duration_cast<milliseconds>(
                                                            give_up_at - Steady::now())));
    }
    // Watching for a stop: a pause of up to 30 s, then a connect of up to 10 s, would overrun the
    // shutdown deadline. Stopping, the batch is handed back without another attempt.
    SleepUnlessStopping(pause);
    if (external_stop_.load() || Failed()) {
      return CancelledError("stopped while the database was unreachable: " +
                            result.status().message());
    }
    Status reconnected = sink.Reconnect();
    if (!reconnected.ok()) spdlog::debug("reconnect failed: {}", reconnected.ToString());
  }
}

void Pipeline::Impl::CountRejectOnce(const sqs::Message& message, const pg::RejectRecord& record) {
  std::lock_guard<std::mutex> lock(left_mu_);
  if (rejects_seen_.insert(message.message_id).second) stats_.AddRejected(record.reason);
}

void Pipeline::Impl::LeaveInQueue(const sqs::Message& message) {
  in_flight_.Remove(message.receipt_handle);
  std::lock_guard<std::mutex> lock(left_mu_);
  // Once per run even when its visibility lapses and it comes back.
  if (left_in_queue_.insert(message.message_id).second) ++stats_.left_in_queue;
}

void Pipeline::Impl::OnDlqFailure(const Status& status) {
  if (!status.IsRetryable()) {
    // The DLQ is gone or closed to us: every reject would come back and fail again.
    Fail(status.WithContext("sending rejects to the DLQ (they stay in the source queue)"));
    return;
  }
  const int64_t now = NowNanos();
  int64_t since = 0;
  if (dlq_failing_since_ns_.compare_exchange_strong(since, now)) since = now;
  const int64_t limit =
      std::chrono::duration_cast<std::chrono::nanoseconds>(options_.sqs_retry_timeout).count();
  if (options_.drain && now - since >= limit) {
    Fail(DeadlineExceededError(
        "the DLQ refused rejects for longer than --sqs-retry-timeout (they stay in the source "
        "queue): " +
        status.message()));
  }
}

void Pipeline::Impl::SleepUnlessStopping(milliseconds pause) {
  const auto wake_at = Steady::now() + pause;
  while (!external_stop_.load() && !Failed()) {
    const auto left = wake_at - Steady::now();
    if (left <= Steady::duration::zero()) return;
    std::this_thread::sleep_for(std::min<Steady::duration>(milliseconds(50), left));
  }
}

void Pipeline::Impl::DisposeRejects(const std::vector<const sqs::Message*>& rejected,
                                    const std::vector<pg::RejectRecord>& records) {
  for (size_t i = 0; i < rejected.size(); ++i) {
    const auto& r = records[i];
    spdlog::warn("rejected message {}: {}{}{}", r.message_id, r.reason,
                 r.detail.empty() ? "" : ": ", r.detail);
    CountRejectOnce(*rejected[i], r);
  }
  if (options_.dlq_url.empty()) {
    // Left for the queue's redrive policy.
    for (const sqs::Message* message : rejected) LeaveInQueue(*message);
    return;
  }

  for (size_t start = 0; start < rejected.size(); start += kSqsBatchLimit) {
    const size_t end = std::min(rejected.size(), start + kSqsBatchLimit);
    std::vector<sqs::SendEntry> entries;
    for (size_t i = start; i < end; ++i) {
      std::string reason = records[i].reason;
      if (!records[i].detail.empty()) reason += ": " + records[i].detail;
      sqs::SendEntry& entry = entries.emplace_back(sqs::SendEntry{
          std::to_string(i - start),
          rejected[i]->body,
          {{kReasonAttribute, std::move(reason)}, {kSourceIdAttribute, rejected[i]->message_id}}});
      if (sqs::IsFifoQueueUrl(options_.dlq_url)) {
        // Keep the source's group (its order among rejects); a retried send is deduplicated.
        entry.message_group_id = rejected[i]->message_group_id.empty()
                                     ? std::string("sqs2pg-rejects")
                                     : rejected[i]->message_group_id;
        entry.deduplication_id = rejected[i]->message_id;
      }
    }
    Result<std::vector<sqs::BatchFailure>> sent = sqs_.SendMessageBatch(options_.dlq_url, entries);
    // Entry id -> whether its failure is the entry's own (a sender fault: it would fail again).
    std::unordered_map<std::string, bool> failed;
    if (!sent.ok()) {
      spdlog::error("sending {} reject(s) to the DLQ failed; they stay in the source queue: {}",
                    entries.size(), sent.status().ToString());
      for (const auto& e : entries) failed.emplace(e.id, false);
      OnDlqFailure(sent.status());
    } else {
      bool passing_failure = false;
      for (const auto& f : *sent) {
        failed.emplace(f.id, f.sender_fault);
        spdlog::error("DLQ refused a reject ({}); it stays in the source queue", f.code);
        passing_failure = passing_failure || !f.sender_fault;
      }
      if (passing_failure) {
        OnDlqFailure(UnavailableError("SendMessageBatch: the DLQ refused entries"));
      } else {
        dlq_failing_since_ns_ = 0;
      }
    }
    std::vector<const sqs::Message*> to_delete;
    for (size_t i = start; i < end; ++i) {
      auto it = failed.find(std::to_string(i - start));
      if (it == failed.end()) {
        to_delete.push_back(rejected[i]);
      } else if (it->second || Failed()) {
        // The DLQ will never take this one (or the run ends here): as without a DLQ.
        LeaveInQueue(*rejected[i]);
      } else {
        in_flight_.Remove(rejected[i]->receipt_handle);  // comes back after its timeout
      }
    }
    stats_.dead_lettered += to_delete.size();
    EnqueueDeletes(to_delete);
  }
}

void Pipeline::Impl::EnqueueDeletes(const std::vector<const sqs::Message*>& messages) {
  for (size_t start = 0; start < messages.size(); start += kSqsBatchLimit) {
    std::vector<sqs::DeleteEntry> entries;
    for (size_t i = start; i < std::min(messages.size(), start + kSqsBatchLimit); ++i) {
      entries.push_back(sqs::DeleteEntry{std::to_string(i - start), messages[i]->receipt_handle});
    }
    ++pending_delete_calls_;
    if (!deletes_.Push(std::move(entries))) --pending_delete_calls_;
  }
}

void Pipeline::Impl::DeleterLoop() {
  ops::ThreadCpuMeter cpu(&stats_.cpu_ns[ops::RunStats::kCpuDelete]);  // charged at the end
  while (true) {
    std::optional<std::vector<sqs::DeleteEntry>> entries = deletes_.Pop(milliseconds(200));
    if (!entries) {
      if (deletes_.ClosedAndEmpty()) return;
      continue;
    }
    if (PastShutdownDeadline()) {
      // Committed, but out of time: left in in_flight_, handed back, redelivered and skipped.
      --pending_delete_calls_;
      continue;
    }
    Result<std::vector<sqs::BatchFailure>> result =
        sqs_.DeleteMessageBatch(options_.queue_url, *entries);
    if (!result.ok()) {
      // Committed already: the message will be redelivered and the ledger makes it a no-op.
      stats_.delete_failures += entries->size();
      spdlog::warn("DeleteMessageBatch of {} failed; they will be redelivered and skipped: {}",
                   entries->size(), result.status().ToString());
    } else {
      stats_.deleted += entries->size() - result->size();
      stats_.MarkDeleted();
      stats_.delete_failures += result->size();
      for (const auto& f : *result) {
        spdlog::debug("delete entry failed ({}); the redelivered copy will be skipped", f.code);
      }
    }
    // Deleted, or committed and due to come back as a no-op: either way no longer ours to hold.
    for (const auto& e : *entries) in_flight_.Remove(e.receipt_handle);
    --pending_delete_calls_;
  }
}

void Pipeline::Impl::HeartbeatLoop() {
  const milliseconds visibility = windows_.visibility;
  const milliseconds period = windows_.heartbeat_period;
  auto next = Steady::now() + period;
  while (!stop_heartbeat_.load()) {
    {
      // Woken at once by the end of the run rather than at its next step.
      std::unique_lock<std::mutex> lock(heartbeat_mu_);
      heartbeat_cv_.wait_for(lock,
                             std::min<Steady::duration>(milliseconds(50), next - Steady::now()),
                             [this] { return stop_heartbeat_.load(); });
    }
    if (options_.metrics != nullptr) {
      options_.metrics->SetMessagesHeld(static_cast<int64_t>(in_flight_.size()),
                                        static_cast<int64_t>(in_flight_.bytes()));
    }
    if (Steady::now() < next) continue;
    next = Steady::now() + period;
    // Extend what would lapse within half a timeout: enough slack for a slow SQS round trip.
    const auto now = Steady::now();
    std::vector<std::string> due = in_flight_.Due(now + windows_.extend_ahead);
    if (due.empty()) continue;
    std::vector<std::string> extended = ChangeVisibility(due, options_.visibility_timeout_seconds);
    for (const auto& handle : extended) in_flight_.Extend(handle, now + visibility);
    stats_.visibility_extended += extended.size();
    spdlog::debug("heartbeat: extended {} of {} held message(s)", extended.size(), due.size());
  }
}

std::vector<std::string> Pipeline::Impl::ChangeVisibility(const std::vector<std::string>& handles,
                                                          int seconds,
                                                          Steady::time_point give_up_at) {
  std::mutex accepted_mu;
  std::vector<std::string> accepted;
  const size_t calls = (handles.size() + kSqsBatchLimit - 1) / kSqsBatchLimit;
  ParallelFor(calls, kParallelVisibilityCalls, [&](size_t call) {
    if (Steady::now() > give_up_at) return;
    const size_t start = call * kSqsBatchLimit;
    const size_t end = std::min(handles.size(), start + kSqsBatchLimit);
    std::vector<sqs::VisibilityEntry> entries;
    for (size_t i = start; i < end; ++i) {
      entries.push_back(sqs::VisibilityEntry{std::to_string(i - start), handles[i], seconds});
    }
    Result<std::vector<sqs::BatchFailure>> result =
        sqs_.ChangeMessageVisibilityBatch(options_.queue_url, entries);
    if (!result.ok()) {
      spdlog::warn("ChangeMessageVisibilityBatch of {} failed: {}", entries.size(),
                   result.status().ToString());
      return;
    }
    std::unordered_set<std::string> failed;
    for (const auto& f : *result) {
      failed.insert(f.id);
      // E.g. ReceiptHandleIsInvalid: deleted meanwhile, or the receipt expired. Nothing to hold.
      spdlog::debug("visibility change refused ({})", f.code);
    }
    std::lock_guard<std::mutex> lock(accepted_mu);
    for (size_t i = start; i < end; ++i) {
      if (failed.count(std::to_string(i - start)) == 0) {
        accepted.push_back(handles[i]);
      } else {
        in_flight_.Remove(handles[i]);
      }
    }
  });
  return accepted;
}

void Pipeline::Impl::ReleaseUnfinished() {
  std::vector<std::string> unfinished = in_flight_.TakeAll();
  if (unfinished.empty()) return;
  // Bounded, so a slow SQS cannot hold the exit: what is not handed back in time lapses on its own.
  const int64_t deadline_ns = shutdown_deadline_ns_.load();
  const auto give_up_at =
      (deadline_ns == std::numeric_limits<int64_t>::max()
           ? Steady::now()
           : std::max(Steady::now(), Steady::time_point(Steady::duration(deadline_ns)))) +
      kReleaseGrace;
  const size_t released = ChangeVisibility(unfinished, 0, give_up_at).size();
  stats_.released += released;
  spdlog::info("handed back {} uncommitted message(s) (visibility 0) for another consumer",
               released);
}

}  // namespace sqs2pg::pipeline
