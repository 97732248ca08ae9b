// A crash between the database commit and the SQS delete must not duplicate rows: the message
// comes back and the ledger turns it into a no-op. The "crash" is a transport that drops every
// DeleteMessageBatch, so all messages are committed but none is deleted.
#include <gtest/gtest.h>

#include <thread>

#include "cli/mapped_target.h"
#include "ops/run_stats.h"
#include "pg/connection.h"
#include "pg/sink.h"
#include "pipeline/pipeline.h"
#include "support/pg_fixture.h"
#include "support/process.h"
#include "support/sqs_test_env.h"
#include "transform/mask_key.h"
#include "transform/masker.h"
#include "transform/row_transformer.h"

namespace sqs2pg::testing {
namespace {

class DropDeletesTransport : public aws::HttpTransport {
 public:
  explicit DropDeletesTransport(std::shared_ptr<aws::HttpTransport> inner)
      : inner_(std::move(inner)) {}
  Result<aws::HttpResponse> Send(const aws::HttpRequest& request) override {
    for (const auto& [name, value] : request.headers) {
      if (value.find("DeleteMessage") != std::string::npos) {
        ++dropped;
        return UnavailableError("injected: connection reset before delete");
      }
    }
    return inner_->Send(request);
  }
  std::atomic<int> dropped{0};

 private:
  std::shared_ptr<aws::HttpTransport> inner_;
};

class RedeliveryTest : public PgSchemaFixture {};

TEST_F(RedeliveryTest, CommitThenLostDeleteInsertsEachMessageOnce) {
  auto transport = std::make_shared<DropDeletesTransport>(aws::MakeCurlTransport());
  auto faulty_sqs = MakeTestSqsClient(transport);
  const std::string queue = CreateTestQueue(*faulty_sqs, "redelivery");
  std::vector<std::string> bodies;
  for (int i = 0; i < 50; ++i) {
    bodies.push_back(R"({"user_id": "user-)" + std::to_string(i) +
                     R"(", "app_version": "3.7", "device_type": "ios", "ip": "10.9.0.)" +
                     std::to_string(i) + R"(", "locale": "US", "device_id": "123-45-6789"})");
  }
  SendBodies(*faulty_sqs, queue, bodies);

  // The built-in login mapping compiled against the table, as `sqs2pg drain` prepares it.
  cli::Settings settings;
  settings.table = table_;
  settings.table_explicit = true;
  Result<cli::MappedTarget> mapped = [&]() -> Result<cli::MappedTarget> {
    SQS2PG_ASSIGN_OR_RETURN(pg::Connection conn, pg::Connection::Open(database_url_));
    return cli::PrepareMappedTarget(settings, conn, transform::MaskScheme::kHmacSha256);
  }();
  ASSERT_TRUE(mapped.ok()) << mapped.status().ToString();
  auto sink = pg::Sink::Open(database_url_, mapped->table, mapped->Layout());
  ASSERT_TRUE(sink.ok()) << sink.status().ToString();
  auto key = transform::ParseMaskKey(kTestKeyHex);
  ASSERT_TRUE(key.ok());
  pipeline::PipelineOptions options;
  options.queue_url = queue;
  options.wait_time_seconds = 1;
  options.visibility_timeout_seconds = 2;
  options.max_batch_delay = std::chrono::milliseconds(50);
  ops::RunStats stats;
  std::atomic<bool> stop{false};
  pipeline::Pipeline pipeline(
      options, *faulty_sqs, **sink,
      transform::RowTransformer(mapped->mapping,
                                transform::Masker(transform::MaskScheme::kHmacSha256, *key,
                                                  mapped->mapping->mask_domains)),
      stats, stop);
  std::thread runner([&] { EXPECT_TRUE(pipeline.Run().ok()); });
  for (int i = 0; i < 300 && Count("SELECT count(*) FROM " + table_) < 50; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  stop = true;
  runner.join();
  ASSERT_EQ(Count("SELECT count(*) FROM " + table_), 50);
  EXPECT_GT(transport->dropped.load(), 0);
  EXPECT_EQ(stats.deleted.load(), 0u);

  // The messages reappear after their visibility timeout; a normal drain must skip all of them.
  ProcessResult run = RunProcess({Sqs2pgBinary(), "drain", "--queue-url", queue, "--database-url",
                                  database_url_, "--table", table_},
                                 Sqs2pgTestEnv());
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("duplicates skipped  50"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("inserted            0"), std::string::npos) << run.output;
  EXPECT_EQ(Count("SELECT count(*) FROM " + table_), 50);
  EXPECT_EQ(Count("SELECT count(DISTINCT user_id) FROM " + table_), 50);
  EXPECT_EQ(MessagesInQueue(*faulty_sqs, queue), 0);
}

}  // namespace
}  // namespace sqs2pg::testing
