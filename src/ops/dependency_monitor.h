// DependencyMonitor: checks sqs2pg's dependencies (PostgreSQL, SQS) on a period, for /readyz.
//
// Contract:
//  - Each Probe is called once right after Start(), then again `period` after a failed check and
//    `healthy_period` (default: `period`) after a passing one, on the monitor's own thread; its
//    Status sets Metrics::SetReady(name, ok). A change of state is logged once (warn when it
//    fails, info when it recovers), with the Status's message, which must hold no secret (probes
//    return sqs2pg's own mapped errors). A probe that costs money while healthy (SQS bills each
//    GetQueueAttributes) takes a long healthy_period; a failing one is retried at `period` so that
//    readiness comes back soon after the dependency does.
//  - The thread sleeps until the next probe is due (no polling) and Stop() (or destruction) wakes
//    it: it ends at once, or after the probe in progress.
//  - Thread-safety: Start() and Stop() from one thread. Probes run only on the monitor thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/status.h"
#include "ops/metrics.h"

namespace sqs2pg::ops {

struct Probe {
  std::string name;  // "postgresql", "sqs"
  std::function<Status()> check;
  std::chrono::milliseconds healthy_period{0};  // 0: the monitor's period
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
  std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace sqs2pg::ops
