#include "aws/errors.h"

#include <algorithm>
#include <array>

namespace sqs2pg::aws {
namespace {

std::string_view StripException(std::string_view code) {
  constexpr std::string_view kSuffix = "Exception";
  if (code.size() > kSuffix.size() && code.ends_with(kSuffix)) code.remove_suffix(kSuffix.size());
  return code;
}

bool OneOf(std::string_view code, std::span<const std::string_view> names) {
  code = StripException(code);
  return std::any_of(names.begin(), names.end(),
                     [&](std::string_view name) { return StripException(name) == code; });
}

}  // namespace

bool IsCredentialCode(std::string_view code) {
  static constexpr std::array<std::string_view, 7> kCodes = {
      "InvalidClientTokenId", "UnrecognizedClient", "SignatureDoesNotMatch",     "ExpiredToken",
      "IncompleteSignature",  "RequestExpired",     "MissingAuthenticationToken"};
  return OneOf(code, kCodes);
}

bool IsThrottlingCode(std::string_view code) {
  static constexpr std::array<std::string_view, 4> kCodes = {
      "TooManyRequests", "RequestLimitExceeded", "LimitExceeded", "OverLimit"};
  return code.find("Throttl") != std::string_view::npos || OneOf(code, kCodes);
}

bool IsTransientCode(std::string_view code) {
  static constexpr std::array<std::string_view, 4> kServerFaults = {
      "ServiceUnavailable", "InternalError", "InternalFailure", "InternalServerError"};
  return IsThrottlingCode(code) || OneOf(code, kServerFaults);
}

StatusCode ClassifyErrorCode(std::string_view code,
                             std::span<const std::string_view> not_found_codes,
                             std::span<const std::string_view> precondition_codes) {
  if (code.empty()) return StatusCode::kOk;
  if (OneOf(code, not_found_codes)) return StatusCode::kNotFound;
  if (code.find("AccessDenied") != std::string_view::npos) return StatusCode::kPermissionDenied;
  if (IsCredentialCode(code)) return StatusCode::kUnauthenticated;
  if (IsTransientCode(code)) return StatusCode::kUnavailable;
  if (OneOf(code, precondition_codes)) return StatusCode::kFailedPrecondition;
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

}  // namespace sqs2pg::aws
