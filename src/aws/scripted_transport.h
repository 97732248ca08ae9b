// ScriptedTransport: a fake HttpTransport for unit tests of AWS clients (included by *_test.cc
// only; not part of sqs2pg_core). It records every request and answers them in order from a
// script; once the script is used up it repeats its last answer.
#pragma once

#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "aws/http_transport.h"

namespace sqs2pg::aws::testing {

class ScriptedTransport final : public HttpTransport {
 public:
  explicit ScriptedTransport(std::vector<Result<HttpResponse>> answers)
      : answers_(std::move(answers)) {}

  Result<HttpResponse> Send(const HttpRequest& request) override {
    std::lock_guard<std::mutex> lock(mu_);
    requests_.push_back(request);
    const size_t i = std::min(next_++, answers_.size() - 1);
    return answers_[i];
  }
  std::vector<HttpRequest> requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

 private:
  std::mutex mu_;
  const std::vector<Result<HttpResponse>> answers_;
  size_t next_ = 0;
  std::vector<HttpRequest> requests_;
};

// An answer with `status` and `body` (and, if given, an x-amzn-errortype header).
inline HttpResponse Answer(long status, std::string body, std::string error_type = "") {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  if (!error_type.empty()) r.headers.emplace_back("x-amzn-errortype", std::move(error_type));
  return r;
}

// The value of the first request header named `name` (case-insensitive), or "".
inline std::string HeaderOf(const HttpRequest& request, std::string_view name) {
  for (const auto& [key, value] : request.headers) {
    if (key.size() != name.size()) continue;
    bool same = true;
    for (size_t i = 0; i < key.size() && same; ++i) {
      same = std::tolower(static_cast<unsigned char>(key[i])) ==
             std::tolower(static_cast<unsigned char>(name[i]));
    }
    if (same) return value;
  }
  return "";
}

}  // namespace sqs2pg::aws::testing
