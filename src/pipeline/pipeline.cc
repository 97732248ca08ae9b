#include "pipeline/pipeline.h"

#include <spdlog/spdlog.h>

#include <mutex>
#include <optional>
#include <thread>
#include <unordered_set>
#include <vector>

#include "base/backoff.h"
#include "pipeline/bounded_queue.h"

namespace sqs2pg::pipeline {
namespace {

using std::chrono::milliseconds;
using Steady = std::chrono::steady_clock;

constexpr size_t kSqsBatchLimit = 10;  // entries per SQS batch call
constexpr char kReasonAttribute[] = "sqs2pg_reject_reason";
constexpr char kSourceIdAttribute[] = "sqs2pg_source_message_id";

int64_t NowNanos() { return Steady::now().time_since_epoch().count(); }

}  // namespace

class Pipeline::Impl {
 public:
  Impl(PipelineOptions options, sqs::SqsClient& sqs, pg::Sink& sink,
       transform::EventTransformer transformer, ops::RunStats& stats, const std::atomic<bool>& stop)
      : options_(std::move(options)),
        sqs_(sqs),
        sink_(sink),
        transformer_(std::move(transformer)),
        stats_(stats),
        external_stop_(stop),
        inbox_(std::max<size_t>(options_.max_batch_messages * 2, kSqsBatchLimit)),
        deletes_(1024) {}

  Status Run();

 private:
  void ReceiverLoop();
  void WriterLoop();
  void DeleterLoop();
  void ProcessBatch(std::vector<sqs::Message>& batch);
  Status WriteWithRetry(const std::vector<pg::PendingRow>& rows,
                        const std::vector<pg::RejectRecord>& rejects, pg::BatchOutcome* outcome);
  void DisposeRejects(const std::vector<const sqs::Message*>& rejected,
                      const std::vector<pg::RejectRecord>& records);
  void EnqueueDeletes(const std::vector<const sqs::Message*>& messages);
  bool Idle() const;
  Result<bool> QueueDrained();
  void Fail(Status status);
  bool Stopping() const { return stop_receiving_.load() || external_stop_.load(); }

  const PipelineOptions options_;
  sqs::SqsClient& sqs_;
  pg::Sink& sink_;
  transform::EventTransformer transformer_;
  ops::RunStats& stats_;
  const std::atomic<bool>& external_stop_;

  BoundedQueue<sqs::Message> inbox_;
  BoundedQueue<std::vector<sqs::DeleteEntry>> deletes_;
  std::atomic<bool> stop_receiving_{false};

  // Drain bookkeeping: a message is "unfinished" from receipt until its batch is fully handled.
  std::atomic<int64_t> unfinished_{0};
  std::atomic<int64_t> pending_delete_calls_{0};
  std::atomic<int64_t> last_message_receive_ns_{0};
  std::atomic<int64_t> last_empty_receive_ns_{0};

  std::mutex left_mu_;
  std::unordered_set<std::string> left_in_queue_;  // rejects this run left in the source queue

