// End-to-end tests of the mapping file's command-line surface (issue 14, first part): `sqs2pg
// mapping default`, and --mapping / SQS2PG_MAPPING / the config key `mapping`, which drain, run
// and check load at start-up. The real binary against the SQS emulator and PostgreSQL.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "aws/credential_test_support.h"
#include "support/sqs2pg_fixture.h"
#include "transform/mapping/default_mapping.h"

namespace sqs2pg::testing {
namespace {

using aws::testing::TempDir;

// Stands for a secret pasted into a mapping file by mistake: no output may show it.
constexpr char kSecret[] = "hunter2-PASTED-SECRET-77";

class MappingCliTest : public Sqs2pgFixture {
 protected:
  // `sqs2pg <args>` with the test environment plus `extra_env`.
  ProcessResult Sqs2pgWithEnv(const std::vector<std::string>& args,
                              const std::vector<std::string>& extra_env) {
    std::vector<std::string> argv = {Sqs2pgBinary()};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<std::string> env = Sqs2pgTestEnv();
    env.insert(env.end(), extra_env.begin(), extra_env.end());
    return RunProcess(argv, env);
  }

  // A mapping whose line 4 sets envelope to a pasted secret.
  std::string BrokenMapping() {
    return files_.Write("broken.toml", std::string("# a mapping with one mistake\n"
                                                   "table = \"purchases\"\n"
                                                   "\n"
                                                   "envelope = \"") +
                                           kSecret +
                                           "\"\n"
                                           "[[column]]\n"
                                           "name = \"id\"\n"
                                           "path = \"id\"\n");
  }

  static void ExpectNamesLineAndKeyOnly(const ProcessResult& r, const std::string& path) {
    EXPECT_NE(r.output.find(path + ":4: envelope: expected auto, none, sns or eventbridge"),
              std::string::npos)
        << r.output;
    EXPECT_EQ(r.output.find(kSecret), std::string::npos) << r.output;
  }

