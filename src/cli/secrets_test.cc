#include "cli/secrets.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iterator>

namespace sqs2pg::cli {
namespace {

constexpr char kName[] = "SQS2PG_SECRETS_TEST_VALUE";
constexpr char kValue[] = "not-a-real-secret-0123456789";

std::string SelfEnviron() {
  std::ifstream in("/proc/self/environ", std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

TEST(TakeEnvironmentSecretTest, ReturnsTheValueAndUnsetsIt) {
  setenv(kName, kValue, 1);
  EXPECT_EQ(TakeEnvironmentSecret(kName), std::optional<std::string>(kValue));
  EXPECT_EQ(std::getenv(kName), nullptr);
  EXPECT_EQ(TakeEnvironmentSecret(kName), std::nullopt);
  setenv(kName, "", 1);
  EXPECT_EQ(TakeEnvironmentSecret(kName), std::nullopt);
  EXPECT_EQ(std::getenv(kName), nullptr);
}

// Issue 19 item 14: unsetenv() alone leaves "NAME=value" in the block /proc/PID/environ shows. The
// threadsafe death-test style re-executes this binary, so in the child the variable is part of
// the environment it was started with, as SQS2PG_MASK_KEY is for sqs2pg.
TEST(TakeEnvironmentSecretTest, WipesItFromTheProcessEnvironmentBlock) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  // Not overwriting: the child runs this line too, and must keep the entry it was started with.
  setenv(kName, kValue, 0);
  EXPECT_EXIT(
      {
        const bool visible_before = SelfEnviron().find(kValue) != std::string::npos;
        const std::optional<std::string> taken = TakeEnvironmentSecret(kName);
        const std::string after = SelfEnviron();
        const bool gone = after.find(kName) == std::string::npos &&
                          after.find(kValue) == std::string::npos && !after.empty();
        if (!visible_before) std::_Exit(2);  // the test would prove nothing
        if (taken != std::optional<std::string>(kValue)) std::_Exit(3);
        std::_Exit(gone ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
  unsetenv(kName);
}

TEST(DisableCoreDumpsTest, TheProcessIsNoLongerDumpable) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        const bool dumpable_before = prctl(PR_GET_DUMPABLE) == 1;
        const bool ok = DisableCoreDumps().ok();
        std::_Exit(dumpable_before && ok && prctl(PR_GET_DUMPABLE) == 0 ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
}

TEST(ReadSecretFileTest, ReadsTheWholeFile) {
  const std::string path = ::testing::TempDir() + "sqs2pg-secret-" + std::to_string(getpid());
  std::string content(3000, 'k');
  content += "\n";
  std::ofstream(path) << content;
  Result<std::string> read = ReadSecretFile(path);
  std::remove(path.c_str());
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(*read, content);
  Result<std::string> missing = ReadSecretFile("/nonexistent/key");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(missing.status().message().find("/nonexistent/key"), std::string::npos);
}

TEST(PasswordOnCommandLineTest, OnlyAPasswordInADatabaseUrlArgument) {
  EXPECT_TRUE(PasswordOnCommandLine({"drain", "--database-url", "postgresql://u:pw@h/db"}));
  EXPECT_TRUE(PasswordOnCommandLine({"--database-url=host=h password=pw", "run"}));
  EXPECT_TRUE(PasswordOnCommandLine({"check", "--database-url", "host=h sslpassword=pw"}));
  EXPECT_TRUE(PasswordOnCommandLine({"check", "--database-url", "postgresql://u:Pa5s/w0rd@h/db"}));
  EXPECT_FALSE(PasswordOnCommandLine({"drain", "--database-url", "postgresql://u@h/db"}));
  EXPECT_FALSE(PasswordOnCommandLine({"drain", "--queue-url", "postgresql://u:pw@h/db"}));
  EXPECT_FALSE(PasswordOnCommandLine({"drain", "--database-url"}));
  EXPECT_FALSE(PasswordOnCommandLine({"mask", "--field", "ip", "--", "--database-url=password=x"}));
  EXPECT_FALSE(PasswordOnCommandLine({}));
  const std::string warning = CommandLinePasswordWarning();
  for (const char* alternative : {"DATABASE_URL", "PGPASSWORD", ".pgpass", "--config"}) {
    EXPECT_NE(warning.find(alternative), std::string::npos) << alternative;
  }
}

}  // namespace
}  // namespace sqs2pg::cli
