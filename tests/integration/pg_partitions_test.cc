// pg/partitions.h against the catalog, and the sink's message for a row that fits no partition:
// time keys of each type, bounds read back whatever the session's DateStyle and TimeZone, and the
// missing day named for the COPY and the upsert path, with no value of the row.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "pg/partitions.h"
#include "pg/sink.h"
#include "support/pg_test_env.h"
#include "transform/convert/time_parse.h"
#include "transform/convert/wire.h"

namespace sqs2pg::pg {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using transform::kMicrosPerDay;

constexpr int64_t k20260101 = 20454;  // Unix days
constexpr int64_t kDay = kMicrosPerDay;

class PgPartitionsTest : public pgtest::PgTest {
 protected:
  // A (user_id text, login_at timestamptz) row's binary COPY fields.
  static PendingRow Row(const std::string& id, const std::string& user, int64_t unix_micros) {
    PendingRow row;
    row.message_id = id;
    row.sent_timestamp_ms = 1767225600000;
    transform::wire::AppendBytesField(&row.fields, user);
    transform::wire::AppendInt64Field(&row.fields,
                                      unix_micros - transform::kPostgresEpochUnixMicros);
    return row;
  }
};

TEST_F(PgPartitionsTest, BoundsReadTheSameWhateverTheSessionsDateStyleAndTimeZone) {
  Exec("CREATE TABLE " + Table("ev") + " (at timestamptz NOT NULL, n int) PARTITION BY RANGE (at)");
  Exec("CREATE TABLE " + Table("ev_old") + " PARTITION OF " + Table("ev") +
       " FOR VALUES FROM (MINVALUE) TO ('2026-01-01 00:00:00+00')");
  Exec("CREATE TABLE " + Table("ev_d1") + " PARTITION OF " + Table("ev") +
       " FOR VALUES FROM ('2026-01-01 00:00:00+00') TO ('2026-01-02 05:30:00+05:30')");
  Exec("CREATE TABLE " + Table("ev_other") + " PARTITION OF " + Table("ev") + " DEFAULT");
  Exec("CREATE TABLE " + Table("d") + " (day date NOT NULL) PARTITION BY RANGE (day)");
  Exec("CREATE TABLE " + Table("d_1") + " PARTITION OF " + Table("d") +
       " FOR VALUES FROM ('2026-01-01') TO ('2026-01-03')");
  Exec("CREATE TABLE " + Table("d_2") + " PARTITION OF " + Table("d") +
       " FOR VALUES FROM ('2026-01-03') TO ('infinity')");
  Exec("CREATE TABLE " + Table("t") + " (at timestamp NOT NULL) PARTITION BY RANGE (at)");
  Exec("CREATE TABLE " + Table("t_1") + " PARTITION OF " + Table("t") +
       " FOR VALUES FROM ('2026-01-01 00:00') TO ('2026-01-01 12:00')");

  for (const char* settings : {"SET DateStyle = 'ISO, MDY'; SET TimeZone = 'UTC'",
                               "SET DateStyle = 'SQL, DMY'; SET TimeZone = 'Asia/Kolkata'",
                               "SET DateStyle = 'German'; SET TimeZone = 'America/St_Johns'"}) {
    SCOPED_TRACE(settings);
    Exec(settings);
    Result<Partitions> ev = ReadPartitions(admin(), Table("ev"));
    ASSERT_TRUE(ev.ok()) << ev.status().ToString();
    EXPECT_EQ(ev->key.definition, "RANGE (at)");
    EXPECT_EQ(ev->key.column, "at");
    EXPECT_EQ(ev->key.time_type, TimeKeyType::kTimestamptz);
    EXPECT_EQ(ev->count, 2);
    EXPECT_EQ(ev->default_partition, Table("ev_other"));
    EXPECT_THAT(ev->ranges, ElementsAre(TimeRange{kUnboundedBelow, k20260101 * kDay},
                                        TimeRange{k20260101 * kDay, (k20260101 + 1) * kDay}));

    Result<Partitions> d = ReadPartitions(admin(), Table("d"));
    ASSERT_TRUE(d.ok()) << d.status().ToString();
    EXPECT_EQ(d->key.time_type, TimeKeyType::kDate);
    EXPECT_EQ(d->default_partition, "");
    EXPECT_THAT(d->ranges, ElementsAre(TimeRange{k20260101 * kDay, (k20260101 + 2) * kDay},
                                       TimeRange{(k20260101 + 2) * kDay, kUnboundedAbove}));

    Result<Partitions> t = ReadPartitions(admin(), Table("t"));
    ASSERT_TRUE(t.ok()) << t.status().ToString();
    EXPECT_EQ(t->key.time_type, TimeKeyType::kTimestamp);  // read as UTC
    EXPECT_THAT(t->ranges, ElementsAre(TimeRange{k20260101 * kDay, k20260101 * kDay + kDay / 2}));
  }
}

TEST_F(PgPartitionsTest, OtherKeysAreNotTimeKeys) {
  Exec("CREATE TABLE " + Table("two") + " (a date, b int) PARTITION BY RANGE (a, b)");
  Exec("CREATE TABLE " + Table("expr") +
       " (a timestamp) PARTITION BY RANGE ((date_trunc('day', a)))");
  Exec("CREATE TABLE " + Table("txt") + " (a text) PARTITION BY RANGE (a)");
  Exec("CREATE TABLE " + Table("hash") + " (a date) PARTITION BY HASH (a)");
  for (const char* name : {"two", "expr", "txt", "hash"}) {
    Result<PartitionKey> key = ReadPartitionKey(admin(), Table(name));
    ASSERT_TRUE(key.ok()) << name << ": " << key.status().ToString();
    EXPECT_EQ(key->time_type, std::nullopt) << name;
    EXPECT_EQ(key->column, "") << name;
  }
  EXPECT_EQ(ReadPartitionKey(admin(), Table("hash"))->definition, "HASH (a)");
  CreateTable("a int", "plain");
  EXPECT_EQ(ReadPartitionKey(admin(), Table("plain")).status().code(),
            StatusCode::kFailedPrecondition);
}

TEST_F(PgPartitionsTest, TheSinkNamesTheMissingDayAndNoValue) {
  Exec("CREATE TABLE " + Table("logins") +
       " (user_id text, login_at timestamptz NOT NULL) PARTITION BY RANGE (login_at)");
  Exec("CREATE TABLE " + Table("logins_d1") + " PARTITION OF " + Table("logins") +
       " FOR VALUES FROM ('2026-01-01 00:00+00') TO ('2026-01-02 00:00+00')");
  Exec("ALTER TABLE " + Table("logins") + " ADD CONSTRAINT no_tablets CHECK (user_id <> 'tab')");
  RowLayout layout;
  layout.columns = {"user_id", "login_at"};
  Result<std::unique_ptr<Sink>> sink = Sink::Open(url(), Table("logins"), layout);
  ASSERT_TRUE(sink.ok()) << sink.status().ToString();

  const int64_t noon = k20260101 * kDay + kDay / 2;
  std::vector<PendingRow> rows = {
      Row("00000000-0000-4000-8000-000000000001", "user-secret-1", noon),
      Row("00000000-0000-4000-8000-000000000002", "user-secret-2", noon + kDay),
  };
  Result<BatchOutcome> written = (*sink)->WriteBatch(rows, {});
  ASSERT_FALSE(written.ok());
  EXPECT_EQ(written.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(written.status().message(),
            "writing batch: table " + Table("logins") +
                " has no partition for login_at in [2026-01-02 00:00:00+00, 2026-01-03 "
                "00:00:00+00) (SQLSTATE 23514)");
  EXPECT_EQ((*sink)->last_failed_row(), std::optional<size_t>(1));

  // A CHECK constraint is a 23514 too, with its name and no range.
  rows = {Row("00000000-0000-4000-8000-000000000003", "tab", noon)};
  written = (*sink)->WriteBatch(rows, {});
  ASSERT_FALSE(written.ok());
  EXPECT_THAT(written.status().message(), HasSubstr("constraint no_tablets"));
  EXPECT_THAT(written.status().message(), Not(HasSubstr("no partition")));

  // Once the day has a partition, the same row commits.
  Exec("CREATE TABLE " + Table("logins_d2") + " PARTITION OF " + Table("logins") +
       " FOR VALUES FROM ('2026-01-02 00:00+00') TO ('2026-01-03 00:00+00')");
  rows = {Row("00000000-0000-4000-8000-000000000002", "user-secret-2", noon + kDay)};
  ASSERT_TRUE((*sink)->WriteBatch(rows, {}).ok());
  EXPECT_EQ(Scalar("SELECT tableoid::regclass::text FROM " + Table("logins")), Table("logins_d2"));
}

TEST_F(PgPartitionsTest, TheUpsertPathNamesTheMissingDayOfASingleRow) {
  Exec("CREATE TABLE " + Table("logins") +
       " (user_id text, login_at timestamptz NOT NULL, PRIMARY KEY (user_id, login_at)) "
       "PARTITION BY RANGE (login_at)");
  Exec("CREATE TABLE " + Table("logins_d1") + " PARTITION OF " + Table("logins") +
       " FOR VALUES FROM ('2026-01-01 00:00+00') TO ('2026-01-02 00:00+00')");
  RowLayout layout;
  layout.columns = {"user_id", "login_at"};
  layout.upsert = true;
  layout.key = {"user_id", "login_at"};
  Result<std::unique_ptr<Sink>> sink = Sink::Open(url(), Table("logins"), layout);
  ASSERT_TRUE(sink.ok()) << sink.status().ToString();
  // One second before the first instant of 2026-01-01 (UTC).
  std::vector<PendingRow> rows = {
      Row("00000000-0000-4000-8000-000000000001", "user-secret-1", k20260101 * kDay - 1000000)};
  Result<BatchOutcome> written = (*sink)->WriteBatch(rows, {});
  ASSERT_FALSE(written.ok());
  EXPECT_EQ(written.status().message(),
            "writing batch: table " + Table("logins") +
                " has no partition for login_at in [2025-12-31 00:00:00+00, 2026-01-01 "
                "00:00:00+00) (SQLSTATE 23514)");
  EXPECT_EQ((*sink)->last_failed_row(), std::optional<size_t>(0));
}

}  // namespace
}  // namespace sqs2pg::pg
