#include "sqs/sqs_client.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <optional>
#include <utility>

#include "aws/errors.h"
#include "aws/hashing.h"
#include "aws/sigv4.h"
#include "aws/url.h"
#include "base/backoff.h"
#include "sqs/json_codec.h"
#include "sqs/sqs_errors.h"

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

SqsClient::SqsClient(Options options, std::shared_ptr<aws::HttpTransport> transport,
                     std::shared_ptr<aws::CredentialsProvider> credentials, Clock& clock)
    : options_(std::move(options)),
      transport_(std::move(transport)),
      credentials_(std::move(credentials)),
      clock_(clock),
      on_request_(options_.on_request),
      use_query_(options_.protocol == Options::Protocol::kQuery),
      protocol_settled_(options_.protocol != Options::Protocol::kAuto) {
  std::string_view endpoint = options_.endpoint_url;
  while (endpoint.ends_with('/')) endpoint.remove_suffix(1);
  request_url_ = std::string(endpoint) + "/";
  Result<aws::ParsedUrl> url = aws::ParseUrl(endpoint);
  if (!url.ok()) {
    endpoint_status_ = url.status().WithContext("SQS endpoint");
  } else {
    host_ = HostHeaderValue(*url);
  }
}

Result<aws::HttpResponse> SqsClient::Attempt(std::string_view operation, const WireCodec& codec,
                                             aws::HttpRequest& request) {
  Result<aws::Credentials> creds = aws::CredentialsForRequest(*credentials_, operation);
  if (!creds.ok()) return creds.status();

  request.headers = {{"Host", host_}, {"Content-Type", std::string(codec.content_type)}};
  if (codec.sends_target_header) {
    request.headers.emplace_back("X-Amz-Target", json_codec::Target(operation));
  }
  aws::SigningInput in;
  in.method = request.method;
  in.url = request.url;
  in.headers = request.headers;
  in.body = request.body;
  in.region = options_.region;
  in.service = "sqs";
  in.time = clock_.WallNow();
  for (auto& header : aws::SignRequest(in, *creds)) request.headers.push_back(std::move(header));

  Result<aws::HttpResponse> response = transport_->Send(request);
  if (!response.ok()) return response.status().WithContext(operation);
  return response;
}

bool SqsClient::SwitchedToQuery(std::string_view operation, const aws::HttpResponse& response) {
  if (options_.protocol != Options::Protocol::kAuto || protocol_settled_.load() ||
      !LooksLikeQueryOnlyServer(response)) {
    return false;
  }
  if (!use_query_.exchange(true)) {
    spdlog::warn(
        "SQS endpoint {} does not speak the AWS JSON protocol (HTTP {} to {}); using the Query "
        "protocol from now on",
        options_.endpoint_url, response.status, operation);
  }
  protocol_settled_ = true;
  return true;
}

