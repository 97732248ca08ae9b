#include "cli/reference.h"

#include <gtest/gtest.h>

#include <regex>

namespace sqs2pg::cli {
namespace {

TEST(ReferenceTest, FlagTablesListEveryFlagOnceWithEnvironmentAndDefault) {
  CLI::App app{"test app"};
  int count = 7;
  std::string name;
  app.add_option("--count", count, "How many | at most")
      ->envname("T_COUNT")
      ->check(CLI::Range(1, 9))
      ->capture_default_str();
  app.add_option("--name", name, "A name\nover two lines");
  auto* sub = app.add_subcommand("go", "Go somewhere");
  std::string where;
  sub->add_option("--where", where, "Where to");
  app.add_subcommand("stay", "Stay");

  const std::string out = FlagReference(app);
  EXPECT_NE(out.find("| `--count INT in [1 - 9]` | `T_COUNT` | `7` | How many \\| at most |\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("| `--name TEXT` |  |  | A name over two lines |\n"), std::string::npos)
      << out;
  EXPECT_NE(out.find("### `sqs2pg go`\n\nGo somewhere\n\n| Flag"), std::string::npos) << out;
  EXPECT_NE(out.find("| `--where TEXT` |  |  | Where to |"), std::string::npos) << out;
  EXPECT_NE(out.find("### `sqs2pg stay`\n\nStay\n\nNo flags of its own."), std::string::npos)
      << out;
  EXPECT_EQ(out.find("--help"), std::string::npos) << out;
}

TEST(ReferenceTest, MetricsTableHasEveryExportedNameOnce) {
  const std::string out = MetricsReference();
  for (const char* name : {"sqs2pg_messages_received_total", "sqs2pg_commit_seconds",
                           "sqs2pg_dependency_up", "sqs2pg_receivers"}) {
    const std::string row = std::string("| `") + name + "` |";
    const size_t at = out.find(row);
    ASSERT_NE(at, std::string::npos) << name << "\n" << out;
    EXPECT_EQ(out.find(row, at + 1), std::string::npos) << name << " listed twice";
  }
  EXPECT_NE(out.find("| `sqs2pg_commit_seconds` | histogram |"), std::string::npos) << out;
  // One line per row: no HELP text may break the table.
  const std::regex row("^\\| `sqs2pg_[a-z0-9_]+` \\| (counter|gauge|histogram) \\| [^\\n]+ \\|$");
  std::istringstream lines(out);
  std::string line;
  std::getline(lines, line);  // header
  std::getline(lines, line);  // rule
  int rows = 0;
  while (std::getline(lines, line)) {
    EXPECT_TRUE(std::regex_match(line, row)) << line;
    ++rows;
  }
  EXPECT_GE(rows, 20);
}

}  // namespace
}  // namespace sqs2pg::cli
