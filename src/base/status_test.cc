#include "base/status.h"

#include <gtest/gtest.h>

namespace sqs2pg {
namespace {

Result<int> Half(int x) {
  if (x % 2 != 0) return InvalidArgumentError("odd");
  return x / 2;
}

Result<int> Quarter(int x) {
  SQS2PG_ASSIGN_OR_RETURN(int h, Half(x));
  return Half(h);
}

TEST(StatusTest, OkAndErrors) {
  EXPECT_TRUE(Status::Ok().ok());
  Status s = UnavailableError("connection reset");
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(s.IsRetryable());
  EXPECT_EQ(s.ToString(), "UNAVAILABLE: connection reset");
  EXPECT_EQ(s.WithContext("ReceiveMessage").message(), "ReceiveMessage: connection reset");
  EXPECT_FALSE(NotFoundError("x").IsRetryable());
}

TEST(ResultTest, PropagatesErrors) {
  EXPECT_EQ(*Quarter(8), 2);
  EXPECT_EQ(Quarter(6).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Quarter(3).status().message(), "odd");
}

}  // namespace
}  // namespace sqs2pg
