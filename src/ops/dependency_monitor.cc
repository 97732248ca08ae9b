#include "ops/dependency_monitor.h"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace sqs2pg::ops {

DependencyMonitor::DependencyMonitor(Metrics& metrics, std::vector<Probe> probes,
                                     std::chrono::milliseconds period)
    : metrics_(metrics), probes_(std::move(probes)), period_(period), state_(probes_.size(), -1) {}

DependencyMonitor::~DependencyMonitor() { Stop(); }

void DependencyMonitor::Start() {
  if (thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = false;
  }
  thread_ = std::thread([this] { Loop(); });
}

void DependencyMonitor::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void DependencyMonitor::Loop() {
  using Clock = std::chrono::steady_clock;
  std::vector<Clock::time_point> due(probes_.size(), Clock::now());
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    for (size_t i = 0; i < probes_.size() && !stop_; ++i) {
      if (Clock::now() < due[i]) continue;
      lock.unlock();
      const Status status = probes_[i].check();
      lock.lock();
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
      const std::chrono::milliseconds healthy =
          probes_[i].healthy_period.count() > 0 ? probes_[i].healthy_period : period_;
      due[i] = Clock::now() + (status.ok() ? healthy : period_);
    }
    if (due.empty()) {
      wake_.wait(lock, [this] { return stop_; });
    } else {
      wake_.wait_until(lock, *std::min_element(due.begin(), due.end()), [this] { return stop_; });
    }
  }
}

}  // namespace sqs2pg::ops
