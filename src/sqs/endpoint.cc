#include "sqs/endpoint.h"

#include "aws/url.h"

namespace sqs2pg::sqs {

std::string RegionFromQueueUrl(std::string_view queue_url) {
  if (queue_url.empty()) return "";
  Result<aws::ParsedUrl> url = aws::ParseUrl(queue_url);
  if (!url.ok()) return "";
  std::string_view host = url->host;
  while (!host.empty()) {
    const size_t dot = host.find('.');
    std::string_view label = host.substr(0, dot);
    if (aws::LooksLikeRegion(label)) return std::string(label);
    if (dot == std::string_view::npos) break;
    host.remove_prefix(dot + 1);
  }
  return "";
}

Result<ResolvedEndpoint> ResolveEndpoint(const EndpointSettings& s, const aws::EnvGetter& env) {
  aws::ServiceEndpointRequest request;
  request.service_id = "SQS";
  request.endpoint_prefix = "sqs";
  request.endpoint_url_flag = s.endpoint_url_flag;
  request.region_flag = s.region_flag;
  request.region_hint = RegionFromQueueUrl(s.queue_url);
  request.region_hint_source = "the queue URL";
  return aws::ResolveServiceEndpoint(request, env);
}

}  // namespace sqs2pg::sqs
