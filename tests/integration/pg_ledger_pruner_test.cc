// Ledger pruning (PruneLedger) against a real PostgreSQL: what it deletes, and that it finds the
// keys it deletes through indexes rather than by scanning the whole ledger.
#include <gtest/gtest.h>

#include <string>

#include "pg/ledger_pruner.h"
#include "pg/sidecar.h"
#include "support/pg_test_env.h"

namespace sqs2pg::pg {
namespace {

class PgLedgerPrunerTest : public pgtest::PgTest {
 protected:
  // `n` keys committed `age` ago, one millisecond apart, in time order (as ingest writes them).
  void AddKeys(int n, const std::string& age, bool timed = true) {
    const std::string at = "now() - '" + age + "'::interval + g * '1 ms'::interval";
    Exec("INSERT INTO " + Table("sqs2pg_ledger") + (timed ? " (sent_at, " : " (") +
         "message_key, committed_at) SELECT " + (timed ? at + ", " : "") + "gen_random_uuid(), " +
         at + " FROM generate_series(1, " + std::to_string(n) + ") g");
  }
};

// The ledger's primary key is (sent_at, message_key). Deleting a chunk by message_key alone cannot
// use it, so every chunk scanned the whole ledger (465 ms per 10,000 keys at 2 M keys). Counted
// here as sequential scans of the ledger in the pruning connection's own statistics: the expired
// keys are found through the BRIN index on committed_at and deleted through the primary key, so
// there are none, whatever the ledger's size. The ledger is large enough next to the chunk that
// the planner does not find a full scan cheaper anyway (as it may for a small ledger).
TEST_F(PgLedgerPrunerTest, DeletesByThePrimaryKeyWithoutScanningTheLedger) {
  CreateTable();
  ASSERT_TRUE(EnsureSidecar(admin(), Table()).ok());
  AddKeys(3000, "3 days");
  AddKeys(200000, "1 hour");
  Exec("ANALYZE " + Table("sqs2pg_ledger"));

  Result<Connection> conn = Connection::Open(url());
  ASSERT_TRUE(conn.ok()) << conn.status().ToString();
  // Within one transaction block the backend does not flush its statistics, so the xact counters
  // before and after hold exactly what PruneLedger's statements did.
  const std::string scans = "SELECT pg_stat_get_xact_numscans('" + Table("sqs2pg_ledger") +
                            "'::regclass), pg_stat_get_xact_tuples_returned('" +
                            Table("sqs2pg_ledger") + "'::regclass)";
  ASSERT_TRUE(conn->Exec("BEGIN").ok());
  Result<PgResult> before = conn->Query(scans);
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  Result<int64_t> pruned = PruneLedger(*conn, schema(), std::chrono::hours(24), /*chunk=*/500);
  ASSERT_TRUE(pruned.ok()) << pruned.status().ToString();
  Result<PgResult> after = conn->Query(scans);
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  ASSERT_TRUE(conn->Exec("COMMIT").ok());

  EXPECT_EQ(*pruned, 3000);
  EXPECT_EQ(after->GetInt(0, 0) - before->GetInt(0, 0), 0) << "sequential scans of the ledger";
  EXPECT_EQ(after->GetInt(0, 1) - before->GetInt(0, 1), 0) << "ledger rows read by them";
  EXPECT_EQ(Scalar("SELECT count(*) FROM " + Table("sqs2pg_ledger")), "200000");
  EXPECT_EQ(Scalar("SELECT count(*) FROM " + Table("sqs2pg_ledger") +
                   " WHERE committed_at < now() - '1 day'::interval"),
            "0");
}

// A ledger made before 2026-11-30 has no sent_at and is keyed on message_key alone; sqs2pg never
// alters it, and pruning still deletes its expired keys (through that key) and nothing else.
TEST_F(PgLedgerPrunerTest, ALedgerKeyedOnTheIdAloneIsPrunedToo) {
  CreateTable();
  Exec("CREATE TABLE " + Table("sqs2pg_ledger") +
       " (message_key uuid PRIMARY KEY, committed_at timestamptz NOT NULL DEFAULT now())");
  ASSERT_TRUE(EnsureSidecar(admin(), Table()).ok());
  AddKeys(1200, "3 days", /*timed=*/false);
  AddKeys(300, "1 hour", /*timed=*/false);

  Result<int64_t> pruned = PruneLedger(admin(), schema(), std::chrono::hours(24), /*chunk=*/500);
  ASSERT_TRUE(pruned.ok()) << pruned.status().ToString();
  EXPECT_EQ(*pruned, 1200);
  EXPECT_EQ(Scalar("SELECT count(*) FROM " + Table("sqs2pg_ledger")), "300");
  EXPECT_EQ(Scalar("SELECT count(*) FROM " + Table("sqs2pg_ledger") +
                   " WHERE committed_at < now() - '1 day'::interval"),
            "0");
  EXPECT_EQ(Scalar("SELECT count(*) FROM pg_attribute WHERE attrelid = '" + Table("sqs2pg_ledger") +
                   "'::regclass AND attname = 'sent_at'"),
            "0");  // not altered
}

// Nothing to prune, or a schema without a ledger: a count of 0 or an error, never a crash.
TEST_F(PgLedgerPrunerTest, EmptyAndMissingLedgers) {
  CreateTable();
  Result<int64_t> missing = PruneLedger(admin(), schema(), std::chrono::hours(24));
  EXPECT_FALSE(missing.ok());
  ASSERT_TRUE(EnsureSidecar(admin(), Table()).ok());
  AddKeys(10, "1 hour");
  Result<int64_t> none = PruneLedger(admin(), schema(), std::chrono::hours(24));
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  EXPECT_EQ(*none, 0);
  EXPECT_EQ(Scalar("SELECT count(*) FROM " + Table("sqs2pg_ledger")), "10");
}

}  // namespace
}  // namespace sqs2pg::pg
