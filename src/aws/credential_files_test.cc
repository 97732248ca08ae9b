#include "aws/credential_files.h"

#include <gtest/gtest.h>

#include "aws/credential_test_support.h"

namespace sqs2pg::aws {
namespace {

using testing::FakeEnv;
using testing::TempDir;

TEST(CredentialFilesTest, ParseIniCommentsWhitespaceAndCase) {
  const IniSections s = ParseIni(
      "# a comment\n"
      "; another\n"
      "\n"
      "  [ default ]   # trailing comment\n"
      "AWS_Access_Key_ID=AKIAONE\r\n"
      "aws_secret_access_key   =   secret/with+chars=  \n"
      "region = eu-west-1 ; inline comment\n"
      "output = json#not-a-comment\n"
      "empty =\n"
      "\t\n"
      "[profile prod]\n"
      "region=us-west-2\n");
  ASSERT_EQ(s.size(), 2u);
  const auto& d = s.at("default");
  EXPECT_EQ(d.at("aws_access_key_id"), "AKIAONE");
  EXPECT_EQ(d.at("aws_secret_access_key"), "secret/with+chars=");
  EXPECT_EQ(d.at("region"), "eu-west-1");
  EXPECT_EQ(d.at("output"), "json#not-a-comment");
  EXPECT_EQ(d.at("empty"), "");
  EXPECT_EQ(s.at("profile prod").at("region"), "us-west-2");
}

TEST(CredentialFilesTest, ParseIniNestedAndIndentedProperties) {
  const IniSections s = ParseIni(
      "[a]\n"
      "s3 =\n"
      "  max_concurrent_requests = 20\n"
      "  region = nested-should-be-ignored\n"
      "region = top\n"
      "[b]\n"
      "  key1 = one\n"
      "  key2 = two\n"
      "[c]\n"
      "key1 = one\n"
      "   key2 = continues key1, as in botocore's configparser\n");
  EXPECT_EQ(s.at("a").at("s3"), "");
  EXPECT_EQ(s.at("a").at("region"), "top");
  EXPECT_EQ(s.at("a").count("max_concurrent_requests"), 0u);
  EXPECT_EQ(s.at("b").at("key1"), "one");
  EXPECT_EQ(s.at("b").at("key2"), "two");
  EXPECT_EQ(s.at("c").at("key1"), "one");
  EXPECT_EQ(s.at("c").count("key2"), 0u);
}

TEST(CredentialFilesTest, ParseIniMalformedLinesAndRepeats) {
  const IniSections s = ParseIni(
      "orphan = before any section\n"
      "[x]\n"
      "a = 1\n"
      "this line has no equals sign\n"
      "= no key\n"
      "[broken\n"
      "b = lost\n"
      "[x]\n"
      "a = 2\n"
      "c = 3\n"
      "[y] junk\n"
      "d = lost too\n");
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s.at("x").at("a"), "2");
  EXPECT_EQ(s.at("x").at("c"), "3");
  EXPECT_EQ(s.at("x").size(), 2u);
}

class ProfileTest : public ::testing::Test {
 protected:
  ProfileTest() { env_.Set("HOME", home_.path()); }

  void WriteCredentials(const std::string& text) { home_.Write(".aws/credentials", text); }
  void WriteConfig(const std::string& text) { home_.Write(".aws/config", text); }

  Result<Credentials> Get() {
    return MakeSharedFilesCredentialsProvider(env_.getter())->GetCredentials();
  }
  std::string Name() {
    return std::string(MakeSharedFilesCredentialsProvider(env_.getter())->Name());
  }

