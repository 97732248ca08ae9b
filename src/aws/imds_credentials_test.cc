#include "aws/imds_credentials.h"

#include <gtest/gtest.h>

#include <set>
#include <utility>

#include "aws/credential_common.h"
#include "aws/credential_test_support.h"
#include "aws/proxy_test_support.h"

namespace sqs2pg::aws {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using testing::FakeClock;
using testing::FakeEnv;
using testing::LoopbackServer;
using testing::ProxyEnvironment;
using testing::RecordingProxy;
using testing::RecordingTransport;

constexpr char kRole[] = "ingest-role";

std::string CredentialsJson(const std::string& key_id, const std::string& expiration) {
  return R"({"Code":"Success","LastUpdated":"2024-03-14T06:00:00Z","Type":"AWS-HMAC",)"
         R"("AccessKeyId":")" +
         key_id +
         R"(","SecretAccessKey":"imds-secret","Token":"imds-session-token",)"
         R"("Expiration":")" +
         expiration + R"("})";
}

// A loopback instance metadata service speaking IMDSv2 only.
class ImdsCredentialsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto& s = imds_.server();
    s.Put("/latest/api/token", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mu_);
      log_.push_back("PUT token ttl=" +
                     req.get_header_value("X-aws-ec2-metadata-token-ttl-seconds"));
      res.set_content("imds-token-" + std::to_string(++tokens_issued_), "text/plain");
    });
    s.Get("/latest/meta-data/iam/security-credentials/(.*)",
          [this](const httplib::Request& req, httplib::Response& res) {
            std::lock_guard<std::mutex> lock(mu_);
            const std::string token = req.get_header_value("X-aws-ec2-metadata-token");
            const std::string role = req.matches[1];
            log_.push_back("GET " + (role.empty() ? std::string("<list>") : role) + " " +
                           (token.empty() ? "<no token>" : token));
            if (token.empty() || token.compare(0, 11, "imds-token-") != 0 ||
                rejected_tokens_.count(token) != 0) {
              res.status = 401;
              return;
            }
            if (role.empty()) {
              res.status = role_list_status_;
              res.set_content(role_list_, "text/plain");
            } else if (role == kRole) {
              res.status = 200;
              res.set_content(credentials_, "text/plain");
            } else {
              res.status = 404;
            }
          });
    imds_.Start();
    env_.Set("AWS_EC2_METADATA_SERVICE_ENDPOINT", imds_.url() + "/");
    SetCredentials(CredentialsJson("ASIAIMDS1", InOneHour()));
  }

  void SetCredentials(std::string body) {
    std::lock_guard<std::mutex> lock(mu_);
    credentials_ = std::move(body);
  }
  std::vector<std::string> TakeLog() {
    std::lock_guard<std::mutex> lock(mu_);
    return std::exchange(log_, {});
  }
  std::string InOneHour() { return FormatIso8601Utc(clock_.WallNow() + hours(1)); }
  std::shared_ptr<CredentialsProvider> Make() {
    return MakeImdsCredentialsProvider(env_.getter(), MakeCurlTransport(), clock_);
  }

  static void ExpectNoSecrets(const Status& s) {
    for (const char* secret : {"imds-secret", "imds-session-token", "imds-token-"}) {
      EXPECT_EQ(s.message().find(secret), std::string::npos) << s.message();
    }
  }

  FakeClock clock_;
  FakeEnv env_;
  std::mutex mu_;
  std::vector<std::string> log_;
  int tokens_issued_ = 0;
  std::set<std::string> rejected_tokens_;
  int role_list_status_ = 200;
  std::string role_list_ = std::string(kRole) + "\n";
  std::string credentials_;
  LoopbackServer imds_;  // last: stopped before what its handler uses is destroyed
};

TEST_F(ImdsCredentialsTest, TokenThenRoleThenCredentials) {
  auto p = Make();
  EXPECT_EQ(p->Name(), "EC2 instance metadata");
  Result<Credentials> c = p->GetCredentials();
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->access_key_id, "ASIAIMDS1");
  EXPECT_EQ(c->secret_access_key, "imds-secret");
  EXPECT_EQ(c->session_token, "imds-session-token");
  EXPECT_EQ(c->expiration, clock_.WallNow() + hours(1));
  EXPECT_EQ(TakeLog(), (std::vector<std::string>{"PUT token ttl=21600", "GET <list> imds-token-1",
                                                 std::string("GET ") + kRole + " imds-token-1"}));
  // Cached: no traffic until the refresh is due.
  clock_.Advance(minutes(54));
  EXPECT_EQ(p->GetCredentials()->access_key_id, "ASIAIMDS1");
  EXPECT_TRUE(TakeLog().empty());
}

// The proxy variables must not apply: a proxy would get the session token, and its answers would
// be taken as the instance's credentials.
TEST_F(ImdsCredentialsTest, FetchNeverGoesThroughAProxy) {
  RecordingProxy proxy;
  ProxyEnvironment proxy_env(proxy.url());
  Result<Credentials> c = Make()->GetCredentials();
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->access_key_id, "ASIAIMDS1");
  // All three requests reached the stand-in IMDS directly.
  EXPECT_EQ(TakeLog(), (std::vector<std::string>{"PUT token ttl=21600", "GET <list> imds-token-1",
                                                 std::string("GET ") + kRole + " imds-token-1"}));
  EXPECT_TRUE(proxy.requests().empty()) << proxy.requests().front();
  EXPECT_EQ(proxy.with_secret_header(), 0);
}

