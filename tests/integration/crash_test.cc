// Issue 3, "never lose or duplicate under faults", for crashes: `sqs2pg drain` is killed with
// SIGKILL (no clean-up, no summary) at random moments, mid-receive, mid-COPY, mid-commit or
// mid-delete, and restarted; the final table must hold every message exactly once and the queue
// must end empty. A second, deterministic case kills the process in the one window that matters
// most, after the database commit and before the SQS delete (the deletes are held by
// tests/support/sqs_fault_proxy.mjs), and checks that the restart skips exactly the committed
// messages as duplicates.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/pg_fixture.h"
#include "support/process.h"
#include "support/run_output.h"
#include "support/sqs2pg_fixture.h"
#include "support/sqs_test_env.h"
#include "support/stand_in.h"

namespace sqs2pg::testing {
namespace {

using std::chrono::milliseconds;
using Steady = std::chrono::steady_clock;

// A unique, valid login event: user "user-<i>".
std::string LoginEvent(int i) {
  const std::string n = std::to_string(i);
  return R"({"user_id": "user-)" + n + R"(", "app_version": "1.)" + std::to_string(i % 1000) +
         R"(", "device_type": "ios", "ip": "172.16.)" + std::to_string((i >> 8) & 255) + "." +
         std::to_string(i & 255) + R"(", "locale": null, "device_id": "crash-)" + n + R"("})";
}

// Sends `n` events with a few SendMessageBatch calls in flight (the client is thread-safe).
void SendEvents(sqs::SqsClient& client, const std::string& queue_url, int n, int threads = 4) {
  std::vector<std::thread> senders;
  for (int t = 0; t < threads; ++t) {
    senders.emplace_back([&, t] {
      std::vector<std::string> bodies;
      for (int i = t; i < n; i += threads) bodies.push_back(LoginEvent(i));
      SendBodies(client, queue_url, bodies);
    });
  }
  for (auto& s : senders) s.join();
}

class CrashTest : public Sqs2pgFixture {
 protected:
  std::vector<std::string> DrainArgs(const std::string& visibility_timeout) const {
    return ConsumeArgv("drain", {"--visibility-timeout", visibility_timeout, "--wait-time", "1"});
  }

  static std::vector<std::string> EnvWithEndpoint(const std::string& endpoint) {
    std::vector<std::string> env = Sqs2pgTestEnv();
    env.push_back("AWS_ENDPOINT_URL=" + endpoint);  // later entries replace earlier ones
    return env;
  }

  int64_t Rows() { return Count("SELECT count(*) FROM " + table_); }

  // A killed client's backend may still be finishing the statement (even a COMMIT) it was sent:
  // wait until no sqs2pg session remains, so that counts read afterwards are final.
  void WaitForSqs2pgSessionsToEnd() {
    const auto deadline = Steady::now() + std::chrono::seconds(30);
    while (Count("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'sqs2pg'") > 0) {
      ASSERT_LT(Steady::now(), deadline) << "sqs2pg sessions outlived their killed process";
      std::this_thread::sleep_for(milliseconds(20));
    }
  }
};

// The soak: several drains killed after a random 0.3-2.5 s each (some sooner, when the table
// reaches a random row count first), then one left to finish.
// Set SQS2PG_CRASH_SEED to replay a failing run's kill schedule.
TEST_F(CrashTest, RepeatedKillNineMidDrainLosesAndDuplicatesNothing) {
  constexpr int kMessages = 20000;
  constexpr int kKills = 6;
  const char* seed_env = std::getenv("SQS2PG_CRASH_SEED");
  const uint32_t seed = seed_env != nullptr && *seed_env != '\0'
                            ? static_cast<uint32_t>(std::strtoul(seed_env, nullptr, 10))
                            : std::random_device{}();
  SCOPED_TRACE("kill schedule seed " + std::to_string(seed) +
               " (rerun with SQS2PG_CRASH_SEED=" + std::to_string(seed) + ")");
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> run_ms(300, 2500);

  SendEvents(*sqs_, queue_url_, kMessages);
  ASSERT_EQ(MessagesInQueue(*sqs_, queue_url_), kMessages);

  int kills_mid_work = 0;
  std::ostringstream history;
  for (int k = 0; k < kKills; ++k) {
    const int64_t before = Rows();
    const int ms = run_ms(rng);
    // A fast machine can commit the whole queue within one run's time, so even-numbered runs, and
    // every run until one has been killed mid-work, are also killed once the table reaches a
    // random row count short of the end: some kill is sure to land while rows are still missing.
    // Drawn every run to keep the sequence stable.
    const double fraction = std::uniform_real_distribution<double>(0.0, 1.0)(rng);
    std::optional<int64_t> rows_target;
    constexpr int64_t kMargin = 4000;  // two default batches: a commit cannot overshoot to the end
    if ((k % 2 == 0 || kills_mid_work == 0) && before + 1 < kMessages - kMargin) {
      rows_target =
          before + 1 + static_cast<int64_t>(fraction * (kMessages - kMargin - before - 1));
    }
    // A short visibility timeout brings back what a killed run held in flight within seconds.
    RunningProcess drain(DrainArgs("3"), Sqs2pgTestEnv());
    const auto kill_at = Steady::now() + milliseconds(ms);
    while (Steady::now() < kill_at && drain.Running()) {
      if (rows_target && Rows() >= *rows_target) break;
      std::this_thread::sleep_for(milliseconds(10));
    }
    const bool killed = drain.Running();
    if (killed) drain.Signal(SIGKILL);
    ProcessResult result = drain.Wait(std::chrono::seconds(30));
    if (!killed) {
      // It finished on its own (the queue drained before the kill): it must have succeeded.
      EXPECT_EQ(result.exit_code, 0) << Tail(result.output);
    }
    WaitForSqs2pgSessionsToEnd();
    const int64_t after = Rows();
    history << " run " << k << ": " << ms << " ms";
    if (rows_target) history << " or " << *rows_target << " rows";
    history << ", " << (killed ? "killed" : "exited") << ", rows " << before << " -> " << after
            << ";";
    if (killed && after > before && after < kMessages) ++kills_mid_work;
    ASSERT_LE(after, kMessages) << "more rows than messages:" << history.str();
  }
  SCOPED_TRACE("history:" + history.str());
  std::printf("kill schedule seed %u;%s\n", seed, history.str().c_str());
  EXPECT_GT(kills_mid_work, 0) << "no kill hit a run that was committing with work left";

  ProcessResult last = RunProcess(DrainArgs("10"), Sqs2pgTestEnv(), std::chrono::seconds(240));
  ASSERT_EQ(last.exit_code, 0) << Tail(last.output);
  ExpectExactlyOnce(kMessages);
}

