// Which endpoint to call for an AWS service and which region to sign for, as the AWS SDKs choose
// them; shared by SQS (sqs/endpoint.h) and the key services (Secrets Manager, SSM, KMS).
//
// Contract:
//  - Endpoint, first that is set (empty values count as unset):
//      1. `endpoint_url_flag` (e.g. SQS's --endpoint-url; named `endpoint_flag_name`);
//      2. AWS_ENDPOINT_URL_<SERVICE_ID>, the service id upper-cased with spaces as underscores
//         (EndpointUrlVariable: "Secrets Manager" -> AWS_ENDPOINT_URL_SECRETS_MANAGER), as the
//         SDKs' service-specific endpoint variables are named;
//      3. AWS_ENDPOINT_URL;
//      4. https://<endpoint_prefix>.<region>.amazonaws.com (.amazonaws.com.cn for cn-* regions).
//    Trailing slashes are removed.
//  - Region, first that is set:
//      1. `region_flag` (--region);
//      2. AWS_REGION, then AWS_DEFAULT_REGION;
//      3. `region_hint`: the region the resource itself names (a queue URL's host, an ARN), named
//         `region_hint_source`; a resource lives in exactly one region, so it is more specific than
//         a profile's per-user default (see sqs/endpoint.h for why this comes before step 4);
//      4. the `region` of the active profile in the shared config file (ProfileRegion in
//         credential_files.h; read only when steps 1-3 give nothing);
//      5. us-east-1.
//  - Errors: kInvalidArgument for an endpoint that is not an http(s) URL with a host and without a
//    query, or a region with characters other than [A-Za-z0-9-]. Messages name the setting, not
//    its value beyond what is needed to fix it.
//  - A function of its inputs (and, at region step 4, of the shared config file); thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "aws/credentials.h"
#include "base/status.h"

namespace sqs2pg::aws {

struct ServiceEndpointRequest {
  std::string service_id;       // the SDKs' service id: "SQS", "Secrets Manager", "SSM", "KMS"
  std::string endpoint_prefix;  // the regional host's first label: "sqs", "secretsmanager", ...
  std::string endpoint_url_flag;
  std::string endpoint_flag_name = "--endpoint-url";
  std::string region_flag;
  std::string region_hint;         // "" if the resource names no region
  std::string region_hint_source;  // e.g. "the queue URL", "the secret's ARN"
};

struct ServiceEndpoint {
  std::string url;  // without trailing slash
  std::string region;
  // Where they came from, for `sqs2pg check` and messages: the flag's name,
  // "AWS_ENDPOINT_URL_<SERVICE_ID>", "AWS_ENDPOINT_URL", "the region"; "--region", "AWS_REGION",
  // "AWS_DEFAULT_REGION", region_hint_source, "profile NAME in the shared config file",
  // "the default".
  std::string url_source;
  std::string region_source;
};

Result<ServiceEndpoint> ResolveServiceEndpoint(const ServiceEndpointRequest& request,
                                               const EnvGetter& env);

// "AWS_ENDPOINT_URL_" + the service id upper-cased, spaces as underscores.
std::string EndpointUrlVariable(std::string_view service_id);

// True for a DNS label shaped like a region: "us-east-1", "us-gov-west-1", "eu-central-2".
bool LooksLikeRegion(std::string_view label);

// The region field of an ARN ("arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE"), or "" if `arn` is
// not an ARN or its region field does not look like a region.
std::string RegionFromArn(std::string_view arn);

}  // namespace sqs2pg::aws
