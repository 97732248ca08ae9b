// Partitioned targets managed by pg_partman (issue 15, item 3): the real binary, the emulator and
// PostgreSQL with Debian's postgresql-15-partman (scripts/deps.sh installs it; a missing
// extension fails these tests, it never skips them).
//  - user_logins partitioned by day on create_date, set up by deploy/sql/partman_user_logins.sql
//    (pg_partman daily, premake, a DEFAULT partition, retention): every row lands in its day's
//    partition, also for logins just before and after UTC midnight; a day without a partition
//    goes to DEFAULT; days past the retention are dropped.
//  - Without the DEFAULT partition and with one day dropped, a row for that day is a db_refused
//    reject of that row alone: its neighbours commit, the reject goes to the DLQ, and the log
//    names the table and the missing day's range, never a value of the row.
//  - `sqs2pg check` counts the days ahead that have partitions and warns under 2, until
//    partman.run_maintenance() has made more (which, on an empty table, takes the
//    infinite_time_partitions setting of deploy/sql).
//
// The emulator stamps SentTimestamp with its own clock, so the midnight cases take create_date
// from an event field instead (the built-in login mapping with only that source changed: the
// same utc_date transform, the same partition routing); plain logins through the built-in mapping
// land in the partition of their SentTimestamp's day.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <regex>
#include <string>
#include <vector>

#include "support/process.h"
#include "support/run_output.h"
#include "support/sqs2pg_fixture.h"
#include "support/sqs_test_env.h"
#include "transform/mapping/default_mapping.h"

namespace sqs2pg::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class PgPartmanTest : public Sqs2pgFixture {
 protected:
  void SetUp() override {
    Sqs2pgFixture::SetUp();
    if (HasFatalFailure()) return;
    Exec("SET TimeZone = 'UTC'");  // Day() counts UTC days, as sqs2pg and deploy/sql do
    ASSERT_EQ(Count("SELECT count(*) FROM pg_available_extensions WHERE name = 'pg_partman'"), 1)
        << "pg_partman is not installed for this PostgreSQL: scripts/deps.sh installs "
           "postgresql-15-partman";
    // One extension per database, shared by every test and never dropped.
    Exec("SELECT pg_advisory_lock(15003)");
    Exec("CREATE SCHEMA IF NOT EXISTS partman");
    Exec("CREATE EXTENSION IF NOT EXISTS pg_partman SCHEMA partman");
    Exec("SELECT pg_advisory_unlock(15003)");
    partman_ready_ = true;
    Exec("DROP TABLE " + table_);  // deploy/sql makes it partitioned
  }

  void TearDown() override {
    if (partman_ready_) {
      // partman keeps its configuration and the template table outside the test's schema.
      for (const auto& row :
           Query("SELECT template_table FROM partman.part_config WHERE parent_table = $1",
                 {table_})) {
        Exec("DROP TABLE IF EXISTS " + row[0]);
      }
      Exec("DELETE FROM partman.part_config WHERE parent_table = '" + table_ + "'");
    }
    Sqs2pgFixture::TearDown();
  }

  // deploy/sql/partman_user_logins.sql, run with psql as an administrator would, for this test's
  // schema, with `vars` ("premake=4", "retention=2 days").
  void Deploy(const std::vector<std::string>& vars) {
    std::vector<std::string> argv = {"/usr/bin/psql",    "-X", "-q", "-v", "ON_ERROR_STOP=1", "-v",
                                     "schema=" + schema_};
    for (const std::string& v : vars) argv.insert(argv.end(), {"-v", v});
    argv.insert(argv.end(),
                {"-f", std::string(SQS2PG_SOURCE_DIR) + "/deploy/sql/partman_user_logins.sql",
                 database_url_});
    const ProcessResult run = RunProcess(argv);
    ASSERT_EQ(run.exit_code, 0) << run.output;
  }
  bool Exists(const std::string& partition) {
    return Count(
               "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
               "WHERE n.nspname = '" +
               schema_ + "' AND c.relname = '" + partition + "'") == 1;
  }

