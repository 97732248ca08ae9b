// Which SQS endpoint to call and which region to sign for: aws::ResolveServiceEndpoint
// (aws/service_endpoint.h) with SQS's settings.
//
// Contract:
//  - Endpoint: `endpoint_url_flag`, else AWS_ENDPOINT_URL_SQS, else AWS_ENDPOINT_URL, else
//    https://sqs.<region>.amazonaws.com (.amazonaws.com.cn for cn-* regions). Trailing slashes are
//    removed. The queue URL's host is never used as the endpoint: emulators hand out queue URLs
//    whose host may not resolve.
//  - Region, first that is set (empty values count as unset):
//      1. `region_flag` (--region);
//      2. AWS_REGION, then AWS_DEFAULT_REGION;
//      3. the first DNS label of the queue URL's host that looks like a region ("us-east-1",
//         "us-gov-west-1"), which covers sqs.<region>.amazonaws.com, <region>.queue.amazonaws.com,
//         VPC endpoint names and sqs.<region>.localhost;
//      4. the `region` of the active profile in the shared config file (ProfileRegion in
//         credential_files.h: AWS_PROFILE, AWS_CONFIG_FILE, ~/.aws/config);
//      5. us-east-1.
//    Steps 1, 2 and 4 are the AWS SDKs' own order (explicit setting, environment, profile). Step 3
//    is sqs2pg's: the SDKs do not look at the queue URL, but a queue lives in exactly one region
//    and sqs2pg derives the endpoint from the region (never from the queue URL's host), so a URL
//    that names its region is more specific than the profile's region, a per-user default for
//    every service; with the profile first, `aws configure`'s region would send requests for a
//    queue in another region to the wrong endpoint.
//  - The shared config file is read only when steps 1-3 give no region; a file that cannot be
//    read counts as having no region.
//  - Errors: kInvalidArgument for an endpoint that is not an http(s) URL with a host, or a region
//    with characters other than [A-Za-z0-9-]. Messages name the setting, not its value beyond
//    that needed to fix it.
//  - A function of its inputs (and, at step 4, of the shared config file); thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "aws/credentials.h"
#include "aws/service_endpoint.h"
#include "base/status.h"

namespace sqs2pg::sqs {

struct EndpointSettings {
  std::string endpoint_url_flag;
  std::string region_flag;
  std::string queue_url;
};

// url, region, and where they came from: "--endpoint-url", "AWS_ENDPOINT_URL_SQS",
// "AWS_ENDPOINT_URL", "the region"; "--region", "AWS_REGION", "AWS_DEFAULT_REGION",
// "the queue URL", "profile NAME in the shared config file", "the default".
using ResolvedEndpoint = aws::ServiceEndpoint;

// aws::ResolveServiceEndpoint for SQS, with the queue URL's region as the resource's.
Result<ResolvedEndpoint> ResolveEndpoint(const EndpointSettings& s, const aws::EnvGetter& env);

// The region named by a queue URL's host, or "" if none. Exposed for tests.
std::string RegionFromQueueUrl(std::string_view queue_url);

}  // namespace sqs2pg::sqs
