#include "ops/metrics.h"

#include <gtest/gtest.h>

namespace sqs2pg::ops {
namespace {

using std::chrono::seconds;
using std::chrono::steady_clock;

bool Has(const std::string& text, const std::string& line) {
  return text.find(line + "\n") != std::string::npos;
}

TEST(HistogramTest, BucketsAreCumulativeWithSumAndCount) {
  Histogram h({1, 10});
  h.Observe(0.5);
  h.Observe(1);  // le is inclusive
  h.Observe(7);
  h.Observe(70);
  std::string out;
  h.Render("x", "op=\"a\"", &out);
  EXPECT_TRUE(Has(out, "x_bucket{op=\"a\",le=\"1\"} 2")) << out;
  EXPECT_TRUE(Has(out, "x_bucket{op=\"a\",le=\"10\"} 3")) << out;
  EXPECT_TRUE(Has(out, "x_bucket{op=\"a\",le=\"+Inf\"} 4")) << out;
  EXPECT_TRUE(Has(out, "x_sum{op=\"a\"} 78.5")) << out;
  EXPECT_TRUE(Has(out, "x_count{op=\"a\"} 4")) << out;
}

TEST(MetricsTest, RendersRunStatsAndItsOwnSeries) {
  RunStats stats;
  stats.received = 12;
  stats.inserted = 9;
  stats.duplicates = 1;
  stats.deleted = 10;
  stats.AddRejected("invalid_json");
  stats.AddRejected("invalid_json");
  Metrics metrics(stats);
  metrics.ObserveSqsRequest("ReceiveMessage", "ok", 0.002);
  metrics.ObserveSqsRequest("ReceiveMessage", "ok", 0.003);
  metrics.ObserveSqsRequest("DeleteMessageBatch", "throttled", 0.2);
  metrics.ObserveBatch(12, 0.04);
  metrics.ObserveMessageLag(0.09);
  metrics.ObserveMessageLag(0.11);
  metrics.ObserveMessageLag(-0.5);  // SQS's clock ahead of this host's: counted as 0
  metrics.SetMessagesHeld(3, 4096);
  metrics.SetQueueDepth(100, 7);

  const std::string out = metrics.Render();
  EXPECT_TRUE(Has(out, "# TYPE sqs2pg_messages_received_total counter")) << out;
  EXPECT_TRUE(Has(out, "sqs2pg_messages_received_total 12")) << out;
  EXPECT_TRUE(Has(out, "sqs2pg_rows_inserted_total 9")) << out;
  EXPECT_TRUE(Has(out, "sqs2pg_duplicates_skipped_total 1")) << out;
  EXPECT_TRUE(Has(out, "sqs2pg_messages_deleted_total 10")) << out;
  EXPECT_TRUE(Has(out, "sqs2pg_delete_failures_total 0")) << out;
  EXPECT_TRUE(Has(out, "# TYPE sqs2pg_md5_mismatches_total counter")) << out;
  EXPECT_TRUE(Has(out, "sqs2pg_ledger_prune_failures_total 0")) << out;
  EXPECT_TRUE(Has(out, "sqs2pg_messages_rejected_total{reason=\"invalid_json\"} 2")) << out;
  EXPECT_TRUE(Has(out, "sqs2pg_sqs_requests_total{operation=\"ReceiveMessage\",outcome=\"ok\"} 2"))
      << out;
  EXPECT_TRUE(Has(
      out, "sqs2pg_sqs_requests_total{operation=\"DeleteMessageBatch\",outcome=\"throttled\"} 1"))
      << out;
  EXPECT_TRUE(Has(out, "sqs2pg_sqs_request_seconds_count{operation=\"ReceiveMessage\"} 2")) << out;
  EXPECT_TRUE(Has(out, "sqs2pg_batch_messages_count 1")) << out;
  EXPECT_TRUE(Has(out, "sqs2pg_commit_seconds_bucket{le=\"0.05\"} 1")) << out;
  EXPECT_TRUE(Has(out, "# TYPE sqs2pg_message_lag_seconds histogram")) << out;
  EXPECT_TRUE(Has(out, "sqs2pg_message_lag_seconds_bucket{le=\"0.01\"} 1")) << out;
  EXPECT_TRUE(Has(out, "sqs2pg_message_lag_seconds_bucket{le=\"0.075\"} 1")) << out;
  EXPECT_TRUE(Has(out, "sqs2pg_message_lag_seconds_bucket{le=\"0.1\"} 2")) << out;
  EXPECT_TRUE(Has(out, "sqs2pg_message_lag_seconds_bucket{le=\"0.15\"} 3")) << out;
  EXPECT_TRUE(Has(out, "sqs2pg_message_lag_seconds_bucket{le=\"3600\"} 3")) << out;
  EXPECT_TRUE(Has(out, "sqs2pg_message_lag_seconds_sum 0.2")) << out;
  EXPECT_TRUE(Has(out, "sqs2pg_messages_in_flight 3")) << out;
  EXPECT_TRUE(Has(out, "sqs2pg_messages_in_flight_bytes 4096")) << out;
  EXPECT_TRUE(Has(out, "sqs2pg_queue_approximate_messages{state=\"visible\"} 100")) << out;
  EXPECT_TRUE(Has(out, "sqs2pg_queue_approximate_messages{state=\"in_flight\"} 7")) << out;
}

TEST(MetricsTest, LabelValuesAreEscaped) {
  RunStats stats;
  stats.AddRejected("a\"b\\c\nd");
  const std::string out = Metrics(stats).Render();
  EXPECT_TRUE(Has(out, R"(sqs2pg_messages_rejected_total{reason="a\"b\\c\nd"} 1)")) << out;
}

TEST(MetricsTest, AliveUntilTheBeatsStop) {
  RunStats stats;
  steady_clock::time_point now{};
  Metrics metrics(stats, seconds(120), [&] { return now; });
  EXPECT_TRUE(metrics.Alive());
  now += seconds(100);
  EXPECT_TRUE(metrics.Alive());
  now += seconds(30);
  EXPECT_FALSE(metrics.Alive());
  metrics.Beat();
  EXPECT_TRUE(metrics.Alive());
}

TEST(MetricsTest, ReadyNeedsEveryDependencyAndNoShutdown) {
  RunStats stats;
  Metrics metrics(stats);
  EXPECT_FALSE(metrics.Ready());  // nothing checked yet
  metrics.SetReady("postgresql", true);
  metrics.SetReady("sqs", true);
  EXPECT_TRUE(metrics.Ready());
  EXPECT_TRUE(Has(metrics.Render(), "sqs2pg_up 1"));
  metrics.SetReady("postgresql", false);
  EXPECT_FALSE(metrics.Ready());
  EXPECT_NE(metrics.ReadinessReport().find("postgresql unreachable"), std::string::npos);
  EXPECT_TRUE(Has(metrics.Render(), "sqs2pg_up 0"));
  metrics.SetReady("postgresql", true);
  metrics.SetShuttingDown();
  EXPECT_FALSE(metrics.Ready());
  EXPECT_NE(metrics.ReadinessReport().find("shutting down"), std::string::npos);
}

// The alert rules (deploy/prometheus/alerts.yaml) tell a database outage from an SQS one, and see
// a ledger pruner that keeps failing: both need series of their own.
TEST(MetricsTest, ExportsEachDependencyAndLedgerPruneFailures) {
  RunStats stats;
  Metrics metrics(stats);
  std::string out = metrics.Render();
  EXPECT_TRUE(Has(out, "# TYPE sqs2pg_dependency_up gauge")) << out;
  EXPECT_EQ(out.find("sqs2pg_dependency_up{"), std::string::npos) << "no sample before a check";
  EXPECT_TRUE(Has(out, "# TYPE sqs2pg_ledger_prune_failures_total counter")) << out;
  EXPECT_TRUE(Has(out, "sqs2pg_ledger_prune_failures_total 0")) << out;

  metrics.SetReady("postgresql", false);
  metrics.SetReady("sqs", true);
  stats.ledger_prune_failures += 3;
  out = metrics.Render();
  EXPECT_TRUE(Has(out, "sqs2pg_dependency_up{dependency=\"postgresql\"} 0")) << out;
  EXPECT_TRUE(Has(out, "sqs2pg_dependency_up{dependency=\"sqs\"} 1")) << out;
  EXPECT_TRUE(Has(out, "sqs2pg_ledger_prune_failures_total 3")) << out;
}

}  // namespace
}  // namespace sqs2pg::ops

