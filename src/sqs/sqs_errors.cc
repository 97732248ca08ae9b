#include "sqs/sqs_errors.h"

#include <array>

#include "aws/errors.h"

namespace sqs2pg::sqs {
namespace {

// The code-based classification (aws/errors.h, with SQS's own codes), or kOk if the code says
// nothing decisive.
StatusCode ClassifyCode(std::string_view code) {
  static constexpr std::array<std::string_view, 2> kNotFound = {
      "QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue"};
  static constexpr std::array<std::string_view, 5> kPrecondition = {
      "QueueDeletedRecently", "AWS.SimpleQueueService.QueueDeletedRecently", "QueueNameExists",
      "QueueAlreadyExists", "UnsupportedOperation"};
  const StatusCode status = aws::ClassifyErrorCode(code, kNotFound, kPrecondition);
  if (status != StatusCode::kOk) return status;
  // Server-side encryption faults (KmsDisabled, KmsNotFound, KmsInvalidState, ...): KmsThrottled
  // and KmsAccessDenied were classified above.
  if (code.starts_with("Kms") || code.starts_with("KMS")) return StatusCode::kFailedPrecondition;
  return StatusCode::kOk;
}

}  // namespace

Status StatusFromError(std::string_view operation, long http_status, const ErrorInfo& error) {
  StatusCode code = ClassifyCode(error.code);
  if (code == StatusCode::kOk) code = ClassifyCode(error.query_code);
  if (code == StatusCode::kOk) code = aws::ClassifyHttpStatus(http_status);

  std::string message(operation);
  message += ": ";
  if (!error.code.empty()) {
    message += error.code;
  } else if (!error.query_code.empty()) {
    message += error.query_code;
  } else {
    message += "HTTP " + std::to_string(http_status);
  }
  if (!error.message.empty()) {
    message += ": ";
    message += TruncateUtf8(error.message, 200);
  }
  return Status(code, std::move(message));
}

}  // namespace sqs2pg::sqs
