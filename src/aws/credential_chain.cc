#include "aws/credential_chain.h"

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "aws/container_credentials.h"
#include "aws/credential_files.h"
#include "aws/imds_credentials.h"
#include "aws/web_identity.h"

namespace sqs2pg::aws {
namespace {

using ProviderPtr = std::shared_ptr<CredentialsProvider>;

class DefaultChain final : public CredentialsProvider {
 public:
  DefaultChain(EnvGetter env, std::shared_ptr<HttpTransport> transport, Clock& clock,
               RefreshOptions refresh)
      : env_(std::move(env)), transport_(std::move(transport)), clock_(clock), refresh_(refresh) {}

  Result<Credentials> GetCredentials() override {
    if (ProviderPtr p = Resolved()) return p->GetCredentials();
    std::lock_guard<std::mutex> lock(resolve_mu_);
    if (ProviderPtr p = Resolved()) return p->GetCredentials();

    const std::vector<std::function<ProviderPtr()>> sources = {
        [&] { return MakeEnvironmentCredentialsProvider(env_); },
        [&] { return MakeSharedFilesCredentialsProvider(env_); },
        [&] { return MakeWebIdentityCredentialsProvider(env_, transport_, clock_, refresh_); },
        [&] { return MakeContainerCredentialsProvider(env_, transport_, clock_, refresh_); },
    };
    std::string tried;
    for (const auto& make : sources) {
      ProviderPtr p = make();
      Result<Credentials> c = p->GetCredentials();
      if (c.ok() || c.status().code() != StatusCode::kNotFound) {
        Resolve(std::move(p));
        return c;
      }
      tried += c.status().message() + "; ";
    }
    // The last resort. Kept across walks so that its session token is reused.
    if (!imds_) imds_ = MakeImdsCredentialsProvider(env_, transport_, clock_, refresh_);
    Result<Credentials> c = imds_->GetCredentials();
    if (c.ok()) {
      Resolve(imds_);
      return c;
    }
    std::string imds = c.status().message();
    if (!imds.starts_with(imds_->Name())) imds = std::string(imds_->Name()) + ": " + imds;
    return NotFoundError("no AWS credentials found; tried: " + tried + imds);
  }

  std::string_view Name() const override {
    if (!resolved_flag_.load(std::memory_order_acquire)) return kUnresolvedChainName;
    return resolved_name_;  // written once, before the flag
  }

 private:
  ProviderPtr Resolved() {
    if (!resolved_flag_.load(std::memory_order_acquire)) return nullptr;
    return resolved_;  // written once, before the flag
  }

  // With resolve_mu_ held.
  void Resolve(ProviderPtr p) {
    resolved_name_ = std::string(p->Name());
    resolved_ = std::move(p);
    resolved_flag_.store(true, std::memory_order_release);
  }

  const EnvGetter env_;
  const std::shared_ptr<HttpTransport> transport_;
  Clock& clock_;
  const RefreshOptions refresh_;

  std::mutex resolve_mu_;
  ProviderPtr imds_;  // guarded by resolve_mu_
  std::atomic<bool> resolved_flag_{false};
  ProviderPtr resolved_;       // immutable once resolved_flag_ is set
  std::string resolved_name_;  // immutable once resolved_flag_ is set
};

}  // namespace

std::shared_ptr<CredentialsProvider> MakeDefaultCredentialChain(
    EnvGetter env, std::shared_ptr<HttpTransport> transport, Clock& clock, RefreshOptions refresh) {
  return std::make_shared<DefaultChain>(std::move(env), std::move(transport), clock, refresh);
}

}  // namespace sqs2pg::aws
