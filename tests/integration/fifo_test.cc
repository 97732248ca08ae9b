// FIFO queues (.fifo): sqs2pg drains them like standard ones, and a reject sent to a FIFO DLQ
// carries the group id and a deduplication id that FIFO queues require (without them SQS refuses
// the send and the rejects would stay in the source queue).
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include "support/sqs2pg_fixture.h"

namespace sqs2pg::testing {
namespace {

class FifoTest : public Sqs2pgFixture {};

TEST_F(FifoTest, DrainsAFifoQueueAndDeadLettersToAFifoDlq) {
  const std::map<std::string, std::string> fifo = {{"FifoQueue", "true"}};
  queue_url_ = CreateTestQueue(*sqs_, "fifo", fifo);
  const std::string dlq = CreateTestQueue(*sqs_, "fifo-dlq", fifo);
  ASSERT_TRUE(sqs::IsFifoQueueUrl(queue_url_)) << queue_url_;

  std::vector<std::string> bodies;
  for (int i = 0; i < 300; ++i) bodies.push_back(LoginEvent(i));
  bodies.push_back(R"({"foo": "oops_wrong_msg_type", "bar": "123"})");
  bodies.push_back("not json");
  SendBodies(*sqs_, queue_url_, bodies);  // four message groups

  ProcessResult run = Drain({"--dlq-url", dlq});
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_EQ(Count("SELECT count(*) FROM " + table_), 300);
  EXPECT_EQ(Count("SELECT count(DISTINCT user_id) FROM " + table_), 300);
  EXPECT_NE(run.output.find("sent to DLQ         2\n"), std::string::npos) << run.output;
  EXPECT_EQ(MessagesInQueue(*sqs_, queue_url_), 0);
  // Two writers could commit a group's messages out of order: a FIFO queue gets one.
  EXPECT_NE(run.output.find("FIFO queue: committing with one writer"), std::string::npos)
      << run.output;

  // Within a group (i % 4), a later message is never committed by an earlier transaction: the
  // row's xmin (its transaction id; one writer runs its transactions one after the other) never
  // decreases with i.
  std::map<int, std::vector<std::pair<int, int64_t>>> groups;
  for (const auto& row : Query("SELECT substr(user_id, 6)::int, xmin::text::int8 FROM " + table_)) {
    const int i = std::stoi(row[0]);
    groups[i % 4].emplace_back(i, std::stoll(row[1]));
  }
  for (auto& [group, rows] : groups) {
    std::sort(rows.begin(), rows.end());
    for (size_t k = 1; k < rows.size(); ++k) {
      EXPECT_LE(rows[k - 1].second, rows[k].second)
          << "group " << group << ": message " << rows[k].first << " committed before message "
          << rows[k - 1].first;
    }
  }

  std::multiset<std::string> dead;
  for (const sqs::Message& m : ReceiveAll(*sqs_, dlq)) dead.insert(m.body);
  EXPECT_EQ(dead, (std::multiset<std::string>{bodies[300], bodies[301]}));
}

}  // namespace
}  // namespace sqs2pg::testing
