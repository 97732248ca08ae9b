// SqsClient: the Amazon SQS operations sqs2pg needs, over AWS JSON 1.0 with SigV4.
//
// Contract:
//  - Every call is `POST /` to Options::endpoint_url (never to the queue URL's host: emulators
//    hand out queue URLs that may not resolve); the queue URL travels as a body field.
//  - Each attempt fetches credentials from the provider (providers cache), signs with SigV4 at the
//    injected Clock's WallNow(), and sends through the HttpTransport.
//  - Retries: an attempt that fails with kUnavailable (transport failure, HTTP 5xx/429,
//    throttling) is retried up to Options::max_attempts attempts in total, sleeping through the
//    Clock with exponential backoff and full jitter (base 100 ms, cap 5 s), as long as the client's
//    RetryBudget (retry_budget.h; shared by all calls) has tokens: during an outage retries stop
//    and the error reaches the caller at once. Every other failure is returned at once.
//  - Errors (see sqs_errors.h for the code mapping): messages read
//    "<Operation>: <Code>: <server message>". A credentials source that is not configured
//    (kNotFound from the provider) becomes kUnauthenticated. Arguments out of range (a batch of
//    more than 10 entries, MaxNumberOfMessages outside 1-10, WaitTimeSeconds outside 0-20,
//    VisibilityTimeout outside 0-43200) are kInvalidArgument without a call; an empty batch sends
//    nothing and returns no failures. No message body, receipt handle, secret or session token
//    ever appears in a Status or a log line.
//  - ReceiveMessage verifies each message's MD5OfBody (when present): a mismatch means corruption
//    in transit, so the message is dropped (it will be redelivered after its visibility timeout)
//    and counted in ReceiveResult::md5_mismatches. HTTP timeout: WaitTimeSeconds + 10 s; other
//    calls 20 s.
//  - Batch calls return an error only if the whole call failed; per-entry failures come back in
//    the vector (SQS answers HTTP 200 even when some entries fail).
//  - Thread-safety: all methods may be called concurrently from many threads. The client shares
//    ownership of transport and credentials; the Clock must outlive the client.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "sqs/credentials.h"
#include "sqs/http_transport.h"
#include "sqs/retry_budget.h"
#include "sqs/types.h"

namespace sqs2pg::sqs {

class SqsClient {
 public:
  struct Options {
    std::string endpoint_url;  // e.g. https://sqs.eu-west-1.amazonaws.com (see endpoint.h)
    std::string region;        // signing region
    int max_attempts = 3;      // total attempts for transient failures (>= 1)
  };

  SqsClient(Options options, std::shared_ptr<HttpTransport> transport,
            std::shared_ptr<CredentialsProvider> credentials, Clock& clock = SystemClock());

  Result<ReceiveResult> ReceiveMessage(std::string_view queue_url, const ReceiveRequest& r);
  Result<std::vector<BatchFailure>> DeleteMessageBatch(std::string_view queue_url,
                                                       const std::vector<DeleteEntry>& entries);
  Result<std::vector<BatchFailure>> SendMessageBatch(std::string_view queue_url,
                                                     const std::vector<SendEntry>& entries);
  Result<std::vector<BatchFailure>> ChangeMessageVisibilityBatch(
      std::string_view queue_url, const std::vector<VisibilityEntry>& entries);
  Result<std::map<std::string, std::string>> GetQueueAttributes(
      std::string_view queue_url, const std::vector<std::string>& names);
  // Returns the QueueUrl.
  Result<std::string> CreateQueue(std::string_view name,
                                  const std::map<std::string, std::string>& attributes);
  Result<std::string> GetQueueUrl(std::string_view name);

  const std::string& region() const { return options_.region; }
  int retry_tokens() const { return retry_budget_.tokens(); }

 private:
  // Sends an encoded batch request and returns its Failed entries (shared by the three batch
  // operations, which differ only in how they encode).
  Result<std::vector<BatchFailure>> CallBatch(std::string_view operation, Result<std::string> body);
  // One operation with retries; returns the 2xx response or the mapped error.
  // `cancel`: see HttpRequest::cancel; once it is true no further attempt is made.
  Result<HttpResponse> Call(std::string_view operation, std::string body,
                            std::chrono::milliseconds timeout,
                            const std::atomic<bool>* cancel = nullptr);
  // `transport_failed`: set when no HTTP answer came (timeout, reset), which costs a retry more.
  Result<HttpResponse> Attempt(std::string_view operation, HttpRequest& request,
                               bool* transport_failed);

  const Options options_;
  const std::shared_ptr<HttpTransport> transport_;
  const std::shared_ptr<CredentialsProvider> credentials_;
  Clock& clock_;
  RetryBudget retry_budget_;
  Status endpoint_status_;   // non-OK if options_.endpoint_url does not parse
  std::string request_url_;  // "<endpoint without trailing slashes>/"
  std::string host_;         // Host header, the same value the signature covers
};

}  // namespace sqs2pg::sqs
