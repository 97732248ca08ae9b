#include "aws/refreshing_provider.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "aws/credential_common.h"

namespace sqs2pg::aws {
namespace {

using std::chrono::duration_cast;
using std::chrono::seconds;
using std::chrono::system_clock;
using WallTime = system_clock::time_point;

class RefreshingProvider final : public CredentialsProvider {
 public:
  RefreshingProvider(std::shared_ptr<CredentialsProvider> source, Clock& clock,
                     RefreshOptions options)
      : source_(std::move(source)), clock_(clock), options_(options) {}

  Result<Credentials> GetCredentials() override {
    std::unique_lock<std::mutex> lock(mu_);
    while (true) {
      const WallTime now = clock_.WallNow();
      if (Usable(now)) {
        if (fetching_ || !cached_->expiration || now < RefreshAt() || now < next_attempt_) {
          return *cached_;
        }
        return RefreshAhead(lock);
      }
      if (!fetching_) break;
      // Another caller is fetching: share its outcome.
      const uint64_t generation = generation_;
      cv_.wait(lock, [&] { return generation_ != generation; });
      if (!Usable(clock_.WallNow()) && !last_error_.ok()) return last_error_;
    }
    // Nothing usable and nobody fetching: this caller fetches while the others wait.
    fetching_ = true;
    lock.unlock();
    Result<Credentials> fresh = Fetch();
    lock.lock();
    Finish(fresh);
    if (!fresh.ok()) return fresh.status();
    return *cached_;
  }

  std::string_view Name() const override { return source_->Name(); }

 private:
  // Called with the lock held and usable credentials cached that are due for refresh.
  Result<Credentials> RefreshAhead(std::unique_lock<std::mutex>& lock) {
    fetching_ = true;
    lock.unlock();
    Result<Credentials> fresh = Fetch();
    lock.lock();
    Finish(fresh);
    if (fresh.ok()) return *cached_;
    const WallTime now = clock_.WallNow();
    if (!Usable(now)) return fresh.status();
    next_attempt_ = now + RetryInterval();
    spdlog::warn(
        "credentials ({}): refreshing ahead of expiry failed; still using the current ones, valid "
        "until {}; retrying in {} s: {}",
        source_->Name(), FormatIso8601Utc(*cached_->expiration),
        duration_cast<seconds>(RetryInterval()).count(), fresh.status().ToString());
    return *cached_;
  }

  // A fetch from the source, with credentials that are already expired turned into an error.
  Result<Credentials> Fetch() {
    const WallTime fetched_at = clock_.WallNow();
    Result<Credentials> fresh = source_->GetCredentials();
    if (!fresh.ok()) return fresh;
    if (fresh->expiration) {
      const auto lifetime = *fresh->expiration - fetched_at;
      const auto margin = std::min<system_clock::duration>(options_.expiry_margin, lifetime / 10);
      if (lifetime <= system_clock::duration::zero() ||
          clock_.WallNow() >= *fresh->expiration - margin) {
        return UnavailableError(
            std::string(source_->Name()) + ": the credentials fetched expire at " +
            FormatIso8601Utc(*fresh->expiration) + ", which is not in the future (clock skew?)");
      }
    }
    return fresh;
  }

  // With the lock held, after a fetch: publishes its outcome and wakes the waiters.
  void Finish(const Result<Credentials>& fresh) {
    fetching_ = false;
    ++generation_;
    if (fresh.ok()) {
      cached_ = *fresh;
      fetched_at_ = clock_.WallNow();
      next_attempt_ = WallTime::min();
      last_error_ = Status::Ok();
      if (cached_->expiration) {
        spdlog::debug("credentials ({}): fetched, valid until {}", source_->Name(),
                      FormatIso8601Utc(*cached_->expiration));
      }
    } else {
      last_error_ = fresh.status();
    }
    cv_.notify_all();
  }

  system_clock::duration Lifetime() const {
    return std::max(system_clock::duration::zero(), *cached_->expiration - fetched_at_);
  }

  bool Usable(WallTime now) const {
    if (!cached_) return false;
    if (!cached_->expiration) return true;
    const auto margin = std::min<system_clock::duration>(options_.expiry_margin, Lifetime() / 10);
    return now < *cached_->expiration - margin;
  }

  system_clock::duration RefreshAhead() const {
    return std::min<system_clock::duration>(options_.refresh_ahead, Lifetime() / 3);
  }

  WallTime RefreshAt() const { return *cached_->expiration - RefreshAhead(); }

  system_clock::duration RetryInterval() const {
    return std::min<system_clock::duration>(
        options_.retry_interval, std::max<system_clock::duration>(seconds(1), RefreshAhead() / 4));
  }

  const std::shared_ptr<CredentialsProvider> source_;
  Clock& clock_;
  const RefreshOptions options_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::optional<Credentials> cached_;
  WallTime fetched_at_{};
  WallTime next_attempt_ = WallTime::min();
  bool fetching_ = false;
  uint64_t generation_ = 0;  // completed fetches
  Status last_error_;        // of the last fetch, OK if it succeeded
};

}  // namespace

std::shared_ptr<CredentialsProvider> MakeRefreshingCredentialsProvider(
    std::shared_ptr<CredentialsProvider> source, Clock& clock, RefreshOptions options) {
  return std::make_shared<RefreshingProvider>(std::move(source), clock, options);
}

}  // namespace sqs2pg::aws
