// AwsJsonClient: one AWS service spoken in the AWS JSON 1.1 protocol (Secrets Manager, SSM, KMS),
// signed with SigV4 through the shared credential chain.
//
// Contract:
//  - Call() sends `POST /` to Options::endpoint_url with Content-Type application/x-amz-json-1.1,
//    X-Amz-Target "<target_prefix>.<operation>" and the given JSON body, signed for
//    Options::signing_name and Options::region at the Clock's WallNow(). A 2xx answer's body is
//    returned; anything else becomes a Status.
//  - Retries: a transport failure or any answer classified kUnavailable (throttling and server
//    fault codes, HTTP 408/429/500/502/503/504: aws/errors.h) is retried up to
//    Options::max_attempts attempts in total, with exponential backoff and full jitter (base
//    100 ms, cap 2 s) slept through the Clock, while the client's RetryBudget has tokens. Every
//    other failure is returned at once.
//  - Errors: the error code comes from the JSON body's __type, code or Code (the part after '#'),
//    else the x-amzn-ErrorType header (the part before ':'), else an XML <Code> (some emulators
//    answer authorization failures in XML); the message from "message"/"Message" or <Message>. The
//    code, then the HTTP status, are classified as aws/errors.h says, with Options::not_found_codes
//    as the service's kNotFound codes. Codes containing AccessDenied are kPermissionDenied with the
//    one-line message
//      "access denied: <signing_name>:<operation> on <resource> (<code>: <server message>)"
//    naming the IAM action and the resource that were refused. Other messages read
//    "<operation>: <code>: <server message>" (the server's message at most 200 characters; the
//    caller adds which resource it was about). A credentials source that is not configured is
//    kUnauthenticated. Transport failures keep the transport's code, with the operation and
//    endpoint as context.
//  - Nothing here logs or returns a request or response body (they may carry keys), a secret or a
//    session token. Retries are logged at warn with the operation and the Status only.
//  - Thread-safety: Call() may be used from several threads. The client shares ownership of the
//    transport and credentials; the Clock must outlive it.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "aws/credentials.h"
#include "aws/http_transport.h"
#include "aws/retry_budget.h"
#include "base/clock.h"
#include "base/status.h"

namespace sqs2pg::aws {

class AwsJsonClient {
 public:
  struct Options {
    std::string endpoint_url;   // e.g. https://kms.eu-west-1.amazonaws.com (service_endpoint.h)
    std::string region;         // signing region
    std::string signing_name;   // SigV4 service and IAM action prefix: "secretsmanager", "kms"
    std::string target_prefix;  // X-Amz-Target prefix: "secretsmanager", "AmazonSSM", ...
    std::vector<std::string> not_found_codes;  // e.g. {"ResourceNotFoundException"}
    int max_attempts = 3;
    std::chrono::milliseconds timeout{10000};  // per attempt
  };

  AwsJsonClient(Options options, std::shared_ptr<HttpTransport> transport,
                std::shared_ptr<CredentialsProvider> credentials, Clock& clock = SystemClock());

  // `resource`: what the call is about, for messages (a secret's name, a parameter's, a file).
  Result<std::string> Call(std::string_view operation, std::string_view body,
                           std::string_view resource);

  const Options& options() const { return options_; }

 private:
  // One signed exchange: any HTTP answer, or the transport's (or credentials') failure.
  Result<HttpResponse> Attempt(std::string_view operation, std::string_view body);
  Status ErrorStatus(std::string_view operation, std::string_view resource,
                     const HttpResponse& response) const;

  const Options options_;
  const std::shared_ptr<HttpTransport> transport_;
  const std::shared_ptr<CredentialsProvider> credentials_;
  Clock& clock_;
  RetryBudget retry_budget_;
  Status endpoint_status_;  // non-OK if options_.endpoint_url does not parse
  std::string request_url_;
  std::string host_;
};

// What an AWS error answer says: its code and message (see the contract above for where they are
// found). Exposed for tests.
struct AwsErrorInfo {
  std::string code;  // without namespace or "#": "AccessDeniedException"
  std::string message;
};
AwsErrorInfo DecodeAwsError(const HttpResponse& response);

// At most `max_chars` UTF-8 characters of `s`, cut on a character boundary.
std::string TruncateUtf8(std::string_view s, size_t max_chars);

}  // namespace sqs2pg::aws
