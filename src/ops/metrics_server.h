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
#pragma once

#include <memory>
#include <string>
#include <thread>

#include "base/status.h"
#include "ops/metrics.h"

namespace httplib {
class Server;
}

namespace sqs2pg::ops {

class MetricsServer {
 public:
  explicit MetricsServer(const Metrics& metrics);
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  // `address`: "HOST:PORT", e.g. "0.0.0.0:9464" or "127.0.0.1:0".
  Status Start(const std::string& address);
  void Stop();
  int port() const { return port_; }

 private:
  const Metrics& metrics_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace sqs2pg::ops
