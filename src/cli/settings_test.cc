#include "cli/settings.h"

#include <gtest/gtest.h>

#include "aws/credential_chain.h"
#include "aws/credential_test_support.h"

namespace sqs2pg::cli {
namespace {

using aws::testing::FakeEnv;
using aws::testing::TempDir;

constexpr char kSharedKeyId[] = "AKIDSHAREDFILE0001";
constexpr char kSharedSecret[] = "shared-file-secret-do-not-print";

// MakeSqsClient over an injected environment: HOME is an empty directory, instance metadata is
// off, and nothing else is set unless a test sets it, so no test reads the real ~/.aws or the
// network.
class MakeSqsClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    env_.Set("HOME", home_.path());
    env_.Set("AWS_EC2_METADATA_DISABLED", "true");
  }

  SqsSetup Make() {
    Result<SqsSetup> setup = MakeSqsClient(settings_, env_.getter());
    EXPECT_TRUE(setup.ok()) << setup.status().ToString();
    return setup.ok() ? std::move(*setup) : SqsSetup{};
  }

  TempDir home_;
  FakeEnv env_;
  Settings settings_;
};

TEST_F(MakeSqsClientTest, RegionFromTheProfilesConfigFile) {
  env_.Set("AWS_CONFIG_FILE", home_.Write("elsewhere/config",
                                          "[default]\nregion = eu-north-1\n"
                                          "[profile prod]\nregion = ap-southeast-2\n"));
  env_.Set("AWS_ACCESS_KEY_ID", "AKIDENV");
  env_.Set("AWS_SECRET_ACCESS_KEY", "env-secret");

  SqsSetup setup = Make();
  EXPECT_EQ(setup.region, "eu-north-1");
  EXPECT_EQ(setup.region_source, "profile default in the shared config file");
  EXPECT_EQ(setup.endpoint, "https://sqs.eu-north-1.amazonaws.com");

  env_.Set("AWS_PROFILE", "prod");
  setup = Make();
  EXPECT_EQ(setup.region, "ap-southeast-2");
  EXPECT_EQ(setup.endpoint, "https://sqs.ap-southeast-2.amazonaws.com");

  // A queue URL that names its region wins over the profile; the environment and --region win
  // over both.
  settings_.queue_url = "https://sqs.ca-central-1.amazonaws.com/123456789012/logins";
  EXPECT_EQ(Make().region, "ca-central-1");
  env_.Set("AWS_DEFAULT_REGION", "eu-west-2");
  EXPECT_EQ(Make().region, "eu-west-2");
  settings_.region = "us-west-1";
  EXPECT_EQ(Make().region, "us-west-1");
  EXPECT_EQ(Make().region_source, "--region");
}

TEST_F(MakeSqsClientTest, EnvironmentKeysStillWin) {
  home_.Write(".aws/credentials", std::string("[default]\naws_access_key_id = ") + kSharedKeyId +
                                      "\naws_secret_access_key = " + kSharedSecret + "\n");
  env_.Set("AWS_ACCESS_KEY_ID", "AKIDENV");
  env_.Set("AWS_SECRET_ACCESS_KEY", "env-secret");
  SqsSetup setup = Make();
  EXPECT_TRUE(setup.credentials_status.ok()) << setup.credentials_status.ToString();
  EXPECT_EQ(setup.credentials_source, "environment");
  EXPECT_FALSE(setup.credentials_expiration.has_value());
  Result<aws::Credentials> c = setup.credentials->GetCredentials();
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->access_key_id, "AKIDENV");
}

TEST_F(MakeSqsClientTest, SharedCredentialsFileWithoutKeyVariables) {
  env_.Set("AWS_SHARED_CREDENTIALS_FILE",
           home_.Write("creds", std::string("[ci]\naws_access_key_id = ") + kSharedKeyId +
                                    "\naws_secret_access_key = " + kSharedSecret + "\n"));
  env_.Set("AWS_PROFILE", "ci");
  SqsSetup setup = Make();
  EXPECT_TRUE(setup.credentials_status.ok()) << setup.credentials_status.ToString();
  EXPECT_EQ(setup.credentials_source, "shared credentials file (profile ci)");
  Result<aws::Credentials> c = setup.credentials->GetCredentials();
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->access_key_id, kSharedKeyId);
}

