#include "sqs/sqs_errors.h"

#include <array>

namespace sqs2pg::sqs {
namespace {

std::string_view StripException(std::string_view code) {
  constexpr std::string_view kSuffix = "Exception";
  if (code.size() > kSuffix.size() && code.ends_with(kSuffix)) {
    code.remove_suffix(kSuffix.size());
  }
  return code;
}

template <size_t N>
bool OneOf(std::string_view code, const std::array<std::string_view, N>& names) {
  code = StripException(code);
  for (std::string_view n : names) {
    if (code == n) return true;
  }
  return false;
}

// The code-based classification, or kOk if the code says nothing decisive.
StatusCode ClassifyCode(std::string_view code) {
  if (code.empty()) return StatusCode::kOk;
  static constexpr std::array<std::string_view, 2> kNotFound = {
      "QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue"};
  static constexpr std::array<std::string_view, 7> kUnauthenticated = {
      "InvalidClientTokenId",       "SignatureDoesNotMatch", "ExpiredToken",  "IncompleteSignature",
      "MissingAuthenticationToken", "UnrecognizedClient",    "RequestExpired"};
  static constexpr std::array<std::string_view, 8> kTransient = {
      "Throttling",      "RequestThrottled", "ServiceUnavailable", "InternalError",
      "InternalFailure", "KmsThrottled",     "OverLimit",          "TooManyRequests"};
  static constexpr std::array<std::string_view, 5> kPrecondition = {
      "QueueDeletedRecently", "AWS.SimpleQueueService.QueueDeletedRecently", "QueueNameExists",
      "QueueAlreadyExists", "UnsupportedOperation"};
  if (OneOf(code, kNotFound)) return StatusCode::kNotFound;
  if (code.find("AccessDenied") != std::string_view::npos) return StatusCode::kPermissionDenied;
  if (OneOf(code, kUnauthenticated)) return StatusCode::kUnauthenticated;
  if (OneOf(code, kTransient)) return StatusCode::kUnavailable;
  if (OneOf(code, kPrecondition)) return StatusCode::kFailedPrecondition;
  if (code.starts_with("Kms") || code.starts_with("KMS")) return StatusCode::kFailedPrecondition;
  return StatusCode::kOk;
}

StatusCode ClassifyHttpStatus(long status) {
  switch (status) {
    case 408:
    case 429:
    case 500:
    case 502:
    case 503:
    case 504:
      return StatusCode::kUnavailable;
    case 401:
      return StatusCode::kUnauthenticated;
    case 403:
      return StatusCode::kPermissionDenied;
    default:
      break;
  }
  if (status >= 400 && status < 500) return StatusCode::kInvalidArgument;
  return StatusCode::kInternal;
}

}  // namespace

Status StatusFromError(std::string_view operation, long http_status, const ErrorInfo& error) {
  StatusCode code = ClassifyCode(error.code);
  if (code == StatusCode::kOk) code = ClassifyCode(error.query_code);
  if (code == StatusCode::kOk) code = ClassifyHttpStatus(http_status);

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
