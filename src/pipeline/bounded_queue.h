// BoundedQueue: a blocking multi-producer, multi-consumer FIFO with a fixed capacity.
//
// Contract:
//  - Push() blocks while the queue is full (this is the pipeline's backpressure) and returns false,
//    dropping nothing it had accepted, once Close() has been called.
//  - Pop() waits up to `timeout` for an item; it returns nullopt on timeout, or when the queue is
//    closed and empty. Items pushed before Close() are still handed out after it.
//  - PushAll() and PopUpTo() do the same for several items with one lock and one wake-up, where
//    Push()/Pop() per item would cost a lock, a wake-up and often a context switch each (a
//    receiver brings 10 messages per call). PushAll() moves items in as room frees up, in order;
//    a consumer may take the first ones before the last are in.
//  - Thread-safety: every member is safe to call from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <vector>

namespace sqs2pg::pipeline {

template <typename T>
class BoundedQueue {
 public:
  explicit BoundedQueue(size_t capacity) : capacity_(capacity) {}

  bool Push(T item) {
    std::unique_lock<std::mutex> lock(mu_);
    not_full_.wait(lock, [&] { return closed_ || items_.size() < capacity_; });
    if (closed_) return false;
    items_.push_back(std::move(item));
    not_empty_.notify_one();
    return true;
  }

  // Moves every element of `items` in, in order, blocking while the queue is full. Returns false
  // once Close() has been called; the elements not accepted by then stay in `items` (from the
  // first one not accepted on; the accepted ones are moved-from).
  bool PushAll(std::vector<T>& items) {
    std::unique_lock<std::mutex> lock(mu_);
    size_t next = 0;
    while (next < items.size()) {
      not_full_.wait(lock, [&] { return closed_ || items_.size() < capacity_; });
      if (closed_) {
        items.erase(items.begin(), items.begin() + static_cast<std::ptrdiff_t>(next));
        return false;
      }
      while (next < items.size() && items_.size() < capacity_) {
        items_.push_back(std::move(items[next++]));
      }
      not_empty_.notify_one();
    }
    return true;
  }

  // Waits up to `timeout` for at least one item, then appends up to `max_items` items to `out`.
  // Returns how many it appended: 0 on timeout, or when the queue is closed and empty.
  size_t PopUpTo(size_t max_items, std::chrono::milliseconds timeout, std::vector<T>* out) {
    std::unique_lock<std::mutex> lock(mu_);
    if (!not_empty_.wait_for(lock, timeout, [&] { return closed_ || !items_.empty(); })) {
      return 0;
    }
    size_t n = 0;
    while (n < max_items && !items_.empty()) {
      out->push_back(std::move(items_.front()));
      items_.pop_front();
      ++n;
    }
    if (n > 0) not_full_.notify_all();
    // Items left: another consumer may be waiting for them.
    if (!items_.empty()) not_empty_.notify_one();
    return n;
  }

  std::optional<T> Pop(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    if (!not_empty_.wait_for(lock, timeout, [&] { return closed_ || !items_.empty(); })) {
      return std::nullopt;
    }
    if (items_.empty()) return std::nullopt;  // closed and drained
    T item = std::move(items_.front());
    items_.pop_front();
    not_full_.notify_one();
    return item;
  }

  void Close() {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    not_empty_.notify_all();
    not_full_.notify_all();
  }

  bool ClosedAndEmpty() const {
    std::lock_guard<std::mutex> lock(mu_);
    return closed_ && items_.empty();
  }

  size_t size() const {
    std::lock_guard<std::mutex> lock(mu_);
    return items_.size();
  }

 private:
  const size_t capacity_;
  mutable std::mutex mu_;
  std::condition_variable not_empty_;
  std::condition_variable not_full_;
  std::deque<T> items_;
  bool closed_ = false;
};

}  // namespace sqs2pg::pipeline
