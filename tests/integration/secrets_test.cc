// Issue 19's security items 8, 10, 12 and 14, end to end through the real binary against the test
// PostgreSQL and the SQS emulator: what `check`, `config`, `drain` and `run` print about the
// database connection (never its password), a malformed config file line, the warning for an
// unverified remote server, and the secrets a running process must not expose (the mask key in
// /proc/PID/environ, a dumpable process, a password on the command line).
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "support/sqs2pg_fixture.h"

namespace sqs2pg::testing {
namespace {

using std::chrono::seconds;

constexpr int kNobody = 65534;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

class SecretsTest : public Sqs2pgFixture {
 protected:
  void SetUp() override {
    Sqs2pgFixture::SetUp();
    char* error = nullptr;
    PQconninfoOption* options = PQconninfoParse(database_url_.c_str(), &error);
    if (error != nullptr) PQfreemem(error);
    ASSERT_NE(options, nullptr);
    for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
      if (o->val == nullptr) continue;
      if (std::string(o->keyword) == "port") port_ = o->val;
      if (std::string(o->keyword) == "user") user_ = o->val;
      if (std::string(o->keyword) == "dbname") dbname_ = o->val;
    }
    PQconninfoFree(options);
    ASSERT_FALSE(port_.empty()) << "the test database URL names no port";
  }

  // `sqs2pg <command>` on this test's queue and table, reaching the database through `url`.
  ProcessResult Run(const std::string& command, const std::string& url,
                    const std::vector<std::string>& extra = {},
                    const std::vector<std::string>& env = {}) {
    std::vector<std::string> argv = {Sqs2pgBinary(), command,   "--queue-url",
                                     queue_url_,     "--table", table_};
    if (!url.empty()) argv.insert(argv.end(), {"--database-url", url});
    argv.insert(argv.end(), extra.begin(), extra.end());
    std::vector<std::string> full_env = Sqs2pgTestEnv();
    full_env.insert(full_env.end(), env.begin(), env.end());
    return RunWithDeadline(argv, full_env, seconds(60)).run;
  }

  // The test server as a URI with `userinfo` ("user:password") in place of the user.
  std::string UriWithUserinfo(const std::string& userinfo) const {
    return "postgresql://" + userinfo + "@127.0.0.1:" + port_ + "/" + dbname_;
  }

