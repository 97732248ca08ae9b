#include "ops/metrics_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

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

// Raw client connections to the server, closed on destruction, and a thread that trickles a
// header byte into the slow ones every 200 ms: each read the server makes succeeds, so only a
// bound on the whole connection can free it.
class SlowClients {
 public:
  explicit SlowClients(int port) : port_(port) {}
  ~SlowClients() {
    stop_ = true;
    if (trickler_.joinable()) trickler_.join();
    for (int fd : idle_) close(fd);
    for (int fd : slow_) close(fd);
  }

  // Sends a whole keep-alive request and leaves the connection open and idle (the answer unread).
  void OpenIdle(int n) {
    for (int i = 0; i < n; ++i) {
      idle_.push_back(Connect());
      Send(idle_.back(), "GET /metrics HTTP/1.1\r\nHost: scraper\r\n\r\n");
    }
  }
  // Sends part of a request head; the trickler adds to it, one byte at a time.
  void OpenSlow(int n) {
    for (int i = 0; i < n; ++i) {
      slow_.push_back(Connect());
      Send(slow_.back(), "GET /metrics HTTP/1.1\r\nHost: slow\r\nX-Slow: ");
    }
    trickler_ = std::thread([this] {
      while (!stop_) {
        for (int fd : slow_) Send(fd, "a");
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
      }
    });
  }

  const std::vector<int>& idle() const { return idle_; }
  const std::vector<int>& slow() const { return slow_; }

  // What arrives on `fd` until the server closes it or `deadline` passes, or, with `head_only`,
  // until a response head has arrived.
  static std::string ReadUntilClosed(int fd, std::chrono::steady_clock::time_point deadline,
                                     bool* closed, bool head_only = false) {
    std::string got;
    *closed = false;
    while (std::chrono::steady_clock::now() < deadline &&
           !(head_only && got.find("\r\n\r\n") != std::string::npos)) {
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, 100) <= 0) continue;
      char buffer[4096];
      const ssize_t n = recv(fd, buffer, sizeof(buffer), 0);
      if (n <= 0) {
        *closed = true;
        break;
      }
      got.append(buffer, static_cast<size_t>(n));
    }
    return got;
  }

 private:
  int Connect() {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port_));
    EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    return fd;
  }
  static void Send(int fd, const std::string& data) {
    (void)!send(fd, data.data(), data.size(), MSG_NOSIGNAL);  // may fail once the server hangs up
  }

  const int port_;
  std::vector<int> idle_;
  std::vector<int> slow_;
  std::atomic<bool> stop_{false};
  std::thread trickler_;
};

// The test's deadline for a probe's answer: a kubelet would have given up long before; a server
// whose threads the slow clients hold never answers at all.
constexpr auto kProbeDeadline = std::chrono::seconds(10);

void ExpectProbesAnswer(int port) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(kProbeDeadline);
  client.set_read_timeout(kProbeDeadline);
  client.set_write_timeout(kProbeDeadline);
  auto healthz = client.Get("/healthz");
  ASSERT_TRUE(healthz) << "/healthz: no answer within the deadline";
  EXPECT_EQ(healthz->status, 200);
  auto readyz = client.Get("/readyz");
  ASSERT_TRUE(readyz) << "/readyz: no answer within the deadline";
  EXPECT_EQ(readyz->status, 200);
}

// The settings a deployment runs with: 8 idle keep-alive scrapers and 8 clients trickling a
// request head, more than cpp-httplib's thread pool would have, do not keep the probes waiting.
TEST(MetricsServerTest, ProbesAnswerWhileSlowAndIdleClientsHoldConnections) {
  RunStats stats;
  Metrics metrics(stats);
  metrics.SetReady("postgresql", true);
  MetricsServer server(metrics);
  ASSERT_TRUE(server.Start("127.0.0.1:0").ok());
  SlowClients clients(server.port());
  clients.OpenIdle(8);
  clients.OpenSlow(8);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // all taken up before the probes
  ExpectProbesAnswer(server.port());
  // The idle scrapers were served (and then held their connections open).
  const auto read_until = std::chrono::steady_clock::now() + kProbeDeadline;
  for (int fd : clients.idle()) {
    bool closed = false;
    const std::string got = SlowClients::ReadUntilClosed(fd, read_until, &closed, true);
    EXPECT_TRUE(got.starts_with("HTTP/1.1 200 OK\r\n")) << got;
  }
}

// More slow clients than connection threads: each is cut off at the connection deadline however
// steadily it trickles, so the probes queued behind them are still answered, and every slow
// connection is closed by the server.
TEST(MetricsServerTest, ConnectionDeadlineFreesThreadsWhenSlowClientsOutnumberThem) {
  RunStats stats;
  Metrics metrics(stats);
  metrics.SetReady("postgresql", true);
  MetricsServerLimits limits;
  limits.max_connections = 2;
  limits.connection_deadline = std::chrono::milliseconds(1000);
  limits.idle_timeout = std::chrono::milliseconds(500);
  limits.io_timeout = std::chrono::milliseconds(500);  // longer than the trickle's 200 ms
  MetricsServer server(metrics, limits);
  ASSERT_TRUE(server.Start("127.0.0.1:0").ok());
  SlowClients clients(server.port());
  clients.OpenIdle(2);
  clients.OpenSlow(4);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ExpectProbesAnswer(server.port());
  const auto deadline = std::chrono::steady_clock::now() + kProbeDeadline;
  for (int fd : clients.slow()) {
    bool closed = false;
    const std::string got = SlowClients::ReadUntilClosed(fd, deadline, &closed);
    EXPECT_TRUE(closed) << "a trickling client kept its connection";
    EXPECT_EQ(got, "");  // cut off, not answered: its request never ended
  }
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

// A probe with a long healthy period (SQS bills each check) is not repeated while it passes, is
// retried at the short period while it fails, and goes quiet again once it recovers. Counted
// against a fast probe's calls, never timed.
TEST(DependencyMonitorTest, AHealthyProbeWaitsItsOwnPeriodAndAFailingOneIsRetriedSoon) {
  RunStats stats;
  Metrics metrics(stats);
  std::atomic<int> fast_calls{0};
  std::atomic<int> slow_calls{0};
  std::atomic<int> slow_failures_left{0};
  DependencyMonitor monitor(metrics,
                            {{"postgresql",
                              [&] {
                                ++fast_calls;
                                return Status::Ok();
                              }},
                             {"sqs",
                              [&] {
                                ++slow_calls;
                                if (slow_failures_left.load() > 0) {
                                  --slow_failures_left;
                                  return UnavailableError("refused");
                                }
                                return Status::Ok();
                              },
                              std::chrono::hours(1)}},
                            std::chrono::milliseconds(2));
  const auto fast_calls_reach = [&](int n) {
    for (int i = 0; i < 5000 && fast_calls.load() < n; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return fast_calls.load() >= n;
  };
  slow_failures_left = 3;  // fails its first three checks
  monitor.Start();
  ASSERT_TRUE(fast_calls_reach(60));
  EXPECT_EQ(slow_calls.load(), 4);  // three failures retried at the fast period, then one pass
  EXPECT_TRUE(metrics.Ready());
  const int after_recovery = fast_calls.load();
  ASSERT_TRUE(fast_calls_reach(after_recovery + 40));
  EXPECT_EQ(slow_calls.load(), 4);  // healthy: not asked again within the hour
  monitor.Stop();
}

}  // namespace
}  // namespace sqs2pg::ops
