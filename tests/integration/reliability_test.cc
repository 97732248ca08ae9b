// End-to-end tests of sqs2pg's reliability promises that do not need a fault-injecting stand-in:
// the visibility heartbeat, graceful shutdown, splitting a batch to isolate rows the database
// refuses without saying which, ledger pruning, and no personal data at debug log level. Each
// would fail without the behaviour it names (see the comment in each test).
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <fstream>
#include <set>
#include <thread>

#include "support/sqs2pg_fixture.h"

namespace sqs2pg::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class ReliabilityTest : public Sqs2pgFixture {
 protected:
  // Every INSERT or COPY into the target sleeps this long: a slow database.
  void SlowDownCommits(int sleep_seconds) {
    Exec("CREATE FUNCTION " + schema_ +
         ".slow_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(" +
         std::to_string(sleep_seconds) + "); RETURN NULL; END $$");
    Exec("CREATE TRIGGER slow_insert BEFORE INSERT ON " + table_ +
         " FOR EACH STATEMENT EXECUTE FUNCTION " + schema_ + ".slow_insert()");
  }

  // Waits (up to a safety limit) until the table holds at least `rows` rows.
  bool WaitForRows(int64_t rows, seconds limit = seconds(90)) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      if (Count("SELECT count(*) FROM " + table_) >= rows) return true;
      std::this_thread::sleep_for(milliseconds(50));
    }
    return false;
  }

  RunningProcess StartRun(const std::vector<std::string>& extra) {
    return RunningProcess(ConsumeArgv("run", extra), Sqs2pgTestEnv());
  }
};

