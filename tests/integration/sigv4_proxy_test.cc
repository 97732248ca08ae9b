// Every request sqs2pg sends is SigV4-signed correctly, with and without a session token: the
// requests pass through a proxy that re-signs each one with botocore (an independent
// implementation) and refuses any whose signature differs.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>

#include "support/pg_fixture.h"
#include "support/process.h"
#include "support/sqs_test_env.h"

namespace sqs2pg::testing {
namespace {

constexpr char kKeyHex[] = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class SigV4ProxyTest : public PgSchemaFixture, public ::testing::WithParamInterface<bool> {};

TEST_P(SigV4ProxyTest, EveryRequestVerifiesAgainstBotocore) {
  const bool with_token = GetParam();
  const std::string dir = ::testing::TempDir();
  const std::string ok_log = dir + "/sigv4-ok-" + schema_ + ".log";
  const std::string fail_log = dir + "/sigv4-fail-" + schema_ + ".log";
  const std::string access_key = "AKIDSQS2PGTEST";
  const std::string secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
  const std::string token = "FQoGZXIvYXdzEPT//////////token+with/odd=chars";
  std::vector<std::string> proxy_args = {
      "python3",      std::string(SQS2PG_SOURCE_DIR) + "/tests/support/sigv4_verify_proxy.py",
      "--port",       "0",
      "--upstream",   SqsTestEndpoint(),
      "--access-key", access_key,
      "--secret-key", secret,
      "--ok-log",     ok_log,
      "--fail-log",   fail_log};
  if (with_token) {
    proxy_args.push_back("--session-token");
    proxy_args.push_back(token);
  }
  BackgroundProcess proxy(proxy_args);
  const std::string ready = proxy.ReadLine();
  ASSERT_EQ(ready.rfind("LISTENING ", 0), 0u) << "proxy did not start: " << ready;
  const std::string endpoint = "http://127.0.0.1:" + ready.substr(10);

  auto sqs = MakeTestSqsClient();
  const std::string queue = CreateTestQueue(*sqs, "sigv4");
  const std::string dlq = CreateTestQueue(*sqs, "sigv4-dlq");
  std::vector<std::string> env = {"SQS2PG_MASK_KEY=" + std::string(kKeyHex),
                                  "AWS_ACCESS_KEY_ID=" + access_key,
                                  "AWS_SECRET_ACCESS_KEY=" + secret,
                                  "AWS_SESSION_TOKEN=" + std::string(with_token ? token : ""),
                                  "AWS_ENDPOINT_URL=" + endpoint,
                                  "AWS_REGION=eu-west-1"};

  ProcessResult produce = RunProcess({Sqs2pgBinary(), "produce", "--queue-url", queue, "--count",
                                      "40", "--malformed-share", "0.2"},
                                     env);
  ASSERT_EQ(produce.exit_code, 0) << produce.output;
  ProcessResult drain = RunProcess({Sqs2pgBinary(), "drain", "--queue-url", queue, "--dlq-url", dlq,
                                    "--database-url", database_url_, "--table", table_},
                                   env);
  ASSERT_EQ(drain.exit_code, 0) << drain.output;

  EXPECT_EQ(ReadFile(fail_log), "") << "requests whose signature botocore does not reproduce";
  std::set<std::string> operations;
  std::stringstream lines(ReadFile(ok_log));
  for (std::string line; std::getline(lines, line);) operations.insert(line);
  for (const char* op :
       {"SendMessageBatch", "ReceiveMessage", "DeleteMessageBatch", "GetQueueAttributes"}) {
    EXPECT_EQ(operations.count(op), 1u) << op << " never went through the verifying proxy";
  }
  EXPECT_EQ(Count("SELECT count(*) FROM " + table_) +
                Count("SELECT count(*) FROM " + schema_ + ".sqs2pg_rejects"),
            40);
}

INSTANTIATE_TEST_SUITE_P(Credentials, SigV4ProxyTest, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "SessionToken" : "KeysOnly"; });

}  // namespace
}  // namespace sqs2pg::testing
