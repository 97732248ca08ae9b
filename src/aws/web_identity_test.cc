#include "aws/web_identity.h"

#include <gtest/gtest.h>

#include <deque>

#include "aws/credential_common.h"
#include "aws/credential_test_support.h"

namespace sqs2pg::aws {
namespace {

using std::chrono::minutes;
using testing::FakeClock;
using testing::FakeEnv;
using testing::LoopbackServer;
using testing::RecordingTransport;
using testing::TempDir;

constexpr char kRoleArn[] = "arn:aws:iam::123456789012:role/ingest";
// Characters that must survive form encoding.
constexpr char kToken[] = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzYSJ9+/=.c2ln";

std::string StsSuccess(const std::string& key_id, const std::string& expiration) {
  return "<AssumeRoleWithWebIdentityResponse "
         "xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n"
         "  <AssumeRoleWithWebIdentityResult>\n"
         "    <SubjectFromWebIdentityToken>system:serviceaccount:ns:sa"
         "</SubjectFromWebIdentityToken>\n"
         "    <Audience>sts.amazonaws.com</Audience>\n"
         "    <AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/ingest/s</Arn>"
         "<AssumedRoleId>AROAEXAMPLE:s</AssumedRoleId></AssumedRoleUser>\n"
         "    <Credentials>\n"
         "      <AccessKeyId>" +
         key_id +
         "</AccessKeyId>\n"
         "      <SecretAccessKey>sts-secret-value</SecretAccessKey>\n"
         "      <SessionToken>sts-session-token-value</SessionToken>\n"
         "      <Expiration>" +
         expiration +
         "</Expiration>\n"
         "    </Credentials>\n"
         "  </AssumeRoleWithWebIdentityResult>\n"
         "  <ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata>\n"
         "</AssumeRoleWithWebIdentityResponse>\n";
}

std::string StsError(const std::string& code, const std::string& message) {
  return "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error>"
         "<Type>Sender</Type><Code>" +
         code + "</Code><Message>" + message +
         "</Message></Error><RequestId>r-2</RequestId></ErrorResponse>";
}

// A loopback STS: answers POST / with scripted (status, body) pairs, the last one repeating.
class WebIdentityTest : public ::testing::Test {
 protected:
  struct Seen {
    std::string content_type;
    std::map<std::string, std::string> form;
  };

  void SetUp() override {
    sts_.server().Post("/", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mu_);
      seen_.push_back({req.get_header_value("Content-Type"), testing::DecodeForm(req.body)});
      std::pair<int, std::string> answer =
          script_.empty() ? std::pair<int, std::string>(500, "") : script_.front();
      if (script_.size() > 1) script_.pop_front();
      res.status = answer.first;
      res.set_content(answer.second, "text/xml");
    });
    sts_.Start();
    token_file_ = dir_.Write("token", std::string(kToken) + "\n");
    env_.Set("AWS_WEB_IDENTITY_TOKEN_FILE", token_file_);
    env_.Set("AWS_ROLE_ARN", kRoleArn);
    env_.Set("AWS_ENDPOINT_URL_STS", sts_.url() + "/");
  }

  // Sets the answer to every later request.
  void Answer(int status, std::string body) {
    std::lock_guard<std::mutex> lock(mu_);
    script_.clear();
    script_.emplace_back(status, std::move(body));
  }
  std::vector<Seen> seen() {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_;
  }
  std::string InOneHour() { return FormatIso8601Utc(clock_.WallNow() + minutes(60)); }
  std::shared_ptr<CredentialsProvider> Make() {
    return MakeWebIdentityCredentialsProvider(env_.getter(), MakeCurlTransport(), clock_);
  }

  static void ExpectNoSecrets(const Status& s) {
    for (const char* secret : {kToken, "sts-secret-value", "sts-session-token-value"}) {
      EXPECT_EQ(s.message().find(secret), std::string::npos) << s.message();
    }
  }

  FakeClock clock_;
  FakeEnv env_;
  TempDir dir_;
  std::string token_file_;
  std::mutex mu_;
  std::deque<std::pair<int, std::string>> script_;
  std::vector<Seen> seen_;
  LoopbackServer sts_;  // last: stopped before what its handler uses is destroyed
};

