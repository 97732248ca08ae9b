// Production operations (issue 6), end to end through the real binary: Prometheus metrics and the
// /healthz and /readyz probes on --metrics-addr, JSON logs, the drain progress line on a terminal,
// and the config file with its precedence (flags > environment > file > defaults).
#include <gtest/gtest.h>
#include <httplib.h>
#include <poll.h>
#include <pty.h>
#include <sched.h>
#include <signal.h>
#include <simdjson.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <thread>

#include "support/metrics_scrape.h"
#include "support/pg_cluster.h"
#include "support/pg_test_env.h"
#include "support/sqs2pg_fixture.h"

namespace sqs2pg::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Steady = std::chrono::steady_clock;

class OperationsTest : public Sqs2pgFixture {
 protected:
  std::string TempFile(const std::string& name, const std::string& text) {
    const std::string path = ::testing::TempDir() + "sqs2pg-ops-" + schema_ + "-" + name;
    std::ofstream(path) << text;
    files_.push_back(path);
    return path;
  }
  void TearDown() override {
    for (const auto& f : files_) std::remove(f.c_str());
    Sqs2pgFixture::TearDown();
  }
  std::vector<std::string> files_;
};

TEST_F(OperationsTest, MetricsAndProbesReflectTheRunAndHoldNoPersonalData) {
  std::vector<std::string> bodies;
  for (int i = 0; i < 40; ++i) bodies.push_back(LoginEvent(i));
  bodies.push_back("not json at all");
  bodies.push_back(R"({"foo": "oops_wrong_msg_type", "bar": "123"})");
  SendBodies(*sqs_, queue_url_, bodies);

  RunningProcess run(ConsumeArgv("run", {"--metrics-addr", "127.0.0.1:0", "--wait-time", "1"}),
                     Sqs2pgTestEnv());
  const int port = WaitForMetricsPort(run);
  ASSERT_GT(port, 0) << run.Output();
  httplib::Client client("127.0.0.1", port);

  std::string metrics;
  const bool all_in = WaitFor(
      [&] {
        auto res = client.Get("/metrics");
        if (!res || res->status != 200) return false;
        metrics = res->body;
        return Sample(metrics, "sqs2pg_rows_inserted_total") == 40 &&
               Sample(metrics, "sqs2pg_messages_deleted_total") == 40;
      },
      seconds(60));
  ASSERT_TRUE(all_in) << metrics << run.Output();
  EXPECT_GE(Sample(metrics, "sqs2pg_messages_received_total"), 42) << metrics;
  EXPECT_EQ(Sample(metrics, "sqs2pg_duplicates_skipped_total"), 0) << metrics;
  EXPECT_EQ(Sample(metrics, "sqs2pg_messages_rejected_total{reason=\"invalid_json\"}"), 1)
      << metrics;
  EXPECT_EQ(Sample(metrics, "sqs2pg_messages_rejected_total{reason=\"missing_field\"}"), 1)
      << metrics;
  EXPECT_GT(
      Sample(metrics, "sqs2pg_sqs_requests_total{operation=\"ReceiveMessage\",outcome=\"ok\"}"), 0)
      << metrics;
  EXPECT_GT(
      Sample(metrics, "sqs2pg_sqs_requests_total{operation=\"DeleteMessageBatch\",outcome=\"ok\"}"),
      0)
      << metrics;
  EXPECT_GE(Sample(metrics, "sqs2pg_batch_messages_count"), 1) << metrics;
  EXPECT_GE(Sample(metrics, "sqs2pg_commit_seconds_count"), 1) << metrics;
  // Every inserted message has a send-to-commit lag (the emulator sends SentTimestamp), and in
  // this quiet test it is far under a minute.
  EXPECT_EQ(Sample(metrics, "sqs2pg_message_lag_seconds_count"), 40) << metrics;
  EXPECT_EQ(Sample(metrics, "sqs2pg_message_lag_seconds_bucket{le=\"60\"}"), 40) << metrics;
  EXPECT_GE(Sample(metrics, "sqs2pg_sqs_request_seconds_count{operation=\"ReceiveMessage\"}"), 1)
      << metrics;
  EXPECT_GE(Sample(metrics, "sqs2pg_messages_in_flight"), 0) << metrics;
  // The depth gauge is polled: wait for a figure (the two rejects stay in the queue, no DLQ).
  ASSERT_TRUE(WaitFor(
      [&] {
        auto res = client.Get("/metrics");
        return res && Sample(res->body, "sqs2pg_queue_approximate_messages{state=\"visible\"}") +
                              Sample(res->body,
                                     "sqs2pg_queue_approximate_messages{state=\"in_flight\"}") ==
                          2;
      },
      seconds(60)));
  // No ip (10.x.y.z of LoginEvent) nor device id in what a scraper sees.
  EXPECT_FALSE(std::regex_search(metrics, std::regex("10\\.0\\.[0-9]+\\.[0-9]+"))) << metrics;
  EXPECT_EQ(metrics.find("dev-"), std::string::npos) << metrics;

  auto health = client.Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  ASSERT_TRUE(WaitFor(
      [&] {
        auto ready = client.Get("/readyz");
        return ready && ready->status == 200;
      },
      seconds(30)));
  auto ready = client.Get("/readyz");
  ASSERT_TRUE(ready);
  EXPECT_NE(ready->body.find("postgresql ok"), std::string::npos) << ready->body;
  EXPECT_NE(ready->body.find("sqs ok"), std::string::npos) << ready->body;

  run.Signal(SIGTERM);
  ProcessResult done = run.Wait(seconds(60));
  EXPECT_EQ(done.exit_code, 0) << done.output;
}

