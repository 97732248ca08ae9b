// The default AWS credential chain, in the order the AWS SDKs try the sources.
//
// Contract:
//  - Sources, in order: environment (credentials.h), shared credentials/config files
//    (credential_files.h), web identity (web_identity.h), container (container_credentials.h),
//    EC2 instance metadata (imds_credentials.h). The remote ones cache and refresh their temporary
//    credentials (refreshing_provider.h).
//  - Resolution happens on the first GetCredentials() (no I/O when the chain is made): each source
//    is made from the environment and asked in turn. The first one that answers anything but
//    kNotFound is configured and wins: its answer (credentials, or its error, e.g. kInvalidArgument
//    for web identity variables whose token file is missing) is returned, and every later call
//    goes to that source alone for the rest of the run (the SDKs cache the resolved provider too).
//    The instance metadata service is the last resort and wins only once it has returned
//    credentials: off EC2 it is unreachable, which must read as "nothing configured".
//  - When no source is configured (and IMDS fails or is disabled): kNotFound "no AWS credentials
//    found; tried: environment: ...; shared credentials/config files: ...; ...; EC2 instance
//    metadata: ..." naming each source and why it did not apply. Nothing is cached then: the next
//    call walks the chain again.
//  - Name(): the resolved source's Name() ("environment", "shared credentials file (profile
//    prod)", "web identity (role arn:aws:iam::123456789012:role/x)", "container", "EC2 instance
//    metadata"), or kUnresolvedChainName until a source has been resolved. Call GetCredentials()
//    first (e.g. in `sqs2pg check` or at start-up) to learn the source.
//  - Messages never contain a secret, a token or a full access key id.
//  - Thread-safety: GetCredentials() and Name() may be called from any thread; concurrent first
//    callers wait for one resolution. Ownership: the EnvGetter is copied; the transport is shared
//    by the remote sources; `clock` must outlive the chain.
#pragma once

#include <memory>
#include <string_view>

#include "aws/credentials.h"
#include "aws/http_transport.h"
#include "aws/refreshing_provider.h"
#include "base/clock.h"

namespace sqs2pg::aws {

inline constexpr std::string_view kUnresolvedChainName = "default credential chain (unresolved)";

std::shared_ptr<CredentialsProvider> MakeDefaultCredentialChain(
    EnvGetter env, std::shared_ptr<HttpTransport> transport, Clock& clock = SystemClock(),
    RefreshOptions refresh = {});

}  // namespace sqs2pg::aws
