// Pipeline defects found in review (issue 19), each reproduced end to end with the real binary, the
// emulator and PostgreSQL:
//  - a DLQ that refuses rejects (missing at start-up, refusing every send, denying access) used
//    to keep `drain` looping for ever and count the reject once per delivery;
//  - with a DLQ, a redelivered reject was counted again;
//  - at a 1 s visibility timeout the heartbeat's window was 0 (integer seconds), so receipts
//    lapsed and were redelivered while the database was slow;
//  - memory was bounded by the count of held messages only, not their bytes.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "support/metrics_scrape.h"
#include "support/process.h"
#include "support/run_output.h"
#include "support/sqs2pg_fixture.h"
#include "support/sqs_test_env.h"
#include "support/stand_in.h"

namespace sqs2pg::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Steady = std::chrono::steady_clock;

class PipelineHardeningTest : public Sqs2pgFixture {
 protected:
  // `sqs2pg drain` (the fixture's arguments plus `extra`), its SQS traffic going to `endpoint`
  // when given, stopped with SIGTERM if it has not finished by `deadline`.
  BoundedRun DrainBounded(const std::vector<std::string>& extra, seconds deadline,
                          const std::string& endpoint = "") {
    std::vector<std::string> env = Sqs2pgTestEnv();
    if (!endpoint.empty()) env.push_back("AWS_ENDPOINT_URL=" + endpoint);
    return RunWithDeadline(ConsumeArgv("drain", extra), env, deadline, seconds(15));
  }

  // 11 valid logins and one message that is not a login event.
  void SendElevenAndOneReject() {
    std::vector<std::string> bodies = LoginEvents(11);
    bodies.push_back(R"({"foo": "oops_wrong_msg_type", "bar": "123"})");
    SendBodies(*sqs_, queue_url_, bodies);
  }

  // Holds ACCESS EXCLUSIVE on the target table through the fixture's connection until Unlock().
  void LockTable() {
    Exec("BEGIN");
    Exec("LOCK TABLE " + table_ + " IN ACCESS EXCLUSIVE MODE");
  }
  void Unlock() { Exec("ROLLBACK"); }
  bool SomeoneWaitsOnTheTable() {
    return Count("SELECT count(*) FROM pg_catalog.pg_locks WHERE NOT granted AND relation = '" +
                 table_ + "'::regclass") > 0;
  }
};

TEST_F(PipelineHardeningTest, ADlqThatDoesNotExistIsRefusedBeforeAnythingIsConsumed) {
  SendElevenAndOneReject();
  const std::string missing = queue_url_ + "-no-such-dlq";
  BoundedRun drain = DrainBounded({"--dlq-url", missing}, seconds(60));
  ASSERT_TRUE(drain.finished) << "drain did not end\n" << Tail(drain.run.output);
  EXPECT_EQ(drain.run.exit_code, 1) << Tail(drain.run.output);
  EXPECT_NE(drain.run.output.find("--dlq-url"), std::string::npos) << Tail(drain.run.output);
  EXPECT_EQ(Count("SELECT count(*) FROM " + table_), 0);
  EXPECT_EQ(MessagesInQueue(*sqs_, queue_url_), 12);
}

