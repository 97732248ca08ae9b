// pg::Remask against a real PostgreSQL: which values it rewrites (only those under an older key's
// prefix), that windows and batches cover the whole table, partitioned tables, failures left in
// place, stops, and that a run after a complete one updates no row. The rewrite here is a plain
// prefix swap: the cryptography is AesSivKeyRing's (tested beside it) and the command's
// (rotation_test.cc).
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <vector>

#include "pg/remask.h"
#include "support/pg_test_env.h"

namespace sqs2pg::pg {
namespace {

constexpr char kOld[] = "s1.0001d000.";
constexpr char kCurrent[] = "s1.c0ffee00.";

// kOld... -> kCurrent..., except the value of id 120 in column a, which fails.
Result<std::string> Swap(size_t, std::string_view value) {
  if (value.ends_with("000120")) return DataLossError("authentication failed");
  return std::string(kCurrent) + std::string(value.substr(12));
}

class PgRemaskTest : public pgtest::PgTest {
 protected:
  int64_t Count(const std::string& sql) {
    Result<PgResult> r = admin().Query(sql);
    EXPECT_TRUE(r.ok()) << sql << ": " << r.status().ToString();
    return r.ok() ? r->GetInt(0, 0) : -1;
  }
  // ctid, xmin and both columns of every row: unchanged iff no row was updated.
  std::string Snapshot(const std::string& table) {
    Result<PgResult> r = admin().Query(
        "SELECT string_agg(ctid::text || xmin::text || coalesce(a, '-') || coalesce(b, '-'), "
        "',' ORDER BY id) FROM " +
        table);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::string(r->Get(0, 0)) : "";
  }
  // 600 rows: a holds an old mask on even ids (the one of id 120 fails to rewrite), a current one
  // on odd ids; b an old mask on multiples of 3, an unknown key's on 5 (not 3), an hmac-shaped
  // value on 7 (not 3 or 5), else NULL.
  void Fill(const std::string& table) {
    ASSERT_TRUE(admin()
                    .Exec("INSERT INTO " + table + " SELECT i, CASE WHEN i % 2 = 0 THEN '" + kOld +
                          "' ELSE '" + kCurrent +
                          "' END || lpad(i::text, 6, '0'), CASE WHEN i % 3 = 0 THEN '" + kOld +
                          "b' || i WHEN i % 5 = 0 THEN 's1.aaaaaaaa.b' || i WHEN i % 7 = 0 THEN "
                          "repeat('e', 64) END FROM generate_series(0, 599) i")
                    .ok());
  }
  RemaskRequest Request(const std::string& table, bool partitioned = false) {
    Result<RemaskTarget> target = ResolveRemaskTarget(admin(), table, {"a", "b"});
    EXPECT_TRUE(target.ok()) << target.status().ToString();
    RemaskRequest request;
    if (target.ok()) request.target = *target;
    EXPECT_EQ(request.target.partitioned, partitioned);
    request.prefixes = {kOld};
    request.batch_rows = 7;
    request.window_pages = 1;
    return request;
  }
  void ExpectRemasked(const std::string& table) {
    EXPECT_EQ(Count("SELECT count(*) FROM " + table + " WHERE a LIKE 's1.0001d000.%'"), 1);
    EXPECT_EQ(Count("SELECT count(*) FROM " + table + " WHERE a = 's1.0001d000.000120'"), 1);
    EXPECT_EQ(Count("SELECT count(*) FROM " + table + " WHERE a LIKE 's1.c0ffee00.%'"), 599);
    EXPECT_EQ(Count("SELECT count(*) FROM " + table + " WHERE b LIKE 's1.0001d000.%'"), 0);
    EXPECT_EQ(Count("SELECT count(*) FROM " + table + " WHERE b = 's1.c0ffee00.b' || id"), 200);
    EXPECT_EQ(Count("SELECT count(*) FROM " + table + " WHERE b = 's1.aaaaaaaa.b' || id"), 80);
    EXPECT_EQ(Count("SELECT count(*) FROM " + table + " WHERE b = repeat('e', 64)"), 45);
    EXPECT_EQ(Count("SELECT count(*) FROM " + table + " WHERE b IS NULL"), 275);
    // The rest of each value is kept.
    EXPECT_EQ(Count("SELECT count(*) FROM " + table +
                    " WHERE substr(a, 13) <> lpad(id::text, 6, "
                    "'0')"),
              0);
  }
};

TEST_F(PgRemaskTest, RewritesOnlyOlderKeysMasksAcrossWindowsAndBatches) {
  const std::string table = schema() + ".t";
  ASSERT_TRUE(admin().Exec("CREATE TABLE " + table + " (id int, a text, b varchar(256))").ok());
  Fill(table);
  RemaskRequest request = Request(table);
  RemaskStats stats;
  ASSERT_TRUE(Remask(admin(), request, Swap, &stats).ok());
  ExpectRemasked(table);
  EXPECT_EQ(stats.masks, 299 + 200);
  EXPECT_EQ(stats.failed, 1) << stats.first_failure;
  // a changes on the even ids but 120, b on the multiples of 3: rows with either.
  EXPECT_EQ(stats.rows, 400);
  EXPECT_GT(stats.transactions, 600 / 7 / 2);
  EXPECT_NE(stats.first_failure.find("column a at ctid ("), std::string::npos)
      << stats.first_failure;
  EXPECT_NE(stats.first_failure.find("authentication failed"), std::string::npos);
  EXPECT_EQ(stats.first_failure.find("000120"), std::string::npos) << stats.first_failure;

  // Again: the failing value is looked at again, nothing is updated.
  const std::string before = Snapshot(table);
  RemaskStats again;
  ASSERT_TRUE(Remask(admin(), request, Swap, &again).ok());
  EXPECT_EQ(again.rows, 0);
  EXPECT_EQ(again.masks, 0);
  EXPECT_EQ(again.transactions, 0);
  EXPECT_EQ(again.failed, 1);
  EXPECT_EQ(Snapshot(table), before);
}

TEST_F(PgRemaskTest, WalksEveryLeafOfAPartitionedTable) {
  const std::string table = schema() + ".p";
  ASSERT_TRUE(admin()
                  .Exec("CREATE TABLE " + table +
                        " (id int, a text, b text) PARTITION BY RANGE "
                        "(id); CREATE TABLE " +
                        schema() + ".p_low PARTITION OF " + table +
                        " FOR VALUES FROM (0) TO (300); CREATE TABLE " + schema() +
                        ".p_high PARTITION OF " + table + " FOR VALUES FROM (300) TO (1000)")
                  .ok());
  Fill(table);
  RemaskRequest request = Request(table, /*partitioned=*/true);
  request.batch_rows = 50;
  RemaskStats stats;
  ASSERT_TRUE(Remask(admin(), request, Swap, &stats).ok());
  ExpectRemasked(table);
}

TEST_F(PgRemaskTest, AStopLeavesWhatWasNotCommittedForTheNextRun) {
  const std::string table = schema() + ".t";
  ASSERT_TRUE(admin().Exec("CREATE TABLE " + table + " (id int, a text, b text)").ok());
  Fill(table);
  RemaskRequest request = Request(table);
  std::atomic<bool> stop{true};
  request.stop = &stop;
  RemaskStats stats;
  EXPECT_EQ(Remask(admin(), request, Swap, &stats).code(), StatusCode::kCancelled);
  EXPECT_EQ(stats.rows, 0);
  EXPECT_EQ(Count("SELECT count(*) FROM " + table + " WHERE a LIKE 's1.c0ffee00.%'"), 300);
  stop = false;
  ASSERT_TRUE(Remask(admin(), request, Swap, &stats).ok());
  ExpectRemasked(table);
}

TEST_F(PgRemaskTest, ResolvesTablesAndColumnsAsTheCatalogNamesThem) {
  ASSERT_TRUE(admin()
                  .Exec("CREATE TABLE " + schema() + ".\"Mixed\" (\"Masked IP\" text, b text); " +
                        "CREATE VIEW " + schema() + ".v AS SELECT 1 AS b")
                  .ok());
  Result<RemaskTarget> mixed =
      ResolveRemaskTarget(admin(), schema() + ".\"Mixed\"", {"Masked IP", "b"});
  ASSERT_TRUE(mixed.ok()) << mixed.status().ToString();
  EXPECT_EQ(mixed->table, schema() + ".\"Mixed\"");
  EXPECT_EQ(mixed->columns, (std::vector<std::string>{"\"Masked IP\"", "b"}));
  EXPECT_FALSE(mixed->partitioned);
  EXPECT_EQ(ResolveRemaskTarget(admin(), schema() + ".absent", {"b"}).status().code(),
            StatusCode::kNotFound);
  Result<RemaskTarget> no_column =
      ResolveRemaskTarget(admin(), schema() + ".\"Mixed\"", {"masked_ip"});
  EXPECT_EQ(no_column.status().code(), StatusCode::kNotFound);
  EXPECT_NE(no_column.status().message().find("has no column masked_ip"), std::string::npos);
  EXPECT_EQ(ResolveRemaskTarget(admin(), schema() + ".v", {"b"}).status().code(),
            StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace sqs2pg::pg
