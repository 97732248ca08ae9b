// Fast by default (issue 16): receivers that scale themselves, and a drain that ends as soon as
// the queue is empty.
//  - ReceiverScaling: under a backlog the count of polls rises above its start (2), never past
//    --receivers-max, and falls back to --receivers-min once the queue is empty. Behind a round
//    trip that each poll overlaps (the fault proxy delaying ReceiveMessage) it climbs to the
//    maximum; where more polls cannot raise the rate (the proxy answering ReceiveMessage one at a
//    time) it undoes its probe and stays low. Counts and scaling events (the debug log's
//    "receivers: a -> b" lines and the sqs2pg_receivers gauge), never times.
//  - A drain whose long polls are still outstanding (--wait-time 20) exits once the queue is
//    empty instead of waiting them out, and loses nothing; an idle queue is watched by at most
//    2 polls.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <regex>
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

// Every "receivers: A -> B" scaling event in a debug log, as (A, B).
std::vector<std::pair<int, int>> ScalingEvents(const std::string& log) {
  std::vector<std::pair<int, int>> events;
  const std::regex event("receivers: ([0-9]+) -> ([0-9]+)");
  for (auto it = std::sregex_iterator(log.begin(), log.end(), event); it != std::sregex_iterator();
       ++it) {
    events.emplace_back(std::stoi((*it)[1]), std::stoi((*it)[2]));
  }
  return events;
}

class ReceiverScalingTest : public Sqs2pgFixture {};

TEST_F(ReceiverScalingTest, RisesUnderABacklogStaysUnderTheMaximumAndFallsBackWhenEmpty) {
  constexpr int kN = 4000;
  SendBodies(*sqs_, queue_url_, LoginEvents(kN));
  RunningProcess run(ConsumeArgv("run", {"--receivers-max", "5", "--metrics-addr", "127.0.0.1:0",
                                         "--log-level", "debug", "--wait-time", "1"}),
                     Sqs2pgTestEnv());
  const auto until = Steady::now() + seconds(120);
  const int port = WaitForMetricsPort(run, seconds(120));
  ASSERT_GT(port, 0) << run.Output();
  // Everything committed, then the polls fall back to the minimum on the empty queue.
  while (Steady::now() < until && Count("SELECT count(*) FROM " + table_) < kN) {
    std::this_thread::sleep_for(milliseconds(100));
  }
  ASSERT_EQ(Count("SELECT count(*) FROM " + table_), kN) << Tail(run.Output());
  while (Steady::now() < until && Sample(ScrapeMetrics(port), "sqs2pg_receivers") != 1) {
    std::this_thread::sleep_for(milliseconds(100));
  }
  EXPECT_EQ(Sample(ScrapeMetrics(port), "sqs2pg_receivers"), 1);
  run.Signal(SIGTERM);
  ProcessResult result = run.Wait(seconds(60));
  ASSERT_EQ(result.exit_code, 0) << Tail(result.output);

  const std::vector<std::pair<int, int>> events = ScalingEvents(result.output);
  ASSERT_FALSE(events.empty()) << Tail(result.output);
  int most = 0;
  for (const auto& [from, to] : events) {
    EXPECT_NE(from, to);
    EXPECT_GE(to, 1);
    EXPECT_LE(to, 5);
    if (to > from) {
      EXPECT_LE(to, 2 * from) << from << " -> " << to;  // growth doubles at most
    }
    most = std::max(most, to);
  }
  EXPECT_EQ(events.front().first, 2);  // the start
  EXPECT_GT(most, 2) << "never rose under a backlog of " << kN;
  EXPECT_EQ(events.back().second, 1);  // back to --receivers-min
  ExpectExactlyOnce(kN);
}

// The highest count of polls in a run's scaling events.
int MostReceivers(const std::vector<std::pair<int, int>>& events) {
  int most = 0;
  for (const auto& [from, to] : events) most = std::max({most, from, to});
  return most;
}

BoundedRun DrainVia(const FaultProxy& proxy, const std::vector<std::string>& argv) {
  std::vector<std::string> env = Sqs2pgTestEnv();
  env.push_back("AWS_ENDPOINT_URL=" + proxy.endpoint());  // later entries replace earlier ones
  return RunWithDeadline(argv, env, seconds(120), seconds(30));
}