TEST_F(WebIdentityTest, AssumesRoleWithTheTokenFromTheFile) {
  const std::string expiration = InOneHour();
  Answer(200, StsSuccess("ASIAWEBIDENTITY1", expiration));
  env_.Set("AWS_ROLE_SESSION_NAME", "my-session");
  auto p = Make();
  EXPECT_EQ(p->Name(), std::string("web identity (role ") + kRoleArn + ")");
  Result<Credentials> c = p->GetCredentials();
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->access_key_id, "ASIAWEBIDENTITY1");
  EXPECT_EQ(c->secret_access_key, "sts-secret-value");
  EXPECT_EQ(c->session_token, "sts-session-token-value");
  EXPECT_EQ(c->expiration, *ParseIso8601Utc(expiration));

  const std::vector<Seen> requests = seen();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].content_type, "application/x-www-form-urlencoded; charset=utf-8");
  const std::map<std::string, std::string> expected = {
      {"Action", "AssumeRoleWithWebIdentity"}, {"Version", "2011-06-15"},    {"RoleArn", kRoleArn},
      {"RoleSessionName", "my-session"},       {"WebIdentityToken", kToken},  // trailing newline of
                                                                              // the file trimmed
  };
  EXPECT_EQ(requests[0].form, expected);

  // Cached: no second call.
  EXPECT_EQ(p->GetCredentials()->access_key_id, "ASIAWEBIDENTITY1");
  EXPECT_EQ(seen().size(), 1u);
}

TEST_F(WebIdentityTest, DefaultSessionNameAndRereadTokenOnRefresh) {
  Answer(200, StsSuccess("ASIAFIRST", InOneHour()));
  auto p = Make();
  ASSERT_TRUE(p->GetCredentials().ok());
  EXPECT_EQ(seen().at(0).form.at("RoleSessionName"), "sqs2pg-1710400000");

  dir_.Write("token", "rotated-token");
  clock_.Advance(minutes(56));
  Answer(200, StsSuccess("ASIASECOND", InOneHour()));
  Result<Credentials> c = p->GetCredentials();
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->access_key_id, "ASIASECOND");
  ASSERT_EQ(seen().size(), 2u);
  EXPECT_EQ(seen()[1].form.at("WebIdentityToken"), "rotated-token");
}

TEST_F(WebIdentityTest, StsErrorsMapToStatusWithoutTheToken) {
  struct Case {
    int http;
    std::string body;
    StatusCode code;
  };
  const std::vector<Case> cases = {
      {400, StsError("InvalidIdentityToken", std::string("Token ") + kToken + " is not valid"),
       StatusCode::kUnauthenticated},
      {400, StsError("ExpiredTokenException", "Token expired: current date/time is later"),
       StatusCode::kUnauthenticated},
      {403, StsError("AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity"),
       StatusCode::kPermissionDenied},
      {400, StsError("IDPCommunicationError", "could not reach the IdP"), StatusCode::kUnavailable},
      {400, StsError("Throttling", "Rate exceeded"), StatusCode::kUnavailable},
      {503, "<html>gateway</html>", StatusCode::kUnavailable},
      {400, StsError("ValidationError", "1 validation error detected"),
       StatusCode::kInvalidArgument},
      {200, "<AssumeRoleWithWebIdentityResponse/>", StatusCode::kInternal},
      {200, "not xml at all " + std::string(kToken), StatusCode::kInternal},
  };
  for (const Case& c : cases) {
    Answer(c.http, c.body);
    Status s = Make()->GetCredentials().status();
    EXPECT_EQ(s.code(), c.code) << s.ToString();
    EXPECT_TRUE(s.message().starts_with("web identity: STS AssumeRoleWithWebIdentity"))
        << s.message();
    ExpectNoSecrets(s);
  }
  Answer(400, StsError("InvalidIdentityToken", std::string("Token ") + kToken + " is bad"));
  Status s = Make()->GetCredentials().status();
  EXPECT_NE(s.message().find("HTTP 400 InvalidIdentityToken: Token <redacted> is bad"),
            std::string::npos)
      << s.message();
}