  // The UTC day `offset` days from today, as YYYY-MM-DD.
  std::string Day(int offset) {
    return Query("SELECT to_char(current_date + $1::int, 'YYYY-MM-DD')",
                 {std::to_string(offset)})[0][0];
  }
  // pg_partman's name for that day's partition.
  std::string PartitionOf(int offset) {
    std::string day = Day(offset);
    for (char& c : day) c = c == '-' ? '_' : c;
    return "user_logins_p" + day;
  }

  // A login with a unique user id, ip and device id, that logged in at `at` (ISO 8601).
  static std::string Login(int i, const std::string& at) {
    const std::string n = std::to_string(i);
    return R"({"user_id": "user-)" + n + R"(", "app_version": "2.3.0", "device_type": "ios", )" +
           R"("ip": "10.77.0.)" + n + R"(", "locale": "RU", "device_id": "dev-secret-)" + n +
           R"(", "logged_in_at": ")" + at + R"("})";
  }

  // The built-in login mapping, with create_date from the event's logged_in_at (utc_date).
  std::string EventTimeMapping() {
    std::string toml(transform::mapping::DefaultMappingToml());
    const std::string source = R"(attribute = "SentTimestamp")";
    const size_t at = toml.find(source);
    EXPECT_NE(at, std::string::npos);
    if (at != std::string::npos) toml.replace(at, source.size(), R"(path = "logged_in_at")");
    const std::string path = ::testing::TempDir() + "sqs2pg-partman-" + schema_ + ".toml";
    std::ofstream(path) << toml;
    return path;
  }

  // user_id -> "<create_date> <partition the row is stored in>".
  std::map<std::string, std::string> Placement() {
    std::map<std::string, std::string> out;
    for (const auto& row : Query("SELECT t.user_id, t.create_date::text || ' ' || c.relname FROM " +
                                 table_ + " t JOIN pg_class c ON c.oid = t.tableoid")) {
      out[row[0]] = row[1];
    }
    return out;
  }
  std::string At(int offset) { return Day(offset) + " " + PartitionOf(offset); }

  bool partman_ready_ = false;
};

TEST_F(PgPartmanTest, EveryRowLandsInItsDaysPartitionAcrossUtcMidnight) {
  Deploy({"premake=4", "retention=2 days"});
  // Days back from 4 days ago, less the retention's: a day older than 2 days is dropped.
  EXPECT_FALSE(Exists(PartitionOf(-4)));
  EXPECT_FALSE(Exists(PartitionOf(-3)));
  for (int day = -2; day <= 4; ++day) EXPECT_TRUE(Exists(PartitionOf(day))) << day;
  EXPECT_TRUE(Exists("user_logins_default"));
  SendBodies(*sqs_, queue_url_,
             {
                 Login(0, Day(-1) + "T23:59:59.999999Z"),  // the last instant of yesterday
                 Login(1, Day(0) + "T00:00:00Z"),          // the first of today
                 Login(2, Day(0) + "T23:59:59.999Z"), Login(3, Day(1) + "T00:00:00.000001Z"),
                 Login(4, Day(0) + "T01:30:00+02:00"),  // 23:30 yesterday in UTC
                 Login(5, Day(1) + "T22:30:00-05:00"),  // 03:30 the day after tomorrow in UTC
                 Login(6, Day(30) + "T12:00:00Z"),      // no partition yet: DEFAULT
             });
  ProcessResult run = Drain({"--mapping", EventTimeMapping()});
  ASSERT_EQ(run.exit_code, 0) << Tail(run.output);
  EXPECT_EQ(SummaryValue(run.output, "inserted"), 7) << Tail(run.output);
  EXPECT_EQ(SummaryValue(run.output, "rejected"), 0) << Tail(run.output);
  const std::map<std::string, std::string> expected = {
      {"user-0", At(-1)},
      {"user-1", At(0)},
      {"user-2", At(0)},
      {"user-3", At(1)},
      {"user-4", At(-1)},
      {"user-5", At(2)},
      {"user-6", Day(30) + " user_logins_default"},
  };
  EXPECT_EQ(Placement(), expected);

  // The built-in mapping: create_date is the UTC day of SentTimestamp, stored in its partition.
  SendBodies(*sqs_, queue_url_, {LoginEvent(100), LoginEvent(101)});
  run = Drain();
  ASSERT_EQ(run.exit_code, 0) << Tail(run.output);
  const auto placed = Placement();
  for (const char* user : {"user-100", "user-101"}) {
    ASSERT_EQ(placed.count(user), 1u) << user;
    const std::string& p = placed.at(user);
    std::string day = p.substr(0, 10);
    EXPECT_TRUE(day == Day(0) || day == Day(1)) << p;  // a test run may cross midnight
    for (char& c : day) c = c == '-' ? '_' : c;
    EXPECT_EQ(p.substr(11), "user_logins_p" + day);
  }
  EXPECT_EQ(Count("SELECT count(*) FROM " + schema_ + ".sqs2pg_ledger"), 9);
}