  TempDir files_;
};

TEST_F(MappingCliTest, MappingDefaultNeedsNothingAndRoundTripsThroughDrainAndCheck) {
  // No key, queue, database or AWS settings at all.
  ProcessResult printed = RunProcess({"/usr/bin/env", "-i", Sqs2pgBinary(), "mapping", "default"});
  ASSERT_EQ(printed.exit_code, 0) << printed.output;
  EXPECT_EQ(printed.output, transform::mapping::DefaultMappingToml());
  const std::string path = files_.Write("default.toml", printed.output);

  SendBodies(*sqs_, queue_url_, LoginEvents(5));
  ProcessResult drained = Drain({"--mapping", path});
  ASSERT_EQ(drained.exit_code, 0) << drained.output;
  ExpectExactlyOnce(5);

  ProcessResult checked = Sqs2pg({"check", "--queue-url", queue_url_, "--database-url",
                                  database_url_, "--table", table_, "--mapping", path});
  EXPECT_EQ(checked.exit_code, 0) << checked.output;
  EXPECT_NE(checked.output.find("[ ok ] mapping      " + path + ": 7 columns"), std::string::npos)
      << checked.output;
}

TEST_F(MappingCliTest, BrokenMappingFileExits2BeforeTouchingAMessage) {
  const std::string path = BrokenMapping();
  SendBodies(*sqs_, queue_url_, LoginEvents(3));

  ProcessResult drained = Drain({"--mapping", path});
  EXPECT_EQ(drained.exit_code, 2) << drained.output;
  ExpectNamesLineAndKeyOnly(drained, path);

  // run would consume until signalled: it must stop at start-up instead.
  BoundedRun ran = RunWithDeadline(ConsumeArgv("run", {"--mapping", path}), Sqs2pgTestEnv(),
                                   std::chrono::seconds(60));
  EXPECT_TRUE(ran.finished) << ran.run.output;
  EXPECT_EQ(ran.run.exit_code, 2) << ran.run.output;
  ExpectNamesLineAndKeyOnly(ran.run, path);

  ProcessResult checked = Sqs2pg({"check", "--queue-url", queue_url_, "--database-url",
                                  database_url_, "--table", table_, "--mapping", path});
  EXPECT_EQ(checked.exit_code, 2) << checked.output;
  EXPECT_NE(checked.output.find("[FAIL] mapping"), std::string::npos) << checked.output;
  ExpectNamesLineAndKeyOnly(checked, path);

  // Nothing was received or written.
  EXPECT_EQ(Count("SELECT count(*) FROM " + table_), 0);
  // Not even the sidecar tables were made: the mapping is refused before the database is touched.
  EXPECT_EQ(Count("SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = '" + schema_ +
                  "' AND tablename LIKE 'sqs2pg%'"),
            0);
  EXPECT_EQ(MessagesInQueue(*sqs_, queue_url_), 3);
}

TEST_F(MappingCliTest, SyntaxErrorsAndTyposNameTheLineButNoValue) {
  // A TOML syntax error on line 3 (an unquoted value), then a misspelt column key on line 5.
  const std::string syntax = files_.Write(
      "syntax.toml", std::string("[[column]]\nname = \"id\"\npath = ") + kSecret + "\n");
  ProcessResult r = Drain({"--mapping", syntax});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find(syntax + ":3:"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("not valid TOML"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find(kSecret), std::string::npos) << r.output;

  const std::string typo = files_.Write(
      "typo.toml",
      std::string("[[column]]\nname = \"id\"\npath = \"id\"\n\ntransfrom = \"") + kSecret + "\"\n");
  r = Drain({"--mapping", typo});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find(typo + ":5: column \"id\": unknown column key \"transfrom\""),
            std::string::npos)
      << r.output;
  EXPECT_EQ(r.output.find(kSecret), std::string::npos) << r.output;

  const std::string absent = files_.path() + "/absent.toml";
  r = Drain({"--mapping", absent});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("cannot read mapping file " + absent), std::string::npos) << r.output;
}

TEST_F(MappingCliTest, EnvironmentAndConfigFileNameTheMappingWithTheUsualPrecedence) {
  const std::string broken = BrokenMapping();
  ProcessResult printed = Sqs2pg({"mapping", "default"});
  ASSERT_EQ(printed.exit_code, 0) << printed.output;
  const std::string good = files_.Write("good.toml", printed.output);
  const std::string config = files_.Write("sqs2pg.toml", "mapping = \"" + broken + "\"\n");

  // The config file's key is used...
  ProcessResult r = Sqs2pg({"--config", config, "drain", "--queue-url", queue_url_,
                            "--database-url", database_url_, "--table", table_});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  ExpectNamesLineAndKeyOnly(r, broken);
  // ...the environment wins over it...
  r = Sqs2pgWithEnv({"--config", config, "drain", "--queue-url", queue_url_, "--database-url",
                     database_url_, "--table", table_, "--visibility-timeout", "5"},
                    {"SQS2PG_MAPPING=" + good});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  // ...and the flag over both.
  r = Sqs2pgWithEnv({"--config", config, "drain", "--queue-url", queue_url_, "--database-url",
                     database_url_, "--table", table_, "--mapping", broken},
                    {"SQS2PG_MAPPING=" + good});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  ExpectNamesLineAndKeyOnly(r, broken);

  // `sqs2pg config` shows the file in use and where it came from, or the built-in mapping.
  r = Sqs2pg({"config"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("# mapping: not set (built-in login mapping)\n"), std::string::npos)
      << r.output;
  r = Sqs2pg({"--config", config, "config"});
  EXPECT_NE(r.output.find("mapping = \"" + broken + "\"  # config file\n"), std::string::npos)
      << r.output;
  r = Sqs2pgWithEnv({"--config", config, "config"}, {"SQS2PG_MAPPING=" + good});
  EXPECT_NE(r.output.find("mapping = \"" + good + "\"  # environment SQS2PG_MAPPING\n"),
            std::string::npos)
      << r.output;
  r = Sqs2pgWithEnv({"--config", config, "--mapping", broken, "config"},
                    {"SQS2PG_MAPPING=" + good});
  EXPECT_NE(r.output.find("mapping = \"" + broken + "\"  # flag\n"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace sqs2pg::testing
