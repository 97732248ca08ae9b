// Ledger maintenance (MaintainLedger, LedgerPruner) against a real PostgreSQL: the ledger is
// partitioned by day on sent_at; days are made ahead and behind, whole days older than the keep
// window are dropped (no DELETE, so no dead tuples), keys of a day without a partition go to the
// DEFAULT partition and still deduplicate, and a role that may not CREATE or DROP still loads.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "pg/ledger_pruner.h"
#include "pg/sidecar.h"
#include "pg/sidecar_ddl.h"
#include "pg/sink.h"
#include "support/pg_test_env.h"
#include "support/pg_test_role.h"
#include "support/process.h"

namespace sqs2pg::pg {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kDayMs = 86400000;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string Uuid(int n) {
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%08x-0000-4000-8000-%012x", n, n * 7);
  return buf;
}

// A message for the one-column target `events (k text)`: k is the message id.
PendingRow Row(const std::string& id, int64_t sent_ms) {
  PendingRow p;
  p.message_id = id;
  p.sent_timestamp_ms = sent_ms;
  const auto n = static_cast<uint32_t>(id.size());
  p.fields = {static_cast<char>(n >> 24), static_cast<char>(n >> 16), static_cast<char>(n >> 8),
              static_cast<char>(n)};
  p.fields += id;
  return p;
}

class PgLedgerPrunerTest : public pgtest::PgTest {
 protected:
  void SetUp() override {
    PgTest::SetUp();
    CreateTable("k text", "events");
  }
  std::unique_ptr<Sink> OpenSink(const std::string& conninfo) {
    RowLayout layout;
    layout.columns = {"k"};
    Result<std::unique_ptr<Sink>> sink = Sink::Open(conninfo, Table("events"), layout);
    if (!sink.ok()) {
      ADD_FAILURE() << sink.status().ToString();
      return nullptr;
    }
    return std::move(sink).value();
  }
  // "sqs2pg_ledger_pYYYYMMDD" of today (UTC) + `offset` days.
  std::string Day(int offset) {
    return Scalar("SELECT 'sqs2pg_ledger_p' || to_char((now() AT TIME ZONE 'UTC')::date + " +
                  std::to_string(offset) + ", 'YYYYMMDD')");
  }
  // Days from today + `from` to today + `to`, and the DEFAULT partition, comma-separated, sorted.
  std::string Days(int from, int to) {
    std::vector<std::string> names = {kLedgerDefaultPartition};
    for (int d = from; d <= to; ++d) names.push_back(Day(d));
    std::sort(names.begin(), names.end());
    std::string out;
    for (const std::string& n : names) out += (out.empty() ? "" : ",") + n;
    return out;
  }
  // The ledger's partitions, comma-separated, sorted by name.
  std::string Partitions() {
    return Scalar(
        "SELECT string_agg(c.relname, ',' ORDER BY c.relname) FROM pg_inherits i "
        "JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = '" +
        Table("sqs2pg_ledger") + "'::regclass");
  }
  std::string Count(const std::string& table) {
    return Scalar("SELECT count(*) FROM " + Table(table));
  }
};

TEST_F(PgLedgerPrunerTest, DaysAheadFollowTheKeepWindow) {
  EXPECT_EQ(LedgerDaysAhead(std::chrono::hours(1)), 3);
  EXPECT_EQ(LedgerDaysAhead(std::chrono::hours(24 * 4 + 1)), 5);
  EXPECT_EQ(LedgerDaysAhead(std::chrono::hours(24 * 15)), 15);
  EXPECT_EQ(LedgerDaysAhead(std::chrono::hours(24 * 400)), 31);
}

// Start-up makes a partitioned ledger with today and the next three days, and a DEFAULT.
TEST_F(PgLedgerPrunerTest, OpeningMakesTodayAndThreeDaysAhead) {
  auto sink = OpenSink(url());
  ASSERT_NE(sink, nullptr);
  EXPECT_EQ(Scalar("SELECT pg_get_partkeydef('" + Table("sqs2pg_ledger") + "'::regclass)"),
            "RANGE (sent_at)");
  EXPECT_EQ(Partitions(), Days(0, 3));
  EXPECT_EQ(Scalar("SELECT pg_get_expr(relpartbound, oid) FROM pg_class WHERE oid = '" +
                   Table(Day(0)) + "'::regclass"),
            Scalar("SELECT format('FOR VALUES FROM (%L) TO (%L)', d::timestamp AT TIME ZONE 'UTC', "
                   "(d + 1)::timestamp AT TIME ZONE 'UTC') FROM (SELECT (now() AT TIME ZONE "
                   "'UTC')::date AS d) t"));
  // A ledger made days ago lacks the latest days: the next start makes them.
  Exec("DROP TABLE " + Table(Day(3)));
  auto next = OpenSink(url());
  ASSERT_NE(next, nullptr);
  EXPECT_EQ(Partitions(), Days(0, 3));
}

// Pruning drops the days older than the keep window whole: their keys are gone, the others are
// untouched, and no partition is left with a dead or deleted tuple (a DELETE-based prune leaves
// one per key, for vacuum to clean up on the hottest table).
TEST_F(PgLedgerPrunerTest, DropsWholeDaysOlderThanTheKeepWindowLeavingNoDeadTuples) {
  auto sink = OpenSink(url());
  ASSERT_NE(sink, nullptr);
  Result<LedgerMaintenance> made =
      MaintainLedger(admin(), schema(), std::chrono::hours(24 * 10), 3);
  ASSERT_TRUE(made.ok()) << made.status().ToString();
  EXPECT_EQ(made->created, 10);  // today - 10 .. today - 1
  EXPECT_EQ(Partitions(), Days(-10, 3));
  // 100 keys per day, for today - 10 .. today (each day's keys sent at this time of that day).
  const int64_t now = NowMs();
  int id = 0;
  for (int d = 0; d <= 10; ++d) {
    std::vector<PendingRow> rows;
    for (int i = 0; i < 100; ++i, ++id) rows.push_back(Row(Uuid(id), now - d * kDayMs - i));
    Result<BatchOutcome> out = sink->WriteBatch(rows, {});
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    ASSERT_EQ(out->inserted, 100);
  }
  EXPECT_EQ(Count(std::string(kLedgerDefaultPartition)), "0");

  Result<Connection> conn = Connection::Open(url());
  ASSERT_TRUE(conn.ok()) << conn.status().ToString();
  Result<LedgerMaintenance> pruned = MaintainLedger(*conn, schema(), std::chrono::hours(24 * 3), 3);
  ASSERT_TRUE(pruned.ok()) << pruned.status().ToString();
  EXPECT_EQ(pruned->dropped, 7);  // today - 10 .. today - 4
  EXPECT_EQ(pruned->created, 0);
  EXPECT_EQ(pruned->pruned, 0);
  EXPECT_EQ(pruned->busy, 0);
  EXPECT_EQ(Partitions(), Days(-3, 3));
  EXPECT_EQ(Count("sqs2pg_ledger"), "400");  // today - 3 .. today
  EXPECT_EQ(Count("events"), "1100");        // the target is never pruned
  EXPECT_EQ(Scalar("SELECT to_regclass('" + Table(Day(-4)) + "') IS NULL"), "t");

  // The pruning backend's statistics, flushed when it goes idle after this statement.
  ASSERT_TRUE(conn->Exec("SELECT pg_stat_force_next_flush()").ok());
  Exec("SELECT pg_stat_clear_snapshot()");
  EXPECT_EQ(Scalar("SELECT sum(pg_stat_get_dead_tuples(i.inhrelid)) || ' dead, ' || "
                   "sum(pg_stat_get_tuples_deleted(i.inhrelid)) || ' deleted' FROM pg_inherits i "
                   "WHERE i.inhparent = '" +
                   Table("sqs2pg_ledger") + "'::regclass"),
            "0 dead, 0 deleted");
}

// A message whose SentTimestamp is far in the past or the future (a sender's clock that is off, or
// none at all) still commits, into the DEFAULT partition, and its redelivery is still a duplicate.
TEST_F(PgLedgerPrunerTest, KeysOfDaysWithoutAPartitionCommitIntoTheDefault) {
  auto sink = OpenSink(url());
  ASSERT_NE(sink, nullptr);
  const int64_t y1990 = 631152000000, y2100 = 4102444800000;
  std::vector<PendingRow> rows = {Row(Uuid(1), y1990), Row(Uuid(2), y2100), Row(Uuid(3), 0),
                                  Row(Uuid(4), NowMs())};
  Result<BatchOutcome> out = sink->WriteBatch(rows, {});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->inserted, 4);
  EXPECT_EQ(Count(std::string(kLedgerDefaultPartition)), "3");
  EXPECT_EQ(Count(Day(0)), "1");
  Result<BatchOutcome> again = sink->WriteBatch(rows, {});
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->inserted, 0);
  EXPECT_EQ(again->duplicates, 4);
  EXPECT_EQ(Count("events"), "4");
}