TEST_F(PgPartmanTest, ARowForADayWithoutPartitionIsRejectedAloneAndTheLogNamesTheRange) {
  Deploy({"premake=4"});
  Exec("DROP TABLE " + schema_ + ".user_logins_default");
  Exec("DROP TABLE " + schema_ + "." + PartitionOf(1));  // tomorrow
  const std::string dlq = CreateTestQueue(*sqs_, "partman-dlq");
  SendBodies(*sqs_, queue_url_,
             {
                 Login(0, Day(0) + "T08:00:00Z"),
                 Login(1, Day(0) + "T23:59:59.999Z"),
                 Login(2, Day(1) + "T00:00:00Z"),  // tomorrow: its partition is gone
                 Login(3, Day(2) + "T00:00:00Z"),
                 Login(4, Day(40) + "T06:00:00Z"),  // beyond the partitions, no DEFAULT
                 Login(5, Day(-1) + "T23:59:59.999999Z"),
             });
  ProcessResult run = Drain({"--mapping", EventTimeMapping(), "--dlq-url", dlq});
  ASSERT_EQ(run.exit_code, 0) << Tail(run.output);
  EXPECT_EQ(SummaryValue(run.output, "inserted"), 4) << Tail(run.output);
  EXPECT_EQ(SummaryValue(run.output, "rejected"), 2) << Tail(run.output);
  const std::map<std::string, std::string> expected = {
      {"user-0", At(0)}, {"user-1", At(0)}, {"user-3", At(2)}, {"user-5", At(-1)}};
  EXPECT_EQ(Placement(), expected);

  // The rejects: recorded with the range, and sent to the DLQ (the source queue is empty).
  const std::string table = schema_ + ".user_logins";
  const auto range = [&](int offset) {
    return "table " + table + " has no partition for create_date in [" + Day(offset) + ", " +
           Day(offset + 1) + ") (SQLSTATE 23514)";
  };
  auto rejects = Query("SELECT reason, detail FROM " + schema_ + ".sqs2pg_rejects ORDER BY detail");
  ASSERT_EQ(rejects.size(), 2u);
  EXPECT_EQ(rejects[0][0], "db_refused");
  EXPECT_EQ(rejects[1][0], "db_refused");
  EXPECT_EQ(rejects[0][1], "writing batch: " + range(1));
  EXPECT_EQ(rejects[1][1], "writing batch: " + range(40));
  std::vector<std::string> dead;
  for (const sqs::Message& m : ReceiveAll(*sqs_, dlq)) dead.push_back(m.body);
  EXPECT_THAT(dead, ::testing::UnorderedElementsAre(Login(2, Day(1) + "T00:00:00Z"),
                                                    Login(4, Day(40) + "T06:00:00Z")));
  EXPECT_EQ(MessagesInQueue(*sqs_, queue_url_), 0);

  // The log names the table and the missing range of each, and no value of the rows.
  EXPECT_THAT(run.output, HasSubstr("db_refused: writing batch: " + range(1))) << Tail(run.output);
  EXPECT_THAT(run.output, HasSubstr("db_refused: writing batch: " + range(40)));
  for (const char* value : {"10.77.0.", "dev-secret-", "T00:00:00Z", "T06:00", "Partition key"}) {
    EXPECT_THAT(run.output, Not(HasSubstr(value))) << value;
  }
}

