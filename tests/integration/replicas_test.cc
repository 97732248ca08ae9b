// Several sqs2pg replicas on one queue and one table (issue 3: never lose or duplicate under
// faults). Three real `sqs2pg drain` processes start together against the SQS emulator and the
// shared PostgreSQL of `make test`.
//
// What is checked, and why:
//  - Competing consumers: every message ends up exactly once in the table and the ledger, the
//    queue ends empty, every replica exits 0, and the replicas' "inserted" figures add up to the
//    number of messages. At least two replicas must have inserted something, or the test did not
//    exercise concurrency at all.
//  - Concurrent start-up on a schema without the sidecar tables: the replicas create
//    sqs2pg_ledger/sqs2pg_rejects at the same moment, which must not fail (the DDL takes an
//    advisory lock).
#include <gtest/gtest.h>

#include <regex>

#include "pg/sink.h"
#include "support/login_rows.h"
#include "support/pg_fixture.h"
#include "support/pg_test_env.h"
#include "support/process.h"
#include "support/run_output.h"
#include "support/sqs_test_env.h"

namespace sqs2pg::testing {
namespace {

constexpr int kReplicas = 3;
constexpr int kSidecarRounds = 3;  // see ThreeDrainsCreateTheMissingSidecarConcurrently

std::vector<std::string> LoginEvents(int n) {
  std::vector<std::string> bodies;
  bodies.reserve(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    bodies.push_back(R"({"user_id": "user-)" + std::to_string(i) +
                     R"(", "app_version": "2.3.0", "device_type": "android", "ip": "10.0.)" +
                     std::to_string(i / 256) + "." + std::to_string(i % 256) +
                     R"(", "locale": "RU", "device_id": "593-47-5928"})");
  }
  return bodies;
}

class ReplicasTest : public PgSchemaFixture {
 protected:
  void SetUp() override {
    PgSchemaFixture::SetUp();
    sqs_ = MakeTestSqsClient();
    queue_url_ = CreateTestQueue(*sqs_, "replicas");
    ASSERT_FALSE(queue_url_.empty());
  }
  void TearDown() override {
    for (int round = 0; round < kSidecarRounds; ++round) {
      Exec("DROP SCHEMA IF EXISTS " + schema_ + "_r" + std::to_string(round) + " CASCADE");
    }
    PgSchemaFixture::TearDown();
  }

  // Starts kReplicas drains of `queue_url` into `table` at once, waits for all of them and checks
  // the exactly-once outcome. The sidecar lives in `schema`. With `expect_sharing`, at least two
  // replicas must have inserted rows.
  void DrainWithReplicasAndCheck(const std::string& queue_url, const std::string& schema,
                                 const std::string& table, int n, bool expect_sharing) {
    std::vector<std::unique_ptr<RunningProcess>> replicas;
    for (int i = 0; i < kReplicas; ++i) {
      replicas.push_back(std::make_unique<RunningProcess>(
          std::vector<std::string>{Sqs2pgBinary(), "drain", "--queue-url", queue_url,
                                   "--database-url", database_url_, "--table", table,
                                   "--visibility-timeout", "5"},
          Sqs2pgTestEnv()));
    }
    int64_t inserted_total = 0;
    int replicas_that_inserted = 0;
    for (int i = 0; i < kReplicas; ++i) {
      ProcessResult result = replicas[i]->Wait(std::chrono::seconds(120));
      EXPECT_EQ(result.exit_code, 0) << "replica " << i << ":\n" << result.output;
      const int64_t inserted = SummaryValue(result.output, "inserted");
      EXPECT_GE(inserted, 0) << "replica " << i << " printed no summary:\n" << result.output;
      inserted_total += inserted;
      if (inserted > 0) ++replicas_that_inserted;
    }
    EXPECT_EQ(Count("SELECT count(*) FROM " + table), n);
    EXPECT_EQ(Count("SELECT count(DISTINCT user_id) FROM " + table), n);
    EXPECT_EQ(Count("SELECT count(*) FROM " + schema + ".sqs2pg_ledger"), n);
    EXPECT_EQ(Count("SELECT count(*) FROM " + schema + ".sqs2pg_rejects"), 0);
    EXPECT_EQ(MessagesInQueue(*sqs_, queue_url), 0);
    EXPECT_EQ(inserted_total, n);
    if (expect_sharing) {
      EXPECT_GE(replicas_that_inserted, 2) << "the replicas did not run concurrently";
    }
  }

  std::unique_ptr<sqs::SqsClient> sqs_;
  std::string queue_url_;
};

TEST_F(ReplicasTest, ThreeDrainsShareTheQueueAndInsertEachMessageOnce) {
  // The sidecar exists already, as it would after the first deployment.
  ASSERT_TRUE(pg::Sink::Open(database_url_, table_, LoginLayout()).ok());
  ASSERT_EQ(Count("SELECT count(*) FROM " + schema_ + ".sqs2pg_ledger"), 0);
  constexpr int kN = 10000;
  SendBodies(*sqs_, queue_url_, LoginEvents(kN));
  DrainWithReplicasAndCheck(queue_url_, schema_, table_, kN, /*expect_sharing=*/true);
}

// The DDL race is short (a few tens of ms), so one start catches a missing lock only about half
// of the time: three rounds, each on a fresh schema without the sidecar.
TEST_F(ReplicasTest, ThreeDrainsCreateTheMissingSidecarConcurrently) {
  constexpr int kN = 1000;
  for (int round = 0; round < kSidecarRounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    const std::string schema = schema_ + "_r" + std::to_string(round);
    const std::string table = schema + ".user_logins";
    Exec("CREATE SCHEMA " + schema);
    Exec("CREATE TABLE " + table + " (" + pgtest::kUserLoginsColumns + ")");
    ASSERT_EQ(Count("SELECT count(*) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n "
                    "ON n.oid = c.relnamespace WHERE n.nspname = '" +
                    schema + "' AND c.relname IN ('sqs2pg_ledger', 'sqs2pg_rejects')"),
              0);
    const std::string queue_url = CreateTestQueue(*sqs_, "replicas-sidecar");
    SendBodies(*sqs_, queue_url, LoginEvents(kN));
    // What matters here is start-up; with this few messages one replica may take them all.
    DrainWithReplicasAndCheck(queue_url, schema, table, kN, /*expect_sharing=*/false);
    Exec("DROP SCHEMA " + schema + " CASCADE");
  }
}

}  // namespace
}  // namespace sqs2pg::testing
