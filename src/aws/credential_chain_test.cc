#include "aws/credential_chain.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <utility>

#include "aws/credential_common.h"
#include "aws/credential_test_support.h"

namespace sqs2pg::aws {
namespace {

using std::chrono::hours;
using testing::FakeClock;
using testing::FakeEnv;
using testing::LoopbackServer;
using testing::TempDir;

constexpr char kRoleArn[] = "arn:aws:iam::123456789012:role/ingest";
constexpr char kWebToken[] = "web-identity-jwt-value";
const char* const kSecrets[] = {"env-secret-value",   "files-secret-value", kWebToken,
                                "sts-secret-value",   "sts-session-token",  "container-auth",
                                "container-secret",   "container-token",    "imds-secret",
                                "imds-session-token", "imds-token-value",   "AKIAENVFULLKEY",
                                "AKIAFILESFULLKEY",   "wrong-token"};

// One loopback server standing in for STS (POST /), the container endpoint (GET /container) and
// IMDS (PUT /latest/api/token, GET /latest/meta-data/...), and an environment that configures all
// five sources; tests take sources away to walk down the chain.
class CredentialChainTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto& s = server_.server();
    s.Post("/", [this](const httplib::Request& req, httplib::Response& res) {
      Log("sts");
      const std::string token = testing::DecodeForm(req.body)["WebIdentityToken"];
      if (token != kWebToken) {
        res.status = 400;  // and, carelessly, echoes the token
        res.set_content(
            "<ErrorResponse><Error><Code>InvalidIdentityToken</Code>"
            "<Message>bad token " +
                token + "</Message></Error></ErrorResponse>",
            "text/xml");
        return;
      }
      res.set_content(
          "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials>"
          "<AccessKeyId>ASIAWEBIDENTITY</AccessKeyId>"
          "<SecretAccessKey>sts-secret-value</SecretAccessKey>"
          "<SessionToken>sts-session-token</SessionToken><Expiration>" +
              Expiration() +
              "</Expiration></Credentials></AssumeRoleWithWebIdentityResult>"
              "</AssumeRoleWithWebIdentityResponse>",
          "text/xml");
    });
    s.Get("/container", [this](const httplib::Request& req, httplib::Response& res) {
      Log("container");
      if (req.get_header_value("Authorization") != "container-auth") {
        res.status = 403;
        return;
      }
      res.set_content(R"({"AccessKeyId":"ASIACONTAINER","SecretAccessKey":"container-secret",)"
                      R"("Token":"container-token","Expiration":")" +
                          Expiration() + "\"}",
                      "application/json");
    });
    s.Put("/latest/api/token", [this](const httplib::Request&, httplib::Response& res) {
      Log("imds-token");
      res.set_content("imds-token-value", "text/plain");
    });
    s.Get("/latest/meta-data/iam/security-credentials/(.*)",
          [this](const httplib::Request& req, httplib::Response& res) {
            Log("imds-get");
            if (req.get_header_value("X-aws-ec2-metadata-token") != "imds-token-value") {
              res.status = 401;
            } else if (std::string(req.matches[1]).empty()) {
              res.set_content("instance-role", "text/plain");
            } else {
              res.set_content(R"({"Code":"Success","AccessKeyId":"ASIAIMDS",)"
                              R"("SecretAccessKey":"imds-secret","Token":"imds-session-token",)"
                              R"("Expiration":")" +
                                  Expiration() + "\"}",
                              "text/plain");
            }
          });
    server_.Start();

    env_.Set("AWS_ACCESS_KEY_ID", "AKIAENVFULLKEY");
    env_.Set("AWS_SECRET_ACCESS_KEY", "env-secret-value");
    env_.Set("HOME", home_.path());
    home_.Write(".aws/credentials",
                "# test profile\n[default]\naws_access_key_id = AKIAFILESFULLKEY\n"
                "aws_secret_access_key = files-secret-value\n");
    env_.Set("AWS_WEB_IDENTITY_TOKEN_FILE", home_.Write("token", kWebToken));
    env_.Set("AWS_ROLE_ARN", kRoleArn);
    env_.Set("AWS_ENDPOINT_URL_STS", server_.url());
    env_.Set("AWS_CONTAINER_CREDENTIALS_FULL_URI", server_.url() + "/container");
    env_.Set("AWS_CONTAINER_AUTHORIZATION_TOKEN", "container-auth");
    env_.Set("AWS_EC2_METADATA_SERVICE_ENDPOINT", server_.url());
  }

  std::string Expiration() { return FormatIso8601Utc(clock_.WallNow() + hours(1)); }
  void Log(std::string what) {
    std::lock_guard<std::mutex> lock(mu_);
    log_.push_back(std::move(what));
  }
  std::vector<std::string> TakeLog() {
    std::lock_guard<std::mutex> lock(mu_);
    return std::exchange(log_, {});
  }
  std::shared_ptr<CredentialsProvider> Make() {
    return MakeDefaultCredentialChain(env_.getter(), MakeCurlTransport(), clock_);
  }
  // "<source name> <key id>", or the status.
  std::string Resolve() {
    auto chain = Make();
    EXPECT_EQ(chain->Name(), kUnresolvedChainName);
    Result<Credentials> c = chain->GetCredentials();
    if (!c.ok()) return c.status().ToString();
    return std::string(chain->Name()) + " " + c->access_key_id;
  }
  void RemoveWebIdentity() {
    env_.Unset("AWS_WEB_IDENTITY_TOKEN_FILE");
    env_.Unset("AWS_ROLE_ARN");
  }
  static void ExpectNoSecrets(const Status& s) {
    for (const char* secret : kSecrets) {
      EXPECT_EQ(s.message().find(secret), std::string::npos) << secret << " in " << s.message();
    }
  }

  FakeClock clock_;
  FakeEnv env_;
  TempDir home_;
  std::mutex mu_;
  std::vector<std::string> log_;
  LoopbackServer server_;  // last: stopped before what its handlers use is destroyed
};

