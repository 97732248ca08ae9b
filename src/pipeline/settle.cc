// What follows a commit or a stop: the deleters (DeleteMessageBatch of committed messages), the
// visibility heartbeat (ChangeMessageVisibilityBatch of what is held too long), and the hand-back
// of what was never committed (see pipeline.h).
#include <spdlog/spdlog.h>

#include <algorithm>
#include <optional>
#include <unordered_map>

#include "pipeline/pipeline_impl.h"

namespace sqs2pg::pipeline {

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

void Pipeline::Impl::EnsureDeleterThreads(int count) {
  std::lock_guard<std::mutex> lock(deleters_mu_);
  while (static_cast<int>(deleter_threads_.size()) < count && !deletes_.ClosedAndEmpty()) {
    deleter_threads_.emplace_back([this] { DeleterLoop(); });
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
