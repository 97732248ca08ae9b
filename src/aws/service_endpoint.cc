#include "aws/service_endpoint.h"

#include <cctype>
#include <optional>
#include <utility>

#include "aws/credential_files.h"
#include "aws/url.h"

namespace sqs2pg::aws {
namespace {

std::optional<std::string> NonEmpty(const EnvGetter& env, const std::string& name) {
  std::optional<std::string> v = env(name);
  if (v && v->empty()) return std::nullopt;
  return v;
}

bool ValidRegion(std::string_view region) {
  if (region.empty()) return false;
  for (char c : region) {
    if (c != '-' && !std::isalnum(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// Region steps 1-5 (see the header).
void ChooseRegion(const ServiceEndpointRequest& r, const EnvGetter& env, ServiceEndpoint& out) {
  if (!r.region_flag.empty()) {
    out.region = r.region_flag;
    out.region_source = "--region";
  } else if (auto v = NonEmpty(env, "AWS_REGION")) {
    out.region = *v;
    out.region_source = "AWS_REGION";
  } else if (auto v = NonEmpty(env, "AWS_DEFAULT_REGION")) {
    out.region = *v;
    out.region_source = "AWS_DEFAULT_REGION";
  } else if (!r.region_hint.empty()) {
    out.region = r.region_hint;
    out.region_source = r.region_hint_source;
  } else if (std::optional<std::string> profile = ProfileRegion(env)) {
    out.region = std::move(*profile);
    out.region_source = "profile " + ActiveProfileName(env) + " in the shared config file";
  } else {
    out.region = "us-east-1";
    out.region_source = "the default";
  }
}

// Endpoint steps 1-4 (see the header).
void ChooseUrl(const ServiceEndpointRequest& r, const EnvGetter& env, ServiceEndpoint& out) {
  const std::string service_variable = EndpointUrlVariable(r.service_id);
  if (!r.endpoint_url_flag.empty()) {
    out.url = r.endpoint_url_flag;
    out.url_source = r.endpoint_flag_name;
  } else if (auto v = NonEmpty(env, service_variable)) {
    out.url = *v;
    out.url_source = service_variable;
  } else if (auto v = NonEmpty(env, "AWS_ENDPOINT_URL")) {
    out.url = *v;
    out.url_source = "AWS_ENDPOINT_URL";
  } else {
    const bool china = out.region.starts_with("cn-");
    out.url = "https://" + r.endpoint_prefix + "." + out.region +
              (china ? ".amazonaws.com.cn" : ".amazonaws.com");
    out.url_source = "the region";
  }
  while (!out.url.empty() && out.url.back() == '/') out.url.pop_back();
}

}  // namespace

std::string EndpointUrlVariable(std::string_view service_id) {
  std::string name = "AWS_ENDPOINT_URL_";
  for (char c : service_id) {
    name += c == ' ' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return name;
}

bool LooksLikeRegion(std::string_view label) {
  // Two letters, one or more "-word", then "-digits".
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

std::string RegionFromArn(std::string_view arn) {
  if (!arn.starts_with("arn:")) return "";
  // arn : partition : service : region : ...
  size_t start = 0;
  for (int field = 0; field < 3; ++field) {
    start = arn.find(':', start);
    if (start == std::string_view::npos) return "";
    ++start;
  }
  const size_t end = arn.find(':', start);
  if (end == std::string_view::npos) return "";
  std::string_view region = arn.substr(start, end - start);
  return LooksLikeRegion(region) ? std::string(region) : "";
}

Result<ServiceEndpoint> ResolveServiceEndpoint(const ServiceEndpointRequest& request,
                                               const EnvGetter& env) {
  ServiceEndpoint out;
  ChooseRegion(request, env, out);
  if (!ValidRegion(out.region)) {
    return InvalidArgumentError("region from " + out.region_source +
                                " may contain only letters, digits and '-'");
  }
  ChooseUrl(request, env, out);
  Result<ParsedUrl> parsed = ParseUrl(out.url);
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

}  // namespace sqs2pg::aws