  TempDir home_;
  FakeEnv env_;
};

TEST_F(ProfileTest, DefaultProfileFromCredentialsFile) {
  WriteCredentials(
      "[default]\naws_access_key_id = AKIADEFAULT\naws_secret_access_key = s3cr3t-default\n"
      "aws_session_token = tok-default\n"
      "[prod]\naws_access_key_id = AKIAPROD\naws_secret_access_key = s3cr3t-prod\n");
  Result<Credentials> c = Get();
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->access_key_id, "AKIADEFAULT");
  EXPECT_EQ(c->secret_access_key, "s3cr3t-default");
  EXPECT_EQ(c->session_token, "tok-default");
  EXPECT_FALSE(c->expiration.has_value());
  EXPECT_EQ(Name(), "shared credentials file (profile default)");
}

TEST_F(ProfileTest, AwsProfileSelectsSectionsInBothFiles) {
  WriteCredentials("[default]\naws_access_key_id = AKIADEFAULT\naws_secret_access_key = x\n");
  WriteConfig(
      "[default]\nregion = eu-west-1\n"
      "[prod]\naws_access_key_id = AKIANOTAPROFILE\naws_secret_access_key = no\n"
      "[profile prod]\naws_access_key_id = AKIAPROD\naws_secret_access_key = s3cr3t-prod\n"
      "region = us-west-2\n");
  env_.Set("AWS_PROFILE", "prod");
  Result<Credentials> c = Get();
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->access_key_id, "AKIAPROD");
  EXPECT_EQ(c->secret_access_key, "s3cr3t-prod");
  EXPECT_EQ(Name(), "shared config file (profile prod)");
  EXPECT_EQ(ProfileRegion(env_.getter()), "us-west-2");
  env_.Unset("AWS_PROFILE");
  EXPECT_EQ(ProfileRegion(env_.getter()), "eu-west-1");
}

TEST_F(ProfileTest, CredentialsFileWinsOverConfigFile) {
  WriteCredentials("[prod]\naws_access_key_id = AKIACREDS\naws_secret_access_key = from-creds\n");
  WriteConfig(
      "[profile prod]\naws_access_key_id = AKIACONFIG\naws_secret_access_key = from-config\n"
      "aws_session_token = config-token\n");
  env_.Set("AWS_PROFILE", "prod");
  Result<Credentials> c = Get();
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->access_key_id, "AKIACREDS");
  EXPECT_EQ(c->secret_access_key, "from-creds");
  EXPECT_EQ(c->session_token, "config-token");  // per property, as the SDKs merge profiles
  EXPECT_EQ(Name(), "shared credentials file (profile prod)");
}

TEST_F(ProfileTest, ProfileDefaultSectionInConfig) {
  WriteConfig(
      "[default]\nregion = a\n[profile default]\nregion = b\n"
      "aws_access_key_id = AKIAPD\naws_secret_access_key = s\n");
  EXPECT_EQ(Get()->access_key_id, "AKIAPD");
  EXPECT_EQ(ProfileRegion(env_.getter()), "b");
}

TEST_F(ProfileTest, PathOverridesAndTildeExpansion) {
  home_.Write("elsewhere/creds",
              "[default]\naws_access_key_id = AKIAOVERRIDE\n"
              "aws_secret_access_key = s\n");
  home_.Write("elsewhere/conf", "[default]\nregion = ap-south-1\n");
  WriteCredentials("[default]\naws_access_key_id = AKIAHOME\naws_secret_access_key = s\n");
  env_.Set("AWS_SHARED_CREDENTIALS_FILE", "~/elsewhere/creds");
  env_.Set("AWS_CONFIG_FILE", home_.path() + "/elsewhere/conf");
  EXPECT_EQ(Get()->access_key_id, "AKIAOVERRIDE");
  EXPECT_EQ(ProfileRegion(env_.getter()), "ap-south-1");
  const SharedFilePaths p = SharedConfigFilePaths(env_.getter());
  EXPECT_EQ(p.credentials, home_.path() + "/elsewhere/creds");
  EXPECT_EQ(p.config, home_.path() + "/elsewhere/conf");
}

