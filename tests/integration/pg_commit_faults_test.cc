// Issue 19, item 7: `sqs2pg drain` through tests/support/pg_fault_proxy.mjs, which faults the
// first COMMIT it relays: the connection is cut just before the COMMIT reaches PostgreSQL (the
// transaction rolls back), just after (it commits, but the answer never arrives), or the COMMIT
// is turned into a ROLLBACK (what the server answers for a transaction that had already failed).
// The run must retry or fail, never delete messages whose rows were not committed; after a second,
// direct drain the table holds every message exactly once.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "support/pg_fault_proxy.h"
#include "support/process.h"
#include "support/sqs2pg_fixture.h"
#include "support/sqs_test_env.h"

namespace sqs2pg::testing {
namespace {

constexpr int kMessages = 60;

class PgCommitFaultsTest : public Sqs2pgFixture,
                           public ::testing::WithParamInterface<const char*> {};

TEST_P(PgCommitFaultsTest, DrainAgainLoadsEveryMessageExactlyOnce) {
  SendBodies(*sqs_, queue_url_, LoginEvents(kMessages));
  PgFaultProxy proxy(GetParam());
  ASSERT_FALSE(proxy.Conninfo().empty()) << "the proxy did not start";

  // The drain's argv, with the database reached through the proxy. No pruner: its connection
  // would only add noise to the proxy's counters.
  std::vector<std::string> argv = ConsumeArgv("drain", {"--ledger-prune-interval", "0"});
  for (size_t i = 0; i + 1 < argv.size(); ++i) {
    if (argv[i] == "--database-url") argv[i + 1] = proxy.Conninfo();
  }
  BoundedRun faulted = RunWithDeadline(argv, Sqs2pgTestEnv(), std::chrono::seconds(90));
  ASSERT_TRUE(faulted.finished) << faulted.run.output;
  EXPECT_EQ(proxy.faults(), 1) << faulted.run.output;
  // Either the run failed, or it retried the batch whose COMMIT was faulted.
  EXPECT_TRUE(faulted.run.exit_code != 0 ||
              faulted.run.output.find("database write failed, retrying") != std::string::npos)
      << faulted.run.output;
  EXPECT_EQ(faulted.run.output.find(kTestKeyHex), std::string::npos);
  // A commit whose answer was lost did happen: the retried batch finds its keys in the ledger.
  if (std::string(GetParam()) == "cut-after-commit") {
    EXPECT_NE(faulted.run.output.find("were already committed"), std::string::npos)
        << faulted.run.output;
  }

  ProcessResult direct = Drain({"--ledger-prune-interval", "0"});
  ASSERT_EQ(direct.exit_code, 0) << direct.output;
  ExpectExactlyOnce(kMessages);
}

INSTANTIATE_TEST_SUITE_P(CommitFaults, PgCommitFaultsTest,
                         ::testing::Values("cut-before-commit", "cut-after-commit",
                                           "rollback-commit"),
                         [](const ::testing::TestParamInfo<const char*>& info) {
                           std::string name;
                           for (const char* c = info.param; *c != '\0'; ++c) {
                             if (*c != '-') name += *c;
                           }
                           return name;
                         });

}  // namespace
}  // namespace sqs2pg::testing
