#include "cli/error_hints.h"

#include <gtest/gtest.h>

namespace sqs2pg::cli {
namespace {

TEST(ErrorHintsTest, WellKnownFailuresSayWhatToCheck) {
  const std::string missing = DescribeWithHint(
      NotFoundError("ReceiveMessage: QueueDoesNotExist: The specified queue does not exist."));
  EXPECT_NE(missing.find("check --queue-url, --region and --endpoint-url"), std::string::npos);
  EXPECT_NE(missing.find("QueueDoesNotExist"), std::string::npos) << "the original text stays";

  EXPECT_NE(DescribeWithHint(UnauthenticatedError("ReceiveMessage: ExpiredToken: expired"))
                .find("session token has expired"),
            std::string::npos);
  EXPECT_NE(DescribeWithHint(PermissionDeniedError("ReceiveMessage: AccessDenied: no"))
                .find("sqs:ReceiveMessage"),
            std::string::npos);
  EXPECT_NE(DescribeWithHint(UnauthenticatedError("ReceiveMessage: credentials: none found"))
                .find("sqs2pg check"),
            std::string::npos);
}

TEST(ErrorHintsTest, OtherFailuresAreLeftAlone) {
  const Status s = UnavailableError("ReceiveMessage: HTTP transport: timeout");
  EXPECT_EQ(DescribeWithHint(s), s.ToString());
}

}  // namespace
}  // namespace sqs2pg::cli
