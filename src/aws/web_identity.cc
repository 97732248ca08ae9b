#include "aws/web_identity.h"

#include <cctype>
#include <chrono>
#include <pugixml.hpp>
#include <utility>

#include "aws/credential_common.h"
#include "aws/credential_files.h"
#include "aws/url.h"

namespace sqs2pg::aws {
namespace {

constexpr std::string_view kWhat = "web identity";
constexpr std::chrono::milliseconds kStsTimeout{10000};
constexpr size_t kMaxStsMessage = 300;

std::string Get(const EnvGetter& env, const std::string& name) {
  std::optional<std::string> v = env(name);
  return v ? std::string(TrimAsciiWhitespace(*v)) : std::string();
}

std::string_view LocalName(pugi::xml_node n) {
  std::string_view name = n.name();
  const size_t colon = name.find(':');
  return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

pugi::xml_node Child(pugi::xml_node parent, std::string_view local) {
  for (pugi::xml_node c = parent.first_child(); c; c = c.next_sibling()) {
    if (c.type() == pugi::node_element && LocalName(c) == local) return c;
  }
  return {};
}

std::string ChildText(pugi::xml_node parent, std::string_view local) {
  return std::string(TrimAsciiWhitespace(Child(parent, local).child_value()));
}

bool ValidRegion(std::string_view region) {
  for (char c : region) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
  }
  return true;
}

struct Config {
  std::string role_arn;
  std::string token_file;
  std::string session_name;
  std::string endpoint;  // with trailing "/"
};

Result<Config> ReadConfig(const EnvGetter& env, Clock& clock) {
  Config c;
  c.token_file = Get(env, "AWS_WEB_IDENTITY_TOKEN_FILE");
  c.role_arn = Get(env, "AWS_ROLE_ARN");
  if (c.token_file.empty() && c.role_arn.empty()) {
    return NotFoundError(std::string(kWhat) +
                         ": AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN are not set");
  }
  if (c.role_arn.empty()) {
    return InvalidArgumentError(std::string(kWhat) +
                                ": AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not");
  }
  if (c.token_file.empty()) {
    return InvalidArgumentError(std::string(kWhat) +
                                ": AWS_ROLE_ARN is set but AWS_WEB_IDENTITY_TOKEN_FILE is not");
  }
  c.session_name = Get(env, "AWS_ROLE_SESSION_NAME");
  if (c.session_name.empty()) {
    c.session_name = "sqs2pg-" + std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                                                    clock.WallNow().time_since_epoch())
                                                    .count());
  }
  std::string endpoint = Get(env, "AWS_ENDPOINT_URL_STS");
  if (!endpoint.empty()) {
    while (endpoint.ends_with('/')) endpoint.pop_back();
    Result<ParsedUrl> url = ParseUrl(endpoint);
    if (!url.ok() || (url->scheme != "http" && url->scheme != "https")) {
      return InvalidArgumentError(std::string(kWhat) +
                                  ": AWS_ENDPOINT_URL_STS is not an http(s) URL with a host");
    }
    c.endpoint = endpoint + "/";
  } else {
    std::string region = Get(env, "AWS_REGION");
    if (region.empty()) region = Get(env, "AWS_DEFAULT_REGION");
    if (region.empty()) region = ProfileRegion(env).value_or("");
    if (!ValidRegion(region)) {
      return InvalidArgumentError(std::string(kWhat) +
                                  ": the region has characters other than [A-Za-z0-9-]");
    }
    c.endpoint = StsEndpointForRegion(region);
  }
  return c;
}

class WebIdentityFetcher final : public CredentialsProvider {
 public:
  WebIdentityFetcher(const EnvGetter& env, std::shared_ptr<HttpTransport> transport, Clock& clock)
      : config_(ReadConfig(env, clock)),
        transport_(std::move(transport)),
        name_(config_.ok() ? std::string(kWhat) + " (role " + config_->role_arn + ")"
                           : std::string(kWhat)) {}

