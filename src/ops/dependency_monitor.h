// DependencyMonitor: checks sqs2pg's dependencies (PostgreSQL, SQS) on a period, for /readyz.
//
// Contract:
//  - Each Probe is called once right after Start() and then every `period`, in order, on the
//    monitor's own thread; its Status sets Metrics::SetReady(name, ok). A change of state is
//    logged once (warn when it fails, info when it recovers), with the Status's message, which
//    must hold no secret (probes return sqs2pg's own mapped errors).
//  - Stop() (or destruction) ends the thread within about 100 ms plus a probe in progress.
//  - Thread-safety: Start() and Stop() from one thread. Probes run only on the monitor thread.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "base/status.h"
#include "ops/metrics.h"

namespace sqs2pg::ops {

struct Probe {
  std::string name;  // "postgresql", "sqs"
  std::function<Status()> check;
};

class DependencyMonitor {
 public:
  DependencyMonitor(Metrics& metrics, std::vector<Probe> probes, std::chrono::milliseconds period);
  ~DependencyMonitor();
  DependencyMonitor(const DependencyMonitor&) = delete;
  DependencyMonitor& operator=(const DependencyMonitor&) = delete;

  void Start();
  void Stop();

 private:
  void Loop();

  Metrics& metrics_;
  const std::vector<Probe> probes_;
  const std::chrono::milliseconds period_;
  std::vector<int> state_;  // per probe: -1 unknown, 0 failing, 1 ok (monitor thread only)
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace sqs2pg::ops
