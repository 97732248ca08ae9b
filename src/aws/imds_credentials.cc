#include "aws/imds_credentials.h"

#include <algorithm>
#include <cctype>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "aws/credential_common.h"
#include "aws/url.h"

namespace sqs2pg::aws {
namespace {

constexpr std::string_view kWhat = "EC2 instance metadata";
constexpr std::chrono::milliseconds kTokenTimeout{1000};
constexpr std::chrono::milliseconds kGetTimeout{2000};
constexpr std::chrono::seconds kTokenRenewBefore{300};
constexpr std::string_view kCredentialsPath = "/latest/meta-data/iam/security-credentials/";

std::string Get(const EnvGetter& env, const std::string& name) {
  std::optional<std::string> v = env(name);
  return v ? std::string(TrimAsciiWhitespace(*v)) : std::string();
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool ValidRoleName(std::string_view role) {
  if (role.empty() || role.size() > 128) return false;
  return std::all_of(role.begin(), role.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           std::string_view("+=,.@_-").find(c) != std::string_view::npos;
  });
}

Result<std::string> ReadEndpoint(const EnvGetter& env) {
  if (Lower(Get(env, "AWS_EC2_METADATA_DISABLED")) == "true") {
    return NotFoundError(std::string(kWhat) + ": disabled by AWS_EC2_METADATA_DISABLED");
  }
  std::string endpoint = Get(env, "AWS_EC2_METADATA_SERVICE_ENDPOINT");
  if (endpoint.empty()) {
    endpoint = Lower(Get(env, "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE")) == "ipv6"
                   ? "http://[fd00:ec2::254]"
                   : std::string(kImdsDefaultEndpoint);
  }
  while (endpoint.ends_with('/')) endpoint.pop_back();
  Result<ParsedUrl> url = ParseUrl(endpoint);
  if (!url.ok() || (url->scheme != "http" && url->scheme != "https")) {
    return InvalidArgumentError(
        std::string(kWhat) +
        ": AWS_EC2_METADATA_SERVICE_ENDPOINT is not an http(s) URL with a host");
  }
  return endpoint;
}

class ImdsFetcher final : public CredentialsProvider {
 public:
  ImdsFetcher(const EnvGetter& env, std::shared_ptr<HttpTransport> transport, Clock& clock)
      : endpoint_(ReadEndpoint(env)), transport_(std::move(transport)), clock_(clock) {}

  Result<Credentials> GetCredentials() override {
    if (!endpoint_.ok()) return endpoint_.status();
    std::lock_guard<std::mutex> lock(mu_);
    for (int attempt = 0;; ++attempt) {
      SQS2PG_ASSIGN_OR_RETURN(std::string token, Token());
      SQS2PG_ASSIGN_OR_RETURN(HttpResponse roles, Fetch(std::string(kCredentialsPath), token));
      if (roles.status == 401 && attempt == 0) {
        token_.reset();
        continue;
      }
      if (roles.status == 404) {
        return NotFoundError(std::string(kWhat) + ": no IAM role is attached to this instance");
      }
      if (roles.status != 200) {
        return CredentialHttpError(std::string(kWhat) + ": listing the instance's role",
                                   roles.status);
      }
      const std::string_view first = std::string_view(roles.body).substr(0, roles.body.find('\n'));
      const std::string role(TrimAsciiWhitespace(first));
      if (role.empty()) {
        return NotFoundError(std::string(kWhat) + ": no IAM role is attached to this instance");
      }
      if (!ValidRoleName(role)) {
        return InternalError(std::string(kWhat) + ": malformed role name in the role list");
      }
      SQS2PG_ASSIGN_OR_RETURN(HttpResponse creds,
                              Fetch(std::string(kCredentialsPath) + role, token));
      if (creds.status == 401 && attempt == 0) {
        token_.reset();
        continue;
      }
      const std::string what = std::string(kWhat) + ": credentials of role " + role;
      if (creds.status != 200) return CredentialHttpError(what, creds.status);
      return ParseCredentialsJson(creds.body, what);
    }
  }

  std::string_view Name() const override { return kWhat; }

 private:
  // With mu_ held: the cached session token, or a new one.
  Result<std::string> Token() {
    const auto now = clock_.SteadyNow();
    if (token_ && now < token_renew_at_) return *token_;
    HttpRequest request;
    request.method = "PUT";
    request.url = *endpoint_ + "/latest/api/token";
    request.headers = {
        {"X-aws-ec2-metadata-token-ttl-seconds", std::to_string(kImdsTokenTtl.count())}};
    request.timeout = kTokenTimeout;
    request.no_proxy = true;  // link-local: a proxy would get the token and could forge credentials
    Result<HttpResponse> response = transport_->Send(request);
    if (!response.ok()) {
      return response.status().WithContext(std::string(kWhat) + ": token request to " + *endpoint_);
    }
    if (response->status != 200) {
      return CredentialHttpError(std::string(kWhat) + ": token request to " + *endpoint_,
                                 response->status);
    }
    const std::string token(TrimAsciiWhitespace(response->body));
    if (token.empty()) return InternalError(std::string(kWhat) + ": empty session token");
    token_ = token;
    token_renew_at_ = now + kImdsTokenTtl - kTokenRenewBefore;
    return token;
  }

  Result<HttpResponse> Fetch(const std::string& path, const std::string& token) {
    HttpRequest request;
    request.method = "GET";
    request.url = *endpoint_ + path;
    request.headers = {{"X-aws-ec2-metadata-token", token}};
    request.timeout = kGetTimeout;
    request.no_proxy = true;
    Result<HttpResponse> response = transport_->Send(request);
    if (!response.ok()) {
      return Status(response.status().code(), ScrubSecrets(response.status().message(), {token}))
          .WithContext(std::string(kWhat) + ": " + *endpoint_);
    }
    return response;
  }

  const Result<std::string> endpoint_;
  const std::shared_ptr<HttpTransport> transport_;
  Clock& clock_;
  std::mutex mu_;
  std::optional<std::string> token_;
  std::chrono::steady_clock::time_point token_renew_at_{};
};

}  // namespace

std::shared_ptr<CredentialsProvider> MakeImdsCredentialsProvider(
    const EnvGetter& env, std::shared_ptr<HttpTransport> transport, Clock& clock,
    RefreshOptions refresh) {
  return MakeRefreshingCredentialsProvider(
      std::make_shared<ImdsFetcher>(env, std::move(transport), clock), clock, refresh);
}

}  // namespace sqs2pg::aws
