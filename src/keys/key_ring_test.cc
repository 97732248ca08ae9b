#include "keys/key_ring.h"

#include <gtest/gtest.h>

#include <map>

#include "aws/credential_test_support.h"
#include "aws/scripted_transport.h"
#include "transform/mask_key.h"
#include "transform/mask_scheme.h"

namespace sqs2pg::keys {
namespace {

using aws::testing::Answer;
using aws::testing::FakeClock;
using aws::testing::FakeEnv;
using aws::testing::ScriptedTransport;
using aws::testing::TempDir;

constexpr char kKeyA[] = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
constexpr char kKeyB[] = "ff0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
// kKeyA in base64.
constexpr char kKeyABase64[] = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

std::string Bytes(const char* hex) { return transform::ParseMaskKey(hex).value(); }

KeyUri Uri(std::string_view text) { return ParseKeyUri(text).value(); }

class KeyRingTest : public ::testing::Test {
 protected:
  KeySourceIo Io(std::vector<Result<aws::HttpResponse>> answers = {Answer(500, "")}) {
    KeySourceIo io;
    io.take_env = [this](const std::string& name) -> std::optional<std::string> {
      auto it = env_vars_.find(name);
      if (it == env_vars_.end()) return std::nullopt;
      std::string value = it->second;
      env_vars_.erase(it);  // taken out, as TakeEnvironmentSecret does
      return value;
    };
    io.read_secret_file = [this](const std::string& path) -> Result<std::string> {
      auto it = files_.find(path);
      if (it == files_.end()) return FailedPreconditionError("cannot read " + path);
      return it->second;
    };
    transport_ = std::make_shared<ScriptedTransport>(std::move(answers));
    env_.Set("HOME", home_.path());
    env_.Set("AWS_ENDPOINT_URL", "http://aws.test");
    io.aws.env = env_.getter();
    io.aws.transport = transport_;
    io.aws.credentials =
        aws::MakeStaticCredentialsProvider({"AKID", "secret", "", std::nullopt}, "static");
    io.aws.clock = &clock_;
    io.aws.max_attempts = 1;
    return io;
  }

