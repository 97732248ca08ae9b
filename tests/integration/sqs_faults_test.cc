// Issue 3, "never lose or duplicate under faults", on the SQS side: the real `sqs2pg drain` runs
// through tests/support/sqs_fault_proxy.mjs, which answers a share of its SQS calls with HTTP
// 500/503, throttling, connection resets and stalls, before or after the emulator has acted on
// them, or reports deletes as failed. Whatever the faults, every message must end up in the table
// exactly once and the queue must end empty. The proxy's /__stats counters prove the faults were
// really injected, so these tests cannot pass on a fault-free path. A disabled case shows a drain
// that never finishes when SQS calls are too slow for the visibility timeout (see its comment). A
// last group checks, call by call, that the SQS client retries each fault kind (a stall through
// a transport timeout).
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "aws/credentials.h"
#include "aws/http_transport.h"
#include "sqs/sqs_client.h"
#include "support/pg_fixture.h"
#include "support/process.h"
#include "support/run_output.h"
#include "support/sqs2pg_fixture.h"
#include "support/sqs_test_env.h"
#include "support/stand_in.h"

namespace sqs2pg::testing {
namespace {

class SqsFaultsTest : public Sqs2pgFixture {
 protected:
  // `sqs2pg drain` with its SQS traffic going to `endpoint`. A drain that has not finished by
  // `deadline` is stopped with SIGTERM, so its summary still shows what it was doing, and the
  // result says it did not converge.
  BoundedRun DrainVia(const std::string& endpoint, const std::vector<std::string>& extra,
                      std::chrono::seconds deadline = std::chrono::seconds(120)) {
    const std::vector<std::string> argv = ConsumeArgv("drain", extra);
    std::vector<std::string> env = Sqs2pgTestEnv();
    env.push_back("AWS_ENDPOINT_URL=" + endpoint);  // later entries replace earlier ones
    return RunWithDeadline(argv, env, deadline, std::chrono::seconds(30));
  }
};

// A quarter of all SQS calls fail, in every way the proxy knows, half of them after the emulator
// has already acted (messages received and now invisible, deletes done but reported failed).
TEST_F(SqsFaultsTest, DrainThroughTransientFaultsLosesAndDuplicatesNothing) {
  constexpr int kMessages = 3000;
  SendBodies(*sqs_, queue_url_, LoginEvents(kMessages));
  ASSERT_EQ(MessagesInQueue(*sqs_, queue_url_), kMessages);

  // Stalls stay well below the client's HTTP timeouts (20 s, or the long poll + 10 s) so the run
  // stays short; the timeout path itself is covered by ClientRetriesEachFaultKind below. SQS
  // calls slow enough to outlast this 3 s visibility timeout: DrainConverges... below.
  FaultProxy proxy({"--seed", "20240611", "--fault-rate", "0.25", "--faults",
                    "http500,http503,throttle,reset,stall", "--fault-phase", "both", "--stall-ms",
                    "300"});
  ASSERT_FALSE(proxy.endpoint().empty()) << "sqs_fault_proxy did not start";

  BoundedRun drain = DrainVia(proxy.endpoint(), {"--visibility-timeout", "3", "--wait-time", "1",
                                                 "--batch-delay-ms", "100"});
  const std::string stats = proxy.Stats();
  ASSERT_TRUE(drain.finished) << "drain did not finish; proxy stats " << stats << "\n"
                              << Tail(drain.run.output);
  ASSERT_EQ(drain.run.exit_code, 0) << Tail(drain.run.output);
  EXPECT_EQ(SummaryValue(drain.run.output, "inserted"), kMessages) << Tail(drain.run.output);
  ExpectExactlyOnce(kMessages);

  for (const char* kind : {"http500", "http503", "throttle", "reset", "stall"}) {
    EXPECT_GT(proxy.Stat({"faults", kind}), 0) << kind << " was never injected: " << stats;
  }
  EXPECT_GT(proxy.Stat({"faults_by_phase", "before"}), 0) << stats;
  EXPECT_GT(proxy.Stat({"faults_by_phase", "after"}), 0) << stats;
  for (const char* action : {"ReceiveMessage", "DeleteMessageBatch", "GetQueueAttributes"}) {
    EXPECT_GT(proxy.Stat({"requests", action}), 0) << action << ": " << stats;
  }
  EXPECT_GT(proxy.Stat({"faults_by_action", "ReceiveMessage", "reset"}) +
                proxy.Stat({"faults_by_action", "ReceiveMessage", "stall"}),
            0)
      << stats;
  EXPECT_GT(proxy.Stat({"faults_by_action", "DeleteMessageBatch", "http500"}) +
                proxy.Stat({"faults_by_action", "DeleteMessageBatch", "http503"}) +
                proxy.Stat({"faults_by_action", "DeleteMessageBatch", "throttle"}),
            0)
      << stats;
}

// Liveness when SQS is slow (a brownout): every DeleteMessageBatch and
// ChangeMessageVisibilityBatch takes 200 ms. Deleting then takes longer than receiving, and a
// consumer that keeps receiving regardless builds a delete backlog older than the visibility
// timeout: every message comes back before its delete is sent, the delete (with a superseded
// receipt) deletes nothing, the copy is committed as a duplicate and queued for delete behind the
// backlog again, and the drain never ends. sqs2pg holds off receiving while it holds too much or
// its heartbeat is behind (pipeline.h, backpressure), so the drain ends. The proxy's
// receipt_age_at_delete_ms and stale_receipt_deletes show any backlog.
TEST_F(SqsFaultsTest, DrainConvergesWhenSqsCallsAreSlow) {
  constexpr int kMessages = 1000;
  SendBodies(*sqs_, queue_url_, LoginEvents(kMessages));
  FaultProxy proxy({"--delay-action", "DeleteMessageBatch:200", "--delay-action",
                    "ChangeMessageVisibilityBatch:200"});
  ASSERT_FALSE(proxy.endpoint().empty()) << "sqs_fault_proxy did not start";

  BoundedRun drain = DrainVia(proxy.endpoint(), {"--visibility-timeout", "3", "--wait-time", "1"},
                              std::chrono::seconds(90));
  const std::string stats = proxy.Stats();
  ASSERT_TRUE(drain.finished) << "drain did not finish; proxy stats " << stats << "\n"
                              << Tail(drain.run.output);
  ASSERT_EQ(drain.run.exit_code, 0) << Tail(drain.run.output);
  ExpectExactlyOnce(kMessages);
  EXPECT_LT(proxy.Stat({"receipts_seen"}), 2 * kMessages) << stats;
}

// SQS stays down for the receives (every ReceiveMessage answered 503, in every attempt): `drain`
// does not retry forever but exits 1 once no receive has succeeded for --sqs-retry-timeout, and
// it has taken nothing: every message is still in the queue, nothing is in the table.
TEST_F(SqsFaultsTest, DrainGivesUpWhenEveryReceiveFailsPastTheRetryTimeout) {
  constexpr int kMessages = 20;
  SendBodies(*sqs_, queue_url_, LoginEvents(kMessages));
  FaultProxy proxy(
      {"--fault-rate", "1", "--faults", "http503", "--only-actions", "ReceiveMessage"});
  ASSERT_FALSE(proxy.endpoint().empty()) << "sqs_fault_proxy did not start";

  BoundedRun drain = DrainVia(proxy.endpoint(), {"--sqs-retry-timeout", "2", "--wait-time", "1"},
                              std::chrono::seconds(60));
  ASSERT_TRUE(drain.finished) << "drain kept retrying; proxy stats " << proxy.Stats() << "\n"
                              << Tail(drain.run.output);
  EXPECT_EQ(drain.run.exit_code, 1) << Tail(drain.run.output);
  EXPECT_NE(drain.run.output.find("--sqs-retry-timeout"), std::string::npos)
      << Tail(drain.run.output);
  EXPECT_GT(proxy.Stat({"faults", "http503"}), 1) << proxy.Stats();
  EXPECT_EQ(Count("SELECT count(*) FROM " + table_), 0);
  EXPECT_EQ(MessagesInQueue(*sqs_, queue_url_), kMessages);
}

// SQS answers DeleteMessageBatch with HTTP 200 and per-entry failures (ReceiptHandleIsInvalid
// when another receive owns the message). Half the messages have their first delete refused: they
// come back after the visibility timeout, and the ledger must turn each into a skipped duplicate.
TEST_F(SqsFaultsTest, DeletesReportedAsFailedAreRedeliveredAndSkipped) {
  constexpr int kMessages = 1000;
  SendBodies(*sqs_, queue_url_, LoginEvents(kMessages));

  FaultProxy proxy({"--seed", "7", "--failed-delete-rate", "0.5", "--failed-delete-once"});
  ASSERT_FALSE(proxy.endpoint().empty()) << "sqs_fault_proxy did not start";

  BoundedRun drain = DrainVia(proxy.endpoint(), {"--visibility-timeout", "3", "--wait-time", "1",
                                                 "--batch-delay-ms", "100"});
  const ProcessResult& run = drain.run;
  ASSERT_TRUE(drain.finished) << "drain did not finish; proxy stats " << proxy.Stats() << "\n"
                              << Tail(run.output);
  ASSERT_EQ(run.exit_code, 0) << Tail(run.output);
  ExpectExactlyOnce(kMessages);

  const int64_t refused = proxy.Stat({"failed_delete_entries"});
  EXPECT_GT(refused, kMessages / 4) << proxy.Stats();
  EXPECT_LT(refused, kMessages * 3 / 4) << proxy.Stats();
  EXPECT_EQ(SummaryValue(run.output, "inserted"), kMessages) << Tail(run.output);
  // Every refused delete is counted, and every refused message came back as a skipped duplicate
  // (more only if a visibility timeout lapsed on a slow machine: also a duplicate, also skipped).
  EXPECT_EQ(SummaryValue(run.output, "delete failures"), refused) << Tail(run.output);
  EXPECT_GE(SummaryValue(run.output, "duplicates skipped"), refused) << Tail(run.output);
}

// Shortens every request's timeout, so a stalled connection fails fast.
class ShortTimeoutTransport : public aws::HttpTransport {
 public:
  ShortTimeoutTransport(std::shared_ptr<aws::HttpTransport> inner, std::chrono::milliseconds t)
      : inner_(std::move(inner)), timeout_(t) {}
  Result<aws::HttpResponse> Send(const aws::HttpRequest& request) override {
    aws::HttpRequest shorter = request;
    shorter.timeout = timeout_;
    return inner_->Send(shorter);
  }

