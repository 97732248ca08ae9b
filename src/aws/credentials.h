// AWS credentials and the providers that supply them.
//
// Contract:
//  - A CredentialsProvider returns the credentials to sign the next request with. SqsClient asks
//    once per request, so providers that fetch remotely must cache (and refresh before
//    `expiration`). Implementations must be thread-safe.
//  - Errors: kNotFound means "this source is not configured" (a chain moves on to the next
//    source); kInvalidArgument means it is configured but unusable; kUnavailable is a transient
//    fetch failure. Messages never contain a secret key or session token; an access key id appears
//    only as its first 4 characters followed by "...".
//  - Environment provider: reads AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and the optional
//    AWS_SESSION_TOKEN on every call (cheap, and picks up changes). Empty variables count as unset.
//  - Ownership: providers are shared (std::shared_ptr); the EnvGetter is copied into the provider.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace sqs2pg::aws {

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty if none
  std::optional<std::chrono::system_clock::time_point> expiration;
};

class CredentialsProvider {
 public:
  virtual ~CredentialsProvider() = default;
  virtual Result<Credentials> GetCredentials() = 0;
  virtual std::string_view Name() const = 0;  // e.g. "environment"
};

// Looks up one environment variable; std::nullopt when unset. Injected so tests need no setenv().
using EnvGetter = std::function<std::optional<std::string>(const std::string&)>;

// The process environment (getenv). Callers must not modify the environment concurrently.
EnvGetter ProcessEnv();

std::shared_ptr<CredentialsProvider> MakeEnvironmentCredentialsProvider(
    EnvGetter env = ProcessEnv());

// Always returns `c` (kInvalidArgument if its key id or secret is empty).
std::shared_ptr<CredentialsProvider> MakeStaticCredentialsProvider(Credentials c, std::string name);

// The provider's credentials for a request of `operation`, as the service clients ask for them:
// errors read "<operation>: credentials (<provider's Name()>): ...", and a source that is not
// configured (kNotFound) becomes kUnauthenticated (the request cannot be signed).
Result<Credentials> CredentialsForRequest(CredentialsProvider& provider,
                                          std::string_view operation);

// "AKID..." — the only form in which an access key id may appear in logs or messages.
std::string RedactAccessKeyId(std::string_view access_key_id);

}  // namespace sqs2pg::aws
