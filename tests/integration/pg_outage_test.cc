// PostgreSQL outages (issue 3: never lose or duplicate under faults). The real sqs2pg binary runs
// against the SQS emulator and a private PostgreSQL cluster (support::PgCluster) that the test
// stops and starts again mid-run; the shared server of the other tests is never touched.
//
// What is checked, and why:
//  - `run` rides out an outage: it notices it, retries with backoff without flooding the log,
//    does not exit, and once the server is back every message ends up exactly once in the table
//    and the ledger, with the queue empty.
//  - While the database is down, the queue still holds every message that was not committed
//    before the stop: sqs2pg deletes nothing it has not committed.
//  - `drain` gives up with exit 1 once the database stays unreachable past --db-retry-timeout,
//    and leaves every message in the queue.
//
// To know exactly what was committed before the stop, the test holds an ACCESS EXCLUSIVE lock on
// the target table while it stops the server: sqs2pg's COPY waits on it, so nothing can commit
// between the count and the stop, and the outage always kills a transaction in flight.
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <signal.h>

#include <regex>
#include <set>
#include <thread>

#include "support/pg_cluster.h"
#include "support/pg_test_env.h"
#include "support/process.h"
#include "support/run_output.h"
#include "support/sqs_test_env.h"

namespace sqs2pg::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Steady = std::chrono::steady_clock;

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

// Holds ACCESS EXCLUSIVE on a table in an open transaction, on its own connection. The lock goes
// with the connection (here: when the server is stopped).
class TableLock {
 public:
  TableLock(const std::string& url, const std::string& table) : conn_(PQconnectdb(url.c_str())) {
    ok_ = Run("BEGIN") && Run("LOCK TABLE " + table + " IN ACCESS EXCLUSIVE MODE");
  }
  ~TableLock() { PQfinish(conn_); }
  bool ok() const { return ok_; }
  // count(*) through the locking connection (the only one that can read the locked table).
  int64_t Count(const std::string& sql) {
    PGresult* r = PQexec(conn_, sql.c_str());
    int64_t n = -1;
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1) {
      n = std::atoll(PQgetvalue(r, 0, 0));
    } else {
      ADD_FAILURE() << sql << ": " << PQerrorMessage(conn_);
    }
    PQclear(r);
    return n;
  }

 private:
  bool Run(const std::string& sql) {
    PGresult* r = PQexec(conn_, sql.c_str());
    const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok) ADD_FAILURE() << sql << ": " << PQerrorMessage(conn_);
    PQclear(r);
    return ok;
  }

  PGconn* conn_;
  bool ok_ = false;
};

class PgOutageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(cluster_.Start());
    ASSERT_TRUE(cluster_.Exec(std::string("CREATE TABLE user_logins (") +
                              pgtest::kUserLoginsColumns + ")"));
    sqs_ = MakeTestSqsClient();
    queue_url_ = CreateTestQueue(*sqs_, "pg-outage");
    ASSERT_FALSE(queue_url_.empty());
  }

  std::unique_ptr<RunningProcess> StartSqs2pg(const std::string& command,
                                              const std::vector<std::string>& extra) {
    std::vector<std::string> argv = {
        Sqs2pgBinary(), command,   "--queue-url", queue_url_,    "--database-url",
        cluster_.url(), "--table", "user_logins", "--wait-time", "1"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return std::make_unique<RunningProcess>(argv, Sqs2pgTestEnv());
  }

  // Waits until `condition` holds, polling every `every`; false after `timeout` or as soon as
  // `process` (if given) has exited.
  template <typename Condition>
  bool WaitFor(Condition condition, seconds timeout, RunningProcess* process = nullptr,
               milliseconds every = milliseconds(20)) {
    const auto deadline = Steady::now() + timeout;
    while (Steady::now() < deadline) {
      if (condition()) return true;
      if (process != nullptr && !process->Running()) return false;
      std::this_thread::sleep_for(every);
    }
    return false;
  }

  // True once a session waits for a lock on user_logins (sqs2pg's COPY behind our TableLock).
  bool CopyIsWaitingOnTheLock() {
    return cluster_.Count(
               "SELECT count(*) FROM pg_catalog.pg_locks WHERE NOT granted AND relation = "
               "'public.user_logins'::regclass") > 0;
  }

  // Starts `run` with eight writers, each holding a one-message batch whose COPY waits on the
  // table lock, then stops the server: eight writers in their retry loops at once, each with its
  // own backoff (random, up to 30 s).
  std::unique_ptr<RunningProcess> StartEightWritersInAnOutage() {
    SendBodies(*sqs_, queue_url_, LoginEvents(8));
    auto lock = std::make_unique<TableLock>(cluster_.url(), "public.user_logins");
    EXPECT_TRUE(lock->ok());
    auto proc = StartSqs2pg("run", {"--writers", "8", "--batch-size", "1", "--receivers", "1",
                                    "--visibility-timeout", "300", "--shutdown-timeout", "1"});
    const bool all_waiting = WaitFor(
        [&] {
          return cluster_.Count(
                     "SELECT count(*) FROM pg_catalog.pg_locks WHERE NOT granted AND relation = "
                     "'public.user_logins'::regclass") >= 8;
        },
        seconds(60), proc.get());
    EXPECT_TRUE(all_waiting) << proc->Output();
    EXPECT_TRUE(cluster_.Stop());
    lock.reset();
    return proc;
  }

  PgCluster cluster_;
  std::unique_ptr<sqs::SqsClient> sqs_;
  std::string queue_url_;
};

