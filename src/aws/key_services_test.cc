#include "aws/key_services.h"

#include <gtest/gtest.h>

#include "aws/credential_test_support.h"
#include "aws/scripted_transport.h"

namespace sqs2pg::aws {
namespace {

using testing::Answer;
using testing::FakeClock;
using testing::FakeEnv;
using testing::HeaderOf;
using testing::ScriptedTransport;
using testing::TempDir;

class KeyServicesTest : public ::testing::Test {
 protected:
  KeyServiceSettings Settings(std::vector<Result<HttpResponse>> answers) {
    transport_ = std::make_shared<ScriptedTransport>(std::move(answers));
    env_.Set("HOME", home_.path());
    env_.Set("AWS_REGION", "eu-west-1");
    env_.Set("AWS_ENDPOINT_URL_SECRETS_MANAGER", "http://sm.test");
    env_.Set("AWS_ENDPOINT_URL_SSM", "http://ssm.test");
    env_.Set("AWS_ENDPOINT_URL", "http://generic.test");
    KeyServiceSettings s;
    s.env = env_.getter();
    s.transport = transport_;
    s.credentials =
        MakeStaticCredentialsProvider({"AKIDEXAMPLE", "secret", "", std::nullopt}, "static");
    s.clock = &clock_;
    return s;
  }

  TempDir home_;
  FakeEnv env_;
  FakeClock clock_;
  std::shared_ptr<ScriptedTransport> transport_;
};

TEST_F(KeyServicesTest, GetSecretStringAsksForTheStage) {
  auto client = MakeSecretsManagerClient(
      Settings({Answer(200, R"({"Name":"k","SecretString":"{\"mask_key\":\"ab\u0063\"}"})")}),
      "sqs2pg/k");
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  Result<std::string> text = GetSecretString(**client, "sqs2pg/k", "AWSPREVIOUS");
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(*text, R"({"mask_key":"abc"})");  // unescaped
  const HttpRequest sent = transport_->requests().at(0);
  EXPECT_EQ(sent.url, "http://sm.test/");
  EXPECT_EQ(HeaderOf(sent, "x-amz-target"), "secretsmanager.GetSecretValue");
  EXPECT_EQ(sent.body, R"({"SecretId":"sqs2pg/k","VersionStage":"AWSPREVIOUS"})");
  EXPECT_NE(HeaderOf(sent, "authorization").find("/eu-west-1/secretsmanager/aws4_request"),
            std::string::npos);
}

TEST_F(KeyServicesTest, ABinarySecretOrAMalformedAnswerIsRefused) {
  auto client = MakeSecretsManagerClient(
      Settings({Answer(200, R"({"SecretBinary":"AAEC"})"), Answer(200, "not json"),
                Answer(400, R"({"__type":"ResourceNotFoundException","message":"no such"})")}),
      "k");
  ASSERT_TRUE(client.ok());
  EXPECT_EQ(GetSecretString(**client, "k", "AWSCURRENT").status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(GetSecretString(**client, "k", "AWSCURRENT").status().code(), StatusCode::kInternal);
  Result<std::string> missing = GetSecretString(**client, "k", "AWSCURRENT");
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(missing.status().message(), "GetSecretValue: ResourceNotFoundException: no such");
}

TEST_F(KeyServicesTest, GetParameterDecryptsAndWantsASecureString) {
  auto client = MakeSsmClient(
      Settings({Answer(200, R"({"Parameter":{"Type":"SecureString","Value":"00ff"}})"),
                Answer(200, R"({"Parameter":{"Type":"String","Value":"00ff"}})"),
                Answer(400, R"({"__type":"ParameterNotFound"})")}),
      "/sqs2pg/k");
  ASSERT_TRUE(client.ok());
  Result<std::string> value = GetSecureStringParameter(**client, "/sqs2pg/k");
  ASSERT_TRUE(value.ok()) << value.status().ToString();
  EXPECT_EQ(*value, "00ff");
  const HttpRequest sent = transport_->requests().at(0);
  EXPECT_EQ(sent.url, "http://ssm.test/");
  EXPECT_EQ(HeaderOf(sent, "x-amz-target"), "AmazonSSM.GetParameter");
  EXPECT_EQ(sent.body, R"({"Name":"/sqs2pg/k","WithDecryption":true})");
  Result<std::string> plain = GetSecureStringParameter(**client, "/sqs2pg/k");
  EXPECT_EQ(plain.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(plain.status().message().find("00ff"), std::string::npos);
  EXPECT_EQ(GetSecureStringParameter(**client, "/sqs2pg/k").status().code(), StatusCode::kNotFound);
}

TEST_F(KeyServicesTest, KmsDecryptSendsTheBlobAndDecodesThePlaintext) {
  // No AWS_ENDPOINT_URL_KMS: the generic endpoint.
  auto client = MakeKmsClient(Settings({Answer(200, R"({"KeyId":"k","Plaintext":"AAEC/w=="})")}));
  ASSERT_TRUE(client.ok());
  Result<std::string> plaintext = KmsDecrypt(**client, "AQIDBA==", "the ciphertext in f");
  ASSERT_TRUE(plaintext.ok()) << plaintext.status().ToString();
  EXPECT_EQ(*plaintext, std::string("\x00\x01\x02\xff", 4));
  const HttpRequest sent = transport_->requests().at(0);
  EXPECT_EQ(sent.url, "http://generic.test/");
  EXPECT_EQ(HeaderOf(sent, "x-amz-target"), "TrentService.Decrypt");
  EXPECT_EQ(sent.body, R"({"CiphertextBlob":"AQIDBA=="})");
}

TEST_F(KeyServicesTest, KmsDecryptRefusesTextThatIsNotBase64WithoutCalling) {
  auto client = MakeKmsClient(Settings({Answer(200, "{}")}));
  ASSERT_TRUE(client.ok());
  for (const char* bad : {"", "AQI", "AQ ID", "AQIDBA=A", "\x01\x02\x03\x04"}) {
    EXPECT_EQ(KmsDecrypt(**client, bad, "f").status().code(), StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_TRUE(transport_->requests().empty());
}

}  // namespace
}  // namespace sqs2pg::aws
