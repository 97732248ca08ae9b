// RetryBudget: a token bucket that bounds how many retries all of a client's calls may make
// together, in the manner of the AWS SDKs' "standard" retry mode, so that an outage does not turn
// into a retry storm: when the service keeps failing, retries stop and errors reach the caller
// (whose own, slower backoff takes over) until successes refill the bucket.
//
// Contract:
//  - The bucket starts full (capacity, default 500 tokens). A retry of a throttled or 5xx answer
//    costs 5 tokens; of a timeout or connection failure 10. TryAcquire() takes the cost and says
//    whether the retry may go ahead (false: not enough tokens; nothing taken).
//  - OnSuccess(retry_cost) after a call succeeded: refunds the cost of the retry that led to it,
//    or adds 1 token when the call succeeded at its first attempt; never beyond capacity.
//  - Thread-safety: all methods are thread-safe (one mutex; calls are short).
#pragma once

#include <mutex>

namespace sqs2pg::aws {

class RetryBudget {
 public:
  static constexpr int kDefaultCapacity = 500;
  static constexpr int kRetryCost = 5;
  static constexpr int kTimeoutRetryCost = 10;

  explicit RetryBudget(int capacity = kDefaultCapacity) : capacity_(capacity), tokens_(capacity) {}

  bool TryAcquire(int cost);
  // `retry_cost`: what the successful attempt's retry took (0 if it was the first attempt).
  void OnSuccess(int retry_cost);
  int tokens() const;

 private:
  const int capacity_;
  mutable std::mutex mu_;
  int tokens_;
};

}  // namespace sqs2pg::aws
