// MetricsServer: the HTTP endpoint of --metrics-addr: Prometheus metrics and the probes.
//
// Contract:
//  - GET /metrics: Metrics::Render(), text/plain; version=0.0.4.
//  - GET /healthz: 200 "ok" while Metrics::Alive() (the pipeline's loops keep beating), else 503.
//  - GET /readyz: 200 while Metrics::Ready() (PostgreSQL and SQS reachable, not shutting down),
//    else 503; the body lists each dependency's state either way.
//  - Anything else: 404. Bodies never carry message content or secrets.
//  - Start() binds "HOST:PORT" (PORT 0 picks a free port; port() tells which) and serves on its
//    own threads until Stop() or destruction. A bind failure is returned, not thrown.
//  - Thread-safety: Start() and Stop() from one thread; the Metrics must outlive the server.
//
// Slow and idle clients cannot starve the probes (a kubelet that gets no answer within its
// timeoutSeconds restarts the pod). cpp-httplib's own connection handling bounds each read, not a
// connection: a client that trickles a header byte every few seconds, or a keep-alive scraper
// that idles, holds a worker thread for as long as it likes. So this server runs its own
// connection loop (cpp-httplib still parses requests and writes responses):
//  - Every connection gets a thread of its own, started on demand, up to `max_connections` at
//    once; further connections wait their turn in arrival order.
//  - Every connection is closed `connection_deadline` after it is taken up, whatever it is doing:
//    waiting for a request, trickling a request head, or reading the answer slowly. Within that,
//    a request must begin within `idle_timeout` of the connection being taken up or of the
//    previous answer (keep-alive idling), each read or write waits at most `io_timeout`, and a
//    connection serves at most `max_requests_per_connection` requests.
//  - The listen backlog is raised from cpp-httplib's 5 to max(max_connections, 128), so a burst of
//    connections does not get a probe's SYN dropped (and retried a second later).
//  So fewer than `max_connections` slow or idle clients never delay a probe at all, and any number
//  of them delays it by at most `connection_deadline` for each `max_connections` connections
//  queued ahead of it. Who may open connections at all is for the network to limit: the
//  NetworkPolicy in deploy/k8s/networkpolicy.yaml admits only the kubelet and Prometheus.
//  Stop() cuts open connections at once rather than waiting out their deadlines.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <thread>

#include "base/status.h"
#include "ops/metrics.h"

namespace sqs2pg::ops {

// The bounds described above. The defaults keep a probe's worst case (64 connections queued
// ahead of it) within a few seconds, and each thread costs little while idle.
struct MetricsServerLimits {
  size_t max_connections = 64;                          // served at once, a thread each
  std::chrono::milliseconds connection_deadline{5000};  // a connection's whole life
  std::chrono::milliseconds idle_timeout{2000};         // until a request's first byte
  std::chrono::milliseconds io_timeout{2000};           // each read or write
  int max_requests_per_connection = 10;                 // keep-alive limit
};

class ProbeHttpServer;

class MetricsServer {
 public:
  explicit MetricsServer(const Metrics& metrics, MetricsServerLimits limits = {});
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  // `address`: "HOST:PORT", e.g. "0.0.0.0:9464" or "127.0.0.1:0".
  Status Start(const std::string& address);
  void Stop();
  int port() const { return port_; }

 private:
  const Metrics& metrics_;
  const MetricsServerLimits limits_;
  std::unique_ptr<ProbeHttpServer> server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace sqs2pg::ops
