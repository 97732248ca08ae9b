// Pipeline's internals, shared by the files that implement it (not part of its interface; include
// it only from the files below):
//   pipeline.cc   construction, Run(): start, the drain check, the shutdown sequence
//   receivers.cc  ReceiverLoop, --receivers auto (ReceiverScaler), backpressure, abandoning polls
//   writers.cc    WriterLoop: transform, batch, commit (isolating refused rows), rejects and DLQ
//   settle.cc     what follows a commit or a stop: deletes, the visibility heartbeat, the hand-back
// The contract is pipeline.h's; the thread and ownership rules are in docs/architecture.md.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <limits>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "ops/thread_cpu.h"
#include "pipeline/bounded_queue.h"
#include "pipeline/in_flight.h"
#include "pipeline/pipeline.h"
#include "pipeline/receiver_scaler.h"
#include "pipeline/visibility_windows.h"

namespace sqs2pg::pipeline {

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
void InstallPollInterrupt();

inline int64_t NowNanos() { return Steady::now().time_since_epoch().count(); }

// Runs fn(0) .. fn(n - 1) on up to `threads` threads, the caller's included.
void ParallelFor(size_t n, size_t threads, const std::function<void(size_t)>& fn);

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
  // Starts deleter threads until `count` exist (never once the delete queue is closed and
  // empty: the deleters are being joined).
  void EnsureDeleterThreads(int count);
  // Auto receivers: one receive, sent at `sent`, brought `messages`.
  void AdjustReceivers(size_t messages, Steady::time_point sent);
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

}  // namespace sqs2pg::pipeline