// A day made after keys for it went to the DEFAULT partition takes them over (else attaching it
// would fail), so they are found there, and pruned with it, afterwards.
TEST_F(PgLedgerPrunerTest, ADayMadeLaterTakesItsKeysOverFromTheDefault) {
  auto sink = OpenSink(url());
  ASSERT_NE(sink, nullptr);
  std::vector<PendingRow> rows = {Row(Uuid(1), NowMs() + 20 * kDayMs),
                                  Row(Uuid(2), NowMs() + 20 * kDayMs + 1)};
  ASSERT_TRUE(sink->WriteBatch(rows, {}).ok());
  EXPECT_EQ(Count(std::string(kLedgerDefaultPartition)), "2");
  Result<LedgerMaintenance> made = MaintainLedger(admin(), schema(), std::nullopt, 20);
  ASSERT_TRUE(made.ok()) << made.status().ToString();
  EXPECT_EQ(made->created, 17);  // today + 4 .. today + 20
  EXPECT_EQ(Count(std::string(kLedgerDefaultPartition)), "0");
  EXPECT_EQ(Count(Day(20)), "2");
  Result<BatchOutcome> again = sink->WriteBatch(rows, {});
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->duplicates, 2);
}

// The DEFAULT partition's keys are kept for the keep window after their commit (their sent_at
// says nothing reliable), then deleted.
TEST_F(PgLedgerPrunerTest, DefaultKeysArePrunedByCommitTime) {
  auto sink = OpenSink(url());
  ASSERT_NE(sink, nullptr);
  Exec("INSERT INTO " + Table("sqs2pg_ledger") +
       " (sent_at, message_key, committed_at) VALUES "
       "('1990-01-01Z', gen_random_uuid(), now() - '5 days'::interval), "
       "('1990-01-01Z', gen_random_uuid(), now() - '1 day'::interval), "
       "('2100-01-01Z', gen_random_uuid(), now())");
  Result<LedgerMaintenance> m = MaintainLedger(admin(), schema(), std::chrono::hours(24 * 2), 3);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->pruned, 1);
  EXPECT_EQ(Count(std::string(kLedgerDefaultPartition)), "2");
}

