#include "aws/credentials.h"

#include <gtest/gtest.h>

#include <map>

namespace sqs2pg::aws {
namespace {

EnvGetter FakeEnv(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

TEST(CredentialsTest, EnvironmentWithSessionToken) {
  auto p = MakeEnvironmentCredentialsProvider(FakeEnv({{"AWS_ACCESS_KEY_ID", "AKIAEXAMPLE"},
                                                       {"AWS_SECRET_ACCESS_KEY", "s3cr3t"},
                                                       {"AWS_SESSION_TOKEN", "tok"}}));
  EXPECT_EQ(p->Name(), "environment");
  Result<Credentials> c = p->GetCredentials();
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->access_key_id, "AKIAEXAMPLE");
  EXPECT_EQ(c->secret_access_key, "s3cr3t");
  EXPECT_EQ(c->session_token, "tok");
  EXPECT_FALSE(c->expiration.has_value());
}

TEST(CredentialsTest, EnvironmentWithoutSessionToken) {
  auto p = MakeEnvironmentCredentialsProvider(
      FakeEnv({{"AWS_ACCESS_KEY_ID", "AKIAEXAMPLE"}, {"AWS_SECRET_ACCESS_KEY", "s3cr3t"}}));
  EXPECT_EQ(p->GetCredentials()->session_token, "");
}

TEST(CredentialsTest, EnvironmentNotConfiguredIsNotFound) {
  auto p = MakeEnvironmentCredentialsProvider(FakeEnv({{"AWS_ACCESS_KEY_ID", ""}}));
  EXPECT_EQ(p->GetCredentials().status().code(), StatusCode::kNotFound);
}

TEST(CredentialsTest, EnvironmentHalfConfiguredIsInvalidAndRedacted) {
  auto p = MakeEnvironmentCredentialsProvider(FakeEnv({{"AWS_ACCESS_KEY_ID", "AKIAVERYSECRETID"}}));
  Status s = p->GetCredentials().status();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("AKIA..."), std::string::npos);
  EXPECT_EQ(s.message().find("AKIAVERY"), std::string::npos);

  p = MakeEnvironmentCredentialsProvider(FakeEnv({{"AWS_SECRET_ACCESS_KEY", "s3cr3t"}}));
  s = p->GetCredentials().status();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message().find("s3cr3t"), std::string::npos);
}

TEST(CredentialsTest, StaticProvider) {
  auto p = MakeStaticCredentialsProvider({"AKID", "secret", "", std::nullopt}, "static-test");
  EXPECT_EQ(p->Name(), "static-test");
  EXPECT_EQ(p->GetCredentials()->access_key_id, "AKID");
  auto empty = MakeStaticCredentialsProvider({}, "empty");
  EXPECT_EQ(empty->GetCredentials().status().code(), StatusCode::kInvalidArgument);
}

TEST(CredentialsTest, RedactAccessKeyId) {
  EXPECT_EQ(RedactAccessKeyId("AKIAIOSFODNN7EXAMPLE"), "AKIA...");
  EXPECT_EQ(RedactAccessKeyId("AK"), "AK...");
}

}  // namespace
}  // namespace sqs2pg::aws
