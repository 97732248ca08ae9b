#include "sqs/sqs_client.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <optional>
#include <utility>

#include "base/backoff.h"
#include "sqs/hashing.h"
#include "sqs/json_codec.h"
#include "sqs/sigv4.h"
#include "sqs/sqs_errors.h"
#include "sqs/url.h"

namespace sqs2pg::sqs {
namespace {

constexpr std::chrono::milliseconds kCallTimeout{20000};
constexpr std::chrono::milliseconds kBackoffBase{100};
constexpr std::chrono::milliseconds kBackoffCap{5000};
constexpr std::chrono::seconds kReceiveTimeoutMargin{10};
constexpr size_t kMaxBatchEntries = 10;
constexpr int kMaxVisibilityTimeout = 43200;  // 12 hours

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

Status CheckBatch(std::string_view operation, size_t n) {
  if (n > kMaxBatchEntries) {
    return InvalidArgumentError(std::string(operation) + ": at most 10 entries per batch, got " +
                                std::to_string(n));
  }
  return Status::Ok();
}

}  // namespace

SqsClient::SqsClient(Options options, std::shared_ptr<HttpTransport> transport,
                     std::shared_ptr<CredentialsProvider> credentials, Clock& clock)
    : options_(std::move(options)),
      transport_(std::move(transport)),
      credentials_(std::move(credentials)),
      clock_(clock) {
  std::string_view endpoint = options_.endpoint_url;
  while (endpoint.ends_with('/')) endpoint.remove_suffix(1);
  request_url_ = std::string(endpoint) + "/";
  Result<ParsedUrl> url = ParseUrl(endpoint);
  if (!url.ok()) {
    endpoint_status_ = url.status().WithContext("SQS endpoint");
  } else {
    host_ = HostHeaderValue(*url);
  }
}

Result<HttpResponse> SqsClient::Attempt(std::string_view operation, HttpRequest& request,
                                        bool* transport_failed) {
  Result<Credentials> creds = credentials_->GetCredentials();
  if (!creds.ok()) {
    const std::string context =
        std::string(operation) + ": credentials (" + std::string(credentials_->Name()) + ")";
    if (creds.status().code() == StatusCode::kNotFound) {
      return UnauthenticatedError(context + ": " + creds.status().message());
    }
    return creds.status().WithContext(context);
  }

  request.headers = {{"Host", host_},
                     {"Content-Type", std::string(json_codec::kContentType)},
                     {"X-Amz-Target", json_codec::Target(operation)}};
  SigningInput in;
  in.method = request.method;
  in.url = request.url;
  in.headers = request.headers;
  in.body = request.body;
  in.region = options_.region;
  in.service = "sqs";
  in.time = clock_.WallNow();
  for (auto& header : SignRequest(in, *creds)) request.headers.push_back(std::move(header));

  Result<HttpResponse> response = transport_->Send(request);
  if (!response.ok()) {
    *transport_failed = true;
    return response.status().WithContext(operation);
  }
  if (response->status >= 200 && response->status < 300) return response;
  return StatusFromError(operation, response->status, json_codec::DecodeError(*response));
}

Result<HttpResponse> SqsClient::Call(std::string_view operation, std::string body,
                                     std::chrono::milliseconds timeout,
                                     const std::atomic<bool>* cancel) {
  if (!endpoint_status_.ok()) return endpoint_status_.WithContext(operation);
  HttpRequest request;
  request.method = "POST";
  request.url = request_url_;
  request.body = std::move(body);
  request.timeout = timeout;
  request.cancel = cancel;

  const int max_attempts = std::max(1, options_.max_attempts);
  std::optional<Backoff> backoff;  // seeded only when a retry is needed
  int retry_cost = 0;              // what the retry that led to this attempt took from the budget
  for (int attempt = 1;; ++attempt) {
    bool transport_failed = false;
    Result<HttpResponse> response = Attempt(operation, request, &transport_failed);
    if (response.ok()) {
      retry_budget_.OnSuccess(retry_cost);
      return response;
    }
    if (!response.status().IsRetryable() || attempt >= max_attempts) return response;
    if (cancel != nullptr && cancel->load()) return CancelledError(std::string(operation));
    retry_cost = transport_failed ? RetryBudget::kTimeoutRetryCost : RetryBudget::kRetryCost;
    if (!retry_budget_.TryAcquire(retry_cost)) {
      spdlog::debug("SQS {}: retry budget exhausted; not retrying", operation);
      return response;
    }
    if (!backoff) backoff.emplace(kBackoffBase, kBackoffCap);
    const std::chrono::milliseconds delay = backoff->Next();
    spdlog::warn("SQS {} attempt {}/{} failed: {}; retrying in {} ms", operation, attempt,
                 max_attempts, response.status().ToString(), delay.count());
    clock_.SleepFor(delay);
  }
}

Result<ReceiveResult> SqsClient::ReceiveMessage(std::string_view queue_url,
                                                const ReceiveRequest& r) {
  constexpr std::string_view kOp = "ReceiveMessage";
  if (r.max_messages < 1 || r.max_messages > 10) {
    return InvalidArgumentError("ReceiveMessage: MaxNumberOfMessages must be 1-10");
  }
  if (r.wait_time_seconds < 0 || r.wait_time_seconds > 20) {
    return InvalidArgumentError("ReceiveMessage: WaitTimeSeconds must be 0-20");
  }
  if (r.visibility_timeout &&
      (*r.visibility_timeout < 0 || *r.visibility_timeout > kMaxVisibilityTimeout)) {
    return InvalidArgumentError("ReceiveMessage: VisibilityTimeout must be 0-43200");
  }
  Result<std::string> body = json_codec::EncodeReceiveMessage(queue_url, r);
  if (!body.ok()) return body.status().WithContext(kOp);

  const auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::seconds(r.wait_time_seconds) + kReceiveTimeoutMargin);
  SQS2PG_ASSIGN_OR_RETURN(HttpResponse response, Call(kOp, std::move(*body), timeout, r.cancel));
  Result<std::vector<json_codec::ReceivedMessage>> decoded =
      json_codec::DecodeReceiveMessage(response.body);
  if (!decoded.ok()) return decoded.status().WithContext(kOp);

