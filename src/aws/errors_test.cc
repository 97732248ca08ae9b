#include "aws/errors.h"

#include <gtest/gtest.h>

#include <array>

namespace sqs2pg::aws {
namespace {

TEST(AwsErrorsTest, CodesShareOneMeaningAcrossServices) {
  struct Case {
    std::string_view code;
    StatusCode expected;
  };
  for (const Case& c : std::initializer_list<Case>{
           {"ThrottlingException", StatusCode::kUnavailable},
           {"Throttling", StatusCode::kUnavailable},
           {"RequestThrottled", StatusCode::kUnavailable},
           {"KmsThrottled", StatusCode::kUnavailable},
           {"TooManyRequestsException", StatusCode::kUnavailable},
           {"RequestLimitExceeded", StatusCode::kUnavailable},
           {"LimitExceededException", StatusCode::kUnavailable},
           {"OverLimit", StatusCode::kUnavailable},
           {"ServiceUnavailable", StatusCode::kUnavailable},
           {"InternalError", StatusCode::kUnavailable},
           {"InternalFailure", StatusCode::kUnavailable},
           {"InternalServerError", StatusCode::kUnavailable},
           {"InvalidClientTokenId", StatusCode::kUnauthenticated},
           {"UnrecognizedClientException", StatusCode::kUnauthenticated},
           {"SignatureDoesNotMatch", StatusCode::kUnauthenticated},
           {"ExpiredTokenException", StatusCode::kUnauthenticated},
           {"ExpiredToken", StatusCode::kUnauthenticated},
           {"IncompleteSignature", StatusCode::kUnauthenticated},
           {"MissingAuthenticationToken", StatusCode::kUnauthenticated},
           {"RequestExpired", StatusCode::kUnauthenticated},
           {"AccessDeniedException", StatusCode::kPermissionDenied},
           {"KmsAccessDenied", StatusCode::kPermissionDenied},
           {"ValidationException", StatusCode::kOk},  // the HTTP status decides
           {"", StatusCode::kOk},
       }) {
    EXPECT_EQ(ClassifyErrorCode(c.code), c.expected) << c.code;
  }
}

TEST(AwsErrorsTest, ServiceCodesComeFromTheCaller) {
  static constexpr std::array<std::string_view, 1> kNotFound = {"ResourceNotFoundException"};
  static constexpr std::array<std::string_view, 1> kPrecondition = {"QueueDeletedRecently"};
  EXPECT_EQ(ClassifyErrorCode("ResourceNotFoundException", kNotFound, kPrecondition),
            StatusCode::kNotFound);
  EXPECT_EQ(ClassifyErrorCode("ResourceNotFound", kNotFound), StatusCode::kNotFound);
  EXPECT_EQ(ClassifyErrorCode("QueueDeletedRecently", kNotFound, kPrecondition),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(ClassifyErrorCode("ResourceNotFoundException"), StatusCode::kOk);
}

TEST(AwsErrorsTest, HttpStatusWhenTheCodeDoesNotDecide) {
  for (long status : {408L, 429L, 500L, 502L, 503L, 504L}) {
    EXPECT_EQ(ClassifyHttpStatus(status), StatusCode::kUnavailable) << status;
  }
  EXPECT_EQ(ClassifyHttpStatus(401), StatusCode::kUnauthenticated);
  EXPECT_EQ(ClassifyHttpStatus(403), StatusCode::kPermissionDenied);
  EXPECT_EQ(ClassifyHttpStatus(400), StatusCode::kInvalidArgument);
  EXPECT_EQ(ClassifyHttpStatus(404), StatusCode::kInvalidArgument);
  EXPECT_EQ(ClassifyHttpStatus(501), StatusCode::kInternal);  // not something a retry fixes
  EXPECT_EQ(ClassifyHttpStatus(200), StatusCode::kInternal);
}

}  // namespace
}  // namespace sqs2pg::aws
