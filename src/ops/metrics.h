// Metrics: what a running sqs2pg exposes to Prometheus, and its liveness and readiness.
//
// Contract:
//  - Counters of messages (received, inserted, duplicates, rejected by reason, deleted) are not
//    kept twice: Render() reads them from the RunStats given at construction, which the pipeline
//    already updates. What RunStats does not have lives here: SQS requests by operation and
//    outcome, histograms (batch size, commit latency, SQS request latency, message lag from send to
//    commit), and gauges (messages held, the queue's approximate depth).
//  - Label values are operation names, outcome words ("ok", "error" and "throttled") and reject
//    reason codes: never message content.
//  - Liveness: Beat() is called by the pipeline's loops; Alive() is false once no beat came for
//    `stall_limit` (the process is wedged). Readiness: SetReady(name, ok) per dependency ("sqs",
//    "postgresql") and SetShuttingDown(); Ready() needs every dependency reported ok and no
//    shutdown.
//  - Render() returns the Prometheus text exposition format (version 0.0.4). Readiness is
//    exported as sqs2pg_up (the whole of Ready()) and sqs2pg_dependency_up{dependency} (each
//    dependency's last check; no sample before the first).
//  - Thread-safety: every method may be called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ops/run_stats.h"

namespace sqs2pg::ops {

// A cumulative histogram with fixed upper bounds (the +Inf bucket is implicit).
class Histogram {
 public:
  explicit Histogram(std::vector<double> upper_bounds);
  void Observe(double value);
  // Appends the _bucket, _sum and _count lines; `labels` is e.g. `operation="ReceiveMessage"` or
  // empty.
  void Render(std::string_view name, std::string_view labels, std::string* out) const;

 private:
  const std::vector<double> bounds_;
  mutable std::mutex mu_;
  std::vector<uint64_t> counts_;  // per bucket, not cumulative; the last is +Inf
  double sum_ = 0;
  uint64_t count_ = 0;
};

class Metrics {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;

  explicit Metrics(const RunStats& stats,
                   std::chrono::seconds stall_limit = std::chrono::seconds(120),
                   Clock now = std::chrono::steady_clock::now);

  // outcome: "ok", "error" or "throttled".
  void ObserveSqsRequest(std::string_view operation, std::string_view outcome, double seconds);
  void ObserveBatch(size_t messages, double commit_seconds);
  // One committed message's lag: from its SentTimestamp (SQS's clock) to the end of the commit
  // that made its row durable (this host's clock); a negative value (clock skew) counts as 0.
  void ObserveMessageLag(double seconds);
  // Messages received and not yet deleted or handed back, and the bytes of their bodies.
  void SetMessagesHeld(int64_t messages, int64_t bytes) {
    messages_held_ = messages;
    bytes_held_ = bytes;
  }
  // Receive polls at work now (auto receivers scale them).
  void SetReceivers(int n) { receivers_ = n; }
  // The queue's ApproximateNumberOfMessages and ...NotVisible; -1 until known.
  void SetQueueDepth(int64_t visible, int64_t in_flight);

  void Beat();
  bool Alive() const;
  void SetReady(std::string_view dependency, bool ok);
  void SetShuttingDown() { shutting_down_ = true; }
  bool Ready() const;
  // One line per dependency ("postgresql ok", "sqs unreachable", "shutting down").
  std::string ReadinessReport() const;

  std::string Render() const;

 private:
  const RunStats& stats_;
  const std::chrono::seconds stall_limit_;
  const Clock now_;
  std::atomic<int64_t> last_beat_ns_;
  std::atomic<int64_t> messages_held_{0};
  std::atomic<int64_t> bytes_held_{0};
  std::atomic<int64_t> receivers_{0};
  std::atomic<int64_t> queue_visible_{-1};
  std::atomic<int64_t> queue_in_flight_{-1};
  std::atomic<bool> shutting_down_{false};

  mutable std::mutex mu_;
  std::map<std::pair<std::string, std::string>, uint64_t> sqs_requests_;  // (operation, outcome)
  std::map<std::string, Histogram> sqs_latency_;                          // by operation
  std::map<std::string, bool> ready_;                                     // by dependency
  Histogram batch_size_;
  Histogram commit_seconds_;
  Histogram message_lag_seconds_;
};

}  // namespace sqs2pg::ops
