// Which SQS endpoint to call and which region to sign for.
//
// Contract:
//  - Endpoint: `endpoint_url_flag`, else AWS_ENDPOINT_URL_SQS, else AWS_ENDPOINT_URL, else
//    https://sqs.<region>.amazonaws.com (.amazonaws.com.cn for cn-* regions). Trailing slashes are
//    removed. The queue URL's host is never used as the endpoint: emulators hand out queue URLs
//    whose host may not resolve.
//  - Region: `region_flag`, else AWS_REGION, else AWS_DEFAULT_REGION, else the first DNS label of
//    the queue URL's host that looks like a region ("us-east-1", "us-gov-west-1"), which covers
//    sqs.<region>.amazonaws.com, <region>.queue.amazonaws.com and sqs.<region>.localhost, else
//    us-east-1. Empty values count as unset.
//  - Errors: kInvalidArgument for an endpoint that is not an http(s) URL with a host, or a region
//    with characters other than [A-Za-z0-9-]. Messages name the setting, not its value beyond
//    that needed to fix it.
//  - Pure function of its inputs; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"
#include "sqs/credentials.h"

namespace sqs2pg::sqs {

struct EndpointSettings {
  std::string endpoint_url_flag;
  std::string region_flag;
  std::string queue_url;
};

struct ResolvedEndpoint {
  std::string url;  // without trailing slash
  std::string region;
};

Result<ResolvedEndpoint> ResolveEndpoint(const EndpointSettings& s, const EnvGetter& env);

// The region named by a queue URL's host, or "" if none. Exposed for tests.
std::string RegionFromQueueUrl(std::string_view queue_url);

}  // namespace sqs2pg::sqs