TEST(OperationsOutageTest, ReadyzFailsWhileTheDatabaseIsDownAndRecovers) {
  PgCluster cluster;
  ASSERT_TRUE(cluster.Start());
  ASSERT_TRUE(
      cluster.Exec(std::string("CREATE TABLE user_logins (") + pgtest::kUserLoginsColumns + ")"));
  auto sqs = MakeTestSqsClient();
  const std::string queue_url = CreateTestQueue(*sqs, "readyz");
  RunningProcess run(
      {Sqs2pgBinary(), "run", "--queue-url", queue_url, "--database-url", cluster.url(), "--table",
       "user_logins", "--wait-time", "1", "--metrics-addr", "127.0.0.1:0"},
      Sqs2pgTestEnv());
  const int port = WaitForMetricsPort(run);
  ASSERT_GT(port, 0) << run.Output();
  httplib::Client client("127.0.0.1", port);
  const auto ready_status = [&] {
    auto res = client.Get("/readyz");
    return res ? res->status : -1;
  };
  ASSERT_TRUE(WaitFor([&] { return ready_status() == 200; }, seconds(30))) << run.Output();

  ASSERT_TRUE(cluster.Stop());
  ASSERT_TRUE(WaitFor([&] { return ready_status() == 503; }, seconds(30))) << run.Output();
  auto res = client.Get("/readyz");
  ASSERT_TRUE(res);
  EXPECT_NE(res->body.find("postgresql unreachable"), std::string::npos) << res->body;
  auto health = client.Get("/healthz");  // alive all along: an outage is not a wedge
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);

  ASSERT_TRUE(cluster.Start());
  EXPECT_TRUE(WaitFor([&] { return ready_status() == 200; }, seconds(30))) << run.Output();

  run.Signal(SIGTERM);
  // While it shuts down it is not ready (checked when the stop is seen, before the exit).
  ProcessResult done = run.Wait(seconds(60));
  EXPECT_EQ(done.exit_code, 0) << done.output;
}

// The scheduling policy of every thread of a running process (sched_getscheduler on each task
// in /proc/PID/task: SCHED_OTHER 0, SCHED_BATCH 3); a thread gone meanwhile is skipped.
std::vector<int> ThreadPolicies(int pid) {
  std::vector<int> policies;
  std::error_code ec;
  for (const auto& task :
       std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec)) {
    const int policy =
        sched_getscheduler(static_cast<pid_t>(std::stol(task.path().filename().string())));
    if (policy >= 0) policies.push_back(policy);
  }
  return policies;
}

// --cpu-scheduling reaches every thread of `run`, the pipeline's included: SCHED_BATCH by default,
// SCHED_OTHER with "normal".
TEST_F(OperationsTest, CpuSchedulingPolicyCoversEveryThread) {
  for (const auto& [name, expected] :
       {std::pair<std::string, int>{"batch", SCHED_BATCH}, {"normal", SCHED_OTHER}}) {
    RunningProcess run(
        ConsumeArgv("run", {"--cpu-scheduling", name, "--wait-time", "1", "--receivers", "3"}),
        Sqs2pgTestEnv());
    // Logged just after the policy is applied, before the pipeline's threads start.
    ASSERT_TRUE(
        WaitFor([&] { return run.Output().find("masking ip") != std::string::npos; }, seconds(30)))
        << run.Output();
    // main, 3 receivers, 2 writers, 4 deleters, heartbeat, pruner at least.
    std::vector<int> policies;
    ASSERT_TRUE(
        WaitFor([&] { return (policies = ThreadPolicies(run.pid())).size() >= 12; }, seconds(30)))
        << name << ": " << policies.size() << " threads\n"
        << run.Output();
    for (int policy : policies) EXPECT_EQ(policy, expected) << name;
    run.Signal(SIGTERM);
    EXPECT_EQ(run.Wait(seconds(60)).exit_code, 0) << name;
  }
}

