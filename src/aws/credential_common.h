// Helpers shared by the credential providers of the default chain (credential_files, web_identity,
// container_credentials, imds_credentials): timestamps, small files, HTTP status mapping and the
// JSON credentials document.
//
// Contract:
//  - Pure functions (ReadSmallFile reads the file system); thread-safe.
//  - No message ever quotes a file's contents, a response body, a token or a secret; paths, HTTP
//    statuses and short error codes are fine.
#pragma once

#include <chrono>
#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>

#include "aws/credentials.h"
#include "base/status.h"

namespace sqs2pg::aws {

// Parses a timestamp as AWS sends credential expirations: "2024-03-14T10:00:00Z", optionally with
// fractional seconds and with "Z", "+hh:mm" or "-hh:mm" (no offset means UTC). kInvalidArgument
// otherwise; the message does not quote the input.
Result<std::chrono::system_clock::time_point> ParseIso8601Utc(std::string_view text);

// "2024-03-14T10:00:00Z" (whole seconds, UTC).
std::string FormatIso8601Utc(std::chrono::system_clock::time_point t);

// Reads a small file (a credentials file, a token). kNotFound if it does not exist (ENOENT or
// ENOTDIR), kInvalidArgument if it cannot be read or is larger than `max_bytes`. Messages start
// with `what` and name the path, never the contents.
Result<std::string> ReadSmallFile(const std::string& path, std::string_view what,
                                  size_t max_bytes = size_t{1} << 20);

std::string_view TrimAsciiWhitespace(std::string_view s);

// The Status for a non-200 answer of a credential endpoint, "<what>: HTTP <status>": 408, 429 and
// 5xx are kUnavailable, 401 and 403 kPermissionDenied, anything else kInvalidArgument (never
// kNotFound: a configured source that answers 404 must not make the chain move on).
Status CredentialHttpError(std::string_view what, long http_status);

// Parses the JSON credentials document of the container and instance metadata endpoints:
// {"AccessKeyId", "SecretAccessKey", "Token" (optional), "Expiration" (optional, ISO 8601)}, and
// IMDS's "Code", which must be "Success" when present (else kFailedPrecondition naming the code).
// kInternal "<what>: malformed credentials response ..." if it is not such a document.
Result<Credentials> ParseCredentialsJson(std::string_view body, std::string_view what);

// Percent-encodes every byte but the RFC 3986 unreserved characters (A-Z a-z 0-9 - _ . ~), for
// application/x-www-form-urlencoded bodies.
std::string PercentEncode(std::string_view s);

// Replaces every occurrence of each non-empty secret in `text` with "<redacted>".
std::string ScrubSecrets(std::string text, std::initializer_list<std::string_view> secrets);

}  // namespace sqs2pg::aws