// Commits take 4 s while messages are invisible for only 3 s. Without the heartbeat, messages
// waiting in the inbox or in the slow commit reappear and are received a second time (received
// would exceed 300 and duplicates would be skipped).
TEST_F(ReliabilityTest, HeartbeatKeepsMessagesOfSlowCommitsFromBeingRedelivered) {
  SlowDownCommits(4);
  SendBodies(*sqs_, queue_url_, LoginEvents(300));
  ProcessResult run = Drain({"--visibility-timeout", "3", "--batch-size", "100"});
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_EQ(Count("SELECT count(*) FROM " + table_), 300);
  EXPECT_NE(run.output.find("received            300\n"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("duplicates skipped  0\n"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("visibility extended "), std::string::npos) << run.output;
  EXPECT_EQ(MessagesInQueue(*sqs_, queue_url_), 0);
}

// SIGTERM while the second batch is in a 4 s commit, with --shutdown-timeout 1: that commit is
// cancelled, and every uncommitted message is visible again at once although the visibility
// timeout is 300 s. Without the hand-back the queue would look empty for five minutes; without
// the cancel the second batch would commit (100 rows). One writer, so that batches commit one
// after the other.
TEST_F(ReliabilityTest, SigtermCommitsWhatIsInHandAndHandsBackTheRestAtOnce) {
  SlowDownCommits(4);
  SendBodies(*sqs_, queue_url_, LoginEvents(200));
  RunningProcess run =
      StartRun({"--visibility-timeout", "300", "--batch-size", "50", "--batch-delay-ms", "20",
                "--shutdown-timeout", "1", "--writers", "1"});
  ASSERT_TRUE(WaitForRows(50)) << run.Output();
  run.Signal(SIGTERM);
  ProcessResult result = run.Wait(seconds(60));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("released unfinished "), std::string::npos) << result.output;
  EXPECT_EQ(Count("SELECT count(*) FROM " + table_), 50) << result.output;

  // Everything not committed can be received right now, by anyone.
  std::set<std::string> users;
  for (const auto& row : Query("SELECT user_id FROM " + table_)) users.insert(row[0]);
  int handed_back = 0;
  for (const sqs::Message& m : ReceiveAll(*sqs_, queue_url_)) {
    const size_t at = m.body.find("user-");
    const std::string user = m.body.substr(at, m.body.find('"', at) - at);
    EXPECT_TRUE(users.insert(user).second) << user << " was both committed and handed back";
    ++handed_back;
  }
  EXPECT_EQ(handed_back, 150) << result.output;
  EXPECT_EQ(users.size(), 200u);
}

// Long polls never outlive the shutdown timeout: with --shutdown-timeout 2, `run` on an empty
// queue stops promptly although it would otherwise poll for 20 s (the 12 s safety limit would kill
// it, exit_code -1).
TEST_F(ReliabilityTest, LongPollsDoNotHoldUpAStop) {
  RunningProcess run = StartRun({"--shutdown-timeout", "2"});
  std::this_thread::sleep_for(milliseconds(1500));  // let the receivers start their polls
  run.Signal(SIGTERM);
  ProcessResult result = run.Wait(seconds(12));
  EXPECT_EQ(result.exit_code, 0) << result.output;
}

// A second signal exits at once (130), mid-commit; nothing is lost or duplicated: the next drain
// loads everything exactly once.
TEST_F(ReliabilityTest, ASecondSignalExitsAtOnceAndLosesNothing) {
  SlowDownCommits(3);
  SendBodies(*sqs_, queue_url_, LoginEvents(100));
  RunningProcess run = StartRun({"--visibility-timeout", "2", "--batch-size", "40"});
  ASSERT_TRUE(WaitForRows(40)) << run.Output();
  run.Signal(SIGTERM);
  run.Signal(SIGINT);
  ProcessResult result = run.Wait(seconds(30));
  EXPECT_EQ(result.exit_code, 130) << result.output;

  Exec("DROP TRIGGER slow_insert ON " + table_);
  ProcessResult drain = Drain({"--visibility-timeout", "2"});
  ASSERT_EQ(drain.exit_code, 0) << drain.output;
  EXPECT_EQ(Count("SELECT count(*) FROM " + table_), 100);
  EXPECT_EQ(Count("SELECT count(DISTINCT user_id) FROM " + table_), 100);
  EXPECT_EQ(Count("SELECT count(*) FROM " + schema_ + ".sqs2pg_ledger"), 100);
  EXPECT_EQ(MessagesInQueue(*sqs_, queue_url_), 0);
}

// Each commit records when its backend started and ended a 2 s statement. With --writers 2, two
// batches are in the database at the same time (their intervals overlap, on two connections);
// everything is still loaded exactly once. The same check with --writers 1 finds no overlap.
TEST_F(ReliabilityTest, WritersCommitBatchesConcurrently) {
  Exec("CREATE TABLE " + schema_ + ".commit_log (pid int, started timestamptz, ended timestamptz)");
  Exec("CREATE FUNCTION " + schema_ +
       ".logged_slow_insert() RETURNS trigger LANGUAGE plpgsql AS $$ DECLARE t timestamptz := "
       "clock_timestamp(); BEGIN PERFORM pg_sleep(2); INSERT INTO " +
       schema_ +
       ".commit_log VALUES (pg_backend_pid(), t, clock_timestamp()); RETURN NULL; END $$");
  Exec("CREATE TRIGGER logged_slow_insert BEFORE INSERT ON " + table_ +
       " FOR EACH STATEMENT EXECUTE FUNCTION " + schema_ + ".logged_slow_insert()");
  const std::string overlaps = "SELECT count(*) FROM " + schema_ + ".commit_log a JOIN " + schema_ +
                               ".commit_log b ON a.pid < b.pid AND a.started < b.ended AND "
                               "b.started < a.ended";
  for (const char* writers : {"1", "2"}) {
    Exec("TRUNCATE " + table_ + ", " + schema_ + ".commit_log");
    SendBodies(*sqs_, queue_url_, LoginEvents(100));
    ProcessResult run = Drain({"--batch-size", "50", "--writers", writers});
    ASSERT_EQ(run.exit_code, 0) << run.output;
    EXPECT_EQ(Count("SELECT count(DISTINCT user_id) FROM " + table_), 100) << writers;
    EXPECT_EQ(Count("SELECT count(*) FROM " + table_), 100) << writers;
    if (std::string(writers) == "1") {
      EXPECT_EQ(Count(overlaps), 0) << run.output;
    } else {
      EXPECT_GE(Count(overlaps), 1) << run.output;
    }
  }
}

// A deferred constraint trigger refuses rows only at COMMIT, so the server cannot say which row
// it was. Without splitting the batch, every batch holding a poison row would fail the run.
TEST_F(ReliabilityTest, RowsRefusedAtCommitAreIsolatedBySplittingTheBatch) {
  Exec("CREATE FUNCTION " + schema_ +
       ".refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
       "IF NEW.device_type = 'poison' THEN "
       "RAISE EXCEPTION 'poison row %', NEW.user_id USING ERRCODE = 'check_violation'; END IF; "
       "RETURN NULL; END $$");
  Exec("CREATE CONSTRAINT TRIGGER refuse_poison AFTER INSERT ON " + table_ +
       " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION " + schema_ +
       ".refuse_poison()");
  std::vector<std::string> bodies;
  const std::set<int> poison = {7, 64, 118};
  for (int i = 0; i < 120; ++i) bodies.push_back(LoginEvent(i, poison.count(i) ? "poison" : "ios"));
  SendBodies(*sqs_, queue_url_, bodies);

  ProcessResult run = Drain();
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_EQ(Count("SELECT count(*) FROM " + table_), 117);
  EXPECT_EQ(Count("SELECT count(*) FROM " + table_ + " WHERE device_type = 'poison'"), 0);
  auto rejects = Query("SELECT reason, detail FROM " + schema_ + ".sqs2pg_rejects");
  ASSERT_EQ(rejects.size(), 3u);
  for (const auto& r : rejects) {
    EXPECT_EQ(r[0], "db_refused");
    EXPECT_NE(r[1].find("23514"), std::string::npos) << r[1];
    EXPECT_EQ(r[1].find("user-"), std::string::npos) << "a value leaked: " << r[1];
  }
  EXPECT_NE(run.output.find("batches split "), std::string::npos) << run.output;
  EXPECT_EQ(run.output.find("poison row"), std::string::npos) << "the server's text leaked";
  EXPECT_EQ(MessagesInQueue(*sqs_, queue_url_), 3);  // no DLQ: left for the redrive policy
}

// Keys older than the queue's retention (60 s here) plus one day are pruned; younger ones stay.
// With pruning switched off nothing is deleted (so the first drain proves the pruner did it).
TEST_F(ReliabilityTest, LedgerKeysPastTheRedeliveryWindowArePruned) {
  const std::string queue = CreateTestQueue(*sqs_, "prune", {{"MessageRetentionPeriod", "60"}});
  queue_url_ = queue;
  SendBodies(*sqs_, queue_url_, LoginEvents(1));
  ProcessResult first = Drain({"--ledger-prune-interval", "0"});
  ASSERT_EQ(first.exit_code, 0) << first.output;
  const std::string ledger = schema_ + ".sqs2pg_ledger";
  for (const char* age : {"3 days", "20 hours"}) {
    Exec("INSERT INTO " + ledger + " (sent_at, message_key, committed_at) SELECT now() - '" + age +
         "'::interval, gen_random_uuid(), now() - '" + age +
         "'::interval FROM generate_series(1, " + (age[0] == '3' ? "25000" : "10") + ")");
  }

  SendBodies(*sqs_, queue_url_, {LoginEvent(1000)});
  ProcessResult unpruned = Drain({"--ledger-prune-interval", "0"});
  ASSERT_EQ(unpruned.exit_code, 0) << unpruned.output;
  EXPECT_EQ(Count("SELECT count(*) FROM " + ledger), 25012);

  SendBodies(*sqs_, queue_url_, {LoginEvent(1001)});
  ProcessResult pruned = Drain();
  ASSERT_EQ(pruned.exit_code, 0) << pruned.output;
  // The keys of three days ago sit in the DEFAULT partition (no day partition was made that far
  // back): maintenance deletes them there; whole days past the window are dropped.
  EXPECT_NE(pruned.output.find("25000 key(s) deleted from sqs2pg_ledger_default"),
            std::string::npos)
      << pruned.output;
  EXPECT_EQ(Count("SELECT count(*) FROM " + ledger), 13);
  EXPECT_EQ(Count("SELECT count(*) FROM " + table_), 3);
}

// At debug level, over good and bad events (rejects sent to a DLQ), no raw ip or device_id
// appears in the output or in any table sqs2pg writes.
TEST_F(ReliabilityTest, NoRawPersonalDataAtDebugLevel) {
  const std::string dlq = CreateTestQueue(*sqs_, "pii-dlq");
  std::vector<std::string> ips, devices, bodies;
  for (int i = 0; i < 40; ++i) {
    ips.push_back("172.31." + std::to_string(100 + i) + "." + std::to_string(200 + i));
    devices.push_back("987-" + std::to_string(10 + i) + "-6543");
  }
  const auto fields = [&](int i) {
    return R"("ip": ")" + ips[i] + R"(", "device_id": ")" + devices[i] + R"(")";
  };
  for (int i = 0; i < 30; ++i) {
    bodies.push_back(R"({"user_id": "u)" + std::to_string(i) +
                     R"(", "app_version": "3.7", "device_type": "ios", "locale": null, )" +
                     fields(i) + "}");
  }
  // Bad events that still carry personal data: each must be rejected without echoing it.
  bodies.push_back(R"({"app_version": "1.0", "device_type": "ios", )" + fields(30) + "}");
  bodies.push_back(R"({"user_id": "u31", "app_version": "x.y", "device_type": "ios", )" +
                   fields(31) + "}");
  bodies.push_back(R"({"user_id": "u32", "app_version": "1.0", "device_type": 7, )" + fields(32) +
                   "}");
  bodies.push_back(R"({"user_id": "u33", )" + fields(33) + ", ");  // truncated JSON
  bodies.push_back(R"({"user_id": "u34", "app_version": "1.0", "device_type": ")" +
                   std::string(40, 'd') + R"(", )" + fields(34) + "}");
  bodies.push_back(R"({"user_id": "u35", "app_version": "1.0", "device_type": "ios", "ip": [")" +
                   ips[35] + R"("], "device_id": ")" + devices[35] + R"("})");
  SendBodies(*sqs_, queue_url_, bodies);

  // `run`, so that the metrics can be scraped once everything is handled.
  RunningProcess running(ConsumeArgv("run", {"--log-level", "debug", "--dlq-url", dlq,
                                             "--wait-time", "1", "--metrics-addr", "127.0.0.1:0"}),
                         Sqs2pgTestEnv());
  ASSERT_TRUE(WaitForRows(30));
  std::string metrics;
  const auto deadline = std::chrono::steady_clock::now() + seconds(60);
  while (std::chrono::steady_clock::now() < deadline &&
         Count("SELECT count(*) FROM " + schema_ + ".sqs2pg_rejects") < 6) {
    std::this_thread::sleep_for(milliseconds(50));
  }
  const std::string marker = "metrics and probes on http://127.0.0.1:";
  const std::string log = running.Output();
  const size_t at = log.find(marker);
  ASSERT_NE(at, std::string::npos) << log;
  httplib::Client client("127.0.0.1", std::stoi(log.substr(at + marker.size())));
  // The counters move just after the commit: scrape until they show it.
  while (std::chrono::steady_clock::now() < deadline &&
         metrics.find("sqs2pg_rows_inserted_total 30\n") == std::string::npos) {
    auto scraped = client.Get("/metrics");
    if (scraped) metrics = scraped->body;
    std::this_thread::sleep_for(milliseconds(50));
  }
  EXPECT_NE(metrics.find("sqs2pg_rows_inserted_total 30\n"), std::string::npos) << metrics;
  running.Signal(SIGTERM);
  ProcessResult run = running.Wait(seconds(60));
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_EQ(Count("SELECT count(*) FROM " + table_), 30);
  EXPECT_EQ(Count("SELECT count(*) FROM " + schema_ + ".sqs2pg_rejects"), 6);
  EXPECT_NE(run.output.find("Z debug "), std::string::npos) << "debug logging was not on";

  std::string everything = run.output + metrics;
  for (const auto& table : {table_, schema_ + ".sqs2pg_rejects", schema_ + ".sqs2pg_ledger"}) {
    for (const auto& row : Query("SELECT t::text FROM " + table + " t")) everything += row[0];
  }
  for (int i = 0; i < 36; ++i) {
    EXPECT_EQ(everything.find(ips[i]), std::string::npos) << "raw ip of event " << i << " leaked";
    EXPECT_EQ(everything.find(devices[i]), std::string::npos)
        << "raw device_id of event " << i << " leaked";
  }
}

}  // namespace
}  // namespace sqs2pg::testing
