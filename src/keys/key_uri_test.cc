#include "keys/key_uri.h"

#include <gtest/gtest.h>

#include <vector>

namespace sqs2pg::keys {
namespace {

KeyUri Parse(std::string_view text) {
  Result<KeyUri> uri = ParseKeyUri(text);
  EXPECT_TRUE(uri.ok()) << text << ": " << uri.status().ToString();
  return uri.ok() ? *uri : KeyUri{};
}

TEST(KeyUriTest, EveryForm) {
  KeyUri file = Parse("file:/etc/sqs2pg/mask.key");
  EXPECT_EQ(file.kind, KeySourceKind::kFile);
  EXPECT_EQ(file.argument, "/etc/sqs2pg/mask.key");
  EXPECT_EQ(file.Describe(), "file /etc/sqs2pg/mask.key");
  EXPECT_EQ(Parse("env:SQS2PG_OLD_KEY").Describe(), "env SQS2PG_OLD_KEY");
  KeyUri sm = Parse("aws-secretsmanager:sqs2pg/mask-key");
  EXPECT_EQ(sm.kind, KeySourceKind::kSecretsManager);
  EXPECT_EQ(sm.argument, "sqs2pg/mask-key");
  EXPECT_EQ(sm.version_stage, "");
  EXPECT_EQ(sm.Describe(), "aws-secretsmanager sqs2pg/mask-key");
  KeyUri staged =
      Parse("aws-secretsmanager:arn:aws:secretsmanager:eu-west-1:1:secret:k-AbC#AWSPREVIOUS");
  EXPECT_EQ(staged.argument, "arn:aws:secretsmanager:eu-west-1:1:secret:k-AbC");
  EXPECT_EQ(staged.version_stage, "AWSPREVIOUS");
  EXPECT_EQ(staged.Describe(),
            "aws-secretsmanager arn:aws:secretsmanager:eu-west-1:1:secret:k-AbC#AWSPREVIOUS");
  KeyUri ssm = Parse("aws-ssm:/sqs2pg/mask-key");
  EXPECT_EQ(ssm.kind, KeySourceKind::kSsm);
  EXPECT_EQ(ssm.argument, "/sqs2pg/mask-key");
  KeyUri kms = Parse("aws-kms:/etc/sqs2pg/key.blob");
  EXPECT_EQ(kms.kind, KeySourceKind::kKms);
  EXPECT_EQ(kms.Describe(), "aws-kms /etc/sqs2pg/key.blob");
}

TEST(KeyUriTest, MalformedUrisAreRefusedWithoutQuotingThem) {
  const std::string hex_key = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
  for (const std::string& bad : std::vector<std::string>{
           hex_key, "base64:" + hex_key, "aws-sm:" + hex_key, "File:/x", "file:", "env:", "env:1X",
           "env:A-B", "aws-secretsmanager:#AWSCURRENT", "aws-secretsmanager:k#",
           "aws-ssm:", "aws-kms:", std::string("file:/a\nb"), std::string(":") + hex_key}) {
    Result<KeyUri> uri = ParseKeyUri(bad);
    ASSERT_FALSE(uri.ok()) << bad;
    EXPECT_EQ(uri.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(uri.status().message().find(hex_key), std::string::npos) << uri.status().message();
    EXPECT_EQ(uri.status().message().find(hex_key.substr(0, 8)), std::string::npos);
  }
  EXPECT_NE(ParseKeyUri("aws-sm:x").status().message().find("unknown scheme 'aws-sm'"),
            std::string::npos);
  EXPECT_NE(ParseKeyUri("base64:AAAA").status().message().find("that is a key"), std::string::npos);
}

}  // namespace
}  // namespace sqs2pg::keys
