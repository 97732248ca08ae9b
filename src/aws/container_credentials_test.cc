#include "aws/container_credentials.h"

#include <gtest/gtest.h>

#include "aws/credential_common.h"
#include "aws/credential_test_support.h"
#include "aws/proxy_test_support.h"

namespace sqs2pg::aws {
namespace {

using std::chrono::minutes;
using testing::FakeClock;
using testing::FakeEnv;
using testing::LoopbackServer;
using testing::ProxyEnvironment;
using testing::RecordingProxy;
using testing::RecordingTransport;
using testing::TempDir;

constexpr char kPath[] = "/v1/credentials";

std::string CredentialsJson(const std::string& key_id, const std::string& expiration) {
  return R"({"AccessKeyId":")" + key_id +
         R"(","SecretAccessKey":"container-secret","Token":"container-session-token",)"
         R"("Expiration":")" +
         expiration + R"(","RoleArn":"arn:aws:iam::123456789012:role/task"})";
}

// A loopback stand-in for the ECS agent / EKS Pod Identity agent.
class ContainerCredentialsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    agent_.server().Get(kPath, [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mu_);
      authorizations_.push_back(req.has_header("Authorization")
                                    ? req.get_header_value("Authorization")
                                    : std::string("<none>"));
      res.status = status_;
      res.set_content(body_, "application/json");
    });
    agent_.Start();
    env_.Set("AWS_CONTAINER_CREDENTIALS_FULL_URI", agent_.url() + kPath);
  }

  void Answer(int status, std::string body) {
    std::lock_guard<std::mutex> lock(mu_);
    status_ = status;
    body_ = std::move(body);
  }
  std::vector<std::string> authorizations() {
    std::lock_guard<std::mutex> lock(mu_);
    return authorizations_;
  }
  std::string InOneHour() { return FormatIso8601Utc(clock_.WallNow() + minutes(60)); }
  std::shared_ptr<CredentialsProvider> Make() {
    return MakeContainerCredentialsProvider(env_.getter(), MakeCurlTransport(), clock_);
  }

  static void ExpectNoSecrets(const Status& s) {
    for (const char* secret :
         {"container-secret", "container-session-token", "pod-identity-token", "static-token"}) {
      EXPECT_EQ(s.message().find(secret), std::string::npos) << s.message();
    }
  }

  FakeClock clock_;
  FakeEnv env_;
  TempDir dir_;
  std::mutex mu_;
  int status_ = 500;
  std::string body_;
  std::vector<std::string> authorizations_;
  LoopbackServer agent_;  // last: stopped before what its handler uses is destroyed
};

TEST_F(ContainerCredentialsTest, FullUriWithTokenFileRereadOnEachFetch) {
  env_.Set("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", dir_.Write("token", "pod-identity-token-1\n"));
  env_.Set("AWS_CONTAINER_AUTHORIZATION_TOKEN", "static-token-ignored");
  Answer(200, CredentialsJson("ASIACONTAINER1", InOneHour()));
  auto p = Make();
  EXPECT_EQ(p->Name(), "container");
  Result<Credentials> c = p->GetCredentials();
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->access_key_id, "ASIACONTAINER1");
  EXPECT_EQ(c->secret_access_key, "container-secret");
  EXPECT_EQ(c->session_token, "container-session-token");
  ASSERT_TRUE(c->expiration.has_value());

  dir_.Write("token", "pod-identity-token-2");
  clock_.Advance(minutes(56));
  Answer(200, CredentialsJson("ASIACONTAINER2", InOneHour()));
  EXPECT_EQ(p->GetCredentials()->access_key_id, "ASIACONTAINER2");
  EXPECT_EQ(authorizations(),
            (std::vector<std::string>{"pod-identity-token-1", "pod-identity-token-2"}));
}

TEST_F(ContainerCredentialsTest, TokenFromEnvironmentOrNone) {
  Answer(200, CredentialsJson("ASIACONTAINER", InOneHour()));
  env_.Set("AWS_CONTAINER_AUTHORIZATION_TOKEN", "static-token");
  ASSERT_TRUE(Make()->GetCredentials().ok());
  env_.Unset("AWS_CONTAINER_AUTHORIZATION_TOKEN");
  ASSERT_TRUE(Make()->GetCredentials().ok());
  EXPECT_EQ(authorizations(), (std::vector<std::string>{"static-token", "<none>"}));
}

// The proxy variables must not apply: through a proxy the token would reach it, and the proxy's
// answer would be taken as the task's credentials.
TEST_F(ContainerCredentialsTest, FetchNeverGoesThroughAProxy) {
  Answer(200, CredentialsJson("ASIACONTAINER", InOneHour()));
  env_.Set("AWS_CONTAINER_AUTHORIZATION_TOKEN", "static-token");
  RecordingProxy proxy;
  ProxyEnvironment proxy_env(proxy.url());
  Result<Credentials> c = Make()->GetCredentials();
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->access_key_id, "ASIACONTAINER");
  EXPECT_EQ(authorizations(), (std::vector<std::string>{"static-token"}));  // reached directly
  EXPECT_TRUE(proxy.requests().empty()) << proxy.requests().front();
  EXPECT_EQ(proxy.with_secret_header(), 0);
}

