// Pipeline: construction and Run(): starting the threads, the drain check, the shutdown sequence.
// The threads' loops are in receivers.cc, writers.cc and settle.cc (pipeline_impl.h).
#include <spdlog/spdlog.h>

#include <algorithm>

#include "pipeline/pipeline_impl.h"

namespace sqs2pg::pipeline {

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
    // Looks every 2 ms (the drain's exit waits on it); signals again at most every 20 ms.
    for (int round = 1; !done(); ++round) {
      std::this_thread::sleep_for(milliseconds(2));
      if (stop_requested && !deadline_enforced && PastShutdownDeadline()) {
        spdlog::warn("shutdown timeout reached; abandoning polls and cancelling any commit");
        AbandonPolls();
        for (WriterParts& w : writers_) w.sink->CancelCurrentQuery();
        deadline_enforced = true;
      } else if (round % 10 == 0 && cancel_receives_.load() && receivers_running_.load() > 0) {
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

}  // namespace sqs2pg::pipeline