TEST_F(PgOutageTest, RunRidesOutAnOutageAndDeletesNothingItHasNotCommitted) {
  constexpr int kN = 5000;
  SendBodies(*sqs_, queue_url_, LoginEvents(kN));
  // So that the outage reliably comes mid-run on a fast or a loaded machine: small batches, and
  // a trigger that makes each COPY take at least 50 ms (at most ~2,000 rows/s).
  ASSERT_TRUE(
      cluster_.Exec("CREATE FUNCTION throttle() RETURNS trigger LANGUAGE plpgsql AS "
                    "$$ BEGIN PERFORM pg_sleep(0.05); RETURN NULL; END $$; "
                    "CREATE TRIGGER throttle BEFORE INSERT ON user_logins "
                    "FOR EACH STATEMENT EXECUTE FUNCTION throttle()"));
  // A visibility timeout far longer than the outage, so that nothing comes back on its own.
  auto proc = StartSqs2pg("run", {"--batch-size", "100", "--visibility-timeout", "120"});

  // Some rows committed, then freeze: once we hold the lock nothing more can commit.
  ASSERT_TRUE(WaitFor([&] { return cluster_.Count("SELECT count(*) FROM user_logins") > 0; },
                      seconds(60), proc.get(), milliseconds(5)))
      << proc->Output();
  auto lock = std::make_unique<TableLock>(cluster_.url(), "public.user_logins");
  ASSERT_TRUE(lock->ok());
  const int64_t committed_before = lock->Count("SELECT count(*) FROM sqs2pg_ledger");
  EXPECT_EQ(lock->Count("SELECT count(*) FROM user_logins"), committed_before);
  ASSERT_GT(committed_before, 0);
  ASSERT_LT(committed_before, kN) << "the run finished before the outage: nothing was tested";
  ASSERT_TRUE(WaitFor([&] { return CopyIsWaitingOnTheLock(); }, seconds(30), proc.get()))
      << proc->Output();

  ASSERT_TRUE(cluster_.Stop());
  lock.reset();  // its session is gone with the server
  // During the outage: the process keeps going, and the queue holds every message that was not
  // committed before the stop (deletes of committed ones may still be finishing at first).
  int64_t fewest_in_queue = kN;
  int64_t in_queue = -1;
  for (int i = 0; i < 20; ++i) {  // about 5 s
    std::this_thread::sleep_for(milliseconds(250));
    ASSERT_TRUE(proc->Running()) << "sqs2pg run exited during the outage:\n" << proc->Output();
    in_queue = MessagesInQueue(*sqs_, queue_url_);
    fewest_in_queue = std::min(fewest_in_queue, in_queue);
  }
  EXPECT_GE(fewest_in_queue, kN - committed_before) << "deleted a message it had not committed";
  EXPECT_EQ(in_queue, kN - committed_before);
  EXPECT_NE(proc->Output().find("database write failed"), std::string::npos) << proc->Output();

  ASSERT_TRUE(cluster_.Start());
  ASSERT_TRUE(WaitFor([&] { return cluster_.Count("SELECT count(*) FROM user_logins") >= kN; },
                      seconds(90), proc.get(), milliseconds(200)))
      << proc->Output();
  proc->Signal(SIGTERM);
  ProcessResult result = proc->Wait(seconds(60));
  ASSERT_EQ(result.exit_code, 0) << result.output;

  EXPECT_EQ(cluster_.Count("SELECT count(*) FROM user_logins"), kN);
  EXPECT_EQ(cluster_.Count("SELECT count(DISTINCT user_id) FROM user_logins"), kN);
  EXPECT_EQ(cluster_.Count("SELECT count(*) FROM sqs2pg_ledger"), kN);
  // Nothing but what we counted under the lock was committed before the server went down.
  EXPECT_EQ(cluster_.Count("SELECT count(*) FROM sqs2pg_ledger "
                           "WHERE committed_at < pg_catalog.pg_postmaster_start_time()"),
            committed_before);
  EXPECT_EQ(MessagesInQueue(*sqs_, queue_url_), 0);
  EXPECT_EQ(SummaryValue(result.output, "inserted"), kN) << result.output;
  // Noticed and retried with backoff, without flooding the log (a 5 s outage: a line or two).
  const int warnings = static_cast<int>(Occurrences(result.output, "database write failed"));
  EXPECT_GE(warnings, 1) << result.output;
  EXPECT_LE(warnings, 3) << result.output;
  EXPECT_NE(result.output.find("database reachable again"), std::string::npos) << result.output;
}