TEST_F(WebIdentityTest, RefreshFailureKeepsCredentialsThenExpiredAnswerIsAnError) {
  Answer(200, StsSuccess("ASIAFIRST", InOneHour()));
  auto p = Make();
  ASSERT_TRUE(p->GetCredentials().ok());
  clock_.Advance(minutes(56));
  // STS hands back credentials that expired already: a failed refresh, the old ones stay.
  Answer(200, StsSuccess("ASIASTALE", FormatIso8601Utc(clock_.WallNow() - minutes(1))));
  EXPECT_EQ(p->GetCredentials()->access_key_id, "ASIAFIRST");
  clock_.Advance(minutes(4));  // now expired
  Status s = p->GetCredentials().status();
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_NE(s.message().find("not in the future"), std::string::npos) << s.message();
  ExpectNoSecrets(s);
}

TEST_F(WebIdentityTest, ConfigurationErrors) {
  FakeEnv none;
  Status s = MakeWebIdentityCredentialsProvider(none.getter(), MakeCurlTransport(), clock_)
                 ->GetCredentials()
                 .status();
  EXPECT_EQ(s.code(), StatusCode::kNotFound);

  FakeEnv half({{"AWS_WEB_IDENTITY_TOKEN_FILE", token_file_}});
  s = MakeWebIdentityCredentialsProvider(half.getter(), MakeCurlTransport(), clock_)
          ->GetCredentials()
          .status();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("AWS_ROLE_ARN is not"), std::string::npos) << s.message();

  FakeEnv other_half({{"AWS_ROLE_ARN", kRoleArn}});
  s = MakeWebIdentityCredentialsProvider(other_half.getter(), MakeCurlTransport(), clock_)
          ->GetCredentials()
          .status();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);

  env_.Set("AWS_WEB_IDENTITY_TOKEN_FILE", dir_.path() + "/missing-token");
  s = Make()->GetCredentials().status();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("does not exist"), std::string::npos) << s.message();

  dir_.Write("empty", " \n");
  env_.Set("AWS_WEB_IDENTITY_TOKEN_FILE", dir_.path() + "/empty");
  s = Make()->GetCredentials().status();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("is empty"), std::string::npos) << s.message();
  EXPECT_TRUE(seen().empty());  // STS never asked

  env_.Set("AWS_WEB_IDENTITY_TOKEN_FILE", token_file_);
  env_.Set("AWS_ENDPOINT_URL_STS", "sts.example.com");
  EXPECT_EQ(Make()->GetCredentials().status().code(), StatusCode::kInvalidArgument);
  env_.Unset("AWS_ENDPOINT_URL_STS");
  env_.Set("AWS_REGION", "eu-west-1/../x");
  EXPECT_EQ(Make()->GetCredentials().status().code(), StatusCode::kInvalidArgument);
}

TEST_F(WebIdentityTest, RegionalEndpoint) {
  EXPECT_EQ(StsEndpointForRegion(""), "https://sts.amazonaws.com/");
  EXPECT_EQ(StsEndpointForRegion("us-east-1"), "https://sts.us-east-1.amazonaws.com/");
  EXPECT_EQ(StsEndpointForRegion("cn-north-1"), "https://sts.cn-north-1.amazonaws.com.cn/");

  auto url_for = [&](FakeEnv env) {
    auto transport = std::make_shared<RecordingTransport>();
    Status s = MakeWebIdentityCredentialsProvider(env.getter(), transport, clock_)
                   ->GetCredentials()
                   .status();
    EXPECT_EQ(s.code(), StatusCode::kUnavailable);  // the recording transport's answer
    ExpectNoSecrets(s);
    return transport->requests().empty() ? std::string("<none>") : transport->requests()[0].url;
  };
  FakeEnv env({{"AWS_WEB_IDENTITY_TOKEN_FILE", token_file_}, {"AWS_ROLE_ARN", kRoleArn}});
  EXPECT_EQ(url_for(env), "https://sts.amazonaws.com/");
  env.Set("HOME", dir_.path());
  dir_.Write(".aws/config", "[default]\nregion = ap-southeast-2\n");
  EXPECT_EQ(url_for(env), "https://sts.ap-southeast-2.amazonaws.com/");
  env.Set("AWS_DEFAULT_REGION", "eu-central-1");
  EXPECT_EQ(url_for(env), "https://sts.eu-central-1.amazonaws.com/");
  env.Set("AWS_REGION", "eu-west-1");
  EXPECT_EQ(url_for(env), "https://sts.eu-west-1.amazonaws.com/");
  env.Set("AWS_ENDPOINT_URL_STS", "http://localhost:4566///");
  EXPECT_EQ(url_for(env), "http://localhost:4566/");
}

}  // namespace
}  // namespace sqs2pg::aws
