// SyntheticEvents: login events shaped like the assignment's queue, for demos and load tests.
//
// Contract:
//  - Deterministic for a given seed. Events have realistic repetition: ips and device ids are drawn
//    from pools with a skew, so some values recur (what analysts look for after masking); about
//    one locale in eight is null; app versions come in the three shapes seen in the wild
//    ("2.3.0", "0.96", "3.7").
//  - With malformed_share > 0, that fraction of messages is deliberately bad (a message of another
//    type, invalid JSON, a missing field, a wrong type, an unencodable version, an overlong value).
//  - The values are fabricated; none belongs to a real person.
//  - Not thread-safe: one generator per thread.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace sqs2pg::cli {

class SyntheticEvents {
 public:
  SyntheticEvents(uint64_t expected_count, double malformed_share, uint64_t seed);

  // The next message body.
  std::string Next();

 private:
  std::string GoodEvent();
  std::string MalformedEvent();
  std::string Uuid();
  const std::string& Pick(const std::vector<std::string>& pool);

  double malformed_share_;
  std::mt19937_64 rng_;
  std::vector<std::string> ips_;
  std::vector<std::string> device_ids_;
};

}  // namespace sqs2pg::cli