 private:
  std::shared_ptr<aws::HttpTransport> inner_;
  std::chrono::milliseconds timeout_;
};

std::unique_ptr<sqs::SqsClient> ClientVia(const std::string& endpoint, int max_attempts) {
  sqs::SqsClient::Options options;
  options.endpoint_url = endpoint;
  options.region = "us-east-1";
  options.max_attempts = max_attempts;
  return std::make_unique<sqs::SqsClient>(
      options,
      std::make_shared<ShortTimeoutTransport>(aws::MakeCurlTransport(),
                                              std::chrono::milliseconds(1000)),
      aws::MakeStaticCredentialsProvider({"test", "test", "", std::nullopt}, "test"));
}

class SqsFaultKindTest : public ::testing::TestWithParam<const char*> {};

// Each fault kind, alone: a client allowed one attempt fails with kUnavailable (retryable; never
// kInvalidArgument, although throttling comes as HTTP 400), and a client allowed three succeeds
// on its second. A stall outlasts the (shortened) HTTP timeout, so it fails by timing out.
TEST_P(SqsFaultKindTest, ClientRetriesEachFaultKind) {
  const std::string kind = GetParam();
  auto direct = MakeTestSqsClient();
  const std::string queue = CreateTestQueue(*direct, "fault-kind");
  FaultProxy proxy({"--fault-rate", "1", "--max-faults", "2", "--faults", kind, "--fault-phase",
                    "before", "--stall-ms", "5000"});
  ASSERT_FALSE(proxy.endpoint().empty()) << "sqs_fault_proxy did not start";
  const std::vector<std::string> names = {"ApproximateNumberOfMessages"};

  auto once = ClientVia(proxy.endpoint(), 1);
  auto failed = once->GetQueueAttributes(queue, names);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().code(), StatusCode::kUnavailable) << failed.status().ToString();
  if (kind == "stall") {
    EXPECT_NE(failed.status().message().find("imeout"), std::string::npos)
        << failed.status().ToString();
  }

  auto retrying = ClientVia(proxy.endpoint(), 3);
  auto attributes = retrying->GetQueueAttributes(queue, names);
  ASSERT_TRUE(attributes.ok()) << attributes.status().ToString();
  EXPECT_EQ((*attributes)["ApproximateNumberOfMessages"], "0");

  EXPECT_EQ(proxy.Stat({"faults", kind.c_str()}), 2) << proxy.Stats();
  EXPECT_GE(proxy.Stat({"requests", "GetQueueAttributes"}), 3) << proxy.Stats();
  EXPECT_EQ(proxy.Stat({"forwarded", "GetQueueAttributes"}), 1) << proxy.Stats();
}

INSTANTIATE_TEST_SUITE_P(SqsFaults, SqsFaultKindTest,
                         ::testing::Values("http500", "http503", "throttle", "reset", "stall"),
                         [](const ::testing::TestParamInfo<const char*>& info) {
                           return std::string(info.param);
                         });

}  // namespace
}  // namespace sqs2pg::testing
