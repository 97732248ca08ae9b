// Container credentials (ECS task roles, EKS Pod Identity): the fourth source of the default
// credential chain.
//
// Contract:
//  - Configured (read when the provider is made) by AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, fetched
//    as GET http://169.254.170.2<uri>, or else by AWS_CONTAINER_CREDENTIALS_FULL_URI, which must
//    pass CheckContainerFullUri: https to any host, or plain http only to a loopback host
//    (127.0.0.0/8, [::1], localhost), 169.254.170.2 (ECS), 169.254.170.23 or [fd00:ec2::23] (EKS
//    Pod Identity). Host names other than "localhost" are not resolved, so they are refused over
//    http.
//  - Each fetch sends `Authorization:` with the contents of AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE
//    (re-read every time, surrounding whitespace trimmed), else AWS_CONTAINER_AUTHORIZATION_TOKEN,
//    else no such header; timeout 5 s. Always a direct connection: the proxy variables
//    (http_proxy, HTTPS_PROXY, ...) are ignored, as the AWS SDKs do, so that neither the token nor
//    the credentials pass through a proxy. The reply is the JSON document of ParseCredentialsJson
//    (AccessKeyId, SecretAccessKey, Token, Expiration). The returned provider caches and refreshes
//    (refreshing_provider.h).
//  - Errors: kNotFound when neither URI variable is set; kInvalidArgument for a refused or
//    malformed FULL_URI, a missing, unreadable or empty token file, or a token with a line break;
//    non-200 answers as CredentialHttpError (408/429/5xx kUnavailable, 401/403 kPermissionDenied,
//    else kInvalidArgument); a malformed reply kInternal; transport failures keep their code.
//    Messages name the endpoint's host, never the relative URI's path (it identifies the task's
//    credentials), the token or a credential.
//  - Name(): "container".
//  - Thread-safety: as refreshing_provider.h. The transport is shared; `clock` must outlive the
//    provider.
#pragma once

#include <memory>
#include <string_view>

#include "aws/credentials.h"
#include "aws/http_transport.h"
#include "aws/refreshing_provider.h"
#include "base/clock.h"
#include "base/status.h"

namespace sqs2pg::aws {

inline constexpr std::string_view kContainerCredentialsHost = "http://169.254.170.2";

std::shared_ptr<CredentialsProvider> MakeContainerCredentialsProvider(
    const EnvGetter& env, std::shared_ptr<HttpTransport> transport, Clock& clock,
    RefreshOptions refresh = {});

// OK if AWS_CONTAINER_CREDENTIALS_FULL_URI may be `url` (see above), else kInvalidArgument.
Status CheckContainerFullUri(std::string_view url);

}  // namespace sqs2pg::aws
