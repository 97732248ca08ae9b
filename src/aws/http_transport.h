// HTTP transport: the seam between the SQS client and the network, and where tests inject faults.
//
// Contract:
//  - Send() performs one HTTP exchange, with no retries and no redirects. Any HTTP status is a
//    successful Send(); interpreting it is the caller's job.
//  - Transport failures (connection refused or reset, timeout, DNS failure, TLS handshake failure)
//    return kUnavailable. A malformed URL or unsupported scheme returns kInvalidArgument; a TLS
//    certificate that fails verification returns kFailedPrecondition (retrying cannot fix it). An
//    exchange abandoned through HttpRequest::cancel returns kCancelled. A
//    response body over 64 MiB returns kInternal. Messages name the failure, never the body.
//  - Implementations must be thread-safe: many threads may Send() concurrently.
//  - Response header names are lower-cased; values are trimmed.
//
// The curl transport keeps connections alive and reuses them (a pool of easy handles), verifies
// TLS peers against the system store or `ca_bundle`, honours the proxy environment variables as
// libcurl does (unless HttpRequest::no_proxy), speaks HTTP/1.1, and never sends
// "Expect: 100-continue" or Accept-Encoding.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace sqs2pg::aws {

struct HttpRequest {
  std::string method = "POST";
  std::string url;                                           // full URL of the endpoint
  std::vector<std::pair<std::string, std::string>> headers;  // as sent
  std::string body;
  std::chrono::milliseconds timeout{30000};  // whole exchange, connect included
  // When set and it turns true, the exchange is abandoned within about a second and Send()
  // returns kCancelled (shutdown must not wait out a 20 s long poll), unless the response has
  // begun to arrive: that one completes normally. Must outlive Send().
  const std::atomic<bool>* cancel = nullptr;
  // Connect directly, whatever http_proxy, https_proxy, all_proxy and no_proxy say. For the
  // container and instance-metadata credential endpoints, as the AWS SDKs do: they are
  // link-local or loopback, so a proxy cannot reach the right one, and the request would hand
  // the proxy the Authorization token and accept credentials from it.
  bool no_proxy = false;
};

struct HttpResponse {
  long status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;

  // The first header with this (lower-case) name, or nullptr.
  const std::string* Header(std::string_view lower_name) const;
};

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  virtual Result<HttpResponse> Send(const HttpRequest& request) = 0;
};

struct CurlTransportOptions {
  std::string ca_bundle;  // PEM file; empty = the system store
};

std::shared_ptr<HttpTransport> MakeCurlTransport(CurlTransportOptions options = {});

}  // namespace sqs2pg::aws
