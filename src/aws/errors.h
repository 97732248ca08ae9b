// What a failed AWS call's error code and HTTP status say, for every AWS client sqs2pg has (SQS in
// sqs/, Secrets Manager, SSM and KMS through AwsJsonClient), so that a throttled or expired-token
// answer means the same thing whichever service gave it.
//
// Contract:
//  - Codes are compared with a trailing "Exception" ignored ("ThrottlingException" is
//    "Throttling").
//  - ClassifyErrorCode(): the service's own not-found codes -> kNotFound; a code containing
//    "AccessDenied" -> kPermissionDenied; IsCredentialCode() -> kUnauthenticated;
//    IsTransientCode() -> kUnavailable; the service's own precondition codes ->
//    kFailedPrecondition; anything else (and an empty code) -> kOk: the code does not decide.
//  - IsCredentialCode(): InvalidClientTokenId, UnrecognizedClient, SignatureDoesNotMatch,
//    ExpiredToken, IncompleteSignature, MissingAuthenticationToken, RequestExpired: the request's
//    credentials or signature, not its content, were refused.
//  - IsThrottlingCode(): any code containing "Throttl" (Throttling, RequestThrottled,
//    KmsThrottled, ...), TooManyRequests, RequestLimitExceeded, LimitExceeded (KMS's request
//    quota; the other services' LimitExceeded is about creating resources, which sqs2pg never
//    does) and OverLimit (SQS's in-flight limit).
//  - IsTransientCode(): throttling, and the server faults ServiceUnavailable, InternalError,
//    InternalFailure, InternalServerError.
//  - ClassifyHttpStatus(), for answers whose code did not decide: 408, 429, 500, 502, 503, 504 ->
//    kUnavailable (what the AWS SDKs retry); 401 -> kUnauthenticated; 403 -> kPermissionDenied;
//    other 4xx -> kInvalidArgument; anything else -> kInternal.
//  - Pure functions; thread-safe.
#pragma once

#include <span>
#include <string_view>

#include "base/status.h"

namespace sqs2pg::aws {

bool IsCredentialCode(std::string_view code);
bool IsThrottlingCode(std::string_view code);
bool IsTransientCode(std::string_view code);

StatusCode ClassifyErrorCode(std::string_view code,
                             std::span<const std::string_view> not_found_codes = {},
                             std::span<const std::string_view> precondition_codes = {});

StatusCode ClassifyHttpStatus(long status);

}  // namespace sqs2pg::aws
