// The alert rules (deploy/prometheus/alerts.yaml) and the dashboard (deploy/grafana/sqs2pg.json)
// against the real binary (issue 17): `promtool check metrics` accepts a live scrape of
// `sqs2pg run`, every sqs2pg metric the rules and the dashboard use is in that scrape, and the
// series the database and ledger-pruning alerts read move when PostgreSQL goes away.
//
// promtool is Debian's `prometheus` package (scripts/deps.sh). Where it is absent the promtool
// test is skipped, except in CI (CI=true), where that is a failure.
#include <gtest/gtest.h>
#include <signal.h>
#include <simdjson.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "support/metrics_scrape.h"
#include "support/pg_cluster.h"
#include "support/pg_test_env.h"
#include "support/sqs2pg_fixture.h"

namespace sqs2pg::testing {
namespace {

using std::chrono::seconds;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// promtool on PATH, or "".
std::string FindPromtool() {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path != nullptr ? path : "");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const std::string candidate = (dir.empty() ? "." : dir) + "/promtool";
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

bool InCi() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string(ci) == "true";
}

// The PromQL expressions of a rules file: each `expr:` value, inline or a block scalar (the lines
// indented deeper than the key).
std::vector<std::string> RuleExpressions(const std::string& yaml) {
  std::vector<std::string> exprs;
  std::istringstream in(yaml);
  std::string line;
  bool more = std::getline(in, line).good();
  while (more) {
    const size_t key = line.find("expr:");
    if (key == std::string::npos || line.find_first_not_of(' ') != key) {
      more = std::getline(in, line).good();
      continue;
    }
    std::string value = line.substr(key + 5);
    value.erase(0, value.find_first_not_of(' '));
    if (value.empty() || value[0] == '|' || value[0] == '>') {
      value.clear();
      while ((more = std::getline(in, line).good())) {
        const size_t indent = line.find_first_not_of(' ');
        if (indent != std::string::npos && indent <= key) break;
        value += line + "\n";
      }
    } else {
      more = std::getline(in, line).good();
    }
    exprs.push_back(value);
  }
  return exprs;
}

// The `expr` of every panel target (rows' nested panels included) and the template variables'
// queries of a Grafana dashboard.
void DashboardExpressions(simdjson::dom::element node, std::vector<std::string>* exprs) {
  if (node.is_array()) {
    for (simdjson::dom::element child : node.get_array()) DashboardExpressions(child, exprs);
  } else if (node.is_object()) {
    for (auto [key, value] : node.get_object()) {
      if ((key == "expr" || key == "definition") && value.is_string()) {
        exprs->emplace_back(std::string_view(value.get_string()));
      } else {
        DashboardExpressions(value, exprs);
      }
    }
  }
}

// Every sqs2pg metric name in `exprs`.
std::set<std::string> MetricNames(const std::vector<std::string>& exprs) {
  std::set<std::string> names;
  const std::regex name("\\bsqs2pg_[a-zA-Z0-9_]+");
  for (const std::string& expr : exprs) {
    for (std::sregex_iterator it(expr.begin(), expr.end(), name), end; it != end; ++it) {
      names.insert(it->str());
    }
  }
  return names;
}

// What an exposition exports: every sample's name, and for each `# TYPE` family its name (a
// counter or gauge that has no labelled sample yet) or its _bucket, _sum and _count (a histogram).
std::set<std::string> ExportedNames(const std::string& exposition) {
  std::set<std::string> names;
  std::istringstream in(exposition);
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("# TYPE ")) {
      std::istringstream fields(line.substr(7));
      std::string family, type;
      fields >> family >> type;
      if (type == "histogram") {
        for (const char* suffix : {"_bucket", "_sum", "_count"}) names.insert(family + suffix);
      } else {
        names.insert(family);
      }
    } else if (!line.empty() && line[0] != '#') {
      names.insert(line.substr(0, line.find_first_of("{ ")));
    }
  }
  return names;
}

class AlertsTest : public Sqs2pgFixture {};

