#include "pipeline/in_flight.h"

namespace sqs2pg::pipeline {

void InFlight::Add(const std::string& receipt_handle, TimePoint visible_again_at) {
  std::lock_guard<std::mutex> lock(mu_);
  visible_again_at_[receipt_handle] = visible_again_at;
}

void InFlight::Remove(const std::string& receipt_handle) {
  std::lock_guard<std::mutex> lock(mu_);
  visible_again_at_.erase(receipt_handle);
}

std::vector<std::string> InFlight::Due(TimePoint horizon) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> due;
  for (const auto& [handle, at] : visible_again_at_) {
    if (at < horizon) due.push_back(handle);
  }
  return due;
}

bool InFlight::AnyDue(TimePoint horizon) const {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [handle, at] : visible_again_at_) {
    if (at < horizon) return true;
  }
  return false;
}

void InFlight::Extend(const std::string& receipt_handle, TimePoint visible_again_at) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = visible_again_at_.find(receipt_handle);
  if (it != visible_again_at_.end()) it->second = visible_again_at;
}

std::vector<std::string> InFlight::TakeAll() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> all;
  all.reserve(visible_again_at_.size());
  for (auto& [handle, at] : visible_again_at_) all.push_back(handle);
  visible_again_at_.clear();
  return all;
}

size_t InFlight::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return visible_again_at_.size();
}

}  // namespace sqs2pg::pipeline
