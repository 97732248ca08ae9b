#include "ops/metrics.h"

#include <fmt/format.h>

#include <algorithm>

namespace sqs2pg::ops {
namespace {

int64_t Nanos(std::chrono::steady_clock::time_point t) { return t.time_since_epoch().count(); }

// Prometheus label values escape backslash, double quote and newline.
std::string EscapeLabel(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

void Header(std::string_view name, std::string_view type, std::string_view help, std::string* out) {
  *out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

void Sample(std::string_view name, std::string_view labels, double value, std::string* out) {
  if (labels.empty()) {
    *out += fmt::format("{} {}\n", name, value);
  } else {
    *out += fmt::format("{}{{{}}} {}\n", name, labels, value);
  }
}

const std::vector<double> kLatencyBounds = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                            0.25,  0.5,    1,     2.5,  5,     10,   30};
// Send-to-commit lag: finer where a healthy pipeline sits (tens to hundreds of ms), then up to an
// hour for a backlog being worked off.
const std::vector<double> kLagBounds = {0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1,
                                        1.5,  2,     3,    5,     10,  30,   60,  300, 900, 3600};
const std::vector<double> kBatchBounds = {1, 10, 50, 100, 250, 500, 1000, 2000, 5000, 10000};

}  // namespace

Histogram::Histogram(std::vector<double> upper_bounds)
    : bounds_(std::move(upper_bounds)), counts_(bounds_.size() + 1, 0) {}

void Histogram::Observe(double value) {
  const size_t bucket = static_cast<size_t>(
      std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin());
  std::lock_guard<std::mutex> lock(mu_);
  ++counts_[bucket];
  sum_ += value;
  ++count_;
}

void Histogram::Render(std::string_view name, std::string_view labels, std::string* out) const {
  std::lock_guard<std::mutex> lock(mu_);
  const std::string prefix = labels.empty() ? "" : std::string(labels) + ",";
  uint64_t cumulative = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    cumulative += counts_[i];
    const std::string le = i < bounds_.size() ? fmt::format("{}", bounds_[i]) : "+Inf";
    *out += fmt::format("{}_bucket{{{}le=\"{}\"}} {}\n", name, prefix, le, cumulative);
  }
  Sample(std::string(name) + "_sum", labels, sum_, out);
  Sample(std::string(name) + "_count", labels, static_cast<double>(count_), out);
}

Metrics::Metrics(const RunStats& stats, std::chrono::seconds stall_limit, Clock now)
    : stats_(stats),
      stall_limit_(stall_limit),
      now_(std::move(now)),
      last_beat_ns_(Nanos(now_())),
      batch_size_(kBatchBounds),
      commit_seconds_(kLatencyBounds),
      message_lag_seconds_(kLagBounds) {}

void Metrics::ObserveSqsRequest(std::string_view operation, std::string_view outcome,
                                double seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  ++sqs_requests_[{std::string(operation), std::string(outcome)}];
  sqs_latency_.try_emplace(std::string(operation), kLatencyBounds).first->second.Observe(seconds);
}

void Metrics::ObserveBatch(size_t messages, double commit_seconds) {
  batch_size_.Observe(static_cast<double>(messages));
  commit_seconds_.Observe(commit_seconds);
}

void Metrics::ObserveMessageLag(double seconds) {
  message_lag_seconds_.Observe(std::max(0.0, seconds));
}

void Metrics::SetQueueDepth(int64_t visible, int64_t in_flight) {
  queue_visible_ = visible;
  queue_in_flight_ = in_flight;
}

void Metrics::Beat() { last_beat_ns_ = Nanos(now_()); }

bool Metrics::Alive() const {
  return Nanos(now_()) - last_beat_ns_.load() <=
         std::chrono::duration_cast<std::chrono::nanoseconds>(stall_limit_).count();
}

void Metrics::SetReady(std::string_view dependency, bool ok) {
  std::lock_guard<std::mutex> lock(mu_);
  ready_[std::string(dependency)] = ok;
}

bool Metrics::Ready() const {
  if (shutting_down_.load()) return false;
  std::lock_guard<std::mutex> lock(mu_);
  if (ready_.empty()) return false;  // not checked yet
  return std::all_of(ready_.begin(), ready_.end(), [](const auto& d) { return d.second; });
}

std::string Metrics::ReadinessReport() const {
  std::string out;
  if (shutting_down_.load()) out += "shutting down\n";
  std::lock_guard<std::mutex> lock(mu_);
  if (ready_.empty()) out += "dependencies not checked yet\n";
  for (const auto& [name, ok] : ready_) {
    out += fmt::format("{} {}\n", name, ok ? "ok" : "unreachable");
  }
  return out;
}

std::string Metrics::Render() const {
  std::string out;
  const auto counter = [&](std::string_view name, std::string_view help, uint64_t value) {
    Header(name, "counter", help, &out);
    Sample(name, "", static_cast<double>(value), &out);
  };
  counter("sqs2pg_messages_received_total", "Messages received from SQS.", stats_.received);
  counter("sqs2pg_rows_inserted_total", "Rows committed to the target table.", stats_.inserted);
  counter("sqs2pg_duplicates_skipped_total",
          "Redelivered messages already committed, skipped by the ledger.", stats_.duplicates);
  counter("sqs2pg_messages_deleted_total", "Messages deleted from the source queue.",
          stats_.deleted);
  counter("sqs2pg_messages_dead_lettered_total", "Rejected messages sent to the DLQ.",
          stats_.dead_lettered);
  counter("sqs2pg_visibility_extended_total", "Receipts extended by the visibility heartbeat.",
          stats_.visibility_extended);
  counter("sqs2pg_delete_failures_total",
          "Deletes that failed or came back Failed (the redelivered copies are skipped).",
          stats_.delete_failures);
  counter("sqs2pg_messages_released_total",
          "Uncommitted messages made visible again at shutdown (visibility 0).", stats_.released);
  counter("sqs2pg_batches_split_total",
          "Batches split to isolate rows the database refused without naming them.",
          stats_.split_batches);
  counter("sqs2pg_md5_mismatches_total",
          "Messages whose body did not match MD5OfBody (dropped; SQS redelivers them).",
          stats_.md5_mismatches);
  counter("sqs2pg_ledger_prune_failures_total",
          "Ledger maintenance passes that failed (creating or dropping day partitions, e.g. a role "
          "without CREATE/DROP, or the database unreachable); ingest goes on, the next pass "
          "retries.",
          stats_.ledger_prune_failures);

  Header("sqs2pg_messages_rejected_total", "counter", "Messages rejected, by reason code.", &out);
  for (const auto& [reason, n] : stats_.RejectedByReason()) {
    Sample("sqs2pg_messages_rejected_total", fmt::format("reason=\"{}\"", EscapeLabel(reason)),
           static_cast<double>(n), &out);
  }

  Header("sqs2pg_unknown_fields_total", "counter",
         "Fields of events that the mapping does not use (unknown_fields = \"count\"), by "
         "name: identifier-like names only, at most 100, then \"other\". Never values.",
         &out);
  for (const auto& [field, n] : stats_.UnknownFields()) {
    Sample("sqs2pg_unknown_fields_total", fmt::format("field=\"{}\"", EscapeLabel(field)),
           static_cast<double>(n), &out);
  }

  Header("sqs2pg_messages_in_flight", "gauge",
         "Messages held: received and not yet deleted or handed back.", &out);
  Sample("sqs2pg_messages_in_flight", "", static_cast<double>(messages_held_.load()), &out);
  Header("sqs2pg_receivers", "gauge",
         "ReceiveMessage polls at work (--receivers auto scales them with the queue).", &out);
  Sample("sqs2pg_receivers", "", static_cast<double>(receivers_.load()), &out);
  Header("sqs2pg_messages_in_flight_bytes", "gauge",
         "Bytes of the bodies held (bounded by --max-held-bytes).", &out);
  Sample("sqs2pg_messages_in_flight_bytes", "", static_cast<double>(bytes_held_.load()), &out);
  Header(
      "sqs2pg_queue_approximate_messages", "gauge",
      "The source queue's approximate depth, by state (visible, in_flight), polled every 20 s; -1 "
      "until known.",
      &out);
  Sample("sqs2pg_queue_approximate_messages", "state=\"visible\"",
         static_cast<double>(queue_visible_.load()), &out);
  Sample("sqs2pg_queue_approximate_messages", "state=\"in_flight\"",
         static_cast<double>(queue_in_flight_.load()), &out);

  Header("sqs2pg_batch_messages", "histogram", "Messages per committed batch.", &out);
  batch_size_.Render("sqs2pg_batch_messages", "", &out);
  Header("sqs2pg_commit_seconds", "histogram",
         "Time to write and commit a batch (COPY, ledger, commit), retries included.", &out);
  commit_seconds_.Render("sqs2pg_commit_seconds", "", &out);
  Header("sqs2pg_message_lag_seconds", "histogram",
         "Per committed message, seconds from its SentTimestamp to the end of its commit.", &out);
  message_lag_seconds_.Render("sqs2pg_message_lag_seconds", "", &out);

  std::lock_guard<std::mutex> lock(mu_);
  Header("sqs2pg_sqs_requests_total", "counter",
         "SQS requests, by operation and outcome (ok, throttled or error; one per attempt).", &out);
  for (const auto& [key, n] : sqs_requests_) {
    Sample("sqs2pg_sqs_requests_total",
           fmt::format("operation=\"{}\",outcome=\"{}\"", EscapeLabel(key.first),
                       EscapeLabel(key.second)),
           static_cast<double>(n), &out);
  }
  Header("sqs2pg_sqs_request_seconds", "histogram",
         "SQS request latency, by operation (each attempt).", &out);
  for (const auto& [operation, histogram] : sqs_latency_) {
    histogram.Render("sqs2pg_sqs_request_seconds",
                     fmt::format("operation=\"{}\"", EscapeLabel(operation)), &out);
  }
  Header("sqs2pg_up", "gauge", "1 while every dependency is reachable and not shutting down.",
         &out);
  bool ready = !shutting_down_.load() && !ready_.empty();
  for (const auto& d : ready_) ready = ready && d.second;
  Sample("sqs2pg_up", "", ready ? 1 : 0, &out);
  // Per dependency, so that an alert can tell a database outage from an SQS one.
  Header("sqs2pg_dependency_up", "gauge",
         "1 while the dependency answered its last readiness check, by dependency.", &out);
  for (const auto& [name, ok] : ready_) {
    Sample("sqs2pg_dependency_up", fmt::format("dependency=\"{}\"", EscapeLabel(name)), ok ? 1 : 0,
           &out);
  }
  return out;
}

}  // namespace sqs2pg::ops