TEST_F(OperationsTest, DrainServesMetricsToo) {
  SendBodies(*sqs_, queue_url_, {LoginEvent(1), LoginEvent(2)});
  ProcessResult run = Drain({"--metrics-addr", "127.0.0.1:0"});
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_GT(MetricsPort(run.output), 0) << run.output;
  EXPECT_EQ(Count("SELECT count(*) FROM " + table_), 2);
}

TEST_F(OperationsTest, JsonLogsAreOneObjectPerLineWithoutPersonalData) {
  SendBodies(*sqs_, queue_url_, {LoginEvent(1), LoginEvent(2), "{\"ip\": \"10.9.9.9\"}"});
  ProcessResult run = Drain({"--log-format", "json", "--log-level", "debug"});
  ASSERT_EQ(run.exit_code, 0) << run.output;
  simdjson::dom::parser parser;
  int lines = 0;
  bool summary = false;
  std::istringstream in(run.output);
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    ++lines;
    simdjson::dom::element doc;
    ASSERT_EQ(parser.parse(line).get(doc), simdjson::SUCCESS) << "not JSON: " << line;
    std::string_view level, message, time;
    ASSERT_EQ(doc["level"].get_string().get(level), simdjson::SUCCESS) << line;
    ASSERT_EQ(doc["message"].get_string().get(message), simdjson::SUCCESS) << line;
    ASSERT_EQ(doc["time"].get_string().get(time), simdjson::SUCCESS) << line;
    if (message.starts_with("summary: ")) {
      summary = true;
      EXPECT_NE(message.find("inserted=2"), std::string_view::npos) << message;
      EXPECT_NE(message.find("rejected=1"), std::string_view::npos) << message;
    }
  }
  EXPECT_GT(lines, 3);
  EXPECT_TRUE(summary) << run.output;
  EXPECT_EQ(run.output.find("10.9.9.9"), std::string::npos);
  EXPECT_EQ(run.output.find("10.0.0.1"), std::string::npos);
  EXPECT_EQ(run.output.find("dev-1"), std::string::npos);
}

