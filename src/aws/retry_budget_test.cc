#include "aws/retry_budget.h"

#include <gtest/gtest.h>

namespace sqs2pg::aws {
namespace {

TEST(RetryBudgetTest, RetriesStopWhenTheBucketIsEmptyAndResumeAfterSuccesses) {
  RetryBudget budget(20);
  EXPECT_TRUE(budget.TryAcquire(RetryBudget::kTimeoutRetryCost));
  EXPECT_TRUE(budget.TryAcquire(RetryBudget::kRetryCost));
  EXPECT_TRUE(budget.TryAcquire(RetryBudget::kRetryCost));
  EXPECT_EQ(budget.tokens(), 0);
  EXPECT_FALSE(budget.TryAcquire(RetryBudget::kRetryCost));  // the storm is cut off
  EXPECT_EQ(budget.tokens(), 0);                             // a refusal takes nothing

  budget.OnSuccess(RetryBudget::kRetryCost);  // a retried call finally succeeded: refund
  EXPECT_EQ(budget.tokens(), 5);
  for (int i = 0; i < 100; ++i) budget.OnSuccess(0);  // first-attempt successes refill by 1
  EXPECT_EQ(budget.tokens(), 20);                     // never beyond capacity
}

}  // namespace
}  // namespace sqs2pg::aws