  std::mutex fail_mu_;
  Status failure_;
};

Pipeline::Pipeline(PipelineOptions options, sqs::SqsClient& sqs, pg::Sink& sink,
                   transform::EventTransformer transformer, ops::RunStats& stats,
                   const std::atomic<bool>& stop)
    : impl_(std::make_unique<Impl>(std::move(options), sqs, sink, std::move(transformer), stats,
                                   stop)) {}

Pipeline::~Pipeline() = default;

Status Pipeline::Run() { return impl_->Run(); }

void Pipeline::Impl::Fail(Status status) {
  std::lock_guard<std::mutex> lock(fail_mu_);
  if (failure_.ok()) failure_ = std::move(status);
  stop_receiving_ = true;
}

Status Pipeline::Impl::Run() {
  std::vector<std::thread> receivers;
  std::vector<std::thread> deleters;
  for (int i = 0; i < options_.deleters; ++i) deleters.emplace_back([this] { DeleterLoop(); });
  std::thread writer([this] { WriterLoop(); });
  for (int i = 0; i < options_.receivers; ++i) receivers.emplace_back([this] { ReceiverLoop(); });

  int drained_checks = 0;
  while (!Stopping()) {
    std::this_thread::sleep_for(options_.idle_check_interval);
    if (!options_.drain || Stopping() || !Idle()) {
      drained_checks = 0;
      continue;
    }
    Result<bool> drained = QueueDrained();
    if (!drained.ok()) {
      if (!drained.status().IsRetryable()) Fail(drained.status());
      continue;
    }
    // SQS's counts are approximate: want two agreeing looks before calling the queue empty.
    drained_checks = *drained ? drained_checks + 1 : 0;
    if (drained_checks >= 2) break;
  }
  if (external_stop_.load()) spdlog::info("stop requested: finishing the batch in hand");

  stop_receiving_ = true;
  for (auto& t : receivers) t.join();
  inbox_.Close();
  writer.join();
  deletes_.Close();
  for (auto& t : deleters) t.join();

  std::lock_guard<std::mutex> lock(fail_mu_);
  return failure_;
}

bool Pipeline::Impl::Idle() const {
  return unfinished_.load() == 0 && pending_delete_calls_.load() == 0 &&
         last_empty_receive_ns_.load() > last_message_receive_ns_.load();
}

Result<bool> Pipeline::Impl::QueueDrained() {
  SQS2PG_ASSIGN_OR_RETURN(
      auto attributes,
      sqs_.GetQueueAttributes(options_.queue_url, {"ApproximateNumberOfMessages",
                                                   "ApproximateNumberOfMessagesNotVisible"}));
  auto count = [&](const char* name) -> int64_t {
    auto it = attributes.find(name);
    return it == attributes.end() ? 0 : std::strtoll(it->second.c_str(), nullptr, 10);
  };
  const int64_t remaining =
      count("ApproximateNumberOfMessages") + count("ApproximateNumberOfMessagesNotVisible");
  size_t left;
  {
    std::lock_guard<std::mutex> lock(left_mu_);
    left = left_in_queue_.size();
  }
  spdlog::debug("drain check: {} messages remain in the queue, {} of them rejects left there",
                remaining, left);
  return remaining <= static_cast<int64_t>(left);
}

void Pipeline::Impl::ReceiverLoop() {
  Backoff backoff(milliseconds(200), milliseconds(20000));
  sqs::ReceiveRequest request;
  request.max_messages = static_cast<int>(kSqsBatchLimit);
  request.wait_time_seconds = options_.wait_time_seconds;
  request.visibility_timeout = options_.visibility_timeout_seconds;
  while (!Stopping()) {
    Result<sqs::ReceiveResult> received = sqs_.ReceiveMessage(options_.queue_url, request);
    if (!received.ok()) {
      if (!received.status().IsRetryable()) {
        Fail(received.status());
        return;
      }
      milliseconds delay = backoff.Next();
      if (backoff.attempt() == 1) {
        spdlog::warn("ReceiveMessage failed, retrying: {}", received.status().ToString());
      }
      std::this_thread::sleep_for(delay);
      continue;
    }
    backoff.Reset();
    stats_.md5_mismatches += received->md5_mismatches;
    if (received->messages.empty()) {
      last_empty_receive_ns_ = NowNanos();
      continue;
    }
    stats_.received += received->messages.size();
    unfinished_ += static_cast<int64_t>(received->messages.size());
    last_message_receive_ns_ = NowNanos();
    for (auto& message : received->messages) {
      // Push only fails once the inbox is closed, which happens after receivers have joined.
      (void)inbox_.Push(std::move(message));
    }
  }
}

void Pipeline::Impl::WriterLoop() {
  std::vector<sqs::Message> batch;
  while (true) {
    std::optional<sqs::Message> first = inbox_.Pop(milliseconds(100));
    if (!first) {
      if (inbox_.ClosedAndEmpty()) return;
      continue;
    }
    batch.clear();
    batch.push_back(std::move(*first));
    const auto deadline = Steady::now() + options_.max_batch_delay;
    while (batch.size() < options_.max_batch_messages) {
      auto left = std::chrono::duration_cast<milliseconds>(deadline - Steady::now());
      if (left.count() <= 0) break;
      std::optional<sqs::Message> next = inbox_.Pop(left);
      if (!next) break;
      batch.push_back(std::move(*next));
    }
    ProcessBatch(batch);
    unfinished_ -= static_cast<int64_t>(batch.size());
  }
}

void Pipeline::Impl::ProcessBatch(std::vector<sqs::Message>& batch) {
  std::vector<pg::PendingRow> rows;
  std::vector<const sqs::Message*> row_messages;
  std::vector<pg::RejectRecord> rejects;
  std::vector<const sqs::Message*> rejected;
  rows.reserve(batch.size());
  row_messages.reserve(batch.size());

  pg::PendingRow pending;
  transform::Rejection rejection;
  for (const sqs::Message& message : batch) {
    int64_t sent_ms = message.sent_timestamp_ms;
    if (sent_ms <= 0) {
      // No SentTimestamp from the server: the receive time is the closest we have.
      sent_ms = std::chrono::duration_cast<milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
    }
    if (transformer_.Transform(message.body, sent_ms, &pending.row, &rejection)) {
      pending.message_id = message.message_id;
      rows.push_back(pending);
      row_messages.push_back(&message);
    } else {
      rejects.push_back(pg::RejectRecord{message.message_id,
                                         std::string(transform::RejectReasonName(rejection.reason)),
                                         rejection.field, message.receive_count});
      rejected.push_back(&message);
    }
  }

  pg::BatchOutcome outcome;
  while (true) {
    Status written = WriteWithRetry(rows, rejects, &outcome);
    if (written.ok()) break;
    // A row the database refuses (a CHECK or trigger a DBA added, a type limit) is rejected like
    // any bad message and the rest of the batch is retried, so it never blocks its neighbours.
    // The sink's message holds the SQLSTATE and object names, never row values.
    std::optional<size_t> refused = sink_.last_failed_row();
    if (written.code() == StatusCode::kInvalidArgument && refused && *refused < rows.size()) {
      const size_t i = *refused;
      rejects.push_back(pg::RejectRecord{rows[i].message_id, "db_refused",
                                         written.message().substr(0, 200),
                                         row_messages[i]->receive_count});
      rejected.push_back(row_messages[i]);
      rows.erase(rows.begin() + static_cast<std::ptrdiff_t>(i));
      row_messages.erase(row_messages.begin() + static_cast<std::ptrdiff_t>(i));
      continue;
    }
    // Nothing was committed, so nothing is deleted: the messages become visible again.
    if (written.code() != StatusCode::kCancelled) Fail(written.WithContext("writing batch"));
    return;
  }
  stats_.inserted += outcome.inserted;
  stats_.duplicates += outcome.duplicates;
  if (outcome.duplicates > 0) {
    spdlog::info("{} redelivered message(s) were already committed; skipped", outcome.duplicates);
  }
  EnqueueDeletes(row_messages);
  DisposeRejects(rejected, rejects);
}

Status Pipeline::Impl::WriteWithRetry(const std::vector<pg::PendingRow>& rows,
                                      const std::vector<pg::RejectRecord>& rejects,
                                      pg::BatchOutcome* outcome) {
  Backoff backoff(milliseconds(250), milliseconds(30000));
  const auto give_up_at = Steady::now() + options_.db_retry_timeout;
  auto last_log = Steady::now() - std::chrono::hours(1);
  while (true) {
    Result<pg::BatchOutcome> result = sink_.WriteBatch(rows, rejects);
    if (result.ok()) {
      if (backoff.attempt() > 0) spdlog::info("database reachable again; batch committed");
      *outcome = std::move(result).value();
      return Status::Ok();
    }
    if (!result.status().IsRetryable()) return result.status();
    if (options_.drain && Steady::now() >= give_up_at) {
      return DeadlineExceededError("database unreachable for longer than --db-retry-timeout: " +
                                   result.status().message());
    }
    if (external_stop_.load()) {
      spdlog::warn(
          "stop requested while the database is unreachable; the batch in hand "
          "was not committed and will be redelivered");
      return CancelledError("stopped while the database was unreachable");
    }
    // One line per 30 s at most, so an outage does not flood the log.
    if (Steady::now() - last_log > std::chrono::seconds(30)) {
      spdlog::warn("database write failed, retrying with backoff: {}", result.status().ToString());
      last_log = Steady::now();
    }
    std::this_thread::sleep_for(backoff.Next());
    Status reconnected = sink_.Reconnect();
    if (!reconnected.ok()) spdlog::debug("reconnect failed: {}", reconnected.ToString());
  }
}

void Pipeline::Impl::DisposeRejects(const std::vector<const sqs::Message*>& rejected,
                                    const std::vector<pg::RejectRecord>& records) {
  for (size_t i = 0; i < rejected.size(); ++i) {
    const auto& r = records[i];
    spdlog::warn("rejected message {}: {}{}{}", r.message_id, r.reason,
                 r.detail.empty() ? "" : ": ", r.detail);
  }
  if (options_.dlq_url.empty()) {
    std::lock_guard<std::mutex> lock(left_mu_);
    for (size_t i = 0; i < rejected.size(); ++i) {
      // Count each message once per run even when its visibility lapses and it comes back.
      if (left_in_queue_.insert(rejected[i]->message_id).second) {
        stats_.AddRejected(records[i].reason);
        ++stats_.left_in_queue;
      }
    }
    return;
  }
  for (size_t i = 0; i < rejected.size(); ++i) stats_.AddRejected(records[i].reason);

  for (size_t start = 0; start < rejected.size(); start += kSqsBatchLimit) {
    const size_t end = std::min(rejected.size(), start + kSqsBatchLimit);
    std::vector<sqs::SendEntry> entries;
    for (size_t i = start; i < end; ++i) {
      std::string reason = records[i].reason;
      if (!records[i].detail.empty()) reason += ": " + records[i].detail;
      entries.push_back(sqs::SendEntry{
          std::to_string(i - start),
          rejected[i]->body,
          {{kReasonAttribute, std::move(reason)}, {kSourceIdAttribute, rejected[i]->message_id}}});
    }
    Result<std::vector<sqs::BatchFailure>> sent = sqs_.SendMessageBatch(options_.dlq_url, entries);
    if (!sent.ok()) {
      spdlog::error("sending {} reject(s) to the DLQ failed; they stay in the source queue: {}",
                    entries.size(), sent.status().ToString());
      continue;
    }
    std::unordered_set<std::string> failed;
    for (const auto& f : *sent) {
      failed.insert(f.id);
      spdlog::error("DLQ refused a reject ({}); it stays in the source queue", f.code);
    }
    std::vector<const sqs::Message*> to_delete;
    for (size_t i = start; i < end; ++i) {
      if (failed.count(std::to_string(i - start)) == 0) to_delete.push_back(rejected[i]);
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
  while (true) {
    std::optional<std::vector<sqs::DeleteEntry>> entries = deletes_.Pop(milliseconds(200));
    if (!entries) {
      if (deletes_.ClosedAndEmpty()) return;
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
      stats_.delete_failures += result->size();
      for (const auto& f : *result) {
        spdlog::debug("delete entry failed ({}); the redelivered copy will be skipped", f.code);
      }
    }
    --pending_delete_calls_;
  }
}

}  // namespace sqs2pg::pipeline