TEST_F(ImdsCredentialsTest, SessionTokenIsReusedUntilNearItsTtl) {
  auto p = Make();
  ASSERT_TRUE(p->GetCredentials().ok());
  TakeLog();
  // A refresh 56 min later: the token (TTL 6 h) is still good.
  clock_.Advance(minutes(56));
  SetCredentials(CredentialsJson("ASIAIMDS2", InOneHour()));
  EXPECT_EQ(p->GetCredentials()->access_key_id, "ASIAIMDS2");
  EXPECT_EQ(TakeLog(), (std::vector<std::string>{"GET <list> imds-token-1",
                                                 std::string("GET ") + kRole + " imds-token-1"}));
  // 5 h 56 min after it was issued (less than 5 min of its TTL left): a new token first.
  clock_.Advance(hours(5));
  SetCredentials(CredentialsJson("ASIAIMDS3", InOneHour()));
  EXPECT_EQ(p->GetCredentials()->access_key_id, "ASIAIMDS3");
  EXPECT_EQ(TakeLog(), (std::vector<std::string>{"PUT token ttl=21600", "GET <list> imds-token-2",
                                                 std::string("GET ") + kRole + " imds-token-2"}));
}

TEST_F(ImdsCredentialsTest, RejectedTokenIsReplacedOnce) {
  auto p = Make();
  ASSERT_TRUE(p->GetCredentials().ok());
  TakeLog();
  {
    std::lock_guard<std::mutex> lock(mu_);
    rejected_tokens_.insert("imds-token-1");  // e.g. IMDS restarted
  }
  clock_.Advance(minutes(56));
  EXPECT_TRUE(p->GetCredentials().ok());
  EXPECT_EQ(TakeLog(), (std::vector<std::string>{"GET <list> imds-token-1", "PUT token ttl=21600",
                                                 "GET <list> imds-token-2",
                                                 std::string("GET ") + kRole + " imds-token-2"}));
}

TEST_F(ImdsCredentialsTest, NoRoleIsNotFound) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    role_list_status_ = 404;
  }
  Status s = Make()->GetCredentials().status();
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_NE(s.message().find("no IAM role"), std::string::npos) << s.message();
}

TEST_F(ImdsCredentialsTest, ErrorsWithoutSecrets) {
  SetCredentials(R"({"Code":"AssumeRoleUnauthorizedAccess","Message":"imds-secret"})");
  Status s = Make()->GetCredentials().status();
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  ExpectNoSecrets(s);
  SetCredentials("garbage imds-secret");
  s = Make()->GetCredentials().status();
  EXPECT_EQ(s.code(), StatusCode::kInternal);
  ExpectNoSecrets(s);
  SetCredentials(CredentialsJson("ASIAIMDSOLD", FormatIso8601Utc(clock_.WallNow() - hours(1))));
  s = Make()->GetCredentials().status();
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  ExpectNoSecrets(s);
  {
    std::lock_guard<std::mutex> lock(mu_);
    role_list_status_ = 500;
  }
  s = Make()->GetCredentials().status();
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  ExpectNoSecrets(s);
  {
    std::lock_guard<std::mutex> lock(mu_);
    role_list_status_ = 200;
    role_list_ = "bad/role\n";
  }
  s = Make()->GetCredentials().status();
  EXPECT_EQ(s.code(), StatusCode::kInternal);
}

TEST_F(ImdsCredentialsTest, DisabledMeansNoRequests) {
  for (const char* value : {"true", "TRUE", "True"}) {
    env_.Set("AWS_EC2_METADATA_DISABLED", value);
    Status s = Make()->GetCredentials().status();
    EXPECT_EQ(s.code(), StatusCode::kNotFound);
    EXPECT_EQ(s.message(), "EC2 instance metadata: disabled by AWS_EC2_METADATA_DISABLED");
  }
  EXPECT_TRUE(TakeLog().empty());
  env_.Set("AWS_EC2_METADATA_DISABLED", "false");
  EXPECT_TRUE(Make()->GetCredentials().ok());
}

TEST_F(ImdsCredentialsTest, EndpointSelection) {
  auto first_url = [&](const FakeEnv& env) {
    auto transport = std::make_shared<RecordingTransport>();
    Status s =
        MakeImdsCredentialsProvider(env.getter(), transport, clock_)->GetCredentials().status();
    EXPECT_EQ(s.code(), StatusCode::kUnavailable);
    if (transport->requests().empty()) return std::string("<none>");
    const HttpRequest r = transport->requests()[0];
    EXPECT_EQ(r.method, "PUT");
    EXPECT_EQ(r.timeout, std::chrono::milliseconds(1000));
    return r.url;
  };
  EXPECT_EQ(first_url(FakeEnv()), "http://169.254.169.254/latest/api/token");
  EXPECT_EQ(first_url(FakeEnv({{"AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv6"}})),
            "http://[fd00:ec2::254]/latest/api/token");
  EXPECT_EQ(first_url(FakeEnv({{"AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://10.1.2.3:8080/"}})),
            "http://10.1.2.3:8080/latest/api/token");
  FakeEnv bad({{"AWS_EC2_METADATA_SERVICE_ENDPOINT", "169.254.169.254"}});
  EXPECT_EQ(MakeImdsCredentialsProvider(bad.getter(), MakeCurlTransport(), clock_)
                ->GetCredentials()
                .status()
                .code(),
            StatusCode::kInvalidArgument);
}

TEST_F(ImdsCredentialsTest, UnreachableFailsFast) {
  env_.Set("AWS_EC2_METADATA_SERVICE_ENDPOINT",
           "http://127.0.0.1:" + std::to_string(testing::ClosedLoopbackPort()));
  const auto start = std::chrono::steady_clock::now();
  Status s = Make()->GetCredentials().status();
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  EXPECT_TRUE(s.message().starts_with("EC2 instance metadata: token request")) << s.message();
}

}  // namespace
}  // namespace sqs2pg::aws
