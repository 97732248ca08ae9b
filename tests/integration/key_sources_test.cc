// Issue 17 item 1: the masking key from Secrets Manager, SSM Parameter Store and KMS, against moto
// (an independent implementation of those services and of IAM, started on loopback by the test:
// tests/support/moto_key_services.py). A drain masks with the fetched key (the masks recomputed
// in SQL with pgcrypto from the same key material); a missing secret, a refusal, a malformed secret
// and an unreachable endpoint each stop sqs2pg before it loads anything; and no key appears in
// anything sqs2pg prints.
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <string>
#include <vector>

#include "aws/credential_test_support.h"
#include "support/moto_key_services.h"
#include "support/sqs2pg_fixture.h"

namespace sqs2pg::testing {
namespace {

std::string Base64Of(const std::string& hex) {
  std::string bytes;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    bytes.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

class KeySourcesTest : public Sqs2pgFixture {
 protected:
  static void SetUpTestSuite() { moto_ = new MotoKeyServices(); }
  static void TearDownTestSuite() {
    delete moto_;
    moto_ = nullptr;
  }

  void SetUp() override {
    Sqs2pgFixture::SetUp();
    ASSERT_FALSE(moto_->endpoint().empty())
        << "moto did not start (python3 with moto and boto3 is needed; see scripts/deps.sh)";
    blob_file_ = home_.Write("mask-key.blob", moto_->Fact("kms_blob") + "\n");
    short_blob_file_ = home_.Write("short.blob", moto_->Fact("kms_short_blob"));
  }

  // The test environment with no SQS2PG_MASK_KEY, `who`'s credentials, the key services at moto
  // (SQS stays at the emulator, through AWS_ENDPOINT_URL), then `extra` (later entries win).
  std::vector<std::string> Env(const AccessKey& who, const std::vector<std::string>& extra = {}) {
    std::vector<std::string> env = Sqs2pgTestEnv();
    const std::string& moto = moto_->endpoint();
    env.insert(env.end(),
               {"SQS2PG_MASK_KEY=", "AWS_ACCESS_KEY_ID=" + who.id,
                "AWS_SECRET_ACCESS_KEY=" + who.secret, "HOME=" + home_.path(),
                "AWS_EC2_METADATA_DISABLED=true", "AWS_ENDPOINT_URL_SECRETS_MANAGER=" + moto,
                "AWS_ENDPOINT_URL_SSM=" + moto, "AWS_ENDPOINT_URL_KMS=" + moto});
    env.insert(env.end(), extra.begin(), extra.end());
    return env;
  }

  // `sqs2pg <args>` with Env(who, extra).
  ProcessResult Run(const std::vector<std::string>& args, const AccessKey& who,
                    const std::vector<std::string>& extra = {}) {
    std::vector<std::string> argv = {Sqs2pgBinary()};
    argv.insert(argv.end(), args.begin(), args.end());
    ProcessResult result = RunProcess(argv, Env(who, extra));
    ExpectNoKeyIn(result.output);
    return result;
  }

  // No part of a seeded key (12 characters or more of its hex, either case, or of its base64) in
  // `output`.
  void ExpectNoKeyIn(const std::string& output) {
    constexpr size_t kPiece = 12;
    for (const std::string& hex : moto_->AllKeys()) {
      for (const std::string& text : {hex, Upper(hex), Base64Of(hex)}) {
        for (size_t at = 0; at + kPiece <= text.size(); ++at) {
          ASSERT_EQ(output.find(text.substr(at, kPiece)), std::string::npos)
              << "part of a key in: " << output;
        }
      }
    }
  }

  // Rows user-<first> .. user-<last - 1> hold the hmac-sha256 masks of their ip and device_id
  // (as LoginEvent writes them) under `key_hex`, recomputed here with pgcrypto.
  void ExpectMaskedWith(const std::string& key_hex, int first, int last) {
    const auto mask = [](const std::string& domain, const std::string& value) {
      return "encode(hmac(convert_to(" + value + ", 'UTF8'), hmac(convert_to('sqs2pg:v1:" + domain +
             "', 'UTF8'), decode($1, 'hex'), 'sha256'), 'sha256'), 'hex')";
    };
    const std::string ip =
        "'10.' || ((i >> 16) & 255) || '.' || ((i >> 8) & 255) || '.' || (i & 255)";
    const auto matching = Query(
        "SELECT count(*) FROM generate_series($2::int, $3::int - 1) AS i "
        "JOIN " +
            table_ +
            " t ON t.user_id = 'user-' || i "
            "WHERE t.masked_ip = " +
            mask("ip", ip) + " AND t.masked_device_id = " + mask("device_id", "'dev-' || i"),
        {key_hex, std::to_string(first), std::to_string(last)});
    EXPECT_EQ(matching[0][0], std::to_string(last - first))
        << "rows user-" << first << " to user-" << last - 1 << " are not all under the key";
  }

  // The key id of `key_hex`, computed with pgcrypto.
  std::string KeyIdOf(const std::string& key_hex) {
    return Query(
        "SELECT substr(encode(hmac('sqs2pg key id', decode($1, 'hex'), 'sha256'), 'hex'), 1, 8)",
        {key_hex})[0][0];
  }

  static MotoKeyServices* moto_;
  aws::testing::TempDir home_;
  std::string blob_file_;
  std::string short_blob_file_;
};

MotoKeyServices* KeySourcesTest::moto_ = nullptr;

TEST_F(KeySourcesTest, ADrainMasksWithTheKeyEachSourceGives) {
  struct Case {
    std::string uri;
    std::string key;  // the seeded key it must give
    std::vector<std::string> extra_env;
  };
  const std::vector<Case> cases = {
      {"aws-secretsmanager:sqs2pg/mask-key", moto_->Key("secret_current"), {}},
      {"aws-secretsmanager:sqs2pg/mask-key#AWSPREVIOUS", moto_->Key("secret_previous"), {}},
      {"aws-secretsmanager:sqs2pg/mask-key-json", moto_->Key("secret_json"), {}},
      // No region configured: the ARN's (eu-west-1, where the secret lives) is used.
      {"aws-secretsmanager:" + moto_->Fact("secret_eu_arn"),
       moto_->Key("secret_eu"),
       {"AWS_REGION=", "AWS_DEFAULT_REGION="}},
      {"aws-ssm:/sqs2pg/mask-key", moto_->Key("ssm"), {}},
      {"aws-kms:" + blob_file_, moto_->Key("kms"), {}},
      // The config-file key and the environment variable work as the flag does.
      {"", moto_->Key("ssm"), {"SQS2PG_MASK_KEY_URI=aws-ssm:/sqs2pg/mask-key"}},
  };
  int next = 0;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.uri.empty() ? c.extra_env.back() : c.uri);
    ASSERT_FALSE(c.key.empty());
    const int first = next;
    std::vector<std::string> bodies;
    for (; next < first + 3; ++next) bodies.push_back(LoginEvent(next));
    SendBodies(*sqs_, queue_url_, bodies);
    std::vector<std::string> extra;
    if (!c.uri.empty()) extra = {"--mask-key", c.uri};
    ProcessResult run = Run(ConsumeArgs("drain", extra), moto_->Reader(), c.extra_env);
    ASSERT_EQ(run.exit_code, 0) << run.output;
    EXPECT_NE(run.output.find("(key id " + KeyIdOf(c.key) + ")"), std::string::npos) << run.output;
    ExpectMaskedWith(c.key, first, next);
  }
  ExpectExactlyOnce(next);
}

TEST_F(KeySourcesTest, CheckNamesTheSourceAndTheKeyIdNeverTheKey) {
  ProcessResult check = Run(
      ConsumeArgs("check", {"--mask-key", "aws-secretsmanager:sqs2pg/mask-key"}), moto_->Reader());
  EXPECT_EQ(check.exit_code, 0) << check.output;
  EXPECT_NE(check.output.find("mask key     aws-secretsmanager sqs2pg/mask-key, key id " +
                              KeyIdOf(moto_->Key("secret_current")) +
                              " (32 bytes); masking "
                              "hmac-sha256 (one-way)"),
            std::string::npos)
      << check.output;

  // aes-siv with a KMS data key: what `mask` makes, `unmask` with the same source reverses.
  const std::vector<std::string> kms = {"--mask-key", "aws-kms:" + blob_file_, "--mask", "aes-siv"};
  std::vector<std::string> args = kms;
  args.insert(args.end(), {"mask", "--field", "ip", "192.0.2.7"});
  ProcessResult masked = Run(args, moto_->Reader());
  ASSERT_EQ(masked.exit_code, 0) << masked.output;
  const std::string mask = masked.output.substr(0, masked.output.find('\n'));
  EXPECT_TRUE(mask.starts_with("s1." + KeyIdOf(moto_->Key("kms")) + ".")) << mask;
  args = kms;
  args.insert(args.end(), {"unmask", "--field", "ip", mask});
  ProcessResult unmasked = Run(args, moto_->Reader());
  ASSERT_EQ(unmasked.exit_code, 0) << unmasked.output;
  EXPECT_NE(unmasked.output.find("192.0.2.7\n"), std::string::npos) << unmasked.output;
}

TEST_F(KeySourcesTest, FailuresStopBeforeAnythingIsLoaded) {
  SendBodies(*sqs_, queue_url_, {LoginEvent(0), LoginEvent(1)});
  const int closed_port = aws::testing::ClosedLoopbackPort();
  const AccessKey unknown = {"AKIAUNKNOWN000000000", "not-a-secret-moto-knows"};
  struct Case {
    std::string uri;
    AccessKey who;
    std::vector<std::string> extra_env;
    int exit_code;
    std::string message;  // on the error line
  };
  const std::vector<Case> cases = {
      {"aws-secretsmanager:sqs2pg/nope",
       moto_->Reader(),
       {},
       1,
       "aws-secretsmanager sqs2pg/nope: GetSecretValue: ResourceNotFoundException"},
      {"aws-ssm:/sqs2pg/nope",
       moto_->Reader(),
       {},
       1,
       "aws-ssm /sqs2pg/nope: GetParameter: ParameterNotFound"},
      {"aws-secretsmanager:sqs2pg/mask-key",
       moto_->Denied(),
       {},
       1,
       "aws-secretsmanager sqs2pg/mask-key: access denied: secretsmanager:GetSecretValue on "
       "sqs2pg/mask-key (AccessDenied: "},
      {"aws-ssm:/sqs2pg/mask-key",
       moto_->Denied(),
       {},
       1,
       "aws-ssm /sqs2pg/mask-key: access denied: ssm:GetParameter on /sqs2pg/mask-key ("},
      {"aws-kms:" + blob_file_,
       moto_->Denied(),
       {},
       1,
       "access denied: kms:Decrypt on the ciphertext in " + blob_file_ + " ("},
      {"aws-secretsmanager:sqs2pg/mask-key",
       unknown,
       {},
       1,
       "aws-secretsmanager sqs2pg/mask-key: GetSecretValue: InvalidClientTokenId"},
      {"aws-secretsmanager:sqs2pg/malformed",
       moto_->Reader(),
       {},
       2,
       "aws-secretsmanager sqs2pg/malformed: the secret is neither a key (hex, or base64:...) nor "
       "a JSON object with a mask_key field"},
      {"aws-secretsmanager:sqs2pg/json-no-field",
       moto_->Reader(),
       {},
       2,
       "the secret is a JSON object without a string field mask_key"},
      {"aws-secretsmanager:sqs2pg/binary", moto_->Reader(), {}, 2, "(SecretBinary)"},
      {"aws-ssm:/sqs2pg/plain",
       moto_->Reader(),
       {},
       2,
       "a String parameter is stored unencrypted; store the key as a SecureString"},
      {"aws-kms:" + short_blob_file_, moto_->Reader(), {}, 2, "the plaintext is 16 bytes"},
      {"aws-kms:" + home_.path() + "/absent.blob", moto_->Reader(), {}, 1, "absent.blob"},
      {"aws-secretsmanager:sqs2pg/mask-key",
       moto_->Reader(),
       {"AWS_ENDPOINT_URL_SECRETS_MANAGER=http://127.0.0.1:" + std::to_string(closed_port)},
       1,
       "aws-secretsmanager sqs2pg/mask-key: GetSecretValue (http://127.0.0.1:" +
           std::to_string(closed_port) + ")"},
      {"aws-sm:sqs2pg/mask-key", moto_->Reader(), {}, 2, "unknown scheme 'aws-sm'"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.uri);
    ProcessResult run = Run(ConsumeArgs("drain", {"--mask-key", c.uri}), c.who, c.extra_env);
    EXPECT_EQ(run.exit_code, c.exit_code) << run.output;
    const size_t at = run.output.find(c.message);
    ASSERT_NE(at, std::string::npos) << run.output;
    // The message is on one error line.
    const size_t line_start = run.output.rfind('\n', at);
    const std::string line = run.output.substr(line_start == std::string::npos ? 0 : line_start + 1,
                                               run.output.find('\n', at) - (line_start + 1));
    EXPECT_NE(line.find(" error "), std::string::npos) << line;
  }
  EXPECT_EQ(Count("SELECT count(*) FROM " + table_), 0);
  EXPECT_EQ(MessagesInQueue(*sqs_, queue_url_), 2);
}

}  // namespace
}  // namespace sqs2pg::testing