// Runs argv on a pseudo-terminal (as a user at a shell would) and returns what it printed.
ProcessResult RunOnTerminal(const std::vector<std::string>& argv,
                            const std::vector<std::string>& env) {
  int master = -1;
  const pid_t pid = forkpty(&master, nullptr, nullptr, nullptr);
  if (pid == 0) {
    for (const auto& e : env) putenv(const_cast<char*>(e.c_str()));
    setenv("TERM", "xterm", 1);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  ProcessResult result;
  if (pid < 0) return result;
  char buffer[4096];
  const auto deadline = Steady::now() + seconds(120);
  while (Steady::now() < deadline) {
    pollfd p{master, POLLIN, 0};
    if (poll(&p, 1, 200) > 0) {
      const ssize_t n = read(master, buffer, sizeof(buffer));
      if (n <= 0) break;  // EIO once the child has exited and closed the terminal
      result.output.append(buffer, static_cast<size_t>(n));
    }
  }
  close(master);
  int status = 0;
  if (waitpid(pid, &status, 0) == pid && WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  return result;
}

// The rows a terminal shows after `bytes`: "\r" returns to column 0, "\n" starts the next row,
// ESC [ K clears to the end of the row; other bytes overwrite at the cursor.
std::vector<std::string> ScreenRows(const std::string& bytes) {
  std::vector<std::string> rows(1);
  size_t column = 0;
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string& row = rows.back();
    if (bytes[i] == '\r') {
      column = 0;
    } else if (bytes[i] == '\n') {
      rows.emplace_back();
      column = 0;
    } else if (bytes.compare(i, 3, "\x1b[K") == 0) {
      if (row.size() > column) row.resize(column);
      i += 2;
    } else {
      if (row.size() <= column) row.resize(column + 1, ' ');
      row[column++] = bytes[i];
    }
  }
  return rows;
}

TEST_F(OperationsTest, DrainShowsProgressOnATerminalOnly) {
  SendBodies(*sqs_, queue_url_, {LoginEvent(1000)});
  ProcessResult piped = Drain();
  ASSERT_EQ(piped.exit_code, 0) << piped.output;
  EXPECT_EQ(piped.output.find("processed "), std::string::npos) << piped.output;
  EXPECT_EQ(piped.output.find('\r'), std::string::npos);

  std::vector<std::string> bodies;
  for (int i = 0; i < 300; ++i) bodies.push_back(LoginEvent(i));
  // Two rejects: warnings logged while the progress line is on screen (they stay in the queue,
  // so this drain comes last).
  bodies.push_back("not json at all");
  bodies.push_back("{\"neither\": \"is this\"");
  SendBodies(*sqs_, queue_url_, bodies);
  ProcessResult on_terminal = RunOnTerminal(ConsumeArgv("drain"), Sqs2pgTestEnv());
  ASSERT_EQ(on_terminal.exit_code, 0) << on_terminal.output;
  EXPECT_NE(on_terminal.output.find("\rprocessed "), std::string::npos) << on_terminal.output;
  EXPECT_NE(on_terminal.output.find("processed 302 / ~302 (100%)"), std::string::npos)
      << on_terminal.output;
  EXPECT_NE(on_terminal.output.find(" msg/s"), std::string::npos);

  // No log record shares a row with the progress line, and the summary follows the finished one.
  const std::regex record(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (info|warning|error) )");
  const std::vector<std::string> rows = ScreenRows(on_terminal.output);
  int rejected = 0;
  size_t last_progress = rows.size();
  for (size_t r = 0; r < rows.size(); ++r) {
    std::smatch found;
    if (std::regex_search(rows[r], found, record)) {
      EXPECT_EQ(found.position(0), 0) << "row " << r << ": " << rows[r];
      EXPECT_EQ(rows[r].find("processed "), std::string::npos) << "row " << r << ": " << rows[r];
      if (rows[r].find(" warning rejected message ") != std::string::npos) ++rejected;
    } else if (rows[r].find("processed ") != std::string::npos) {
      EXPECT_TRUE(rows[r].starts_with("processed ")) << "row " << r << ": " << rows[r];
      last_progress = r;
    }
  }
  EXPECT_EQ(rejected, 2) << on_terminal.output;
  ASSERT_LT(last_progress + 1, rows.size()) << on_terminal.output;
  EXPECT_EQ(rows[last_progress + 1], "summary:") << on_terminal.output;
}

TEST_F(OperationsTest, ConfigFileSitsBelowEnvironmentAndFlags) {
  const std::string config =
      TempFile("sqs2pg.toml", "queue-url = \"" + queue_url_ + "\"\n" + "database-url = \"" +
                                  database_url_ + "\"\n" + "table = \"" + table_ + "\"\n" +
                                  "receivers = 7\nbatch-size = 100\nregion = \"eu-west-2\"\n");
  std::vector<std::string> env = Sqs2pgTestEnv();
  env.push_back("SQS2PG_RECEIVERS=5");
  ProcessResult shown =
      RunProcess({Sqs2pgBinary(), "--config", config, "config", "--batch-size", "50"}, env);
  ASSERT_EQ(shown.exit_code, 0) << shown.output;
  EXPECT_NE(shown.output.find("batch-size = \"50\"  # flag"), std::string::npos) << shown.output;
  EXPECT_NE(shown.output.find("receivers = \"5\"  # environment SQS2PG_RECEIVERS"),
            std::string::npos)
      << shown.output;
  EXPECT_NE(shown.output.find("region = \"eu-west-2\"  # config file"), std::string::npos)
      << shown.output;
  EXPECT_NE(shown.output.find("visibility-timeout = \"60\"  # default"), std::string::npos)
      << shown.output;

  // The printed configuration is itself a config file: a drain runs from it alone.
  const std::string printed = TempFile("printed.toml", [&] {
    ProcessResult r = RunProcess({Sqs2pgBinary(), "--config", config, "config"}, Sqs2pgTestEnv());
    return r.output;
  }());
  SendBodies(*sqs_, queue_url_, {LoginEvent(1), LoginEvent(2), LoginEvent(3)});
  ProcessResult drained = RunProcess(
      {Sqs2pgBinary(), "drain", "--config", printed, "--region", "us-east-1"}, Sqs2pgTestEnv());
  ASSERT_EQ(drained.exit_code, 0) << drained.output;
  EXPECT_EQ(Count("SELECT count(*) FROM " + table_), 3);

  const std::string bad = TempFile("bad.toml", "queue-ulr = \"x\"\n");
  ProcessResult refused = RunProcess({Sqs2pgBinary(), "--config", bad, "drain"}, Sqs2pgTestEnv());
  EXPECT_EQ(refused.exit_code, 2) << refused.output;
  EXPECT_NE(refused.output.find("unknown key 'queue-ulr'"), std::string::npos) << refused.output;
}

}  // namespace
}  // namespace sqs2pg::testing
