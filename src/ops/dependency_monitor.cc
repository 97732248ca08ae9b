#include "ops/dependency_monitor.h"

#include <spdlog/spdlog.h>

namespace sqs2pg::ops {

DependencyMonitor::DependencyMonitor(Metrics& metrics, std::vector<Probe> probes,
                                     std::chrono::milliseconds period)
    : metrics_(metrics), probes_(std::move(probes)), period_(period), state_(probes_.size(), -1) {}

DependencyMonitor::~DependencyMonitor() { Stop(); }

void DependencyMonitor::Start() {
  if (thread_.joinable()) return;
  stop_ = false;
  thread_ = std::thread([this] { Loop(); });
}

void DependencyMonitor::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void DependencyMonitor::Loop() {
  while (!stop_.load()) {
    for (size_t i = 0; i < probes_.size() && !stop_.load(); ++i) {
      const Status status = probes_[i].check();
      metrics_.SetReady(probes_[i].name, status.ok());
      const int now = status.ok() ? 1 : 0;
      if (now != state_[i]) {
        if (status.ok()) {
          if (state_[i] == 0) spdlog::info("readiness: {} reachable again", probes_[i].name);
        } else {
          spdlog::warn("readiness: {} unreachable: {}", probes_[i].name, status.ToString());
        }
        state_[i] = now;
      }
    }
    const auto until = std::chrono::steady_clock::now() + period_;
    while (!stop_.load() && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
}

}  // namespace sqs2pg::ops