TEST_F(PgPartmanTest, CheckCountsTheDaysAheadAndWarnsUnderTwo) {
  // premake counts from the current time, rounded: 1 makes tomorrow, and after noon UTC also the
  // day after. Without it, only tomorrow is ahead.
  Deploy({"premake=1"});
  Exec("DROP TABLE IF EXISTS " + schema_ + "." + PartitionOf(2));
  const std::string table = schema_ + ".user_logins";
  ProcessResult check = Sqs2pg(ConsumeArgs("check"));
  EXPECT_EQ(check.exit_code, 0) << check.output;  // a warning, not a failure
  EXPECT_THAT(check.output,
              HasSubstr("[warn] partitions   " + table + ": RANGE (create_date), 3 partitions, " +
                        "only 1 day ahead (through " + Day(1) + ", UTC; fewer than 2)"));
  EXPECT_THAT(check.output, HasSubstr("go to the DEFAULT partition " + table + "_default"));

  // pg_partman makes partitions ahead of the newest row, not of today, unless
  // infinite_time_partitions is on: an empty table (or a pause in the data) gets none.
  Exec(
      "UPDATE partman.part_config SET premake = 4, infinite_time_partitions = false "
      "WHERE parent_table = '" +
      table_ + "'");
  Exec("SELECT partman.run_maintenance('" + table_ + "')");
  check = Sqs2pg(ConsumeArgs("check"));
  EXPECT_THAT(check.output, HasSubstr("3 partitions, only 1 day ahead")) << check.output;
  // deploy/sql turns it on and runs the maintenance: the days ahead are made.
  Deploy({"premake=4"});
  check = Sqs2pg(ConsumeArgs("check"));
  EXPECT_EQ(check.exit_code, 0) << check.output;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(
      check.output, m,
      std::regex(R"(\[ ok \] partitions   (\S+): RANGE \(create_date\), (\d+) partitions, (\d+) )"
                 R"(days ahead \(through (\S+), UTC\), DEFAULT partition (\S+)\n)")))
      << check.output;
  EXPECT_EQ(m[1], table);
  const int ahead = std::stoi(m[3]);
  EXPECT_TRUE(ahead == 4 || ahead == 5) << ahead;
  EXPECT_EQ(std::stoi(m[2]), 1 + 1 + ahead);  // yesterday, today, the days ahead
  EXPECT_EQ(m[4], Day(ahead));
  EXPECT_EQ(m[5], table + "_default");

  // Without tomorrow's partition, the count stops at today; a DEFAULT with rows is pointed out.
  Exec("INSERT INTO " + table_ + " (create_date) VALUES (current_date + 60)");
  Exec("DROP TABLE " + schema_ + "." + PartitionOf(1));
  check = Sqs2pg(ConsumeArgs("check"));
  EXPECT_THAT(check.output, HasSubstr("[warn] partitions   " + table + ": RANGE (create_date), " +
                                      std::to_string(1 + ahead) + " partitions, only 0 days ahead"))
      << check.output;
  EXPECT_THAT(check.output, HasSubstr("the DEFAULT partition holds rows"));

  // Not partitioned: no partitions line at all.
  Exec("CREATE TABLE " + schema_ + ".plain (LIKE " + table_ + ")");
  check = Sqs2pg({"check", "--queue-url", queue_url_, "--database-url", database_url_, "--table",
                  schema_ + ".plain"});
  EXPECT_EQ(check.exit_code, 0) << check.output;
  EXPECT_THAT(check.output, Not(HasSubstr("partitions")));
}

TEST_F(PgPartmanTest, CheckDescribesOtherPartitionKeysWithoutCountingDays) {
  Exec("CREATE TABLE " + table_ +
       " (user_id varchar(128), device_type varchar(32), masked_ip varchar(256), "
       "masked_device_id varchar(256), locale varchar(32), app_version integer, "
       "create_date date) PARTITION BY LIST (device_type)");
  Exec("CREATE TABLE " + schema_ + ".ios PARTITION OF " + table_ + " FOR VALUES IN ('ios')");
  ProcessResult check = Sqs2pg(ConsumeArgs("check"));
  EXPECT_EQ(check.exit_code, 0) << check.output;
  EXPECT_THAT(check.output, HasSubstr("[ ok ] partitions   " + schema_ +
                                      ".user_logins: LIST (device_type), 1 partition, no "
                                      "DEFAULT partition; not a range on one date or timestamp "
                                      "column: days ahead not counted"));
}

}  // namespace
}  // namespace sqs2pg::testing