// One counter of the proxy's /__stats JSON; 0 if absent, -1 if unreadable.
// Deterministic: every DeleteMessageBatch is held by the proxy, the process is killed once some
// batches have committed and their deletes are on the wire, and the held deletes die with it.
// Every committed message therefore comes back; the restart must skip exactly those.
TEST_F(CrashTest, KilledBetweenCommitAndDeleteSkipsTheRedeliveredCopies) {
  constexpr int kMessages = 2000;
  SendEvents(*sqs_, queue_url_, kMessages);

  FaultProxy proxy({"--delay-action", "DeleteMessageBatch:600000"});
  ASSERT_FALSE(proxy.endpoint().empty()) << "sqs_fault_proxy did not start";
  const std::string& endpoint = proxy.endpoint();

  int64_t committed = 0;
  {
    // Small batches: the kill comes a few commits in, with most of the queue still to do.
    std::vector<std::string> args = DrainArgs("3");
    args.insert(args.end(), {"--batch-size", "100"});
    RunningProcess drain(args, EnvWithEndpoint(endpoint));
    const auto deadline = Steady::now() + std::chrono::seconds(60);
    while (Rows() == 0 || proxy.Stat({"requests", "DeleteMessageBatch"}) == 0) {
      ASSERT_TRUE(drain.Running()) << "drain exited before the kill:\n" << Tail(drain.Output());
      ASSERT_LT(Steady::now(), deadline) << "no commit and delete seen:\n" << Tail(drain.Output());
      std::this_thread::sleep_for(milliseconds(10));
    }
    drain.Signal(SIGKILL);
    ProcessResult killed = drain.Wait(std::chrono::seconds(30));
    EXPECT_EQ(killed.exit_code, 128 + SIGKILL) << Tail(killed.output);
    WaitForSqs2pgSessionsToEnd();
    committed = Rows();
  }
  ASSERT_GT(committed, 0);
  EXPECT_EQ(Count("SELECT count(*) FROM " + schema_ + ".sqs2pg_ledger"), committed);

  // No delete reached the emulator: each held one was dropped when its client died.
  const int64_t held = proxy.Stat({"requests", "DeleteMessageBatch"});
  const auto deadline = Steady::now() + std::chrono::seconds(10);
  while (proxy.Stat({"dropped_client_gone"}) < held && Steady::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(20));
  }
  EXPECT_EQ(proxy.Stat({"forwarded", "DeleteMessageBatch"}), 0);
  EXPECT_EQ(proxy.Stat({"dropped_client_gone"}), held);
  EXPECT_EQ(MessagesInQueue(*sqs_, queue_url_), kMessages);

  // Restart straight to the emulator. A long visibility timeout for its own receives means no
  // copy comes back twice within this run, so the duplicate count is exact.
  ProcessResult restart = RunProcess(DrainArgs("60"), Sqs2pgTestEnv(), std::chrono::seconds(120));
  ASSERT_EQ(restart.exit_code, 0) << Tail(restart.output);
  EXPECT_EQ(SummaryValue(restart.output, "duplicates skipped"), committed) << Tail(restart.output);
  EXPECT_EQ(SummaryValue(restart.output, "inserted"), kMessages - committed)
      << Tail(restart.output);
  ExpectExactlyOnce(kMessages);
}

}  // namespace
}  // namespace sqs2pg::testing
