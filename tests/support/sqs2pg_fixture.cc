#include "support/sqs2pg_fixture.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <utility>

namespace sqs2pg::testing {

void Sqs2pgFixture::SetUp() {
  PgSchemaFixture::SetUp();
  sqs_ = MakeTestSqsClient();
  queue_url_ = CreateTestQueue(*sqs_, "e2e");
}

ProcessResult Sqs2pgFixture::Sqs2pg(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {Sqs2pgBinary()};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunProcess(argv, Sqs2pgTestEnv());
}

std::vector<std::string> Sqs2pgFixture::ConsumeArgs(const std::string& command,
                                                    const std::vector<std::string>& extra) const {
  std::vector<std::string> args = {command,       "--queue-url", queue_url_, "--database-url",
                                   database_url_, "--table",     table_};
  if (std::find(extra.begin(), extra.end(), "--visibility-timeout") == extra.end()) {
    args.insert(args.end(), {"--visibility-timeout", "5"});
  }
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

void Sqs2pgFixture::ExpectExactlyOnce(int64_t n) {
  EXPECT_EQ(Count("SELECT count(*) FROM " + table_), n);
  EXPECT_EQ(Count("SELECT count(DISTINCT user_id) FROM " + table_), n);
  EXPECT_EQ(Count("SELECT count(*) FROM " + schema_ + ".sqs2pg_ledger"), n);
  EXPECT_EQ(Count("SELECT count(*) FROM " + schema_ + ".sqs2pg_rejects"), 0);
  EXPECT_EQ(MessagesInQueue(*sqs_, queue_url_), 0);
}

std::vector<std::string> Sqs2pgFixture::ConsumeArgv(const std::string& command,
                                                    const std::vector<std::string>& extra) const {
  std::vector<std::string> argv = {Sqs2pgBinary()};
  for (std::string& arg : ConsumeArgs(command, extra)) argv.push_back(std::move(arg));
  return argv;
}

ProcessResult Sqs2pgFixture::Drain(const std::vector<std::string>& extra) {
  return Sqs2pg(ConsumeArgs("drain", extra));
}

std::string LoginEvent(int i, const std::string& device_type) {
  const std::string n = std::to_string(i);
  return R"({"user_id": "user-)" + n + R"(", "app_version": "2.3.0", "device_type": ")" +
         device_type + R"(", "ip": "10.)" + std::to_string((i >> 16) & 255) + "." +
         std::to_string((i >> 8) & 255) + "." + std::to_string(i & 255) +
         R"(", "locale": "RU", "device_id": "dev-)" + n + R"("})";
}

std::vector<std::string> LoginEvents(int n) {
  std::vector<std::string> bodies;
  bodies.reserve(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) bodies.push_back(LoginEvent(i));
  return bodies;
}

}  // namespace sqs2pg::testing
