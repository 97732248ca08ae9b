#include "aws/retry_budget.h"

#include <algorithm>

namespace sqs2pg::aws {

bool RetryBudget::TryAcquire(int cost) {
  std::lock_guard<std::mutex> lock(mu_);
  if (tokens_ < cost) return false;
  tokens_ -= cost;
  return true;
}

void RetryBudget::OnSuccess(int retry_cost) {
  std::lock_guard<std::mutex> lock(mu_);
  tokens_ = std::min(capacity_, tokens_ + (retry_cost > 0 ? retry_cost : 1));
}

int RetryBudget::tokens() const {
  std::lock_guard<std::mutex> lock(mu_);
  return tokens_;
}

}  // namespace sqs2pg::aws