TEST_F(ContainerCredentialsTest, RelativeUriGoesToTheEcsAgentAndWins) {
  env_.Set("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/abcd-1234");
  auto transport = std::make_shared<RecordingTransport>();
  Status s =
      MakeContainerCredentialsProvider(env_.getter(), transport, clock_)->GetCredentials().status();
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_EQ(s.message().find("abcd-1234"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("169.254.170.2"), std::string::npos) << s.message();
  ASSERT_EQ(transport->requests().size(), 1u);
  EXPECT_EQ(transport->requests()[0].method, "GET");
  EXPECT_EQ(transport->requests()[0].url, "http://169.254.170.2/v2/credentials/abcd-1234");
  EXPECT_TRUE(authorizations().empty());
}

TEST_F(ContainerCredentialsTest, FullUriAllowList) {
  for (const char* ok :
       {"https://creds.example.com/x", "http://127.0.0.1:8080/creds", "http://127.1.2.3/creds",
        "http://localhost/creds", "http://[::1]:80/creds", "http://[0:0:0:0:0:0:0:1]/creds",
        "http://169.254.170.2/v2/credentials", "http://169.254.170.23/v1/credentials",
        "http://[fd00:ec2::23]/v1/credentials", "HTTP://LOCALHOST/creds"}) {
    EXPECT_TRUE(CheckContainerFullUri(ok).ok()) << ok;
  }
  for (const char* bad :
       {"http://creds.example.com/x", "http://10.0.0.1/creds", "http://169.254.169.254/latest",
        "http://169.254.170.3/creds", "http://[fd00:ec2::24]/creds", "http://128.0.0.1/creds",
        "http://localhost.example.com/creds", "http://127.0.0.1.nip.io/creds",
        "http://[::ffff:127.0.0.1]/creds", "ftp://127.0.0.1/creds", "not a url"}) {
    Status s = CheckContainerFullUri(bad);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << bad;
  }
  env_.Set("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://10.0.0.1/creds");
  Status s = Make()->GetCredentials().status();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("10.0.0.1"), std::string::npos) << s.message();
}

TEST_F(ContainerCredentialsTest, ErrorsMapWithoutSecrets) {
  env_.Set("AWS_CONTAINER_AUTHORIZATION_TOKEN", "static-token");
  const std::vector<std::pair<int, StatusCode>> statuses = {
      {500, StatusCode::kUnavailable},
      {503, StatusCode::kUnavailable},
      {429, StatusCode::kUnavailable},
      {401, StatusCode::kPermissionDenied},
      {403, StatusCode::kPermissionDenied},
      {404, StatusCode::kInvalidArgument},  // never kNotFound: the source is configured
      {400, StatusCode::kInvalidArgument},
  };
  for (const auto& [http, code] : statuses) {
    Answer(http, R"({"code":"x","message":"static-token container-secret"})");
    Status s = Make()->GetCredentials().status();
    EXPECT_EQ(s.code(), code) << http;
    EXPECT_NE(s.message().find("HTTP " + std::to_string(http)), std::string::npos) << s.message();
    ExpectNoSecrets(s);
  }
  Answer(200, R"({"SecretAccessKey":"container-secret"})");
  Status s = Make()->GetCredentials().status();
  EXPECT_EQ(s.code(), StatusCode::kInternal);
  ExpectNoSecrets(s);
  Answer(200, "<html>container-secret</html>");
  s = Make()->GetCredentials().status();
  EXPECT_EQ(s.code(), StatusCode::kInternal);
  ExpectNoSecrets(s);
}

TEST_F(ContainerCredentialsTest, ConfigurationErrors) {
  FakeEnv none;
  EXPECT_EQ(MakeContainerCredentialsProvider(none.getter(), MakeCurlTransport(), clock_)
                ->GetCredentials()
                .status()
                .code(),
            StatusCode::kNotFound);

  env_.Set("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", dir_.path() + "/missing");
  Status s = Make()->GetCredentials().status();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("does not exist"), std::string::npos) << s.message();

  env_.Set("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", dir_.Write("empty", "\n"));
  EXPECT_EQ(Make()->GetCredentials().status().code(), StatusCode::kInvalidArgument);

  env_.Unset("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
  env_.Set("AWS_CONTAINER_AUTHORIZATION_TOKEN", "static-token\r\nX-Injected: 1");
  s = Make()->GetCredentials().status();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  ExpectNoSecrets(s);
  EXPECT_TRUE(authorizations().empty());  // nothing was sent
}

}  // namespace
}  // namespace sqs2pg::aws