  ReceiveResult result;
  result.messages.reserve(decoded->size());
  for (json_codec::ReceivedMessage& m : *decoded) {
    // Some emulators omit MD5OfBody; only a digest that is present and wrong proves corruption.
    if (!m.md5_of_body.empty() && !EqualsIgnoreCase(Md5Hex(m.message.body), m.md5_of_body)) {
      ++result.md5_mismatches;
      spdlog::warn("SQS ReceiveMessage: dropped message {}: MD5OfBody mismatch",
                   m.message.message_id);
      continue;
    }
    result.messages.push_back(std::move(m.message));
  }
  return result;
}

Result<std::vector<BatchFailure>> SqsClient::CallBatch(std::string_view operation,
                                                       Result<std::string> body) {
  if (!body.ok()) return body.status().WithContext(operation);
  SQS2PG_ASSIGN_OR_RETURN(HttpResponse response, Call(operation, std::move(*body), kCallTimeout));
  Result<std::vector<BatchFailure>> failures = json_codec::DecodeBatchResult(response.body);
  if (!failures.ok()) return failures.status().WithContext(operation);
  return failures;
}

Result<std::vector<BatchFailure>> SqsClient::DeleteMessageBatch(
    std::string_view queue_url, const std::vector<DeleteEntry>& entries) {
  constexpr std::string_view kOp = "DeleteMessageBatch";
  if (entries.empty()) return std::vector<BatchFailure>{};
  SQS2PG_RETURN_IF_ERROR(CheckBatch(kOp, entries.size()));
  return CallBatch(kOp, json_codec::EncodeDeleteMessageBatch(queue_url, entries));
}

Result<std::vector<BatchFailure>> SqsClient::SendMessageBatch(
    std::string_view queue_url, const std::vector<SendEntry>& entries) {
  constexpr std::string_view kOp = "SendMessageBatch";
  if (entries.empty()) return std::vector<BatchFailure>{};
  SQS2PG_RETURN_IF_ERROR(CheckBatch(kOp, entries.size()));
  return CallBatch(kOp, json_codec::EncodeSendMessageBatch(queue_url, entries));
}

Result<std::vector<BatchFailure>> SqsClient::ChangeMessageVisibilityBatch(
    std::string_view queue_url, const std::vector<VisibilityEntry>& entries) {
  constexpr std::string_view kOp = "ChangeMessageVisibilityBatch";
  if (entries.empty()) return std::vector<BatchFailure>{};
  SQS2PG_RETURN_IF_ERROR(CheckBatch(kOp, entries.size()));
  return CallBatch(kOp, json_codec::EncodeChangeMessageVisibilityBatch(queue_url, entries));
}

Result<std::map<std::string, std::string>> SqsClient::GetQueueAttributes(
    std::string_view queue_url, const std::vector<std::string>& names) {
  constexpr std::string_view kOp = "GetQueueAttributes";
  Result<std::string> body = json_codec::EncodeGetQueueAttributes(queue_url, names);
  if (!body.ok()) return body.status().WithContext(kOp);
  SQS2PG_ASSIGN_OR_RETURN(HttpResponse response, Call(kOp, std::move(*body), kCallTimeout));
  Result<std::map<std::string, std::string>> attributes =
      json_codec::DecodeGetQueueAttributes(response.body);
  if (!attributes.ok()) return attributes.status().WithContext(kOp);
  return attributes;
}

Result<std::string> SqsClient::CreateQueue(std::string_view name,
                                           const std::map<std::string, std::string>& attributes) {
  constexpr std::string_view kOp = "CreateQueue";
  Result<std::string> body = json_codec::EncodeCreateQueue(name, attributes);
  if (!body.ok()) return body.status().WithContext(kOp);
  SQS2PG_ASSIGN_OR_RETURN(HttpResponse response, Call(kOp, std::move(*body), kCallTimeout));
  Result<std::string> url = json_codec::DecodeQueueUrl(response.body);
  if (!url.ok()) return url.status().WithContext(kOp);
  return url;
}

Result<std::string> SqsClient::GetQueueUrl(std::string_view name) {
  constexpr std::string_view kOp = "GetQueueUrl";
  Result<std::string> body = json_codec::EncodeGetQueueUrl(name);
  if (!body.ok()) return body.status().WithContext(kOp);
  SQS2PG_ASSIGN_OR_RETURN(HttpResponse response, Call(kOp, std::move(*body), kCallTimeout));
  Result<std::string> url = json_codec::DecodeQueueUrl(response.body);
  if (!url.ok()) return url.status().WithContext(kOp);
  return url;
}

}  // namespace sqs2pg::sqs
