// StandIn: a loopback HTTP stand-in run from a Node script for the lifetime of this object
// (tests/support/sqs_fault_proxy.mjs, scripts/emulator/old-localstack.mjs), and its counters.
//
// Contract: the script must print "LISTENING <port>" as its first stdout line once it listens on
// 127.0.0.1, and serve its counters as JSON at GET /__stats. If it does not start within
// `ready_timeout`, endpoint() is empty (tests assert on that). Destroying the object kills the
// script. Thread-compatible.
#pragma once

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "aws/http_transport.h"
#include "support/process.h"

namespace sqs2pg::testing {

class StandIn {
 public:
  // `script` is relative to the source tree; `args` follow it.
  StandIn(const std::string& script, const std::vector<std::string>& args,
          std::chrono::seconds ready_timeout = std::chrono::seconds(20));

  // "http://127.0.0.1:<port>", or empty if the stand-in did not start.
  const std::string& endpoint() const { return endpoint_; }

  // The raw /__stats JSON ("" on failure).
  std::string Stats() const;

  // One counter of /__stats by its path, e.g. Stat({"faults", "reset"}); `if_absent` (0: the
  // fault proxy creates its counters on first use) if it is not there, -1 if the stats are
  // unreadable.
  int64_t Stat(std::initializer_list<const char*> path, int64_t if_absent = 0) const;

 private:
  std::unique_ptr<BackgroundProcess> process_;
  std::shared_ptr<aws::HttpTransport> transport_ = aws::MakeCurlTransport();
  std::string endpoint_;
};

// tests/support/sqs_fault_proxy.mjs in front of the test emulator (SqsTestEndpoint()), with
// `flags` (see the script's header) after its --upstream and --port.
class FaultProxy : public StandIn {
 public:
  explicit FaultProxy(const std::vector<std::string>& flags);
};

}  // namespace sqs2pg::testing
