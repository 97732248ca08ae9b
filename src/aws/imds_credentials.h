// EC2 instance metadata (IMDSv2) credentials: the instance profile's role, the last source of the
// default credential chain.
//
// Contract:
//  - Skipped (kNotFound) when AWS_EC2_METADATA_DISABLED is "true" (any case). Endpoint:
//    AWS_EC2_METADATA_SERVICE_ENDPOINT, else http://[fd00:ec2::254] if
//    AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE is "IPv6", else http://169.254.169.254. Read when the
//    provider is made.
//  - A fetch: PUT /latest/api/token with `X-aws-ec2-metadata-token-ttl-seconds: 21600` gives a
//    session token, cached until 5 minutes before its TTL runs out (steady clock); then
//    GET /latest/meta-data/iam/security-credentials/ with `X-aws-ec2-metadata-token` gives the
//    role name (first line), and GET .../<role> the JSON credentials (ParseCredentialsJson; IMDS's
//    "Code" must be "Success"). A 401 on either GET drops the token and the fetch starts over once.
//    IMDSv1 (no token) is never used.
//  - Every request connects directly: the proxy variables (http_proxy, HTTP_PROXY, ...) are
//    ignored, as the AWS SDKs do, so neither the session token nor the credentials pass through
//    a proxy.
//  - Timeouts are short so that off EC2 the chain fails fast: the token PUT, which opens the
//    connection, has 1 s in all (connect included: HttpRequest has a single timeout), the GETs 2 s.
//  - Errors: kNotFound when disabled, or when the instance has no role (404 on the role list);
//    kInvalidArgument for a malformed endpoint override; other non-200 answers as
//    CredentialHttpError; a malformed answer kInternal; transport failures keep their code
//    (kUnavailable off EC2). Messages name the endpoint and the role, never the token or a
//    credential.
//  - Name(): "EC2 instance metadata". The returned provider caches and refreshes
//    (refreshing_provider.h).
//  - Thread-safety: as refreshing_provider.h. The transport is shared; `clock` must outlive the
//    provider.
#pragma once

#include <chrono>
#include <memory>
#include <string_view>

#include "aws/credentials.h"
#include "aws/http_transport.h"
#include "aws/refreshing_provider.h"
#include "base/clock.h"

namespace sqs2pg::aws {

inline constexpr std::string_view kImdsDefaultEndpoint = "http://169.254.169.254";
inline constexpr std::chrono::seconds kImdsTokenTtl{21600};

std::shared_ptr<CredentialsProvider> MakeImdsCredentialsProvider(
    const EnvGetter& env, std::shared_ptr<HttpTransport> transport, Clock& clock,
    RefreshOptions refresh = {});

}  // namespace sqs2pg::aws