  std::string port_;
  std::string user_ = "postgres";
  std::string dbname_ = "postgres";
};

// Item 8: postgresql://loader:Pa5s/w0rdTail@host/db was printed whole by `check` and `config`,
// loader:Pa@ssw0rd@host as ***@ssw0rd@host, and sslpassword never redacted.
TEST_F(SecretsTest, NoCommandShowsAPasswordHoldingSlashOrAt) {
  struct Case {
    std::string url;
    std::vector<std::string> pieces;  // none may appear in any output
  };
  const std::vector<Case> cases = {
      {UriWithUserinfo(user_ + ":Pa5s/w0rdTail"), {"Pa5s", "w0rdTail"}},
      {UriWithUserinfo(user_ + ":Pa@ssw0rd"), {"Pa@ss", "ssw0rd"}},
      // Reaches the server, which refuses the missing database: the error names the server.
      {"host=127.0.0.1 port=" + port_ + " user=" + user_ +
           " dbname=sqs2pg_no_such_database sslpassword=KeyPhrase7Tail",
       {"KeyPhrase7", "7Tail"}},
  };
  for (const Case& c : cases) {
    for (const char* command : {"check", "config", "drain"}) {
      const ProcessResult r = Run(command, c.url);
      for (const std::string& piece : c.pieces) {
        EXPECT_EQ(r.output.find(piece), std::string::npos)
            << command << " shows a piece of the password (case " << c.pieces.front().size() << ")";
      }
      if (std::string(command) == "config") {
        EXPECT_EQ(r.exit_code, 0);
        EXPECT_NE(r.output.find("database-url = \"<redacted: "), std::string::npos) << r.output;
      } else {
        EXPECT_NE(r.exit_code, 0) << command;
      }
    }
  }
  // The misread URIs are refused by name, before connecting (drain: bad configuration).
  const ProcessResult misread = Run("drain", UriWithUserinfo(user_ + ":Pa5s/w0rdTail"));
  EXPECT_EQ(misread.exit_code, 2);
  EXPECT_NE(misread.output.find("misreads"), std::string::npos);
  // The server is named when it refuses: host, port, database and user only.
  const ProcessResult refused = Run("check", cases.back().url);
  EXPECT_NE(refused.output.find("host=127.0.0.1 port=" + port_ +
                                " dbname=sqs2pg_no_such_database user=" + user_),
            std::string::npos);
}

// Item 10: `database-url: postgresql://u:S3cret@...` (a colon for '=') was echoed whole as the
// "unknown key".
TEST_F(SecretsTest, AMalformedConfigLineIsNamedByNumberNotEchoed) {
  const std::string path =
      ::testing::TempDir() + "sqs2pg-secrets-" + std::to_string(getpid()) + ".toml";
  std::ofstream(path) << "# sqs2pg\nlog-level = \"info\"\ndatabase-url: postgresql://u:S3cretTail@"
                         "db.example.invalid/analytics\n";
  const ProcessResult r = Run("check", "", {"--config", path});
  std::filesystem::remove(path);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.output.find("S3cret"), std::string::npos) << "the config line's value is echoed";
  EXPECT_EQ(r.output.find("postgresql"), std::string::npos) << "the config line's value is echoed";
  EXPECT_NE(r.output.find("line 3"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("'database-url'"), std::string::npos) << r.output;
}

// Item 12: sslmode=require (the old recommendation) gives the password to whoever answers. The
// test server is reached under a name that is not local (hostaddr does the reaching), so the
// warning must come; through 127.0.0.1 it must not.
TEST_F(SecretsTest, WarnsWhenARemoteNamedServerIsReachedUnverified) {
  const std::string remote_name = "hostaddr=127.0.0.1 host=db.example.com port=" + port_ +
                                  " user=" + user_ + " dbname=" + dbname_;
  for (const char* command : {"check", "drain"}) {
    const ProcessResult warned = Run(command, remote_name);
    EXPECT_EQ(warned.exit_code, 0) << command << ":\n" << warned.output;
    EXPECT_NE(warned.output.find("PostgreSQL host db.example.com is reached with sslmode=prefer"),
              std::string::npos)
        << command << ":\n"
        << warned.output;
    EXPECT_NE(warned.output.find("verify-full"), std::string::npos) << warned.output;

    const ProcessResult local = Run(command, database_url_);
    EXPECT_EQ(local.exit_code, 0) << command << ":\n" << local.output;
    EXPECT_EQ(local.output.find("is reached with sslmode"), std::string::npos) << command << ":\n"
                                                                               << local.output;
  }
  const ProcessResult check = Run("check", remote_name);
  EXPECT_NE(check.output.find("[warn] tls"), std::string::npos) << check.output;
}

// Item 14: a running `run` keeps SQS2PG_MASK_KEY in neither /proc/PID/environ nor a core dump.
// Dumpability is observed through the owner of /proc/PID/environ: the kernel gives a non-dumpable
// process's /proc files to root. So sqs2pg must run as a user other than root: as root, the test
// starts it as nobody (setpriv execs in place, so the pid is sqs2pg's).
TEST_F(SecretsTest, RunningProcessHoldsTheMaskKeyInNeitherEnvironmentNorACoreDump) {
  std::vector<std::string> argv = ConsumeArgv("run", {"--wait-time", "1"});
  const bool as_root = geteuid() == 0;
  if (as_root) {
    argv.insert(argv.begin(), {"/usr/bin/setpriv", "--reuid=" + std::to_string(kNobody),
                               "--regid=" + std::to_string(kNobody), "--clear-groups", "--"});
  }
  RunningProcess run(argv, Sqs2pgTestEnv());
  const auto deadline = std::chrono::steady_clock::now() + seconds(60);
  while (run.Output().find("masking ip and device_id") == std::string::npos) {
    ASSERT_TRUE(run.Running()) << "run exited at start-up:\n" << run.Output();
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "no start-up:\n" << run.Output();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const std::string proc = "/proc/" + std::to_string(run.pid());
  const std::string status = ReadFile(proc + "/status");
  ASSERT_EQ(status.find("\nUid:\t0\t"), std::string::npos) << "sqs2pg runs as root: proves nothing";

  struct stat st {};
  ASSERT_EQ(stat((proc + "/environ").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 0u) << "the process is dumpable (its /proc files are not root's)";

  const std::string environ = ReadFile(proc + "/environ");
  if (!as_root && environ.empty()) {
    GTEST_SKIP() << "cannot read another non-dumpable process's environ without root";
  }
  ASSERT_NE(environ.find("AWS_REGION="), std::string::npos) << "the environ read is not working";
  EXPECT_EQ(environ.find("SQS2PG_MASK_KEY"), std::string::npos)
      << "SQS2PG_MASK_KEY is still in /proc/PID/environ";
  EXPECT_EQ(environ.find(kTestKeyHex), std::string::npos) << "the key is in /proc/PID/environ";

  run.Signal(SIGTERM);
  EXPECT_EQ(run.Wait(seconds(60)).exit_code, 0);
}

// Item 14: a password on the command line is readable by every local user; say so, and only then.
TEST_F(SecretsTest, WarnsAboutAPasswordOnTheCommandLineOnly) {
  const std::string with_password = UriWithUserinfo(user_ + ":CmdLinePw42");
  const ProcessResult on_command_line = Run("drain", with_password);
  EXPECT_EQ(on_command_line.exit_code, 0) << on_command_line.output;
  EXPECT_NE(on_command_line.output.find("--database-url holds a password"), std::string::npos)
      << on_command_line.output;
  EXPECT_EQ(on_command_line.output.find("CmdLinePw42"), std::string::npos);

  const ProcessResult in_environment = Run("drain", "", {}, {"DATABASE_URL=" + with_password});
  EXPECT_EQ(in_environment.exit_code, 0) << in_environment.output;
  EXPECT_EQ(in_environment.output.find("holds a password"), std::string::npos);

  const ProcessResult without_password = Run("drain", database_url_);
  EXPECT_EQ(without_password.exit_code, 0) << without_password.output;
  EXPECT_EQ(without_password.output.find("holds a password"), std::string::npos);
}

}  // namespace
}  // namespace sqs2pg::testing
