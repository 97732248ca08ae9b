// URL splitting for the SQS client: just enough of RFC 3986 to sign requests and resolve endpoints.
//
// Contract:
//  - ParseUrl() accepts absolute http(s)-style URLs
//  "scheme://[userinfo@]host[:port][/path][?query]"
//    and returns their parts without decoding anything. Errors are kInvalidArgument and quote no
//    part of the input (a URL may carry credentials in its userinfo).
//  - Scheme and host are lower-cased (DNS names are case-insensitive, and SigV4 signs the host in
//    lower case, as botocore does). Path and query keep their bytes.
//  - Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace sqs2pg::aws {

struct ParsedUrl {
  std::string scheme;       // "http" or "https" (or whatever was given), lower case
  std::string host;         // lower case; an IPv6 literal keeps its brackets
  std::optional<int> port;  // only if the URL names one
  std::string path;         // "/" when the URL has none; raw bytes, fragment removed
  std::string query;        // without the '?'; raw bytes
};

Result<ParsedUrl> ParseUrl(std::string_view url);

// The Host header value an HTTP client sends for this URL: host, plus ":port" unless the port is
// the scheme's default.
std::string HostHeaderValue(const ParsedUrl& url);

}  // namespace sqs2pg::aws