// Least privilege: the sidecar made ahead by the schema's owner with src/pg/sidecar.sql, and a
// loader role that may INSERT but not CREATE or DROP. It opens and loads (also when a day is
// missing: its keys go to the DEFAULT partition); the maintenance it cannot do is an error for
// MaintainLedger and, in the pruner, a warning and one count per failed pass, never a stop.
class PgLedgerLeastPrivilegeTest : public PgLedgerPrunerTest {
 protected:
  void SetUp() override {
    PgLedgerPrunerTest::SetUp();
    Exec(SidecarDdl(schema()));
    Exec("GRANT USAGE ON SCHEMA " + schema() + " TO " + loader_.name());
    Exec("GRANT SELECT, INSERT ON " + Table("events") + ", " + Table("sqs2pg_ledger") + " TO " +
         loader_.name());
    Exec("GRANT SELECT, INSERT, UPDATE ON " + Table("sqs2pg_rejects") + " TO " + loader_.name());
  }
  testing::PgTestRole loader_{"sqs2pg_loader"};
};

TEST_F(PgLedgerLeastPrivilegeTest, LoadsAndCountsTheMaintenanceItCannotDo) {
  ASSERT_TRUE(MaintainLedger(admin(), schema(), std::chrono::hours(24 * 10), 3).ok());
  Exec("DROP TABLE " + Table(Day(3)));  // a day missing ahead: the loader cannot make it
  const std::string before = Partitions();

  auto sink = OpenSink(loader_.Conninfo());
  ASSERT_NE(sink, nullptr);
  const int64_t now = NowMs();
  Result<BatchOutcome> out =
      sink->WriteBatch({Row(Uuid(1), now), Row(Uuid(2), now + 3 * kDayMs)}, {});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->inserted, 2);
  EXPECT_EQ(Count(std::string(kLedgerDefaultPartition)), "1");

  Result<Connection> conn = Connection::Open(loader_.Conninfo());
  ASSERT_TRUE(conn.ok()) << conn.status().ToString();
  Result<LedgerMaintenance> m = MaintainLedger(*conn, schema(), std::chrono::hours(24 * 3), 3);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), StatusCode::kPermissionDenied) << m.status().ToString();
  EXPECT_THAT(m.status().message(), HasSubstr("42501"));

  std::atomic<uint64_t> failures{0};
  {
    LedgerPruner pruner(loader_.Conninfo(), schema(), std::chrono::hours(24 * 3),
                        std::chrono::hours(1), &failures);
    pruner.Start();  // one pass at once, then Stop() ends it before the next
    for (int i = 0; i < 300 && failures.load() == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    pruner.Stop();
    EXPECT_EQ(pruner.dropped(), 0);
  }
  EXPECT_EQ(failures.load(), 1u);
  EXPECT_EQ(Partitions(), before);  // nothing changed

  // The administrator's job does it instead: deploy/sql/ledger_maintenance.sql, run with psql.
  testing::ProcessResult job = testing::RunProcess(
      {"/usr/bin/psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-v", "schema=" + schema(),
       "-v", "keep=3 days", "-v", "ahead=3", "-f",
       std::string(SQS2PG_SOURCE_DIR) + "/deploy/sql/ledger_maintenance.sql", url()});
  ASSERT_EQ(job.exit_code, 0) << job.output;
  EXPECT_EQ(job.output, "1|7|0|0\n");  // created, dropped, pruned, busy
  EXPECT_EQ(Partitions(), Days(-3, 3));
  EXPECT_EQ(Count(Day(3)), "1");  // taken over from the DEFAULT partition
}

}  // namespace
}  // namespace sqs2pg::pg
