// SqsClient: the Amazon SQS operations sqs2pg needs, over AWS JSON 1.0 or the legacy Query
// protocol, with SigV4.
//
// Contract:
//  - Every call is `POST /` to Options::endpoint_url (never to the queue URL's host: emulators
//    hand out queue URLs that may not resolve); the queue URL travels as a body field.
//  - Protocol: Options::protocol. kAuto starts with JSON and, the first time an answer shows the
//    server speaks only Query (wire_codec.h: LooksLikeQueryOnlyServer, e.g. LocalStack 2.x), logs
//    it once and uses Query for that call (again at once, not counted as a retry) and for the rest
//    of the client's life. Once a JSON call has succeeded the choice is settled and never
//    revisited. kJson against such a server fails at once with kFailedPrecondition (no retries).
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
//    in transit, so the message is withheld (not returned; its receipt is listed in
//    ReceiveResult::withheld_receipts for the caller to hand back) and counted in
//    ReceiveResult::md5_mismatches. On a FIFO queue (messages with a MessageGroupId) every later
//    message of the same group in the same answer is withheld too, so that no message of a group
//    is processed before an earlier one of that group. HTTP timeout: WaitTimeSeconds + 10 s; other
//    calls 20 s.
//  - Batch calls return an error only if the whole call failed; per-entry failures come back in
//    the vector (SQS answers HTTP 200 even when some entries fail).
//  - Thread-safety: all methods may be called concurrently from many threads. The client shares
//    ownership of transport and credentials; the Clock must outlive the client.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "aws/credentials.h"
#include "aws/http_transport.h"
#include "aws/retry_budget.h"
#include "base/clock.h"
#include "base/status.h"
#include "sqs/types.h"
#include "sqs/wire_codec.h"

namespace sqs2pg::sqs {

class SqsClient {
 public:
  struct Options {
    std::string endpoint_url;  // e.g. https://sqs.eu-west-1.amazonaws.com (see endpoint.h)
    std::string region;        // signing region
    int max_attempts = 3;      // total attempts for transient failures (>= 1)
    enum class Protocol { kAuto, kJson, kQuery };
    Protocol protocol = Protocol::kAuto;
    // Called after every attempt (for metrics): the operation, "ok" (2xx), "throttled" (429 or a
    // throttling code) or "error" (any other answer, or none), and the attempt's seconds. Called
    // from the calling thread; must be thread-safe and must not call back into the client.
    std::function<void(std::string_view operation, std::string_view outcome, double seconds)>
        on_request = nullptr;
  };

  SqsClient(Options options, std::shared_ptr<aws::HttpTransport> transport,
            std::shared_ptr<aws::CredentialsProvider> credentials, Clock& clock = SystemClock());

  Result<ReceiveResult> ReceiveMessage(std::string_view queue_url, const ReceiveRequest& r);
  Result<std::vector<BatchFailure>> DeleteMessageBatch(std::string_view queue_url,
                                                       const std::vector<DeleteEntry>& entries);
  Result<std::vector<BatchFailure>> SendMessageBatch(std::string_view queue_url,
                                                     const std::vector<SendEntry>& entries);
  Result<std::vector<BatchFailure>> ChangeMessageVisibilityBatch(
      std::string_view queue_url, const std::vector<VisibilityEntry>& entries);
  Result<std::map<std::string, std::string>> GetQueueAttributes(
      std::string_view queue_url, const std::vector<std::string>& names);
  // GetQueueAttributes for the two approximate counts.
  Result<QueueCounts> GetQueueCounts(std::string_view queue_url);
  // Returns the QueueUrl.
  Result<std::string> CreateQueue(std::string_view name,
                                  const std::map<std::string, std::string>& attributes);
  Result<std::string> GetQueueUrl(std::string_view name);

  const std::string& region() const { return options_.region; }
  int retry_tokens() const { return retry_budget_.tokens(); }
  using RequestObserver = std::function<void(std::string_view, std::string_view, double)>;
  // Replaces Options::on_request. Call before the client is shared between threads.
  void SetRequestObserver(RequestObserver observer) { on_request_ = std::move(observer); }

  // "json" or "query": the protocol the next call will use.
  std::string_view protocol() const { return codec().name; }

 private:
  // Builds the request body in the protocol of the codec given (it may change between attempts).
  using Encoder = std::function<Result<std::string>(const WireCodec&)>;
  struct Exchange {
    aws::HttpResponse response;  // 2xx
    const WireCodec* codec;      // the protocol it was spoken in, to decode it
  };

  const WireCodec& codec() const { return use_query_.load() ? kQueryCodec : kJsonCodec; }
  // Sends a batch request and returns its Failed entries (shared by the three batch operations,
  // which differ only in how they encode).
  Result<std::vector<BatchFailure>> CallBatch(std::string_view operation, const Encoder& encode);
  // One operation with retries; returns the 2xx response or the mapped error.
  // `cancel`: see HttpRequest::cancel; once it is true no further attempt is made.
  Result<Exchange> Call(std::string_view operation, const Encoder& encode,
                        std::chrono::milliseconds timeout,
                        const std::atomic<bool>* cancel = nullptr);
  // One signed exchange: any HTTP answer, or the transport's (or credentials') failure.
  Result<aws::HttpResponse> Attempt(std::string_view operation, const WireCodec& codec,
                                    aws::HttpRequest& request);
  // In auto mode: switches to Query if `response` (to a JSON request) shows it is needed.
  bool SwitchedToQuery(std::string_view operation, const aws::HttpResponse& response);

  const Options options_;
  const std::shared_ptr<aws::HttpTransport> transport_;
  const std::shared_ptr<aws::CredentialsProvider> credentials_;
  Clock& clock_;
  aws::RetryBudget retry_budget_;
  RequestObserver on_request_;
  std::atomic<bool> use_query_{false};
  std::atomic<bool> protocol_settled_{false};  // no more switching
  Status endpoint_status_;                     // non-OK if options_.endpoint_url does not parse
  std::string request_url_;                    // "<endpoint without trailing slashes>/"
  std::string host_;                           // Host header, the same value the signature covers
};

}  // namespace sqs2pg::sqs
