// AWS Signature Version 4 for request headers, implemented on OpenSSL (no AWS SDK).
//
// Contract:
//  - SignRequest() returns the headers to add to the request: X-Amz-Date, X-Amz-Security-Token
//    (only with a session token) and Authorization. It signs host (from a Host header in `headers`
//    if present, else from the URL), x-amz-date, content-type when present, and every x-amz-*
//    header given (x-amz-target, ...), plus x-amz-security-token when present. Any x-amz-date,
//    x-amz-security-token or authorization in `headers` is ignored: the returned values replace
//    them. The payload hash is hex SHA-256 of the body (or the value of a given
//    x-amz-content-sha256 header); SQS needs no x-amz-content-sha256, so none is added.
//  - Canonical forms follow the AWS rules for non-S3 services (as botocore does): the URL path has
//    dot segments and empty segments removed and each segment percent-encoded once as given
//    (RFC 3986 unreserved characters kept, %XX upper case); query parameters are decoded,
//    re-encoded the same way and sorted; header names are lower-cased, values trimmed with inner
//    whitespace runs collapsed, and repeated headers joined with ','.
//  - A URL that does not parse is signed as if its host were empty and its path "/" (the request
//    cannot succeed; SqsClient validates its endpoint before signing).
//  - Nothing here logs or returns the secret key; the returned headers carry the session token,
//    which callers must not log.
//  - Pure functions; thread-safe. SignRequest keeps the last signing key each thread derived
//    (keyed by secret, day, region and service) to spare four HMACs per request.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aws/credentials.h"

namespace sqs2pg::aws {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct SigningInput {
  std::string method = "POST";
  std::string url;  // full URL: host, canonical path and canonical query come from it
  HeaderList headers;
  std::string_view body;  // borrowed: must outlive the SignRequest() call
  std::string region;
  std::string service;
  std::chrono::system_clock::time_point time;
};

HeaderList SignRequest(const SigningInput& input, const Credentials& credentials);

// The pieces, exposed for tests against AWS's published examples.

struct CanonicalForm {
  std::string request;         // the canonical request
  std::string signed_headers;  // "content-type;host;x-amz-date"
};

// Canonical request over exactly `headers_to_sign` (which must include host).
CanonicalForm CanonicalRequest(std::string_view method, std::string_view url,
                               const HeaderList& headers_to_sign, std::string_view payload_hash);

// "AWS4-HMAC-SHA256\n<amz_date>\n<scope>\n<hex sha256 of canonical_request>".
std::string StringToSign(std::string_view amz_date, std::string_view credential_scope,
                         std::string_view canonical_request);

// The raw 32-byte signing key for "<date>/<region>/<service>/aws4_request"; date is YYYYMMDD.
std::string DeriveSigningKey(std::string_view secret_access_key, std::string_view date,
                             std::string_view region, std::string_view service);

// "<date>/<region>/<service>/aws4_request".
std::string CredentialScope(std::string_view date, std::string_view region,
                            std::string_view service);

// "20150830T123600Z" (UTC).
std::string FormatAmzDate(std::chrono::system_clock::time_point time);

// Percent-encodes everything but RFC 3986 unreserved characters (and '/' if keep_slash).
std::string UriEncode(std::string_view s, bool keep_slash);

std::string CanonicalUri(std::string_view path);
std::string CanonicalQueryString(std::string_view query);

}  // namespace sqs2pg::aws