  std::map<std::string, std::string> env_vars_;
  std::map<std::string, std::string> files_;
  TempDir home_;
  FakeEnv env_;
  FakeClock clock_;
  std::shared_ptr<ScriptedTransport> transport_;
};

TEST_F(KeyRingTest, FileAndEnvironmentKeysInOrder) {
  files_["/k/new"] = std::string(kKeyB) + "\n";
  env_vars_["OLD_KEY"] = std::string("base64:") + kKeyABase64;
  Result<KeyRing> ring = KeyRing::Load({Uri("file:/k/new"), Uri("env:OLD_KEY")}, Io());
  ASSERT_TRUE(ring.ok()) << ring.status().ToString();
  ASSERT_EQ(ring->keys().size(), 2u);
  EXPECT_EQ(ring->current().bytes, Bytes(kKeyB));
  EXPECT_EQ(ring->current().id, transform::MaskKeyId(Bytes(kKeyB)));
  EXPECT_EQ(ring->current().source, "file /k/new");
  EXPECT_EQ(ring->keys()[1].bytes, Bytes(kKeyA));
  EXPECT_EQ(ring->keys()[1].id, "f8045705");
  EXPECT_EQ(ring->keys()[1].source, "env OLD_KEY");
  EXPECT_EQ(env_vars_.count("OLD_KEY"), 0u);  // taken out of the environment
}

TEST_F(KeyRingTest, FailuresNameTheSourceAndNeverTheKey) {
  files_["/k/short"] = "00112233";
  files_["/k/bad"] = std::string(kKeyA).substr(0, 63) + "g";
  Result<KeyRing> missing = KeyRing::Load({Uri("env:NOPE")}, Io());
  EXPECT_EQ(missing.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(missing.status().message(), "env NOPE: the variable is not set");
  Result<KeyRing> unreadable = KeyRing::Load({Uri("file:/k/none")}, Io());
  EXPECT_EQ(unreadable.status().code(), StatusCode::kFailedPrecondition);
  Result<KeyRing> short_key = KeyRing::Load({Uri("file:/k/short")}, Io());
  EXPECT_EQ(short_key.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(short_key.status().message().find("file /k/short: mask key: key decodes to 4 bytes"),
            std::string::npos)
      << short_key.status().message();
  Result<KeyRing> bad = KeyRing::Load({Uri("file:/k/bad")}, Io());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().message().find(std::string(kKeyA).substr(0, 16)), std::string::npos);
  EXPECT_EQ(KeyRing::Load({}, Io()).status().code(), StatusCode::kFailedPrecondition);
}

TEST_F(KeyRingTest, TheSameKeyTwiceIsRefused) {
  files_["/k/a"] = kKeyA;
  env_vars_["A_AGAIN"] = std::string("base64:") + kKeyABase64;
  Result<KeyRing> ring = KeyRing::Load({Uri("file:/k/a"), Uri("env:A_AGAIN")}, Io());
  EXPECT_EQ(ring.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ring.status().message(),
            "file /k/a and env A_AGAIN hold the same key (key id f8045705); give each key once");
}

TEST_F(KeyRingTest, SecretTextIsAKeyOrAJsonObjectWithMaskKey) {
  EXPECT_EQ(ParseSecretKeyText(std::string(" ") + kKeyA + "\n").value(), Bytes(kKeyA));
  EXPECT_EQ(ParseSecretKeyText(std::string(R"({"mask_key": "base64:)") + kKeyABase64 +
                               R"(", "other": 1})")
                .value(),
            Bytes(kKeyA));
  for (const std::string& bad : std::vector<std::string>{
           std::string("not a key"), std::string(R"({"key": ")") + kKeyA + "\"}",
           std::string(R"({"mask_key": 5})"), std::string("{") + kKeyA,
           std::string(R"({"mask_key": "zz)") + kKeyA + "\"}"}) {
    Result<std::string> key = ParseSecretKeyText(bad);
    EXPECT_EQ(key.status().code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(key.status().message().find(std::string(kKeyA).substr(0, 16)), std::string::npos)
        << key.status().message();
  }
}

TEST_F(KeyRingTest, SecretsManagerSsmAndKmsSources) {
  const std::string json_secret = std::string(R"({\"mask_key\":\")") + kKeyB + R"(\"})";
  Result<KeyRing> ring = KeyRing::Load(
      {Uri("aws-secretsmanager:sqs2pg/k#AWSPENDING"), Uri("aws-ssm:/sqs2pg/k"),
       Uri("aws-kms:" + home_.Write("k.blob", "AQIDBA==\n"))},
      Io({Answer(200, R"({"SecretString":")" + json_secret + "\"}"),
          Answer(200,
                 std::string(R"({"Parameter":{"Type":"SecureString","Value":")") + kKeyA + "\"}}"),
          Answer(200, std::string(R"({"Plaintext":")") + kKeyABase64 + "\"}")}));
  // The SSM and KMS keys are the same key: the ring refuses it, after loading all three.
  EXPECT_EQ(ring.status().code(), StatusCode::kInvalidArgument) << ring.status().ToString();
  ASSERT_EQ(transport_->requests().size(), 3u);
  EXPECT_NE(transport_->requests()[0].body.find(R"("VersionStage":"AWSPENDING")"),
            std::string::npos);
  EXPECT_EQ(transport_->requests()[2].body, R"({"CiphertextBlob":"AQIDBA=="})");

  Result<MaskKey> from_sm =
      LoadKey(Uri("aws-secretsmanager:sqs2pg/k"),
              Io({Answer(200, R"({"SecretString":")" + json_secret + "\"}")}));
  ASSERT_TRUE(from_sm.ok()) << from_sm.status().ToString();
  EXPECT_EQ(from_sm->bytes, Bytes(kKeyB));
  EXPECT_NE(transport_->requests()[0].body.find(R"("VersionStage":"AWSCURRENT")"),
            std::string::npos);
}

TEST_F(KeyRingTest, AKmsPlaintextShorterThan32BytesIsRefused) {
  const std::string blob = home_.Write("short.blob", "AQIDBA==");
  Result<MaskKey> key = LoadKey(Uri("aws-kms:" + blob),
                                Io({Answer(200, R"({"Plaintext":"AAECAwQFBgcICQoLDA0ODw=="})")}));
  EXPECT_EQ(key.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(key.status().message(),
            "aws-kms " + blob +
                ": the plaintext is 16 bytes; at least 32 are required (aws kms generate-data-key "
                "--number-of-bytes 32)");
  Result<MaskKey> no_file = LoadKey(Uri("aws-kms:/nonexistent/k.blob"), Io());
  EXPECT_FALSE(no_file.ok());
  EXPECT_TRUE(transport_->requests().empty());
}

TEST_F(KeyRingTest, ServiceErrorsKeepTheirCodeAndNameTheSource) {
  Result<MaskKey> denied = LoadKey(
      Uri("aws-ssm:/sqs2pg/k"),
      Io({Answer(400, R"({"__type":"AccessDeniedException","message":"not authorized"})")}));
  EXPECT_EQ(denied.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(denied.status().message(),
            "aws-ssm /sqs2pg/k: access denied: ssm:GetParameter on /sqs2pg/k "
            "(AccessDeniedException: not authorized)");
  Result<MaskKey> unreachable =
      LoadKey(Uri("aws-secretsmanager:k"), Io({UnavailableError("connection refused")}));
  EXPECT_EQ(unreachable.status().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(unreachable.status().message().starts_with("aws-secretsmanager k: GetSecretValue"))
      << unreachable.status().message();
}

}  // namespace
}  // namespace sqs2pg::keys