// The DLQ exists at start-up, then refuses every send with a passing error (HTTP 500): the drain
// commits the valid rows, and once the DLQ has failed for --sqs-retry-timeout it exits 1 with the
// reject left in the source queue and counted once (it came back and failed again meanwhile).
TEST_F(PipelineHardeningTest, ADlqFailingPastTheRetryTimeoutEndsTheDrainWithTheRejectCountedOnce) {
  SendElevenAndOneReject();
  const std::string dlq = CreateTestQueue(*sqs_, "refusing-dlq");
  FaultProxy proxy({"--only-actions", "SendMessageBatch", "--fault-rate", "1", "--faults",
                    "http500", "--fault-phase", "before"});
  ASSERT_FALSE(proxy.endpoint().empty());
  BoundedRun drain = DrainBounded({"--dlq-url", dlq, "--visibility-timeout", "1",
                                   "--sqs-retry-timeout", "3", "--max-attempts", "1"},
                                  seconds(90), proxy.endpoint());
  ASSERT_TRUE(drain.finished) << "drain did not end\n" << Tail(drain.run.output);
  EXPECT_EQ(drain.run.exit_code, 1) << Tail(drain.run.output);
  EXPECT_GE(proxy.Stat({"faults", "http500"}), 2) << proxy.Stats();  // it did come back
  EXPECT_EQ(SummaryValue(drain.run.output, "inserted"), 11) << Tail(drain.run.output);
  EXPECT_EQ(SummaryValue(drain.run.output, "rejected"), 1) << Tail(drain.run.output);
  EXPECT_EQ(SummaryValue(drain.run.output, "left in queue"), 1) << Tail(drain.run.output);
  EXPECT_EQ(Count("SELECT count(*) FROM " + table_), 11);
  EXPECT_EQ(MessagesInQueue(*sqs_, queue_url_), 1);
  EXPECT_EQ(MessagesInQueue(*sqs_, dlq), 0);
}

// A refusal that cannot pass (access denied) ends the drain at once, whatever the retry timeout.
TEST_F(PipelineHardeningTest, ADlqDenyingAccessEndsTheDrainAtOnce) {
  SendElevenAndOneReject();
  const std::string dlq = CreateTestQueue(*sqs_, "denying-dlq");
  FaultProxy proxy({"--only-actions", "SendMessageBatch", "--fault-rate", "1", "--faults", "denied",
                    "--fault-phase", "before"});
  ASSERT_FALSE(proxy.endpoint().empty());
  BoundedRun drain = DrainBounded({"--dlq-url", dlq, "--sqs-retry-timeout", "3600"}, seconds(60),
                                  proxy.endpoint());
  ASSERT_TRUE(drain.finished) << "drain did not end\n" << Tail(drain.run.output);
  EXPECT_EQ(drain.run.exit_code, 1) << Tail(drain.run.output);
  EXPECT_EQ(proxy.Stat({"faults", "denied"}), 1) << proxy.Stats();
  EXPECT_NE(drain.run.output.find("AccessDenied"), std::string::npos) << Tail(drain.run.output);
  EXPECT_EQ(SummaryValue(drain.run.output, "rejected"), 1) << Tail(drain.run.output);
  EXPECT_EQ(Count("SELECT count(*) FROM " + table_), 11);
  EXPECT_EQ(MessagesInQueue(*sqs_, queue_url_), 1);
}

// With a working DLQ, a reject whose delete failed comes back and goes to the DLQ again (SQS has
// no transaction across queues), but it is one rejected message.
TEST_F(PipelineHardeningTest, ARedeliveredRejectIsCountedOnceWithADlq) {
  SendElevenAndOneReject();
  const std::string dlq = CreateTestQueue(*sqs_, "dlq");
  FaultProxy proxy({"--failed-delete-rate", "1", "--failed-delete-once"});
  ASSERT_FALSE(proxy.endpoint().empty());
  BoundedRun drain =
      DrainBounded({"--dlq-url", dlq, "--visibility-timeout", "1"}, seconds(90), proxy.endpoint());
  ASSERT_TRUE(drain.finished) << "drain did not end\n" << Tail(drain.run.output);
  ASSERT_EQ(drain.run.exit_code, 0) << Tail(drain.run.output);
  EXPECT_EQ(proxy.Stat({"failed_delete_entries"}), 12) << proxy.Stats();
  EXPECT_EQ(SummaryValue(drain.run.output, "rejected"), 1) << Tail(drain.run.output);
  EXPECT_EQ(SummaryValue(drain.run.output, "sent to DLQ"), 2) << Tail(drain.run.output);
  EXPECT_EQ(Count("SELECT count(*) FROM " + table_), 11);
  EXPECT_EQ(MessagesInQueue(*sqs_, queue_url_), 0);
}