// Every receive takes 50 ms, and polls overlap: each added poll adds its share of the rate, so the
// count climbs to the maximum.
TEST_F(ReceiverScalingTest, ClimbsToTheMaximumWhileEachPollAddsRate) {
  constexpr int kN = 6000;
  SendBodies(*sqs_, queue_url_, LoginEvents(kN));
  FaultProxy proxy({"--delay-action", "ReceiveMessage:50"});
  ASSERT_FALSE(proxy.endpoint().empty()) << "sqs_fault_proxy did not start";
  BoundedRun drain =
      DrainVia(proxy, ConsumeArgv("drain", {"--receivers-max", "12", "--log-level", "debug"}));
  ASSERT_TRUE(drain.finished) << Tail(drain.run.output);
  ASSERT_EQ(drain.run.exit_code, 0) << Tail(drain.run.output);
  const std::vector<std::pair<int, int>> events = ScalingEvents(drain.run.output);
  EXPECT_EQ(MostReceivers(events), 12) << Tail(drain.run.output);
  for (const auto& [from, to] : events) EXPECT_LE(to, 12);
  ExpectExactlyOnce(kN);
}

// The proxy answers one ReceiveMessage at a time, 50 ms each: more polls only queue behind each
// other. The scaler goes to the backlog's floor (2 -> 4), probes (4 -> 8), sees no gain, undoes
// it, and never goes higher. 600 messages take about 3 s, inside the 5 s hold after the undo, and
// a 50 ms step keeps a scheduling hiccup a small share of each measurement.
TEST_F(ReceiverScalingTest, UndoesAProbeThatDoesNotRaiseTheRate) {
  constexpr int kN = 600;
  SendBodies(*sqs_, queue_url_, LoginEvents(kN));
  FaultProxy proxy({"--delay-action", "ReceiveMessage:50", "--serialize-action", "ReceiveMessage"});
  ASSERT_FALSE(proxy.endpoint().empty()) << "sqs_fault_proxy did not start";
  BoundedRun drain = DrainVia(proxy, ConsumeArgv("drain", {"--log-level", "debug"}));
  ASSERT_TRUE(drain.finished) << Tail(drain.run.output);
  ASSERT_EQ(drain.run.exit_code, 0) << Tail(drain.run.output);
  const std::vector<std::pair<int, int>> events = ScalingEvents(drain.run.output);
  ASSERT_GE(events.size(), 3u) << Tail(drain.run.output);
  EXPECT_EQ(events[0], std::make_pair(2, 4)) << "the backlog's floor";
  EXPECT_EQ(events[1], std::make_pair(4, 8)) << "the probe";
  EXPECT_EQ(events[2], std::make_pair(8, 4)) << "the probe undone";
  EXPECT_LE(MostReceivers(events), 8) << Tail(drain.run.output);
  ExpectExactlyOnce(kN);
}

TEST_F(ReceiverScalingTest, AFixedCountNeverScales) {
  SendBodies(*sqs_, queue_url_, LoginEvents(500));
  ProcessResult run = Drain({"--receivers", "3", "--log-level", "debug"});
  ASSERT_EQ(run.exit_code, 0) << Tail(run.output);
  EXPECT_TRUE(ScalingEvents(run.output).empty()) << Tail(run.output);
  ExpectExactlyOnce(500);
}

// Long polls (--wait-time 20) are still waiting on the server when the queue runs dry: the drain
// abandons them at once rather than waiting up to 20 s, and nothing is lost.
TEST_F(ReceiverScalingTest, ADrainEndsWhileLongPollsAreOutstanding) {
  constexpr int kN = 300;
  SendBodies(*sqs_, queue_url_, LoginEvents(kN));
  BoundedRun drain =
      RunWithDeadline(ConsumeArgv("drain", {"--wait-time", "20"}), Sqs2pgTestEnv(), seconds(15));
  ASSERT_TRUE(drain.finished) << "the drain waited for its long polls\n" << Tail(drain.run.output);
  ASSERT_EQ(drain.run.exit_code, 0) << Tail(drain.run.output);
  ExpectExactlyOnce(kN);
  // The busy rate is reported beside the wall time.
  EXPECT_NE(drain.run.output.find("first receive to last delete"), std::string::npos)
      << Tail(drain.run.output);
}

}  // namespace
}  // namespace sqs2pg::testing
