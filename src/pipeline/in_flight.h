// InFlight: the SQS receipts this process holds, from ReceiveMessage until the message is deleted
// or handed back, each with the instant it would become visible to other consumers again.
//
// Why: a message held past its visibility timeout is redelivered to another consumer while we
// still work on it. The pipeline's heartbeat asks Due() for receipts whose visibility is about
// to lapse and extends them with ChangeMessageVisibilityBatch; at shutdown, TakeAll() yields what
// was never committed so it can be made visible again at once instead of after the timeout.
//
// Contract: keyed by receipt handle (the same message received twice has two receipts). Extend()
// of a receipt no longer held is a no-op, so a heartbeat racing with a delete cannot resurrect it.
// Each receipt carries the size of what it holds (its body), so memory can be bounded in bytes as
// well as in messages: bytes() is the sum over the receipts held. Adding a receipt already held
// replaces its time and size.
// Thread-safety: every method is thread-safe. Times come from the caller (testable without a
// clock).
// Cost: receipts are also ordered by time, so AnyDue() is O(1) and Due() O(answer): receivers ask
// AnyDue() before every poll, with thousands of receipts held.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace sqs2pg::pipeline {

class InFlight {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  void Add(const std::string& receipt_handle, TimePoint visible_again_at, size_t bytes = 0);
  void Remove(const std::string& receipt_handle);
  // Receipts that become visible again before `horizon`.
  std::vector<std::string> Due(TimePoint horizon) const;
  // Whether any receipt becomes visible again before `horizon` (Due() without the copies).
  bool AnyDue(TimePoint horizon) const;
  void Extend(const std::string& receipt_handle, TimePoint visible_again_at);
  // Removes and returns every receipt still held.
  std::vector<std::string> TakeAll();
  size_t size() const;
  // The bytes held: the sum of the sizes given to Add() for the receipts still held.
  size_t bytes() const;

 private:
  using ByTime = std::multimap<TimePoint, const std::string*>;  // values: keys of by_handle_
  struct Held {
    ByTime::iterator at;
    size_t bytes;
  };

  mutable std::mutex mu_;
  // Node-based: a key's address survives rehashing, so by_time_ may point at it.
  std::unordered_map<std::string, Held> by_handle_;
  ByTime by_time_;
  size_t bytes_ = 0;
};

}  // namespace sqs2pg::pipeline
