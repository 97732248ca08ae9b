// Backoff: capped exponential backoff with full jitter (the AWS SDKs' "standard" retry curve).
//
// Contract:
//  - Next() returns a delay drawn uniformly from [0, min(cap, base * 2^attempt)] and advances the
//    attempt; Reset() starts over after a success.
//  - Not thread-safe: one per retry loop.
#pragma once

#include <chrono>
#include <cstdint>
#include <random>

namespace sqs2pg {

class Backoff {
 public:
  Backoff(std::chrono::milliseconds base, std::chrono::milliseconds cap,
          uint64_t seed = std::random_device{}());

  std::chrono::milliseconds Next();
  void Reset() { attempt_ = 0; }
  int attempt() const { return attempt_; }

 private:
  std::chrono::milliseconds base_;
  std::chrono::milliseconds cap_;
  int attempt_ = 0;
  std::mt19937_64 rng_;
};

}  // namespace sqs2pg
