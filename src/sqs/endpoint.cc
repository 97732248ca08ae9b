#include "sqs/endpoint.h"

#include <cctype>
#include <optional>

#include "sqs/url.h"

namespace sqs2pg::sqs {
namespace {

std::optional<std::string> NonEmpty(const EnvGetter& env, const std::string& name) {
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
  Result<ParsedUrl> url = ParseUrl(queue_url);
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

Result<ResolvedEndpoint> ResolveEndpoint(const EndpointSettings& s, const EnvGetter& env) {
  ResolvedEndpoint out;

  std::string region_source;
  if (!s.region_flag.empty()) {
    out.region = s.region_flag;
    region_source = "--region";
  } else if (auto v = NonEmpty(env, "AWS_REGION")) {
    out.region = *v;
    region_source = "AWS_REGION";
  } else if (auto v = NonEmpty(env, "AWS_DEFAULT_REGION")) {
    out.region = *v;
    region_source = "AWS_DEFAULT_REGION";
  } else {
    out.region = RegionFromQueueUrl(s.queue_url);
    if (out.region.empty()) out.region = "us-east-1";
  }
  if (!ValidRegion(out.region)) {
    return InvalidArgumentError("region from " + region_source +
                                " may contain only letters, digits and '-'");
  }

  std::string endpoint_source;
  if (!s.endpoint_url_flag.empty()) {
    out.url = s.endpoint_url_flag;
    endpoint_source = "--endpoint-url";
  } else if (auto v = NonEmpty(env, "AWS_ENDPOINT_URL_SQS")) {
    out.url = *v;
    endpoint_source = "AWS_ENDPOINT_URL_SQS";
  } else if (auto v = NonEmpty(env, "AWS_ENDPOINT_URL")) {
    out.url = *v;
    endpoint_source = "AWS_ENDPOINT_URL";
  } else {
    const bool china = out.region.starts_with("cn-");
    out.url = "https://sqs." + out.region + (china ? ".amazonaws.com.cn" : ".amazonaws.com");
    endpoint_source = "the region";
  }
  while (!out.url.empty() && out.url.back() == '/') out.url.pop_back();

  Result<ParsedUrl> parsed = ParseUrl(out.url);
  if (!parsed.ok()) {
    return InvalidArgumentError("endpoint from " + endpoint_source + ": " +
                                parsed.status().message());
  }
  if (parsed->scheme != "http" && parsed->scheme != "https") {
    return InvalidArgumentError("endpoint from " + endpoint_source +
                                " must be http:// or https://");
  }
  if (!parsed->query.empty()) {
    return InvalidArgumentError("endpoint from " + endpoint_source + " must not have a query");
  }
  return out;
}

}  // namespace sqs2pg::sqs
