#include "ops/metrics_server.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include "ops/dependency_monitor.h"

namespace sqs2pg::ops {
namespace {

TEST(MetricsServerTest, ServesMetricsAndProbes) {
  RunStats stats;
  stats.inserted = 5;
  Metrics metrics(stats);
  MetricsServer server(metrics);
  ASSERT_TRUE(server.Start("127.0.0.1:0").ok());
  ASSERT_GT(server.port(), 0);
  httplib::Client client("127.0.0.1", server.port());

  auto res = client.Get("/metrics");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_NE(res->body.find("sqs2pg_rows_inserted_total 5\n"), std::string::npos);
  EXPECT_NE(res->get_header_value("Content-Type").find("version=0.0.4"), std::string::npos);

  res = client.Get("/healthz");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);

  res = client.Get("/readyz");  // no dependency checked yet
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 503);
  metrics.SetReady("postgresql", true);
  res = client.Get("/readyz");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "postgresql ok\n");

  res = client.Get("/nothing");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404);
  server.Stop();
  EXPECT_FALSE(client.Get("/healthz"));
}

TEST(MetricsServerTest, HealthzFailsWhenThePipelineStalls) {
  RunStats stats;
  std::chrono::steady_clock::time_point now{};
  Metrics metrics(stats, std::chrono::seconds(10), [&] { return now; });
  MetricsServer server(metrics);
  ASSERT_TRUE(server.Start("127.0.0.1:0").ok());
  httplib::Client client("127.0.0.1", server.port());
  now += std::chrono::seconds(11);
  auto res = client.Get("/healthz");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 503);
}

TEST(MetricsServerTest, BadAddressesAreRefused) {
  RunStats stats;
  Metrics metrics(stats);
  for (const char* address : {"9464", ":9464", "localhost:", "localhost:99999", "h:1x"}) {
    MetricsServer server(metrics);
    Status started = server.Start(address);
    EXPECT_EQ(started.code(), StatusCode::kInvalidArgument) << address;
  }
  MetricsServer first(metrics);
  ASSERT_TRUE(first.Start("127.0.0.1:0").ok());
  MetricsServer second(metrics);
  EXPECT_EQ(second.Start("127.0.0.1:" + std::to_string(first.port())).code(),
            StatusCode::kUnavailable);  // port taken
}

TEST(DependencyMonitorTest, ProbesSetReadinessAndFollowChanges) {
  RunStats stats;
  Metrics metrics(stats);
  std::atomic<bool> db_up{true};
  std::atomic<int> calls{0};
  DependencyMonitor monitor(metrics,
                            {{"postgresql",
                              [&] {
                                ++calls;
                                return db_up ? Status::Ok() : UnavailableError("refused");
                              }}},
                            std::chrono::milliseconds(10));
  monitor.Start();
  const auto wait_for = [&](bool ready) {
    for (int i = 0; i < 500 && metrics.Ready() != ready; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return metrics.Ready() == ready;
  };
  EXPECT_TRUE(wait_for(true));
  db_up = false;
  EXPECT_TRUE(wait_for(false));
  db_up = true;
  EXPECT_TRUE(wait_for(true));
  monitor.Stop();
  const int after_stop = calls.load();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(calls.load(), after_stop);
}

}  // namespace
}  // namespace sqs2pg::ops
