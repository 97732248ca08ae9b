// Reading a running sqs2pg's metrics, for tests that start it with --metrics-addr 127.0.0.1:0:
// the port it logged, one scrape of /metrics, and one sample of an exposition. Also WaitFor, the
// polling loop these tests share.
#pragma once

#include <chrono>
#include <string>
#include <thread>

namespace sqs2pg::testing {

// The port of "metrics and probes on http://127.0.0.1:PORT/metrics" in a process's log; 0 if not
// there yet.
int MetricsPort(const std::string& output);

// The body of GET http://127.0.0.1:PORT/metrics; "" when it cannot be had.
std::string ScrapeMetrics(int port);

// The value of a sample line "<series> <value>" (series with its labels, e.g.
// `sqs2pg_messages_rejected_total{reason="invalid_json"}`) in a Prometheus exposition; -1 if
// absent.
double Sample(const std::string& exposition, const std::string& series);

// Polls `condition` every 20 ms until it holds or `timeout` has passed; its last answer.
template <typename Condition>
bool WaitFor(Condition condition, std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return condition();
}

// Waits up to `timeout` for `process` (a RunningProcess, BackgroundProcess, ...: anything with
// Output()) to log the port it serves metrics on; that port, or 0 if it never did.
template <typename Process>
int WaitForMetricsPort(const Process& process,
                       std::chrono::seconds timeout = std::chrono::seconds(30)) {
  int port = 0;
  WaitFor([&] { return (port = MetricsPort(process.Output())) > 0; }, timeout);
  return port;
}

}  // namespace sqs2pg::testing
