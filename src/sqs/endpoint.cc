#include "sqs/endpoint.h"

#include <cctype>
#include <optional>
#include <utility>

#include "aws/credential_files.h"
#include "aws/url.h"

namespace sqs2pg::sqs {
namespace {

std::optional<std::string> NonEmpty(const aws::EnvGetter& env, const std::string& name) {
  std::optional<std::string> v = env(name);
  if (v && v->empty()) return std::nullopt;
  return v;
}

// "us-east-1", "us-gov-west-1", "eu-central-2": two letters, one or more "-word", then "-digits".
bool LooksLikeRegion(std::string_view label) {
  if (label.size() < 6) return false;
  if (!std::islower(static_cast<unsigned char>(label[0])) ||
      !std::islower(static_cast<unsigned char>(label[1])) || label[2] != '-') {
    return false;
  }
  const size_t last_dash = label.rfind('-');
  std::string_view digits = label.substr(last_dash + 1);
  if (digits.empty()) return false;
  for (char c : digits) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  std::string_view words = label.substr(3, last_dash - 3);  // "east", "gov-west"
  if (words.empty() || words.front() == '-' || words.back() == '-') return false;
  for (char c : words) {
    if (c != '-' && !std::islower(static_cast<unsigned char>(c))) return false;
  }
  return words.find("--") == std::string_view::npos;
}

bool ValidRegion(std::string_view region) {
  if (region.empty()) return false;
  for (char c : region) {
    if (c != '-' && !std::isalnum(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace

std::string RegionFromQueueUrl(std::string_view queue_url) {
  if (queue_url.empty()) return "";
  Result<aws::ParsedUrl> url = aws::ParseUrl(queue_url);
  if (!url.ok()) return "";
  std::string_view host = url->host;
  while (!host.empty()) {
    const size_t dot = host.find('.');
    std::string_view label = host.substr(0, dot);
    if (LooksLikeRegion(label)) return std::string(label);
    if (dot == std::string_view::npos) break;
    host.remove_prefix(dot + 1);
  }
  return "";
}

Result<ResolvedEndpoint> ResolveEndpoint(const EndpointSettings& s, const aws::EnvGetter& env) {
  ResolvedEndpoint out;

  if (!s.region_flag.empty()) {
    out.region = s.region_flag;
    out.region_source = "--region";
  } else if (auto v = NonEmpty(env, "AWS_REGION")) {
    out.region = *v;
    out.region_source = "AWS_REGION";
  } else if (auto v = NonEmpty(env, "AWS_DEFAULT_REGION")) {
    out.region = *v;
    out.region_source = "AWS_DEFAULT_REGION";
  } else if (std::string from_url = RegionFromQueueUrl(s.queue_url); !from_url.empty()) {
    out.region = std::move(from_url);
    out.region_source = "the queue URL";
  } else if (std::optional<std::string> profile = aws::ProfileRegion(env)) {
    out.region = std::move(*profile);
    out.region_source = "profile " + aws::ActiveProfileName(env) + " in the shared config file";
  } else {
    out.region = "us-east-1";
    out.region_source = "the default";
  }
  if (!ValidRegion(out.region)) {
    return InvalidArgumentError("region from " + out.region_source +
                                " may contain only letters, digits and '-'");
  }

  if (!s.endpoint_url_flag.empty()) {
    out.url = s.endpoint_url_flag;
    out.url_source = "--endpoint-url";
  } else if (auto v = NonEmpty(env, "AWS_ENDPOINT_URL_SQS")) {
    out.url = *v;
    out.url_source = "AWS_ENDPOINT_URL_SQS";
  } else if (auto v = NonEmpty(env, "AWS_ENDPOINT_URL")) {
    out.url = *v;
    out.url_source = "AWS_ENDPOINT_URL";
  } else {
    const bool china = out.region.starts_with("cn-");
    out.url = "https://sqs." + out.region + (china ? ".amazonaws.com.cn" : ".amazonaws.com");
    out.url_source = "the region";
  }
  while (!out.url.empty() && out.url.back() == '/') out.url.pop_back();

  Result<aws::ParsedUrl> parsed = aws::ParseUrl(out.url);
  if (!parsed.ok()) {
    return InvalidArgumentError("endpoint from " + out.url_source + ": " +
                                parsed.status().message());
  }
  if (parsed->scheme != "http" && parsed->scheme != "https") {
    return InvalidArgumentError("endpoint from " + out.url_source + " must be http:// or https://");
  }
  if (!parsed->query.empty()) {
    return InvalidArgumentError("endpoint from " + out.url_source + " must not have a query");
  }
  return out;
}

}  // namespace sqs2pg::sqs
