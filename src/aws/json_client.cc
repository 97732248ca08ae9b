#include "aws/json_client.h"

#include <simdjson.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <optional>
#include <utility>

#include "aws/errors.h"
#include "aws/sigv4.h"
#include "aws/url.h"
#include "base/backoff.h"

namespace sqs2pg::aws {
namespace {

constexpr std::chrono::milliseconds kBackoffBase{100};
constexpr std::chrono::milliseconds kBackoffCap{2000};
constexpr size_t kMaxServerMessageChars = 200;

std::string_view Between(std::string_view s, std::string_view open, std::string_view close) {
  const size_t start = s.find(open);
  if (start == std::string_view::npos) return {};
  const size_t from = start + open.size();
  const size_t end = s.find(close, from);
  return end == std::string_view::npos ? std::string_view{} : s.substr(from, end - from);
}

}  // namespace

std::string TruncateUtf8(std::string_view s, size_t max_chars) {
  size_t chars = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    // Every byte that is not a continuation byte starts a character.
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
      if (chars == max_chars) return std::string(s.substr(0, i));
      ++chars;
    }
  }
  return std::string(s);
}

AwsErrorInfo DecodeAwsError(const HttpResponse& response) {
  AwsErrorInfo info;
  std::string_view body = response.body;
  while (!body.empty() && (body.front() == ' ' || body.front() == '\n' || body.front() == '\r' ||
                           body.front() == '\t')) {
    body.remove_prefix(1);
  }
  if (body.starts_with("{")) {
    simdjson::dom::parser parser;
    simdjson::dom::object root;
    if (parser.parse(body.data(), body.size()).get_object().get(root) == simdjson::SUCCESS) {
      std::string_view text;
      if (root["__type"].get_string().get(text) == simdjson::SUCCESS ||
          root["code"].get_string().get(text) == simdjson::SUCCESS ||
          root["Code"].get_string().get(text) == simdjson::SUCCESS) {
        const size_t hash = text.rfind('#');
        info.code = std::string(hash == std::string_view::npos ? text : text.substr(hash + 1));
      }
      if (root["message"].get_string().get(text) == simdjson::SUCCESS ||
          root["Message"].get_string().get(text) == simdjson::SUCCESS) {
        info.message = std::string(text);
      }
    }
  } else if (body.starts_with("<")) {
    info.code = std::string(Between(body, "<Code>", "</Code>"));
    info.message = std::string(Between(body, "<Message>", "</Message>"));
  }
  if (info.code.empty()) {
    // restJson-style servers name the error in a header: "Code:http://internal.amazon.com/...".
    if (const std::string* type = response.Header("x-amzn-errortype")) {
      info.code = type->substr(0, type->find(':'));
    }
  }
  return info;
}

AwsJsonClient::AwsJsonClient(Options options, std::shared_ptr<HttpTransport> transport,
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
    endpoint_status_ = url.status().WithContext("endpoint of " + options_.signing_name);
  } else {
    host_ = HostHeaderValue(*url);
  }
}

Result<HttpResponse> AwsJsonClient::Attempt(std::string_view operation, std::string_view body) {
  Result<Credentials> creds = CredentialsForRequest(*credentials_, operation);
  if (!creds.ok()) return creds.status();
  HttpRequest request;
  request.method = "POST";
  request.url = request_url_;
  request.timeout = options_.timeout;
  request.body = std::string(body);
  request.headers = {{"Host", host_},
                     {"Content-Type", "application/x-amz-json-1.1"},
                     {"X-Amz-Target", options_.target_prefix + "." + std::string(operation)}};
  SigningInput in;
  in.method = request.method;
  in.url = request.url;
  in.headers = request.headers;
  in.body = request.body;
  in.region = options_.region;
  in.service = options_.signing_name;
  in.time = clock_.WallNow();
  for (auto& header : SignRequest(in, *creds)) request.headers.push_back(std::move(header));
  Result<HttpResponse> response = transport_->Send(request);
  if (!response.ok()) {
    return response.status().WithContext(std::string(operation) + " (" + options_.endpoint_url +
                                         ")");
  }
  return response;
}

Status AwsJsonClient::ErrorStatus(std::string_view operation, std::string_view resource,
                                  const HttpResponse& response) const {
  const AwsErrorInfo error = DecodeAwsError(response);
  const std::string code =
      error.code.empty() ? "HTTP " + std::to_string(response.status) : error.code;
  const std::string server_message = TruncateUtf8(error.message, kMaxServerMessageChars);
  const std::string detail = server_message.empty() ? code : code + ": " + server_message;
  const std::vector<std::string_view> not_found(options_.not_found_codes.begin(),
                                                options_.not_found_codes.end());
  StatusCode status_code = ClassifyErrorCode(error.code, not_found);
  if (status_code == StatusCode::kPermissionDenied) {
    return PermissionDeniedError("access denied: " + options_.signing_name + ":" +
                                 std::string(operation) + " on " + std::string(resource) + " (" +
                                 detail + ")");
  }
  if (status_code == StatusCode::kOk) status_code = ClassifyHttpStatus(response.status);
  return Status(status_code, std::string(operation) + ": " + detail);
}

Result<std::string> AwsJsonClient::Call(std::string_view operation, std::string_view body,
                                        std::string_view resource) {
  if (!endpoint_status_.ok()) return endpoint_status_.WithContext(operation);
  const int max_attempts = std::max(1, options_.max_attempts);
  std::optional<Backoff> backoff;  // seeded only when a retry is needed
  int retry_cost = 0;
  for (int attempt = 1;; ++attempt) {
    Result<HttpResponse> response = Attempt(operation, body);
    Status failure;
    if (response.ok() && response->status >= 200 && response->status < 300) {
      retry_budget_.OnSuccess(retry_cost);
      return std::move(response->body);
    }
    failure = response.ok() ? ErrorStatus(operation, resource, *response) : response.status();
    if (!failure.IsRetryable() || attempt >= max_attempts) return failure;
    retry_cost = response.ok() ? RetryBudget::kRetryCost : RetryBudget::kTimeoutRetryCost;
    if (!retry_budget_.TryAcquire(retry_cost)) return failure;
    if (!backoff) backoff.emplace(kBackoffBase, kBackoffCap);
    const std::chrono::milliseconds delay = backoff->Next();
    spdlog::warn("{} {} attempt {}/{} failed: {}; retrying in {} ms", options_.signing_name,
                 operation, attempt, max_attempts, failure.ToString(), delay.count());
    clock_.SleepFor(delay);
  }
}

}  // namespace sqs2pg::aws
