#include "aws/container_credentials.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <array>
#include <chrono>
#include <cstring>
#include <string>
#include <utility>

#include "aws/credential_common.h"
#include "aws/url.h"

namespace sqs2pg::aws {
namespace {

constexpr std::string_view kWhat = "container";
constexpr std::chrono::milliseconds kTimeout{5000};

std::string Get(const EnvGetter& env, const std::string& name) {
  std::optional<std::string> v = env(name);
  return v ? std::string(TrimAsciiWhitespace(*v)) : std::string();
}

bool AllowedPlainHttpHost(std::string_view host) {
  if (host == "localhost") return true;
  const std::string h(host);
  in_addr v4{};
  if (inet_pton(AF_INET, h.c_str(), &v4) == 1) {
    const uint32_t a = ntohl(v4.s_addr);
    return (a >> 24) == 127 || a == 0xA9FEAA02 /* 169.254.170.2 */ ||
           a == 0xA9FEAA17 /* 169.254.170.23 */;
  }
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') {
    const std::string inner = h.substr(1, h.size() - 2);
    in6_addr v6{};
    if (inet_pton(AF_INET6, inner.c_str(), &v6) != 1) return false;
    in6_addr eks{};
    inet_pton(AF_INET6, "fd00:ec2::23", &eks);
    return std::memcmp(&v6, &in6addr_loopback, sizeof(v6)) == 0 ||
           std::memcmp(&v6, &eks, sizeof(v6)) == 0;
  }
  return false;
}

struct Config {
  std::string url;
  std::string host;  // for messages
  std::string token_file;
  std::string token;
};

Result<Config> ReadConfig(const EnvGetter& env) {
  Config c;
  const std::string relative = Get(env, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
  const std::string full = Get(env, "AWS_CONTAINER_CREDENTIALS_FULL_URI");
  if (!relative.empty()) {
    c.url =
        std::string(kContainerCredentialsHost) + (relative.starts_with('/') ? "" : "/") + relative;
    c.host = "169.254.170.2";
  } else if (!full.empty()) {
    SQS2PG_RETURN_IF_ERROR(CheckContainerFullUri(full));
    c.url = full;
    c.host = ParseUrl(full)->host;
  } else {
    return NotFoundError(std::string(kWhat) +
                         ": AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and "
                         "AWS_CONTAINER_CREDENTIALS_FULL_URI are not set");
  }
  c.token_file = Get(env, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
  if (c.token_file.empty()) c.token = Get(env, "AWS_CONTAINER_AUTHORIZATION_TOKEN");
  return c;
}

class ContainerFetcher final : public CredentialsProvider {
 public:
  ContainerFetcher(const EnvGetter& env, std::shared_ptr<HttpTransport> transport)
      : config_(ReadConfig(env)), transport_(std::move(transport)) {}

  Result<Credentials> GetCredentials() override {
    if (!config_.ok()) return config_.status();
    const Config& c = *config_;
    std::string token = c.token;
    if (!c.token_file.empty()) {
      Result<std::string> file = ReadSmallFile(c.token_file, "authorization token file", 64 * 1024);
      if (!file.ok()) {
        return InvalidArgumentError(std::string(kWhat) + ": " + file.status().message() +
                                    " (AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE)");
      }
      token = std::string(TrimAsciiWhitespace(*file));
      if (token.empty()) {
        return InvalidArgumentError(std::string(kWhat) + ": authorization token file " +
                                    c.token_file +
                                    " (AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE) is "
                                    "empty");
      }
    }
    if (token.find_first_of("\r\n") != std::string::npos) {
      return InvalidArgumentError(std::string(kWhat) +
                                  ": the authorization token contains a line break");
    }
    HttpRequest request;
    request.method = "GET";
    request.url = c.url;
    request.headers = {{"Accept", "application/json"}};
    if (!token.empty()) request.headers.emplace_back("Authorization", token);
    request.timeout = kTimeout;
    request.no_proxy = true;  // never hand the token to a proxy, nor take credentials from one
    const std::string what = std::string(kWhat) + ": credentials endpoint on " + c.host;
    Result<HttpResponse> response = transport_->Send(request);
    if (!response.ok()) {
      return Status(response.status().code(), ScrubSecrets(response.status().message(), {token}))
          .WithContext(what);
    }
    if (response->status != 200) return CredentialHttpError(what, response->status);
    return ParseCredentialsJson(response->body, what);
  }

  std::string_view Name() const override { return kWhat; }

 private:
  const Result<Config> config_;
  const std::shared_ptr<HttpTransport> transport_;
};

}  // namespace

Status CheckContainerFullUri(std::string_view url) {
  Result<ParsedUrl> parsed = ParseUrl(url);
  if (!parsed.ok()) {
    return InvalidArgumentError(std::string(kWhat) +
                                ": AWS_CONTAINER_CREDENTIALS_FULL_URI is not a valid URL");
  }
  if (parsed->scheme == "https") return Status::Ok();
  if (parsed->scheme != "http") {
    return InvalidArgumentError(std::string(kWhat) +
                                ": AWS_CONTAINER_CREDENTIALS_FULL_URI must be an http(s) URL");
  }
  if (AllowedPlainHttpHost(parsed->host)) return Status::Ok();
  return InvalidArgumentError(
      std::string(kWhat) +
      ": AWS_CONTAINER_CREDENTIALS_FULL_URI may use plain http only to a "
      "loopback address, 169.254.170.2, 169.254.170.23 or fd00:ec2::23, not to " +
      parsed->host + "; use https");
}

std::shared_ptr<CredentialsProvider> MakeContainerCredentialsProvider(
    const EnvGetter& env, std::shared_ptr<HttpTransport> transport, Clock& clock,
    RefreshOptions refresh) {
  return MakeRefreshingCredentialsProvider(
      std::make_shared<ContainerFetcher>(env, std::move(transport)), clock, refresh);
}

}  // namespace sqs2pg::aws
