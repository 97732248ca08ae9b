// The writers: transform and batch what the receivers bring, commit it through each writer's Sink
// (isolating rows the database refuses), send rejects to the DLQ, and queue the deletes (see
// pipeline.h).
#include <spdlog/spdlog.h>

#include <algorithm>
#include <iterator>
#include <optional>
#include <unordered_map>

#include "base/backoff.h"
#include "pipeline/pipeline_impl.h"

namespace sqs2pg::pipeline {

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

}  // namespace sqs2pg::pipeline
