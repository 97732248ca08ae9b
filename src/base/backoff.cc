#include "base/backoff.h"

#include <algorithm>

namespace sqs2pg {

Backoff::Backoff(std::chrono::milliseconds base, std::chrono::milliseconds cap, uint64_t seed)
    : base_(base), cap_(cap), rng_(seed) {}

std::chrono::milliseconds Backoff::Next() {
  // Cap the exponent so the shift cannot overflow however long an outage lasts.
  const int shift = std::min(attempt_, 30);
  const int64_t ceiling = std::min<int64_t>(cap_.count(), base_.count() << shift);
  ++attempt_;
  std::uniform_int_distribution<int64_t> pick(0, std::max<int64_t>(ceiling, 0));
  return std::chrono::milliseconds(pick(rng_));
}

}  // namespace sqs2pg