TEST_F(ProfileTest, NotConfiguredIsNotFound) {
  // No files at all.
  Status s = Get().status();
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_NE(s.message().find("no profile default"), std::string::npos) << s.message();
  // A profile without keys (only a region).
  WriteConfig("[default]\nregion = eu-west-1\n");
  s = Get().status();
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_NE(s.message().find("has no aws_access_key_id"), std::string::npos) << s.message();
  // AWS_PROFILE=default that does not exist is fine (botocore does not complain either).
  env_.Set("AWS_PROFILE", "default");
  WriteConfig("[profile other]\nregion = x\n");
  EXPECT_EQ(Get().status().code(), StatusCode::kNotFound);
  // No HOME and no overrides: no files.
  FakeEnv bare;
  s = MakeSharedFilesCredentialsProvider(bare.getter())->GetCredentials().status();
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_NE(s.message().find("HOME is not set"), std::string::npos) << s.message();
  EXPECT_EQ(ProfileRegion(bare.getter()), std::nullopt);
}

TEST_F(ProfileTest, MissingNamedProfileIsInvalid) {
  WriteCredentials("[default]\naws_access_key_id = AKIADEFAULT\naws_secret_access_key = s\n");
  env_.Set("AWS_PROFILE", "typo");
  Status s = Get().status();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("AWS_PROFILE names profile typo"), std::string::npos) << s.message();
}

TEST_F(ProfileTest, HalfConfiguredIsInvalidAndRedacted) {
  WriteCredentials("[default]\naws_access_key_id = AKIAVERYSECRETID\n");
  Status s = Get().status();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("AKIA..."), std::string::npos) << s.message();
  EXPECT_EQ(s.message().find("AKIAVERY"), std::string::npos) << s.message();

  WriteCredentials("[default]\naws_secret_access_key = s3cr3t-value\n");
  s = Get().status();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message().find("s3cr3t-value"), std::string::npos) << s.message();
}

TEST_F(ProfileTest, UnsupportedCredentialSettingsAreInvalid) {
  WriteConfig(
      "[profile assume]\nrole_arn = arn:aws:iam::123456789012:role/x\nsource_profile = default\n"
      "aws_access_key_id = AKIAWOULDBEIGNORED\naws_secret_access_key = s\n"
      "[profile sso]\nsso_session = corp\n"
      "[profile proc]\ncredential_process = /bin/get-creds --secret s3cr3t\n"
      "[profile procwithkeys]\ncredential_process = /bin/x\n"
      "aws_access_key_id = AKIAPROC\naws_secret_access_key = s\n");
  for (const char* profile : {"assume", "sso", "proc"}) {
    env_.Set("AWS_PROFILE", profile);
    Status s = Get().status();
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << profile;
    EXPECT_NE(s.message().find("does not support"), std::string::npos) << s.message();
    EXPECT_EQ(s.message().find("s3cr3t"), std::string::npos) << s.message();
  }
  // Static keys win over credential_process in the SDKs' order.
  env_.Set("AWS_PROFILE", "procwithkeys");
  EXPECT_EQ(Get()->access_key_id, "AKIAPROC");
}

TEST_F(ProfileTest, UnreadableFileIsInvalid) {
  home_.Write(".aws/credentials/inside", "");  // the credentials "file" is a directory
  Status s = Get().status();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find(home_.path() + "/.aws/credentials"), std::string::npos) << s.message();
}

TEST_F(ProfileTest, ReadsFilesOnceWhenMade) {
  WriteCredentials("[default]\naws_access_key_id = AKIAFIRST\naws_secret_access_key = s\n");
  auto p = MakeSharedFilesCredentialsProvider(env_.getter());
  WriteCredentials("[default]\naws_access_key_id = AKIASECOND\naws_secret_access_key = s\n");
  EXPECT_EQ(p->GetCredentials()->access_key_id, "AKIAFIRST");
  EXPECT_EQ(Get()->access_key_id, "AKIASECOND");
}

}  // namespace
}  // namespace sqs2pg::aws