TEST_F(PgOutageTest, DrainGivesUpAfterTheRetryTimeoutAndLeavesEveryMessageInTheQueue) {
  constexpr int kN = 300;
  SendBodies(*sqs_, queue_url_, LoginEvents(kN));
  // Start-up needs the database (schema, sidecar); the lock makes sure that no batch commits
  // before the server goes down.
  auto lock = std::make_unique<TableLock>(cluster_.url(), "public.user_logins");
  ASSERT_TRUE(lock->ok());
  auto proc = StartSqs2pg("drain", {"--db-retry-timeout", "3", "--visibility-timeout", "2"});
  ASSERT_TRUE(WaitFor([&] { return CopyIsWaitingOnTheLock(); }, seconds(30), proc.get()))
      << proc->Output();
  ASSERT_TRUE(cluster_.Stop());
  lock.reset();

  ProcessResult result = proc->Wait(seconds(90));
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_NE(result.output.find("--db-retry-timeout"), std::string::npos) << result.output;
  EXPECT_EQ(SummaryValue(result.output, "deleted from queue"), 0) << result.output;
  EXPECT_EQ(MessagesInQueue(*sqs_, queue_url_), kN);
  // Once their visibility lapses every message can be received again, each exactly once.
  const std::vector<sqs::Message> received = ReceiveAll(*sqs_, queue_url_);
  std::set<std::string> bodies;
  for (const sqs::Message& m : received) bodies.insert(m.body);
  EXPECT_EQ(received.size(), static_cast<size_t>(kN));
  EXPECT_EQ(bodies.size(), static_cast<size_t>(kN));

  ASSERT_TRUE(cluster_.Start());
  EXPECT_EQ(cluster_.Count("SELECT count(*) FROM user_logins"), 0);
  EXPECT_EQ(cluster_.Count("SELECT count(*) FROM sqs2pg_ledger"), 0);
}

// Shutdown has a deadline (--shutdown-timeout, then 5 s for the hand-back) even while writers wait
// out a database retry: their pauses (up to 30 s) and reconnects (up to 10 s) used to run to the
// end. With eight writers deep in their backoff, the old code overran the deadline with near
// certainty.
TEST_F(PgOutageTest, AStopEndsTheRetryPausesOfEveryWriter) {
  auto proc = StartEightWritersInAnOutage();
  // Deep into the backoff: pauses of up to 8-30 s by now.
  std::this_thread::sleep_for(seconds(20));
  ASSERT_TRUE(proc->Running()) << proc->Output();
  proc->Signal(SIGTERM);
  // The contract: 1 s to finish what is in hand, 5 s for the hand-back; 2 s of slack.
  ProcessResult result = proc->Wait(seconds(8));
  ASSERT_NE(result.exit_code, -1) << "still running 8 s after SIGTERM\n" << result.output;
  EXPECT_EQ(SummaryValue(result.output, "inserted"), 0) << result.output;
  ASSERT_TRUE(cluster_.Start());
  EXPECT_EQ(cluster_.Count("SELECT count(*) FROM sqs2pg_ledger"), 0);
  EXPECT_EQ(MessagesInQueue(*sqs_, queue_url_), 8);
}

// In `run`, a writer retries an unreachable database until stopped; but once another thread has
// failed the run (here: the queue was deleted), it must give up too, or the process never exits.
TEST_F(PgOutageTest, WritersStopRetryingOnceTheRunHasFailedElsewhere) {
  auto proc = StartEightWritersInAnOutage();
  ASSERT_TRUE(
      WaitFor([&] { return proc->Output().find("database write failed") != std::string::npos; },
              seconds(30), proc.get()))
      << proc->Output();
  // fauxqs does not check signatures: a bare DeleteQueue is enough.
  ProcessResult deleted = RunProcess(
      {"/usr/bin/env", "curl", "-sf", "-X", "POST", "-H",
       "Content-Type: application/x-amz-json-1.0", "-H", "X-Amz-Target: AmazonSQS.DeleteQueue",
       "--data", "{\"QueueUrl\":\"" + queue_url_ + "\"}", SqsTestEndpoint()},
      {}, seconds(30));
  ASSERT_EQ(deleted.exit_code, 0) << deleted.output;
  ProcessResult result = proc->Wait(seconds(60));
  ASSERT_NE(result.exit_code, -1) << "run did not exit after the queue was deleted\n"
                                  << result.output;
  EXPECT_EQ(result.exit_code, 1) << result.output;
}

}  // namespace
}  // namespace sqs2pg::testing
