// Caching and refresh for credentials that expire (web identity, container, EC2 instance
// metadata).
//
// Contract:
//  - MakeRefreshingCredentialsProvider wraps a `source` whose every GetCredentials() is a fetch (it
//    must not cache) and caches what it returns. Name() is the source's Name().
//  - Credentials without an expiration are fetched once and kept for the life of the provider.
//  - For credentials with an expiration E fetched at wall time F (lifetime L = E - F):
//      * they count as expired from E - min(expiry_margin, L/10) on (a request signed just before
//        expiry must still reach AWS in time);
//      * they are refreshed ahead of expiry from E - min(refresh_ahead, L/3) on: the first caller
//        to notice fetches, while every other caller keeps getting the cached credentials without
//        waiting. If that refresh fails, the cached ones are returned anyway, the failure is
//        logged (a warning, without secrets) and the refresh is retried no sooner than
//        min(retry_interval, max(1 s, min(refresh_ahead, L/3) / 4)) later.
//      * Only when there are no usable credentials (never fetched, or expired) do callers wait: one
//        of them fetches, the others wait for that fetch and share its outcome (its credentials, or
//        its error) rather than fetching again.
//  - A fetch that returns credentials already expired (by the rule above) counts as a failure
//    (kUnavailable, naming the expiration; a clock skew or a stale endpoint cache).
//  - Errors: the source's Status, unchanged (kNotFound passes through, so a wrapped source that is
//    not configured still reads as "not configured" to a chain).
//  - Time: Clock::WallNow() (expirations are wall-clock instants); tests inject a fake clock.
//  - Thread-safety: GetCredentials() may be called from any number of threads; at most one fetch
//    runs at a time. The source is shared (std::shared_ptr); `clock` must outlive the provider.
#pragma once

#include <chrono>
#include <memory>

#include "aws/credentials.h"
#include "base/clock.h"

namespace sqs2pg::aws {

struct RefreshOptions {
  std::chrono::seconds refresh_ahead{300};  // refresh when less than min(this, L/3) remains
  std::chrono::seconds expiry_margin{10};   // expired when less than min(this, L/10) remains
  std::chrono::seconds retry_interval{15};  // after a failed ahead-of-expiry refresh
};

std::shared_ptr<CredentialsProvider> MakeRefreshingCredentialsProvider(
    std::shared_ptr<CredentialsProvider> source, Clock& clock, RefreshOptions options = {});

}  // namespace sqs2pg::aws