namespace sqs2pg::ops {
namespace {

// unknown_fields = "count": fields by name, identifier-like names only, at most 100 names, then
// "other"; never a value.
TEST(MetricsTest, UnknownFieldsAreCountedByBoundedIdentifierNames) {
  RunStats stats;
  Metrics metrics(stats);
  stats.AddUnknownField("coupon");
  stats.AddUnknownField("coupon");
  stats.AddUnknownField("10.1.2.3");  // a key that is a value: never a label
  for (int i = 0; i < 120; ++i) {
    std::string name = "f";
    name += std::to_string(i);
    stats.AddUnknownField(name);
  }
  const std::string out = metrics.Render();
  EXPECT_NE(out.find("sqs2pg_unknown_fields_total{field=\"coupon\"} 2"), std::string::npos) << out;
  EXPECT_EQ(out.find("10.1.2.3"), std::string::npos) << out;
  EXPECT_EQ(stats.UnknownFields().size(), RunStats::kMaxUnknownFieldNames + 1);  // + "other"
  // coupon and f0..f98 took the 100 names; f99..f119 and the ip went to "other".
  EXPECT_NE(out.find("sqs2pg_unknown_fields_total{field=\"other\"} 22"), std::string::npos) << out;
  EXPECT_NE(stats.Summary().find("unknown fields      coupon 2"), std::string::npos);
}

TEST(MetricsTest, ReceiversAndHeldBytesAreGauges) {
  RunStats stats;
  Metrics metrics(stats);
  metrics.SetReceivers(7);
  const std::string out = metrics.Render();
  EXPECT_NE(out.find("sqs2pg_receivers 7"), std::string::npos) << out;
}

}  // namespace
}  // namespace sqs2pg::ops
