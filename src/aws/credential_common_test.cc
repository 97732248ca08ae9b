#include "aws/credential_common.h"

#include <gtest/gtest.h>

#include "aws/credential_test_support.h"

namespace sqs2pg::aws {
namespace {

using std::chrono::seconds;
using std::chrono::system_clock;

system_clock::time_point At(int64_t unix_seconds) {
  return system_clock::time_point(seconds(unix_seconds));
}

TEST(CredentialCommonTest, ParsesIso8601) {
  EXPECT_EQ(*ParseIso8601Utc("2024-03-14T10:00:00Z"), At(1710410400));
  EXPECT_EQ(*ParseIso8601Utc("2024-03-14t10:00:00z"), At(1710410400));
  EXPECT_EQ(*ParseIso8601Utc("2024-03-14T10:00:00"), At(1710410400));
  EXPECT_EQ(*ParseIso8601Utc("2024-03-14T12:30:00+02:30"), At(1710410400));
  EXPECT_EQ(*ParseIso8601Utc("2024-03-14T09:00:00-0100"), At(1710410400));
  EXPECT_EQ(*ParseIso8601Utc("2024-03-14T10:00:00.500Z"),
            At(1710410400) + std::chrono::milliseconds(500));
  EXPECT_EQ(*ParseIso8601Utc("2024-03-14T10:00:00.1234567891Z"),
            At(1710410400) + std::chrono::duration_cast<system_clock::duration>(
                                 std::chrono::nanoseconds(123456789)));
  for (const char* bad :
       {"", "2024-03-14", "2024-03-14T10:00Z", "2024-02-30T10:00:00Z", "2024-03-14T24:00:00Z",
        "2024-03-14T10:00:00.Z", "2024-03-14T10:00:00Q", "2024-03-14T10:00:00Z ", "1710410400"}) {
    Result<system_clock::time_point> r = ParseIso8601Utc(bad);
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

TEST(CredentialCommonTest, FormatsIso8601) {
  EXPECT_EQ(FormatIso8601Utc(At(1710410400)), "2024-03-14T10:00:00Z");
  EXPECT_EQ(*ParseIso8601Utc(FormatIso8601Utc(At(1710410401))), At(1710410401));
}

TEST(CredentialCommonTest, ParsesCredentialsJson) {
  Result<Credentials> c = ParseCredentialsJson(
      R"({"Code":"Success","LastUpdated":"2024-03-14T09:00:00Z","Type":"AWS-HMAC",
          "AccessKeyId":"ASIAEXAMPLE","SecretAccessKey":"sekrit","Token":"tok",
          "Expiration":"2024-03-14T10:00:00Z"})",
      "test");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->access_key_id, "ASIAEXAMPLE");
  EXPECT_EQ(c->secret_access_key, "sekrit");
  EXPECT_EQ(c->session_token, "tok");
  EXPECT_EQ(c->expiration, At(1710410400));

  c = ParseCredentialsJson(R"({"AccessKeyId":"AKIAEXAMPLE","SecretAccessKey":"sekrit"})", "test");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->session_token, "");
  EXPECT_FALSE(c->expiration.has_value());
}

TEST(CredentialCommonTest, CredentialsJsonErrorsQuoteNothing) {
  const std::vector<std::pair<std::string, StatusCode>> cases = {
      {"not json sekrit", StatusCode::kInternal},
      {R"(["sekrit"])", StatusCode::kInternal},
      {R"({"AccessKeyId":"ASIAEXAMPLE"})", StatusCode::kInternal},
      {R"({"SecretAccessKey":"sekrit"})", StatusCode::kInternal},
      {R"({"AccessKeyId":"ASIAEXAMPLE","SecretAccessKey":7})", StatusCode::kInternal},
      {R"({"AccessKeyId":"ASIAEXAMPLE","SecretAccessKey":"sekrit","Expiration":"soon"})",
       StatusCode::kInternal},
      {R"({"Code":"AssumeRoleUnauthorizedAccess","AccessKeyId":"ASIAEXAMPLE",
           "SecretAccessKey":"sekrit"})",
       StatusCode::kFailedPrecondition},
  };
  for (const auto& [body, code] : cases) {
    Status s = ParseCredentialsJson(body, "test").status();
    EXPECT_EQ(s.code(), code) << body;
    EXPECT_TRUE(s.message().starts_with("test: ")) << s.message();
    EXPECT_EQ(s.message().find("sekrit"), std::string::npos) << s.message();
    EXPECT_EQ(s.message().find("ASIAEXAMPLE"), std::string::npos) << s.message();
  }
  EXPECT_NE(ParseCredentialsJson(cases.back().first, "test")
                .status()
                .message()
                .find("AssumeRoleUnauthorizedAccess"),
            std::string::npos);
}

TEST(CredentialCommonTest, HttpErrorMapping) {
  EXPECT_EQ(CredentialHttpError("x", 500).code(), StatusCode::kUnavailable);
  EXPECT_EQ(CredentialHttpError("x", 503).code(), StatusCode::kUnavailable);
  EXPECT_EQ(CredentialHttpError("x", 429).code(), StatusCode::kUnavailable);
  EXPECT_EQ(CredentialHttpError("x", 408).code(), StatusCode::kUnavailable);
  EXPECT_EQ(CredentialHttpError("x", 401).code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(CredentialHttpError("x", 403).code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(CredentialHttpError("x", 404).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(CredentialHttpError("x", 400).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(CredentialHttpError("endpoint", 404).message(), "endpoint: HTTP 404");
}

TEST(CredentialCommonTest, PercentEncodeAndScrub) {
  EXPECT_EQ(PercentEncode("aZ09-_.~ +/=:é"), "aZ09-_.~%20%2B%2F%3D%3A%C3%A9");
  EXPECT_EQ(ScrubSecrets("a tok b tok", {"tok", ""}), "a <redacted> b <redacted>");
  EXPECT_EQ(ScrubSecrets("nothing", {"tok"}), "nothing");
}

TEST(CredentialCommonTest, ReadSmallFile) {
  testing::TempDir dir;
  const std::string path = dir.Write("f", "contents");
  EXPECT_EQ(*ReadSmallFile(path, "test file"), "contents");
  Status s = ReadSmallFile(dir.path() + "/missing", "test file").status();
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(s.message(), "test file " + dir.path() + "/missing does not exist");
  EXPECT_EQ(ReadSmallFile(path + "/below", "test file").status().code(), StatusCode::kNotFound);
  s = ReadSmallFile(path, "test file", 3).status();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message().find("contents"), std::string::npos);
  EXPECT_EQ(ReadSmallFile(dir.path(), "test file").status().code(),
            StatusCode::kInvalidArgument);  // a directory
}

}  // namespace
}  // namespace sqs2pg::aws
