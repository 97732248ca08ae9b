#include "pipeline/in_flight.h"

namespace sqs2pg::pipeline {

void InFlight::Add(const std::string& receipt_handle, TimePoint visible_again_at, size_t bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  auto [it, added] = by_handle_.try_emplace(receipt_handle, Held{by_time_.end(), 0});
  if (!added) {
    by_time_.erase(it->second.at);
    bytes_ -= it->second.bytes;
  }
  it->second.at = by_time_.emplace(visible_again_at, &it->first);
  it->second.bytes = bytes;
  bytes_ += bytes;
}

void InFlight::Remove(const std::string& receipt_handle) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = by_handle_.find(receipt_handle);
  if (it == by_handle_.end()) return;
  by_time_.erase(it->second.at);
  bytes_ -= it->second.bytes;
  by_handle_.erase(it);
}

std::vector<std::string> InFlight::Due(TimePoint horizon) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> due;
  for (auto it = by_time_.begin(); it != by_time_.end() && it->first < horizon; ++it) {
    due.push_back(*it->second);
  }
  return due;
}

bool InFlight::AnyDue(TimePoint horizon) const {
  std::lock_guard<std::mutex> lock(mu_);
  return !by_time_.empty() && by_time_.begin()->first < horizon;
}

void InFlight::Extend(const std::string& receipt_handle, TimePoint visible_again_at) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = by_handle_.find(receipt_handle);
  if (it == by_handle_.end()) return;
  by_time_.erase(it->second.at);
  it->second.at = by_time_.emplace(visible_again_at, &it->first);
}

std::vector<std::string> InFlight::TakeAll() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> all;
  all.reserve(by_handle_.size());
  for (auto& [handle, at] : by_handle_) all.push_back(handle);
  by_time_.clear();
  by_handle_.clear();
  bytes_ = 0;
  return all;
}

size_t InFlight::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return by_handle_.size();
}

size_t InFlight::bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return bytes_;
}

}  // namespace sqs2pg::pipeline