TEST_F(AlertsTest, PromtoolAcceptsALiveScrapeHoldingEveryMetricTheRulesAndDashboardUse) {
  const std::string promtool = FindPromtool();
  if (promtool.empty()) {
    if (InCi()) FAIL() << "promtool is not installed (Debian's prometheus package), and CI=true";
    GTEST_SKIP() << "promtool is not installed (apt-get install prometheus)";
  }
  std::vector<std::string> bodies = LoginEvents(5);
  bodies.push_back("not json at all");  // a reject, so that the reason label has a sample
  SendBodies(*sqs_, queue_url_, bodies);

  RunningProcess run(ConsumeArgv("run", {"--metrics-addr", "127.0.0.1:0", "--wait-time", "1"}),
                     Sqs2pgTestEnv());
  const int port = WaitForMetricsPort(run);
  ASSERT_GT(port, 0) << run.Output();
  std::string metrics;
  // Every family has its samples: the rows, the reject, both dependencies checked and the queue's
  // depth polled.
  ASSERT_TRUE(WaitFor(
      [&] {
        metrics = ScrapeMetrics(port);
        return Sample(metrics, "sqs2pg_rows_inserted_total") == 5 &&
               metrics.find("\nsqs2pg_messages_rejected_total{reason=") != std::string::npos &&
               Sample(metrics, "sqs2pg_dependency_up{dependency=\"postgresql\"}") == 1 &&
               Sample(metrics, "sqs2pg_dependency_up{dependency=\"sqs\"}") == 1 &&
               Sample(metrics, "sqs2pg_queue_approximate_messages{state=\"visible\"}") >= 0;
      },
      seconds(60)))
      << metrics << run.Output();

  const std::string scrape_path = ::testing::TempDir() + "sqs2pg-alerts-" + schema_ + ".prom";
  std::ofstream(scrape_path) << metrics;
  ProcessResult check =
      RunProcess({"/bin/sh", "-c", "\"$0\" check metrics < \"$1\"", promtool, scrape_path});
  std::remove(scrape_path.c_str());
  EXPECT_EQ(check.exit_code, 0) << "promtool check metrics:\n" << check.output << metrics;

  const std::string source = SQS2PG_SOURCE_DIR;
  const std::set<std::string> rule_names =
      MetricNames(RuleExpressions(ReadFile(source + "/deploy/prometheus/alerts.yaml")));
  simdjson::dom::parser parser;
  simdjson::dom::element dashboard;
  ASSERT_EQ(parser.load(source + "/deploy/grafana/sqs2pg.json").get(dashboard), simdjson::SUCCESS);
  std::vector<std::string> dashboard_exprs;
  DashboardExpressions(dashboard, &dashboard_exprs);
  const std::set<std::string> dashboard_names = MetricNames(dashboard_exprs);
  // Enough that the parsing above cannot have found nothing and passed.
  EXPECT_GE(rule_names.size(), 8u);
  EXPECT_GE(dashboard_names.size(), 15u);

  const std::set<std::string> exported = ExportedNames(metrics);
  for (const std::string& name : rule_names) {
    EXPECT_TRUE(exported.contains(name)) << "alerts.yaml uses " << name << ", not exported";
  }
  for (const std::string& name : dashboard_names) {
    EXPECT_TRUE(exported.contains(name)) << "sqs2pg.json uses " << name << ", not exported";
  }

  run.Signal(SIGTERM);
  EXPECT_EQ(run.Wait(seconds(60)).exit_code, 0);
}

// What Sqs2pgDatabaseUnavailable, Sqs2pgNotReady and Sqs2pgLedgerPruneFailing read: with the
// database gone, its dependency series turns 0 and the pruner's failed passes are counted (the
// pruner runs every second here); with it back, the dependency is 1 again.
TEST(AlertsOutageTest, DatabaseOutageShowsInDependencyUpAndLedgerPruneFailures) {
  PgCluster cluster;
  ASSERT_TRUE(cluster.Start());
  ASSERT_TRUE(
      cluster.Exec(std::string("CREATE TABLE user_logins (") + pgtest::kUserLoginsColumns + ")"));
  auto sqs = MakeTestSqsClient();
  const std::string queue_url = CreateTestQueue(*sqs, "alerts");
  RunningProcess run({Sqs2pgBinary(), "run", "--queue-url", queue_url, "--database-url",
                      cluster.url(), "--table", "user_logins", "--wait-time", "1", "--metrics-addr",
                      "127.0.0.1:0", "--ledger-prune-interval", "1"},
                     Sqs2pgTestEnv());
  const int port = WaitForMetricsPort(run);
  ASSERT_GT(port, 0) << run.Output();
  std::string metrics;
  ASSERT_TRUE(WaitFor(
      [&] {
        metrics = ScrapeMetrics(port);
        return Sample(metrics, "sqs2pg_up") == 1 &&
               Sample(metrics, "sqs2pg_dependency_up{dependency=\"postgresql\"}") == 1;
      },
      seconds(30)))
      << metrics << run.Output();
  EXPECT_EQ(Sample(metrics, "sqs2pg_ledger_prune_failures_total"), 0) << metrics;

  ASSERT_TRUE(cluster.Stop());
  ASSERT_TRUE(WaitFor(
      [&] {
        metrics = ScrapeMetrics(port);
        return Sample(metrics, "sqs2pg_dependency_up{dependency=\"postgresql\"}") == 0 &&
               Sample(metrics, "sqs2pg_up") == 0 &&
               Sample(metrics, "sqs2pg_ledger_prune_failures_total") >= 2;
      },
      seconds(60)))
      << metrics << run.Output();
  EXPECT_EQ(Sample(metrics, "sqs2pg_dependency_up{dependency=\"sqs\"}"), 1) << metrics;

  ASSERT_TRUE(cluster.Start());
  EXPECT_TRUE(WaitFor(
      [&] {
        metrics = ScrapeMetrics(port);
        return Sample(metrics, "sqs2pg_dependency_up{dependency=\"postgresql\"}") == 1;
      },
      seconds(30)))
      << metrics << run.Output();

  run.Signal(SIGTERM);
  EXPECT_EQ(run.Wait(seconds(60)).exit_code, 0);
}

}  // namespace
}  // namespace sqs2pg::testing
