// Web identity credentials (EKS IAM roles for service accounts): an OIDC token from a file,
// exchanged for temporary credentials by STS AssumeRoleWithWebIdentity. The third source of the
// default credential chain.
//
// Contract:
//  - Configured by AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN (both; read when the provider is
//    made) and the optional AWS_ROLE_SESSION_NAME (default "sqs2pg-<unix seconds>").
//  - Endpoint: AWS_ENDPOINT_URL_STS if set (trailing slashes removed, then "/" appended), else the
//    regional https://sts.<region>.amazonaws.com/ (.amazonaws.com.cn for cn-* regions) for the
//    region in AWS_REGION, AWS_DEFAULT_REGION or the profile's `region` (ProfileRegion). With no
//    region at all it is the global https://sts.amazonaws.com/ (served from us-east-1; what the
//    SDKs' "legacy" STS endpoint setting picks), which works for every commercial-partition role.
//    AWS_ENDPOINT_URL (the all-services override) is deliberately not used for STS.
//  - Each fetch re-reads the token file (kubelet rotates it) and POSTs the unsigned Query request
//    Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=..&RoleSessionName=..&
//    WebIdentityToken=.. (form-encoded, 10 s timeout), then reads
//    AssumeRoleWithWebIdentityResult/Credentials/{AccessKeyId,SecretAccessKey,SessionToken,
//    Expiration} from the XML answer. The returned provider caches and refreshes them
//    (refreshing_provider.h).
//  - Errors: kNotFound when neither variable is set; kInvalidArgument when only one is, when the
//    region or endpoint override is malformed, or when the token file is missing, unreadable or
//    empty. STS errors (<ErrorResponse><Error><Code/><Message/>) map by code: throttling,
//    IDPCommunicationError and HTTP 5xx are kUnavailable; InvalidIdentityToken,
//    ExpiredTokenException and IDPRejectedClaim kUnauthenticated; AccessDenied and
//    RegionDisabledException kPermissionDenied; any other kInvalidArgument; an unparseable success
//    kInternal. Transport failures keep the transport's code. Messages carry STS's code and
//    message (scrubbed of the token, at most 300 characters), never the token or a credential.
//  - Name(): "web identity (role <AWS_ROLE_ARN>)", or "web identity" when not configured.
//  - Thread-safety: as refreshing_provider.h. The transport is shared; `clock` must outlive the
//    provider.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "aws/credentials.h"
#include "aws/http_transport.h"
#include "aws/refreshing_provider.h"
#include "base/clock.h"

namespace sqs2pg::aws {

std::shared_ptr<CredentialsProvider> MakeWebIdentityCredentialsProvider(
    const EnvGetter& env, std::shared_ptr<HttpTransport> transport, Clock& clock,
    RefreshOptions refresh = {});

// The STS endpoint for a region ("" = the global endpoint), with its trailing "/". Exposed for
// tests.
std::string StsEndpointForRegion(std::string_view region);

// Decodes an AssumeRoleWithWebIdentity answer (any HTTP status) as described above; `token` is
// scrubbed from any message. Exposed for tests.
Result<Credentials> DecodeAssumeRoleWithWebIdentity(const HttpResponse& response,
                                                    std::string_view token);

}  // namespace sqs2pg::aws
