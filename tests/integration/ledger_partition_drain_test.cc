// The partitioned ledger end to end, through the real binary: a role that may INSERT but not
// CREATE or DROP (the sidecar made ahead by the schema's owner with src/pg/sidecar.sql) loads
// every message exactly once while its pruner's partition maintenance fails, which is a warning,
// a line in the run summary and sqs2pg_ledger_prune_failures_total, not a failure; and a
// pre-release ledger stops the start with the SQL that moves it aside.

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "pg/sidecar_ddl.h"
#include "support/metrics_scrape.h"
#include "support/pg_test_role.h"
#include "support/process.h"
#include "support/sqs2pg_fixture.h"
#include "support/sqs_test_env.h"

namespace sqs2pg::testing {
namespace {

constexpr int kMessages = 30;

class LedgerPartitionDrainTest : public Sqs2pgFixture {
 protected:
  void SetUp() override {
    Sqs2pgFixture::SetUp();
    SendBodies(*sqs_, queue_url_, LoginEvents(kMessages));
  }
  // The sidecar made ahead by the admin (the schema's owner), with a day older than a 2-day keep
  // window that the loader's pruner will fail to drop; the loader may only use what it needs.
  void MakeSidecarAhead() {
    Exec(std::string(pg::SidecarDdl(schema_)));
    Exec("SELECT * FROM " + schema_ + ".sqs2pg_ledger_maintain('10 days', 3)");
    Exec("GRANT USAGE ON SCHEMA " + schema_ + " TO " + loader_.name());
    Exec("GRANT SELECT, INSERT ON " + table_ + ", " + schema_ + ".sqs2pg_ledger TO " +
         loader_.name());
    Exec("GRANT SELECT, INSERT, UPDATE ON " + schema_ + ".sqs2pg_rejects TO " + loader_.name());
  }
  std::vector<std::string> AsLoader(std::vector<std::string> argv) {
    for (size_t i = 0; i + 1 < argv.size(); ++i) {
      if (argv[i] == "--database-url") argv[i + 1] = loader_.Conninfo();
    }
    return argv;
  }
  int64_t Partitions() {
    return Count("SELECT count(*) FROM pg_inherits WHERE inhparent = '" + schema_ +
                 ".sqs2pg_ledger'::regclass");
  }

  PgTestRole loader_{"sqs2pg_loader"};
};

TEST_F(LedgerPartitionDrainTest, ARoleThatMayNotDropLoadsAndCountsTheFailedMaintenance) {
  MakeSidecarAhead();
  const int64_t partitions = Partitions();
  ProcessResult run = Sqs2pg(AsLoader(ConsumeArgs("drain", {"--ledger-keep", "172800"})));
  ASSERT_EQ(run.exit_code, 0) << run.output;
  ExpectExactlyOnce(kMessages);
  EXPECT_NE(run.output.find("ledger maintenance failed"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("42501"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("ledger maintenance  1 failed pass(es)"), std::string::npos)
      << run.output;
  EXPECT_EQ(Partitions(), partitions);  // nothing dropped
}

TEST_F(LedgerPartitionDrainTest, TheFailedMaintenanceIsAMetric) {
  MakeSidecarAhead();
  RunningProcess run(AsLoader(ConsumeArgv("run", {"--ledger-keep", "172800", "--metrics-addr",
                                                  "127.0.0.1:0", "--wait-time", "1"})),
                     Sqs2pgTestEnv());
  std::string metrics;
  bool seen = false;
  for (int i = 0; i < 600 && !seen && run.Running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const int port = MetricsPort(run.Output());
    if (port == 0) continue;
    metrics = ScrapeMetrics(port);
    if (metrics.empty()) continue;
    seen = metrics.find("\nsqs2pg_ledger_prune_failures_total 1\n") != std::string::npos &&
           metrics.find("\nsqs2pg_rows_inserted_total " + std::to_string(kMessages) + "\n") !=
               std::string::npos;
  }
  run.Signal(SIGTERM);
  ProcessResult done = run.Wait();
  EXPECT_TRUE(seen) << metrics << done.output;
  EXPECT_EQ(done.exit_code, 0) << done.output;
  ExpectExactlyOnce(kMessages);
}

// A ledger of the layout keyed on the message id alone stops the start (exit 1) before anything
// is received, with the SQL that moves it aside in the log.
TEST_F(LedgerPartitionDrainTest, APreReleaseLedgerStopsTheStartWithTheSqlToMoveItAside) {
  Exec("CREATE TABLE " + schema_ +
       ".sqs2pg_ledger (message_key uuid PRIMARY KEY, committed_at timestamptz NOT NULL "
       "DEFAULT now())");
  ProcessResult run = Drain();
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_NE(run.output.find("pre-release layout (keyed on message_key alone)"), std::string::npos)
      << run.output;
  EXPECT_NE(run.output.find(".sqs2pg_ledger RENAME TO sqs2pg_ledger_old_"), std::string::npos)
      << run.output;
  EXPECT_EQ(Count("SELECT count(*) FROM " + table_), 0);
  EXPECT_EQ(MessagesInQueue(*sqs_, queue_url_), kMessages);
}

}  // namespace
}  // namespace sqs2pg::testing