TEST_F(CredentialChainTest, SourcesInTheSdkOrder) {
  EXPECT_EQ(Resolve(), "environment AKIAENVFULLKEY");
  EXPECT_TRUE(TakeLog().empty());

  env_.Unset("AWS_ACCESS_KEY_ID");
  env_.Unset("AWS_SECRET_ACCESS_KEY");
  EXPECT_EQ(Resolve(), "shared credentials file (profile default) AKIAFILESFULLKEY");
  EXPECT_TRUE(TakeLog().empty());

  std::filesystem::remove(home_.path() + "/.aws/credentials");
  EXPECT_EQ(Resolve(), std::string("web identity (role ") + kRoleArn + ") ASIAWEBIDENTITY");
  EXPECT_EQ(TakeLog(), std::vector<std::string>{"sts"});

  RemoveWebIdentity();
  EXPECT_EQ(Resolve(), "container ASIACONTAINER");
  EXPECT_EQ(TakeLog(), std::vector<std::string>{"container"});

  env_.Unset("AWS_CONTAINER_CREDENTIALS_FULL_URI");
  EXPECT_EQ(Resolve(), "EC2 instance metadata ASIAIMDS");
  EXPECT_EQ(TakeLog(), (std::vector<std::string>{"imds-token", "imds-get", "imds-get"}));

  env_.Set("AWS_EC2_METADATA_DISABLED", "true");
  const std::string none = Resolve();
  EXPECT_TRUE(none.starts_with("NOT_FOUND: no AWS credentials found; tried: environment: "))
      << none;
  for (const char* part :
       {"; shared credentials/config files: no profile default in ", "; web identity: ",
        "; container: ", "; EC2 instance metadata: disabled by AWS_EC2_METADATA_DISABLED"}) {
    EXPECT_NE(none.find(part), std::string::npos) << part << " missing in " << none;
  }
  EXPECT_TRUE(TakeLog().empty());
}

TEST_F(CredentialChainTest, ResolvedSourceIsKeptForTheRun) {
  env_.Unset("AWS_ACCESS_KEY_ID");
  env_.Unset("AWS_SECRET_ACCESS_KEY");
  std::filesystem::remove(home_.path() + "/.aws/credentials");
  RemoveWebIdentity();
  auto chain = Make();
  EXPECT_EQ(chain->Name(), kUnresolvedChainName);
  EXPECT_EQ(chain->GetCredentials()->access_key_id, "ASIACONTAINER");
  EXPECT_EQ(chain->Name(), "container");
  // Sources earlier in the chain that appear later change nothing.
  env_.Set("AWS_ACCESS_KEY_ID", "AKIAENVFULLKEY");
  env_.Set("AWS_SECRET_ACCESS_KEY", "env-secret-value");
  EXPECT_EQ(chain->GetCredentials()->access_key_id, "ASIACONTAINER");
  EXPECT_EQ(chain->Name(), "container");
  EXPECT_EQ(TakeLog(), std::vector<std::string>{"container"});  // and it is cached
  // Refreshed ahead of expiry through the same source.
  clock_.Advance(std::chrono::minutes(56));
  EXPECT_EQ(chain->GetCredentials()->access_key_id, "ASIACONTAINER");
  EXPECT_EQ(TakeLog(), std::vector<std::string>{"container"});
}

TEST_F(CredentialChainTest, ConfiguredButUnusableStopsTheChain) {
  env_.Unset("AWS_ACCESS_KEY_ID");
  env_.Unset("AWS_SECRET_ACCESS_KEY");
  std::filesystem::remove(home_.path() + "/.aws/credentials");
  env_.Set("AWS_WEB_IDENTITY_TOKEN_FILE", home_.path() + "/no-such-token");
  auto chain = Make();
  Status s = chain->GetCredentials().status();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(s.message().starts_with("web identity: token file")) << s.message();
  EXPECT_EQ(chain->Name(), std::string("web identity (role ") + kRoleArn + ")");
  EXPECT_TRUE(TakeLog().empty());  // neither the container endpoint nor IMDS was asked
  // The token file appears later (kubelet projects it): the same source picks it up.
  home_.Write("no-such-token", kWebToken);
  EXPECT_EQ(chain->GetCredentials()->access_key_id, "ASIAWEBIDENTITY");

  // Half-configured environment variables stop the chain too.
  env_.Set("AWS_SECRET_ACCESS_KEY", "env-secret-value");
  s = Make()->GetCredentials().status();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(s.message().starts_with("environment: ")) << s.message();
  ExpectNoSecrets(s);
}