// At --visibility-timeout 1 the heartbeat must extend receipts before they lapse (half a second
// ahead) and receivers must hold off meanwhile. With the windows cut to whole seconds (0), a
// table locked for a few seconds made every held message lapse and come back.
TEST_F(PipelineHardeningTest, AOneSecondVisibilityTimeoutIsKeptWhileTheDatabaseIsSlow) {
  constexpr int kN = 12;
  SendBodies(*sqs_, queue_url_, LoginEvents(kN));
  LockTable();
  RunningProcess drain(ConsumeArgv("drain", {"--visibility-timeout", "1", "--receivers", "4"}),
                       Sqs2pgTestEnv());
  ASSERT_TRUE(WaitFor([&] { return SomeoneWaitsOnTheTable(); }, seconds(60))) << drain.Output();
  std::this_thread::sleep_for(seconds(6));  // the slow database: six visibility timeouts
  Unlock();
  ProcessResult result = drain.Wait(seconds(90));
  ASSERT_EQ(result.exit_code, 0) << Tail(result.output);
  EXPECT_EQ(SummaryValue(result.output, "received"), kN) << Tail(result.output);
  EXPECT_EQ(SummaryValue(result.output, "duplicates skipped"), 0) << Tail(result.output);
  EXPECT_GT(SummaryValue(result.output, "visibility extended"), 0) << Tail(result.output);
  ExpectExactlyOnce(kN);
}

// 60 bodies of 240 KiB (14 MiB) with nothing committing: with --max-held-bytes 2MiB, the receiver
// stops once 2 MiB are held; only the receive in progress may add its 10 messages. Before the
// byte bound, all 60 were held (the count bound is 4,000).
TEST_F(PipelineHardeningTest, HeldBodiesAreBoundedInBytes) {
  constexpr int kN = 60;
  constexpr size_t kBodyBytes = 240 * 1024;
  std::vector<std::string> bodies = LoginEvents(kN);
  for (std::string& body : bodies) {
    body.insert(1, "\"padding\": \"" + std::string(kBodyBytes - body.size() - 16, 'x') + "\", ");
  }
  // A batch request is at most 1 MiB: four bodies per send.
  for (size_t at = 0; at < bodies.size(); at += 4) {
    SendBodies(*sqs_, queue_url_,
               std::vector<std::string>(bodies.begin() + static_cast<std::ptrdiff_t>(at),
                                        bodies.begin() + static_cast<std::ptrdiff_t>(at + 4)));
  }
  LockTable();
  std::vector<std::string> env = Sqs2pgTestEnv();
  env.push_back("SQS2PG_MAX_HELD_BYTES=2MiB");
  RunningProcess drain(ConsumeArgv("drain", {"--receivers", "1", "--metrics-addr", "127.0.0.1:0",
                                             "--visibility-timeout", "60"}),
                       env);
  const int port = WaitForMetricsPort(drain);
  ASSERT_GT(port, 0) << drain.Output();
  ASSERT_TRUE(WaitFor([&] { return SomeoneWaitsOnTheTable(); }, seconds(60))) << drain.Output();
  double most_messages = 0;
  double most_bytes = 0;
  // Samples while nothing can commit (the gauge is refreshed every 50 ms).
  for (int i = 0; i < 40; ++i) {
    const std::string metrics = ScrapeMetrics(port);
    most_messages = std::max(most_messages, Sample(metrics, "sqs2pg_messages_in_flight"));
    most_bytes = std::max(most_bytes, Sample(metrics, "sqs2pg_messages_in_flight_bytes"));
    std::this_thread::sleep_for(milliseconds(50));
  }
  Unlock();
  ProcessResult result = drain.Wait(seconds(120));
  ASSERT_EQ(result.exit_code, 0) << Tail(result.output);
  // 2 MiB is 8.5 bodies: at most 9 held before the hold-off, plus one receive of 10.
  EXPECT_GT(most_messages, 0);
  EXPECT_LE(most_messages, 19) << "held " << most_messages << " messages";
  EXPECT_LE(most_bytes, 2.0 * 1024 * 1024 + 10.0 * (kBodyBytes + 1024));
  ExpectExactlyOnce(kN);
}

}  // namespace
}  // namespace sqs2pg::testing