Result<SqsClient::Exchange> SqsClient::Call(std::string_view operation, const Encoder& encode,
                                            std::chrono::milliseconds timeout,
                                            const std::atomic<bool>* cancel) {
  if (!endpoint_status_.ok()) return endpoint_status_.WithContext(operation);
  aws::HttpRequest request;
  request.method = "POST";
  request.url = request_url_;
  request.timeout = timeout;
  request.cancel = cancel;

  const int max_attempts = std::max(1, options_.max_attempts);
  std::optional<Backoff> backoff;  // seeded only when a retry is needed
  int retry_cost = 0;              // what the retry that led to this attempt took from the budget
  bool switched = false;
  for (int attempt = 1;; ++attempt) {
    const WireCodec& wire = codec();
    Result<std::string> body = encode(wire);
    if (!body.ok()) return body.status().WithContext(operation);
    request.body = std::move(body).value();

    const auto started = std::chrono::steady_clock::now();
    Result<aws::HttpResponse> response = Attempt(operation, wire, request);
    const auto observe = [&](std::string_view outcome) {
      if (!on_request_) return;
      on_request_(
          operation, outcome,
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    };
    const bool transport_failed = !response.ok();
    Status failure;
    if (response.ok()) {
      if (response->status >= 200 && response->status < 300) {
        observe("ok");
        if (!use_query_.load()) protocol_settled_ = true;
        retry_budget_.OnSuccess(retry_cost);
        return Exchange{std::move(response).value(), &wire};
      }
      if (&wire == &kJsonCodec && !switched && SwitchedToQuery(operation, *response)) {
        switched = true;
        --attempt;  // the same call again, in the protocol the server speaks
        continue;
      }
      if (&wire == &kJsonCodec && options_.protocol == Options::Protocol::kJson &&
          LooksLikeQueryOnlyServer(*response)) {
        observe("error");
        // Retrying cannot help: the server will never speak JSON.
        return FailedPreconditionError(
            std::string(operation) +
            ": the SQS endpoint speaks only the Query protocol (e.g. LocalStack before 3.0), "
            "but --sqs-protocol is json; use auto or query (HTTP " +
            std::to_string(response->status) + ": " +
            TruncateUtf8(wire.decode_error(*response).message, 200) + ")");
      }
      const ErrorInfo error = wire.decode_error(*response);
      const bool throttled = response->status == 429 || aws::IsThrottlingCode(error.code) ||
                             aws::IsThrottlingCode(error.query_code);
      observe(throttled ? "throttled" : "error");
      failure = StatusFromError(operation, response->status, error);
    } else {
      observe("error");
      failure = response.status();
    }
    if (!failure.IsRetryable() || attempt >= max_attempts) return failure;
    if (cancel != nullptr && cancel->load()) return CancelledError(std::string(operation));
    retry_cost =
        transport_failed ? aws::RetryBudget::kTimeoutRetryCost : aws::RetryBudget::kRetryCost;
    if (!retry_budget_.TryAcquire(retry_cost)) {
      spdlog::debug("SQS {}: retry budget exhausted; not retrying", operation);
      return failure;
    }
    if (!backoff) backoff.emplace(kBackoffBase, kBackoffCap);
    const std::chrono::milliseconds delay = backoff->Next();
    spdlog::warn("SQS {} attempt {}/{} failed: {}; retrying in {} ms", operation, attempt,
                 max_attempts, failure.ToString(), delay.count());
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
  const auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::seconds(r.wait_time_seconds) + kReceiveTimeoutMargin);
  SQS2PG_ASSIGN_OR_RETURN(
      Exchange exchange,
      Call(
          kOp, [&](const WireCodec& c) { return c.encode_receive(queue_url, r); }, timeout,
          r.cancel));
  Result<std::vector<ReceivedMessage>> decoded =
      exchange.codec->decode_receive(exchange.response.body);
  if (!decoded.ok()) return decoded.status().WithContext(kOp);

  ReceiveResult result;
  result.messages.reserve(decoded->size());
  std::vector<std::string_view> withheld_groups;  // FIFO groups with a withheld message
  for (ReceivedMessage& m : *decoded) {
    const std::string& group = m.message.message_group_id;
    const bool group_withheld =
        !group.empty() &&
        std::find(withheld_groups.begin(), withheld_groups.end(), group) != withheld_groups.end();
    // Some emulators omit MD5OfBody; only a digest that is present and wrong proves corruption.
    if (!m.md5_of_body.empty() && !EqualsIgnoreCase(aws::Md5Hex(m.message.body), m.md5_of_body)) {
      ++result.md5_mismatches;
      spdlog::warn("SQS ReceiveMessage: withheld message {}: MD5OfBody mismatch",
                   m.message.message_id);
      if (!group.empty() && !group_withheld) withheld_groups.push_back(group);
      result.withheld_receipts.push_back(std::move(m.message.receipt_handle));
      continue;
    }
    if (group_withheld) {
      // A later message of a group whose earlier message was withheld: processing it now would
      // commit it before that one.
      spdlog::debug("SQS ReceiveMessage: withheld message {}: an earlier message of its group was",
                    m.message.message_id);
      result.withheld_receipts.push_back(std::move(m.message.receipt_handle));
      continue;
    }
    result.messages.push_back(std::move(m.message));
  }
  return result;
}

Result<std::vector<BatchFailure>> SqsClient::CallBatch(std::string_view operation,
                                                       const Encoder& encode) {
  SQS2PG_ASSIGN_OR_RETURN(Exchange exchange, Call(operation, encode, kCallTimeout));
  Result<std::vector<BatchFailure>> failures =
      exchange.codec->decode_batch_result(exchange.response.body);
  if (!failures.ok()) return failures.status().WithContext(operation);
  return failures;
}

Result<std::vector<BatchFailure>> SqsClient::DeleteMessageBatch(
    std::string_view queue_url, const std::vector<DeleteEntry>& entries) {
  constexpr std::string_view kOp = "DeleteMessageBatch";
  if (entries.empty()) return std::vector<BatchFailure>{};
  SQS2PG_RETURN_IF_ERROR(CheckBatch(kOp, entries.size()));
  return CallBatch(kOp,
                   [&](const WireCodec& c) { return c.encode_delete_batch(queue_url, entries); });
}

Result<std::vector<BatchFailure>> SqsClient::SendMessageBatch(
    std::string_view queue_url, const std::vector<SendEntry>& entries) {
  constexpr std::string_view kOp = "SendMessageBatch";
  if (entries.empty()) return std::vector<BatchFailure>{};
  SQS2PG_RETURN_IF_ERROR(CheckBatch(kOp, entries.size()));
  return CallBatch(kOp,
                   [&](const WireCodec& c) { return c.encode_send_batch(queue_url, entries); });
}

Result<std::vector<BatchFailure>> SqsClient::ChangeMessageVisibilityBatch(
    std::string_view queue_url, const std::vector<VisibilityEntry>& entries) {
  constexpr std::string_view kOp = "ChangeMessageVisibilityBatch";
  if (entries.empty()) return std::vector<BatchFailure>{};
  SQS2PG_RETURN_IF_ERROR(CheckBatch(kOp, entries.size()));
  return CallBatch(
      kOp, [&](const WireCodec& c) { return c.encode_visibility_batch(queue_url, entries); });
}

Result<std::map<std::string, std::string>> SqsClient::GetQueueAttributes(
    std::string_view queue_url, const std::vector<std::string>& names) {
  constexpr std::string_view kOp = "GetQueueAttributes";
  SQS2PG_ASSIGN_OR_RETURN(
      Exchange exchange,
      Call(
          kOp, [&](const WireCodec& c) { return c.encode_get_queue_attributes(queue_url, names); },
          kCallTimeout));
  Result<std::map<std::string, std::string>> attributes =
      exchange.codec->decode_queue_attributes(exchange.response.body);
  if (!attributes.ok()) return attributes.status().WithContext(kOp);
  return attributes;
}

Result<QueueCounts> SqsClient::GetQueueCounts(std::string_view queue_url) {
  SQS2PG_ASSIGN_OR_RETURN(auto attributes,
                          GetQueueAttributes(queue_url, {"ApproximateNumberOfMessages",
                                                         "ApproximateNumberOfMessagesNotVisible"}));
  const auto count = [&](const char* name) -> int64_t {
    auto it = attributes.find(name);
    return it == attributes.end() ? 0 : std::strtoll(it->second.c_str(), nullptr, 10);
  };
  return QueueCounts{count("ApproximateNumberOfMessages"),
                     count("ApproximateNumberOfMessagesNotVisible")};
}

Result<std::string> SqsClient::CreateQueue(std::string_view name,
                                           const std::map<std::string, std::string>& attributes) {
  constexpr std::string_view kOp = "CreateQueue";
  SQS2PG_ASSIGN_OR_RETURN(
      Exchange exchange,
      Call(
          kOp, [&](const WireCodec& c) { return c.encode_create_queue(name, attributes); },
          kCallTimeout));
  Result<std::string> url = exchange.codec->decode_queue_url(exchange.response.body);
  if (!url.ok()) return url.status().WithContext(kOp);
  return url;
}

Result<std::string> SqsClient::GetQueueUrl(std::string_view name) {
  constexpr std::string_view kOp = "GetQueueUrl";
  SQS2PG_ASSIGN_OR_RETURN(
      Exchange exchange,
      Call(
          kOp, [&](const WireCodec& c) { return c.encode_get_queue_url(name); }, kCallTimeout));
  Result<std::string> url = exchange.codec->decode_queue_url(exchange.response.body);
  if (!url.ok()) return url.status().WithContext(kOp);
  return url;
}

}  // namespace sqs2pg::sqs
