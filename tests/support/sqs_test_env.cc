#include "support/sqs_test_env.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <random>

#include "aws/credentials.h"

namespace sqs2pg::testing {

std::string SqsTestEndpoint() {
  const char* endpoint = std::getenv("SQS2PG_TEST_SQS_ENDPOINT");
  if (endpoint == nullptr || *endpoint == '\0') {
    ADD_FAILURE() << "SQS2PG_TEST_SQS_ENDPOINT is not set: run integration tests through "
                     "`make test`, which starts the SQS emulator";
    return "http://127.0.0.1:1";
  }
  return endpoint;
}

std::unique_ptr<sqs::SqsClient> MakeTestSqsClient(std::shared_ptr<aws::HttpTransport> transport) {
  sqs::SqsClient::Options options;
  options.endpoint_url = SqsTestEndpoint();
  options.region = "us-east-1";
  if (!transport) transport = aws::MakeCurlTransport();
  return std::make_unique<sqs::SqsClient>(
      options, std::move(transport),
      aws::MakeStaticCredentialsProvider({"test", "test", "", std::nullopt}, "test"));
}

std::string CreateTestQueue(sqs::SqsClient& client, const std::string& prefix,
                            const std::map<std::string, std::string>& attributes) {
  static std::atomic<int> counter{0};
  std::random_device rd;
  auto fifo = attributes.find("FifoQueue");
  const std::string name = prefix + "-" + std::to_string(rd() % 1000000) + "-" +
                           std::to_string(counter++) +
                           (fifo != attributes.end() && fifo->second == "true" ? ".fifo" : "");
  Result<std::string> url = client.CreateQueue(name, attributes);
  EXPECT_TRUE(url.ok()) << url.status().ToString();
  return url.ok() ? *url : std::string();
}

void SendBodies(sqs::SqsClient& client, const std::string& queue_url,
                const std::vector<std::string>& bodies) {
  for (size_t start = 0; start < bodies.size(); start += 10) {
    std::vector<sqs::SendEntry> entries;
    for (size_t i = start; i < std::min(bodies.size(), start + 10); ++i) {
      sqs::SendEntry& entry =
          entries.emplace_back(sqs::SendEntry{std::to_string(i - start), bodies[i], {}});
      if (sqs::IsFifoQueueUrl(queue_url)) {
        entry.message_group_id = "group-" + std::to_string(i % 4);
        entry.deduplication_id = "dedup-" + std::to_string(i);
      }
    }
    auto failed = client.SendMessageBatch(queue_url, entries);
    ASSERT_TRUE(failed.ok()) << failed.status().ToString();
    ASSERT_TRUE(failed->empty()) << failed->front().code;
  }
}

int64_t MessagesInQueue(sqs::SqsClient& client, const std::string& queue_url) {
  auto attributes = client.GetQueueAttributes(
      queue_url, {"ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"});
  EXPECT_TRUE(attributes.ok()) << attributes.status().ToString();
  if (!attributes.ok()) return -1;
  return std::atoll((*attributes)["ApproximateNumberOfMessages"].c_str()) +
         std::atoll((*attributes)["ApproximateNumberOfMessagesNotVisible"].c_str());
}

std::vector<sqs::Message> ReceiveAll(sqs::SqsClient& client, const std::string& queue_url,
                                     int empty_polls_to_stop) {
  std::vector<sqs::Message> all;
  int empty = 0;
  sqs::ReceiveRequest request;
  request.wait_time_seconds = 1;
  request.message_attributes = true;  // tests read the reject reason on DLQ copies
  while (empty < empty_polls_to_stop) {
    auto received = client.ReceiveMessage(queue_url, request);
    EXPECT_TRUE(received.ok()) << received.status().ToString();
    if (!received.ok()) break;
    if (received->messages.empty()) {
      ++empty;
      continue;
    }
    empty = 0;
    std::vector<sqs::DeleteEntry> deletes;
    for (auto& m : received->messages) {
      deletes.push_back({std::to_string(deletes.size()), m.receipt_handle});
      all.push_back(std::move(m));
    }
    auto deleted = client.DeleteMessageBatch(queue_url, deletes);
    EXPECT_TRUE(deleted.ok()) << deleted.status().ToString();
  }
  return all;
}

}  // namespace sqs2pg::testing
