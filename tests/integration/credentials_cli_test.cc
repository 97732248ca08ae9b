// End-to-end tests of how `sqs2pg check` finds AWS credentials: the real binary, run with a
// clean environment (`env -i`, so nothing from the developer's or CI's environment leaks in),
// against the SQS emulator and PostgreSQL that `make test` starts.
#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <string>
#include <vector>

#include "aws/credential_common.h"
#include "aws/credential_test_support.h"
#include "support/sqs2pg_fixture.h"

namespace sqs2pg::testing {
namespace {

using aws::testing::LoopbackServer;
using aws::testing::TempDir;

// Credentials no test output may ever show.
constexpr char kFileKeyId[] = "AKIDFILEITEST0000001";
constexpr char kFileSecret[] = "file-secret-wJalrXUtnFEMI-K7MDENG";
constexpr char kContainerKeyId[] = "ASIACONTAINERIT00001";
constexpr char kContainerSecret[] = "container-secret-bPxRfiCYEXAMPLEKEY";
constexpr char kContainerSessionToken[] = "container-session-token-FQoGZXIvYXdzEPT";
constexpr char kContainerAuthToken[] = "pod-identity-auth-token-0123456789";

class CredentialsCliTest : public Sqs2pgFixture {
 protected:
  // `sqs2pg check` on this test's queue and table, with only the test environment's essentials
  // (mask key, emulator endpoint, an empty HOME, instance metadata off) plus `env`.
  ProcessResult Check(const std::vector<std::string>& env) {
    std::vector<std::string> argv = {"/usr/bin/env",
                                     "-i",
                                     "SQS2PG_MASK_KEY=" + std::string(kTestKeyHex),
                                     "AWS_ENDPOINT_URL=" + SqsTestEndpoint(),
                                     "HOME=" + home_.path(),
                                     "AWS_EC2_METADATA_DISABLED=true",
                                     "SQS2PG_LOG_LEVEL=debug"};
    argv.insert(argv.end(), env.begin(), env.end());
    argv.insert(argv.end(), {Sqs2pgBinary(), "check", "--queue-url", queue_url_, "--database-url",
                             database_url_, "--table", table_});
    return RunProcess(argv);
  }

  static void ExpectNoSecrets(const std::string& output) {
    for (const char* secret : {kFileKeyId, kFileSecret, kContainerKeyId, kContainerSecret,
                               kContainerSessionToken, kContainerAuthToken}) {
      EXPECT_EQ(output.find(secret), std::string::npos) << secret << " leaked:\n" << output;
    }
  }

  TempDir home_;   // empty: no ~/.aws
  TempDir files_;  // the tests' credentials and config files
};

TEST_F(CredentialsCliTest, SharedCredentialsFileAndProfile) {
  const std::string credentials = files_.Write(
      "credentials", std::string("[default]\naws_access_key_id = AKIDWRONGPROFILE\n"
                                 "aws_secret_access_key = wrong-profile-secret\n\n"
                                 "[sqs2pg-it]\naws_access_key_id = ") +
                         kFileKeyId + "\naws_secret_access_key = " + kFileSecret + "\n");
  // The profile's region: the queue URL (sqs.us-east-1.localhost) names one, which comes first.
  const std::string config = files_.Write("config", "[profile sqs2pg-it]\nregion = eu-west-1\n");

  ProcessResult r = Check({"AWS_SHARED_CREDENTIALS_FILE=" + credentials,
                           "AWS_CONFIG_FILE=" + config, "AWS_PROFILE=sqs2pg-it"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("[ ok ] credentials  shared credentials file (profile sqs2pg-it)\n"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("region us-east-1 (from the queue URL)"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("[ ok ] queue"), std::string::npos) << r.output;
  ExpectNoSecrets(r.output);
  EXPECT_EQ(r.output.find("wrong-profile-secret"), std::string::npos) << r.output;
}

TEST_F(CredentialsCliTest, ContainerCredentialsFromLoopbackEndpoint) {
  std::mutex mu;
  std::vector<std::string> authorizations;
  const std::string expiration =
      aws::FormatIso8601Utc(std::chrono::system_clock::now() + std::chrono::hours(1));
  LoopbackServer agent;
  agent.server().Get("/v1/credentials", [&](const httplib::Request& req, httplib::Response& res) {
    {
      std::lock_guard<std::mutex> lock(mu);
      authorizations.push_back(req.get_header_value("Authorization"));
    }
    res.set_content(std::string(R"({"AccessKeyId":")") + kContainerKeyId +
                        R"(","SecretAccessKey":")" + kContainerSecret + R"(","Token":")" +
                        kContainerSessionToken + R"(","Expiration":")" + expiration + R"("})",
                    "application/json");
  });
  agent.Start();

  ProcessResult r =
      Check({"AWS_CONTAINER_CREDENTIALS_FULL_URI=" + agent.url() + "/v1/credentials",
             "AWS_CONTAINER_AUTHORIZATION_TOKEN=" + std::string(kContainerAuthToken)});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("[ ok ] credentials  container (temporary credentials, expiring " +
                          expiration + ")\n"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("[ ok ] queue"), std::string::npos) << r.output;
  ExpectNoSecrets(r.output);
  agent.Stop();
  std::lock_guard<std::mutex> lock(mu);
  ASSERT_FALSE(authorizations.empty()) << "the container endpoint was never asked";
  // Fetched once and cached for the whole run, with the authorization token.
  EXPECT_EQ(authorizations.size(), 1u);
  EXPECT_EQ(authorizations.front(), kContainerAuthToken);
}

TEST_F(CredentialsCliTest, NoCredentialsAnywhereFailsListingEverySourceTried) {
  // A credentials file exists, but only for a profile that is not selected.
  files_.Write("credentials", std::string("[other]\naws_access_key_id = ") + kFileKeyId +
                                  "\naws_secret_access_key = " + kFileSecret + "\n");
  ProcessResult r = Check({"AWS_SHARED_CREDENTIALS_FILE=" + files_.path() + "/credentials"});
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.exit_code, -1) << "timed out:\n" << r.output;
  EXPECT_NE(r.output.find("[FAIL] credentials  NOT_FOUND: no AWS credentials found; tried: "),
            std::string::npos)
      << r.output;
  for (const char* source : {"environment", "shared credentials/config files", "web identity",
                             "container", "EC2 instance metadata"}) {
    EXPECT_NE(r.output.find(source), std::string::npos) << source << " not listed:\n" << r.output;
  }
  EXPECT_NE(r.output.find("(hint: "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("[FAIL] queue        not checked"), std::string::npos) << r.output;
  ExpectNoSecrets(r.output);
}

}  // namespace
}  // namespace sqs2pg::testing