TEST_F(MakeSqsClientTest, NoCredentialsIsReportedNotFatal) {
  SqsSetup setup = Make();  // MakeSqsClient itself succeeds: only configuration errors fail it
  ASSERT_NE(setup.client, nullptr);
  EXPECT_EQ(setup.credentials_status.code(), StatusCode::kNotFound);
  EXPECT_EQ(setup.credentials_source, aws::kUnresolvedChainName);
  const std::string& message = setup.credentials_status.message();
  for (const char* source : {"environment", "shared credentials/config files", "web identity",
                             "container", "EC2 instance metadata"}) {
    EXPECT_NE(message.find(source), std::string::npos) << source << " missing from: " << message;
  }
}

TEST_F(MakeSqsClientTest, ConfiguredButBrokenSourceIsReportedWithoutItsSecret) {
  // Only half of a key pair in the profile: the shared files source is configured but unusable.
  env_.Set(
      "AWS_SHARED_CREDENTIALS_FILE",
      home_.Write("creds", std::string("[default]\naws_access_key_id = ") + kSharedKeyId + "\n"));
  SqsSetup setup = Make();
  EXPECT_EQ(setup.credentials_status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(setup.credentials_status.message().find(kSharedKeyId), std::string::npos)
      << setup.credentials_status.message();
}

TEST_F(MakeSqsClientTest, MalformedRegionIsAConfigurationError) {
  env_.Set("AWS_REGION", "eu-west-1/../x");
  Result<SqsSetup> setup = MakeSqsClient(settings_, env_.getter());
  EXPECT_EQ(setup.status().code(), StatusCode::kInvalidArgument);
}

// Issue 17: which key sources are in force.
TEST(MaskKeyUrisTest, MaskKeyThenKeyFileThenTheVariable) {
  Settings settings;
  EXPECT_EQ(MaskKeyUris(settings, false).status().code(), StatusCode::kFailedPrecondition);
  Result<std::vector<keys::KeyUri>> uris = MaskKeyUris(settings, true);
  ASSERT_TRUE(uris.ok());
  ASSERT_EQ(uris->size(), 1u);
  EXPECT_EQ((*uris)[0].Describe(), "env SQS2PG_MASK_KEY");

  settings.mask_key_file = "/run/secrets/mask.key";
  uris = MaskKeyUris(settings, true);
  ASSERT_TRUE(uris.ok());
  EXPECT_EQ((*uris)[0].Describe(), "file /run/secrets/mask.key");

  settings.mask_key_file.clear();
  settings.mask_key = {"aws-ssm:/sqs2pg/new", "file:/old.key"};
  uris = MaskKeyUris(settings, true);
  ASSERT_TRUE(uris.ok());
  ASSERT_EQ(uris->size(), 2u);
  EXPECT_EQ((*uris)[0].Describe(), "aws-ssm /sqs2pg/new");
  EXPECT_EQ((*uris)[1].Describe(), "file /old.key");

  settings.mask_key_file = "/run/secrets/mask.key";
  EXPECT_EQ(MaskKeyUris(settings, false).status().code(), StatusCode::kInvalidArgument);
  settings.mask_key_file.clear();
  settings.mask_key = {"aws-ssm:/ok", "nonsense"};
  EXPECT_EQ(MaskKeyUris(settings, false).status().code(), StatusCode::kInvalidArgument);
}

TEST(MaskKeyUrisTest, ExitCodes) {
  EXPECT_EQ(MaskKeyExitCode(InvalidArgumentError("x")), 2);
  EXPECT_EQ(MaskKeyExitCode(FailedPreconditionError("no masking key")), 2);
  EXPECT_EQ(MaskKeyExitCode(PermissionDeniedError("access denied")), 1);
  EXPECT_EQ(MaskKeyExitCode(NotFoundError("no such secret")), 1);
  EXPECT_EQ(MaskKeyExitCode(UnavailableError("unreachable")), 1);
}

}  // namespace
}  // namespace sqs2pg::cli
