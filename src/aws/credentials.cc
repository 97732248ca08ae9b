#include "aws/credentials.h"

#include <cstdlib>
#include <utility>

namespace sqs2pg::aws {
namespace {

class EnvironmentProvider final : public CredentialsProvider {
 public:
  explicit EnvironmentProvider(EnvGetter env) : env_(std::move(env)) {}

  Result<Credentials> GetCredentials() override {
    std::string key_id = Get("AWS_ACCESS_KEY_ID");
    std::string secret = Get("AWS_SECRET_ACCESS_KEY");
    if (key_id.empty() && secret.empty()) {
      return NotFoundError("environment: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set");
    }
    if (key_id.empty()) {
      return InvalidArgumentError(
          "environment: AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not");
    }
    if (secret.empty()) {
      return InvalidArgumentError("environment: AWS_ACCESS_KEY_ID (" + RedactAccessKeyId(key_id) +
                                  ") is set but AWS_SECRET_ACCESS_KEY is not");
    }
    Credentials c;
    c.access_key_id = std::move(key_id);
    c.secret_access_key = std::move(secret);
    c.session_token = Get("AWS_SESSION_TOKEN");
    return c;
  }

  std::string_view Name() const override { return "environment"; }

 private:
  std::string Get(const std::string& name) const {
    std::optional<std::string> v = env_(name);
    return v ? std::move(*v) : std::string();
  }

  EnvGetter env_;
};

class StaticProvider final : public CredentialsProvider {
 public:
  StaticProvider(Credentials c, std::string name) : c_(std::move(c)), name_(std::move(name)) {}

  Result<Credentials> GetCredentials() override {
    if (c_.access_key_id.empty() || c_.secret_access_key.empty()) {
      return InvalidArgumentError(name_ + ": access key id or secret access key is empty");
    }
    return c_;
  }

  std::string_view Name() const override { return name_; }

 private:
  const Credentials c_;
  const std::string name_;
};

}  // namespace

EnvGetter ProcessEnv() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
}

std::shared_ptr<CredentialsProvider> MakeEnvironmentCredentialsProvider(EnvGetter env) {
  return std::make_shared<EnvironmentProvider>(std::move(env));
}

std::shared_ptr<CredentialsProvider> MakeStaticCredentialsProvider(Credentials c,
                                                                   std::string name) {
  return std::make_shared<StaticProvider>(std::move(c), std::move(name));
}

Result<Credentials> CredentialsForRequest(CredentialsProvider& provider,
                                          std::string_view operation) {
  Result<Credentials> creds = provider.GetCredentials();
  if (creds.ok()) return creds;
  const std::string context =
      std::string(operation) + ": credentials (" + std::string(provider.Name()) + ")";
  if (creds.status().code() == StatusCode::kNotFound) {
    return UnauthenticatedError(context + ": " + creds.status().message());
  }
  return creds.status().WithContext(context);
}

std::string RedactAccessKeyId(std::string_view access_key_id) {
  return std::string(access_key_id.substr(0, 4)) + "...";
}

}  // namespace sqs2pg::aws