  Result<Credentials> GetCredentials() override {
    if (!config_.ok()) return config_.status();
    const Config& c = *config_;
    Result<std::string> file = ReadSmallFile(c.token_file, "token file", 64 * 1024);
    if (!file.ok()) {
      // Configured but unusable: a missing file must not read as "not configured".
      return InvalidArgumentError(std::string(kWhat) + ": " + file.status().message() +
                                  " (AWS_WEB_IDENTITY_TOKEN_FILE)");
    }
    const std::string token(TrimAsciiWhitespace(*file));
    if (token.empty()) {
      return InvalidArgumentError(std::string(kWhat) + ": token file " + c.token_file +
                                  " (AWS_WEB_IDENTITY_TOKEN_FILE) is empty");
    }
    HttpRequest request;
    request.method = "POST";
    request.url = c.endpoint;
    request.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
                       {"Accept", "text/xml"}};
    request.body =
        "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=" + PercentEncode(c.role_arn) +
        "&RoleSessionName=" + PercentEncode(c.session_name) +
        "&WebIdentityToken=" + PercentEncode(token);
    request.timeout = kStsTimeout;
    Result<HttpResponse> response = transport_->Send(request);
    if (!response.ok()) {
      return Status(response.status().code(), ScrubSecrets(response.status().message(), {token}))
          .WithContext(std::string(kWhat) + ": STS AssumeRoleWithWebIdentity (" + c.endpoint + ")");
    }
    return DecodeAssumeRoleWithWebIdentity(*response, token);
  }

  std::string_view Name() const override { return name_; }

 private:
  const Result<Config> config_;
  const std::shared_ptr<HttpTransport> transport_;
  const std::string name_;
};

}  // namespace

std::string StsEndpointForRegion(std::string_view region) {
  if (region.empty()) return "https://sts.amazonaws.com/";
  const std::string suffix = region.starts_with("cn-") ? ".amazonaws.com.cn/" : ".amazonaws.com/";
  return "https://sts." + std::string(region) + suffix;
}

Result<Credentials> DecodeAssumeRoleWithWebIdentity(const HttpResponse& response,
                                                    std::string_view token) {
  const std::string what = std::string(kWhat) + ": STS AssumeRoleWithWebIdentity";
  pugi::xml_document doc;
  const pugi::xml_parse_result parsed = doc.load_buffer(response.body.data(), response.body.size(),
                                                        pugi::parse_default, pugi::encoding_utf8);

  if (response.status != 200) {
    std::string code;
    std::string message;
    if (parsed) {
      pugi::xml_node error = Child(Child(doc, "ErrorResponse"), "Error");
      code = ChildText(error, "Code");
      message = ChildText(error, "Message");
    }
    std::string text = what + " failed: HTTP " + std::to_string(response.status);
    if (!code.empty()) text += " " + code.substr(0, 64);
    if (!message.empty()) {
      message = ScrubSecrets(std::move(message), {token});
      if (message.size() > kMaxStsMessage) message = message.substr(0, kMaxStsMessage) + "...";
      text += ": " + message;
    }
    text = ScrubSecrets(std::move(text), {token});
    if (code == "IDPCommunicationError" || code == "Throttling" || code == "ThrottlingException" ||
        code == "RequestLimitExceeded" || code == "ServiceUnavailable" ||
        code == "InternalFailure" || response.status == 429 || response.status >= 500) {
      return UnavailableError(std::move(text));
    }
    if (code == "InvalidIdentityToken" || code == "ExpiredTokenException" ||
        code == "IDPRejectedClaim") {
      return UnauthenticatedError(std::move(text));
    }
    if (code == "AccessDenied" || code == "AccessDeniedException" ||
        code == "RegionDisabledException") {
      return PermissionDeniedError(std::move(text));
    }
    return InvalidArgumentError(std::move(text));
  }

  if (!parsed) return InternalError(what + ": malformed response (not XML)");
  pugi::xml_node creds = Child(
      Child(Child(doc, "AssumeRoleWithWebIdentityResponse"), "AssumeRoleWithWebIdentityResult"),
      "Credentials");
  if (!creds) return InternalError(what + ": malformed response (no Credentials)");
  Credentials c;
  c.access_key_id = ChildText(creds, "AccessKeyId");
  c.secret_access_key = ChildText(creds, "SecretAccessKey");
  c.session_token = ChildText(creds, "SessionToken");
  const std::string expiration = ChildText(creds, "Expiration");
  if (c.access_key_id.empty() || c.secret_access_key.empty() || c.session_token.empty()) {
    return InternalError(what +
                         ": malformed response (AccessKeyId, SecretAccessKey or SessionToken "
                         "missing)");
  }
  Result<std::chrono::system_clock::time_point> t = ParseIso8601Utc(expiration);
  if (!t.ok()) return InternalError(what + ": malformed response (bad or no Expiration)");
  c.expiration = *t;
  return c;
}

std::shared_ptr<CredentialsProvider> MakeWebIdentityCredentialsProvider(
    const EnvGetter& env, std::shared_ptr<HttpTransport> transport, Clock& clock,
    RefreshOptions refresh) {
  return MakeRefreshingCredentialsProvider(
      std::make_shared<WebIdentityFetcher>(env, std::move(transport), clock), clock, refresh);
}

}  // namespace sqs2pg::aws