TEST_F(CredentialChainTest, NothingConfiguredIsNotFoundAndNotCached) {
  FakeEnv env({{"HOME", home_.path() + "/empty-home"},
               {"AWS_EC2_METADATA_SERVICE_ENDPOINT",
                "http://127.0.0.1:" + std::to_string(testing::ClosedLoopbackPort())}});
  auto chain = MakeDefaultCredentialChain(env.getter(), MakeCurlTransport(), clock_);
  Status s = chain->GetCredentials().status();
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  for (const char* part :
       {"no AWS credentials found; tried: environment: ", "; shared credentials/config files: ",
        "; web identity: AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN are not set",
        "; container: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "; EC2 instance metadata: token request to http://127.0.0.1:"}) {
    EXPECT_NE(s.message().find(part), std::string::npos) << part << " missing in " << s.message();
  }
  EXPECT_EQ(chain->Name(), kUnresolvedChainName);
  // Not cached: configuring a source later works on the next call.
  env.Set("AWS_ACCESS_KEY_ID", "AKIAENVFULLKEY");
  env.Set("AWS_SECRET_ACCESS_KEY", "env-secret-value");
  EXPECT_EQ(chain->GetCredentials()->access_key_id, "AKIAENVFULLKEY");
  EXPECT_EQ(chain->Name(), "environment");
}

TEST_F(CredentialChainTest, ConcurrentFirstCallersResolveOnce) {
  env_.Unset("AWS_ACCESS_KEY_ID");
  env_.Unset("AWS_SECRET_ACCESS_KEY");
  std::filesystem::remove(home_.path() + "/.aws/credentials");
  RemoveWebIdentity();
  env_.Unset("AWS_CONTAINER_CREDENTIALS_FULL_URI");
  auto chain = Make();
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      Result<Credentials> c = chain->GetCredentials();
      if (c.ok() && c->access_key_id == "ASIAIMDS") ++ok;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 8);
  EXPECT_EQ(TakeLog(), (std::vector<std::string>{"imds-token", "imds-get", "imds-get"}));
  EXPECT_EQ(chain->Name(), "EC2 instance metadata");
}

TEST_F(CredentialChainTest, NoSecretInAnyStatusMessage) {
  std::vector<Status> statuses;
  auto collect = [&] {
    Result<Credentials> c = Make()->GetCredentials();
    EXPECT_FALSE(c.ok());
    statuses.push_back(c.status());
  };
  // Environment: only the secret, or only the key id.
  env_.Unset("AWS_ACCESS_KEY_ID");
  collect();
  env_.Set("AWS_ACCESS_KEY_ID", "AKIAENVFULLKEY");
  env_.Unset("AWS_SECRET_ACCESS_KEY");
  collect();
  env_.Unset("AWS_ACCESS_KEY_ID");
  // Files: half-configured profiles.
  home_.Write(".aws/credentials", "[default]\naws_access_key_id = AKIAFILESFULLKEY\n");
  collect();
  home_.Write(".aws/credentials", "[default]\naws_secret_access_key = files-secret-value\n");
  collect();
  std::filesystem::remove(home_.path() + "/.aws/credentials");
  // Web identity: STS rejects the token and echoes it.
  home_.Write("token", "wrong-token");
  collect();
  home_.Write("token", std::string(kWebToken) + "\n");
  RemoveWebIdentity();
  // Container: wrong authorization.
  env_.Set("AWS_CONTAINER_AUTHORIZATION_TOKEN", "container-auth-wrong");
  collect();
  env_.Set("AWS_CONTAINER_AUTHORIZATION_TOKEN", "container-auth\nInjected: x");
  collect();
  env_.Unset("AWS_CONTAINER_CREDENTIALS_FULL_URI");
  // Nothing else configured, IMDS unreachable.
  env_.Set("AWS_EC2_METADATA_SERVICE_ENDPOINT",
           "http://127.0.0.1:" + std::to_string(testing::ClosedLoopbackPort()));
  collect();

  ASSERT_EQ(statuses.size(), 8u);
  const StatusCode expected[] = {StatusCode::kInvalidArgument, StatusCode::kInvalidArgument,
                                 StatusCode::kInvalidArgument, StatusCode::kInvalidArgument,
                                 StatusCode::kUnauthenticated, StatusCode::kPermissionDenied,
                                 StatusCode::kInvalidArgument, StatusCode::kNotFound};
  for (size_t i = 0; i < statuses.size(); ++i) {
    EXPECT_EQ(statuses[i].code(), expected[i]) << statuses[i].ToString();
    ExpectNoSecrets(statuses[i]);
  }
  EXPECT_NE(statuses[1].message().find("AKIA..."), std::string::npos) << statuses[1].message();
}

}  // namespace
}  // namespace sqs2pg::aws
