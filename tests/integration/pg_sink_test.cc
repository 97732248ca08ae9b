// Sink: exactly-once batches against a real PostgreSQL.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <random>
#include <thread>

#include "pg/sink.h"
#include "support/login_rows.h"
#include "support/pg_fault_proxy.h"
#include "support/pg_test_env.h"

namespace sqs2pg::pg {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::UnorderedElementsAre;

constexpr int32_t kDays20240101 = 19723;
constexpr int64_t kSent20240101 = 1704067200000;  // 2024-01-01T00:00:00Z, Unix ms

std::string Uuid(int n) {
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%08x-0000-4000-8000-%012x", n, n * 7);
  return buf;
}

using testing::AppVersionColumn;
using testing::LoginFields;
using testing::LoginLayout;
using testing::LoginValues;

LoginValues MakeValues(int n) {
  LoginValues v;
  v.user_id = "user-" + std::to_string(n);
  v.device_type = n % 2 ? "ios" : "android";
  v.masked_ip = std::string(64, 'a');
  v.masked_device_id = std::string(63, 'b') + static_cast<char>('0' + n % 10);
  if (n % 3 != 0) v.locale = "en-US";
  v.app_version_int = 2003000 + n;
  v.app_version_text = "2.3." + std::to_string(n);
  v.create_date_days = kDays20240101 + n % 5;
  return v;
}

PendingRow MakeRow(const std::string& id, int n,
                   AppVersionColumn app_version = AppVersionColumn::kInteger) {
  PendingRow p;
  p.message_id = id;
  p.sent_timestamp_ms = kSent20240101;  // one id, one SentTimestamp, as in SQS
  p.fields = LoginFields(MakeValues(n), app_version);
  return p;
}

std::vector<PendingRow> MakeRows(int from, int to,
                                 AppVersionColumn app_version = AppVersionColumn::kInteger) {
  std::vector<PendingRow> rows;
  for (int i = from; i < to; ++i) rows.push_back(MakeRow(Uuid(i), i, app_version));
  return rows;
}

class PgSinkTest : public pgtest::PgTest {
 protected:
  std::unique_ptr<Sink> OpenSink() {
    Result<std::unique_ptr<Sink>> sink = Sink::Open(url(), Table(), LoginLayout());
    if (!sink.ok()) {
      ADD_FAILURE() << sink.status().ToString();
      return nullptr;
    }
    return std::move(sink).value();
  }
  std::string Count(const std::string& table = "user_logins") {
    return Scalar("SELECT count(*) FROM " + Table(table));
  }
};

TEST_F(PgSinkTest, CopiesRowsAndReadsThemBack) {
  CreateTable();
  auto sink = OpenSink();
  ASSERT_NE(sink, nullptr);
  // Open() read the table from the catalog.
  const transform::mapping::TableColumn* user_id = sink->target().shape.Find("user_id");
  ASSERT_NE(user_id, nullptr);
  ASSERT_TRUE(user_id->type.has_value());
  EXPECT_EQ(user_id->type->max_chars, 128);
  Result<BatchOutcome> out = sink->WriteBatch(MakeRows(0, 3), {});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->inserted, 3);
  EXPECT_EQ(out->duplicates, 0);

  Result<PgResult> r = admin().Query(
      "SELECT user_id, device_type, masked_ip, masked_device_id, locale, app_version, "
      "create_date::text FROM " +
      Table() + " ORDER BY user_id");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->rows(), 3);
  EXPECT_EQ(r->Get(0, 0), "user-0");
  EXPECT_EQ(r->Get(0, 1), "android");
  EXPECT_EQ(r->Get(0, 2), std::string(64, 'a'));
  EXPECT_EQ(r->Get(0, 3), std::string(63, 'b') + "0");
  EXPECT_TRUE(r->IsNull(0, 4));  // n % 3 == 0: no locale
  EXPECT_EQ(r->Get(0, 5), "2003000");
  EXPECT_EQ(r->Get(0, 6), "2024-01-01");
  EXPECT_EQ(r->Get(1, 4), "en-US");
  EXPECT_EQ(r->Get(2, 6), "2024-01-03");
  EXPECT_EQ(Scalar("SELECT string_agg(message_key::text, ',' ORDER BY message_key) FROM " +
                   Table("sqs2pg_ledger")),
            Uuid(0) + "," + Uuid(1) + "," + Uuid(2));
}

TEST_F(PgSinkTest, EmptyBatchIsANoOp) {
  CreateTable();
  auto sink = OpenSink();
  ASSERT_NE(sink, nullptr);
  Result<BatchOutcome> out = sink->WriteBatch({}, {});
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->inserted, 0);
  EXPECT_TRUE(sink->Ping().ok());
}

TEST_F(PgSinkTest, RedeliveredIdsAreDuplicates) {
  CreateTable();
  auto sink = OpenSink();
  ASSERT_NE(sink, nullptr);
  ASSERT_TRUE(sink->WriteBatch(MakeRows(0, 5), {}).ok());

  Result<BatchOutcome> again = sink->WriteBatch(MakeRows(0, 5), {});
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->inserted, 0);
  EXPECT_EQ(again->duplicates, 5);
  EXPECT_EQ(again->duplicate_ids.size(), 5u);

  Result<BatchOutcome> mixed = sink->WriteBatch(MakeRows(3, 8), {});
  ASSERT_TRUE(mixed.ok()) << mixed.status().ToString();
  EXPECT_EQ(mixed->inserted, 3);
  EXPECT_EQ(mixed->duplicates, 2);
  EXPECT_THAT(mixed->duplicate_ids, UnorderedElementsAre(Uuid(3), Uuid(4)));
  EXPECT_EQ(Count(), "8");
  EXPECT_EQ(Scalar("SELECT count(DISTINCT user_id) FROM " + Table()), "8");
  EXPECT_EQ(Count("sqs2pg_ledger"), "8");

  // After the slow path, the fast path works again for fresh ids.
  Result<BatchOutcome> fresh = sink->WriteBatch(MakeRows(8, 10), {});
  ASSERT_TRUE(fresh.ok());
  EXPECT_EQ(fresh->inserted, 2);
}

// The ledger this version creates identifies a message by (sent_at, message_key): SentTimestamp
// leads, so keys arrive in time order. A redelivery (same id, same SentTimestamp) is a duplicate
// on the fast path's conflict and through the slow path.
TEST_F(PgSinkTest, LedgerKeysAreSentTimeThenId) {
  CreateTable();
  auto sink = OpenSink();
  ASSERT_NE(sink, nullptr);
  std::vector<PendingRow> rows = MakeRows(0, 3);
  for (int i = 0; i < 3; ++i) rows[i].sent_timestamp_ms = kSent20240101 + 1000 * (3 - i) + 7;
  rows.push_back(MakeRow(Uuid(9), 9));
  rows.back().sent_timestamp_ms = 0;  // a server that sends no SentTimestamp
  ASSERT_TRUE(sink->WriteBatch(rows, {}).ok());
  EXPECT_EQ(
      Scalar("SELECT string_agg(to_char(sent_at AT TIME ZONE 'UTC', "
             "'YYYY-MM-DD HH24:MI:SS.MS') || ' ' || message_key, ',' ORDER BY sent_at) FROM " +
             Table("sqs2pg_ledger")),
      "1970-01-01 00:00:00.000 " + Uuid(9) + ",2024-01-01 00:00:01.007 " + Uuid(2) +
          ",2024-01-01 00:00:02.007 " + Uuid(1) + ",2024-01-01 00:00:03.007 " + Uuid(0));
  EXPECT_EQ(Scalar("SELECT string_agg(a.attname, ',' ORDER BY k.ord) FROM pg_constraint c, "
                   "unnest(c.conkey) WITH ORDINALITY k(attnum, ord) JOIN pg_attribute a ON "
                   "a.attnum = k.attnum WHERE a.attrelid = c.conrelid AND c.contype = 'p' AND "
                   "c.conrelid = '" +
                   Table("sqs2pg_ledger") + "'::regclass"),
            "sent_at,message_key");

  Result<BatchOutcome> again = sink->WriteBatch({rows[1], rows[3], MakeRow(Uuid(5), 5)}, {});
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->inserted, 1);
  EXPECT_THAT(again->duplicate_ids, UnorderedElementsAre(Uuid(1), Uuid(9)));
  EXPECT_EQ(Count(), "5");
}

TEST_F(PgSinkTest, InBatchDuplicateIdsKeepTheFirst) {
  CreateTable();
  auto sink = OpenSink();
  ASSERT_NE(sink, nullptr);
  std::vector<PendingRow> rows = {MakeRow("id-a", 1), MakeRow("id-b", 2), MakeRow("id-a", 3),
                                  MakeRow("id-a", 4)};
  Result<BatchOutcome> out = sink->WriteBatch(rows, {});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->inserted, 2);
  EXPECT_EQ(out->duplicates, 2);
  EXPECT_THAT(out->duplicate_ids, ElementsAre("id-a", "id-a"));
  EXPECT_EQ(Scalar("SELECT string_agg(user_id, ',' ORDER BY user_id) FROM " + Table()),
            "user-1,user-2");
}

TEST_F(PgSinkTest, UuidIdsIgnoreCaseAndOtherIdsAreHashed) {
  CreateTable();
  auto sink = OpenSink();
  ASSERT_NE(sink, nullptr);
  std::string upper = Uuid(0xabcdef);
  std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
  ASSERT_TRUE(sink->WriteBatch({MakeRow(upper, 1), MakeRow("not-a-uuid", 2)}, {}).ok());
  Result<BatchOutcome> out = sink->WriteBatch({MakeRow(Uuid(0xabcdef), 3)}, {});
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->duplicates, 1);
  EXPECT_EQ(Scalar("SELECT count(*) FROM " + Table("sqs2pg_ledger") + " WHERE message_key = '" +
                   Uuid(0xabcdef) + "'"),
            "1");
  EXPECT_EQ(Scalar("SELECT count(*) FROM " + Table("sqs2pg_ledger") +
                   " WHERE substr(message_key::text, 15, 1) = '3'"),
            "1");  // the hashed id is a version-3 uuid
}

TEST_F(PgSinkTest, ConcurrentOverlappingBatchesCommitEachIdOnce) {
  CreateTable();
  constexpr int kIds = 4000;
  constexpr int kBatch = 250;
  // Writer 0 sends the ids in order, writer 1 in a shuffled order: their batches overlap in
  // every combination while both run.
  std::vector<std::vector<PendingRow>> plans(2);
  std::vector<int> order(kIds);
  for (int i = 0; i < kIds; ++i) order[i] = i;
  for (int i : order) plans[0].push_back(MakeRow(Uuid(i), i));
  std::shuffle(order.begin(), order.end(), std::mt19937(42));
  for (int i : order) plans[1].push_back(MakeRow(Uuid(i), i));

  std::atomic<int> inserted{0};
  std::atomic<int> duplicates{0};
  std::vector<std::string> errors(2);
  std::vector<std::thread> writers;
  for (int w = 0; w < 2; ++w) {
    writers.emplace_back([&, w] {
      Result<std::unique_ptr<Sink>> sink = Sink::Open(url(), Table(), LoginLayout());
      if (!sink.ok()) {
        errors[w] = sink.status().ToString();
        return;
      }
      for (int from = 0; from < kIds; from += kBatch) {
        std::vector<PendingRow> batch(plans[w].begin() + from, plans[w].begin() + from + kBatch);
        Result<BatchOutcome> out = (*sink)->WriteBatch(batch, {});
        if (!out.ok()) {
          errors[w] = out.status().ToString();
          return;
        }
        inserted += out->inserted;
        duplicates += out->duplicates;
      }
    });
  }
  for (std::thread& t : writers) t.join();
  EXPECT_EQ(errors[0], "");
  EXPECT_EQ(errors[1], "");
  EXPECT_EQ(inserted.load(), kIds);
  EXPECT_EQ(duplicates.load(), kIds);
  EXPECT_EQ(Count(), std::to_string(kIds));
  EXPECT_EQ(Scalar("SELECT count(DISTINCT user_id) FROM " + Table()), std::to_string(kIds));
  EXPECT_EQ(Count("sqs2pg_ledger"), std::to_string(kIds));
}

TEST_F(PgSinkTest, RejectsAreUpserted) {
  CreateTable();
  auto sink = OpenSink();
  ASSERT_NE(sink, nullptr);
  std::vector<RejectRecord> rejects = {
      {"m-1", "invalid_json", "", 1},
      {"m-2", "missing_field", "a \"quoted\" {weird}, back\\slash \xff\xfe end", 2},
  };
  Result<BatchOutcome> out = sink->WriteBatch(MakeRows(0, 2), rejects);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->inserted, 2);
  EXPECT_EQ(Scalar("SELECT detail FROM " + Table("sqs2pg_rejects") + " WHERE message_id='m-1'"),
            "<null>");
  EXPECT_EQ(Scalar("SELECT detail FROM " + Table("sqs2pg_rejects") + " WHERE message_id='m-2'"),
            "a \"quoted\" {weird}, back\\slash ?? end");

  // Seen again (twice in one batch, the last record wins): counted, latest receive_count kept.
  std::vector<RejectRecord> again = {{"m-1", "invalid_json", "", 2},
                                     {"m-1", "invalid_json", "second", 3}};
  ASSERT_TRUE(sink->WriteBatch({}, again).ok());
  Result<PgResult> r = admin().Query(
      "SELECT times_seen, receive_count, detail, last_rejected_at >= first_rejected_at FROM " +
      Table("sqs2pg_rejects") + " WHERE message_id = 'm-1'");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->Get(0, 0), "2");
  EXPECT_EQ(r->Get(0, 1), "3");
  EXPECT_EQ(r->Get(0, 2), "second");
  EXPECT_EQ(r->Get(0, 3), "t");
  EXPECT_EQ(Count("sqs2pg_rejects"), "2");
}

TEST_F(PgSinkTest, CheckViolationFailsAtomicallyWithoutValues) {
  CreateTable();
  Exec("ALTER TABLE " + Table() +
       " ADD CONSTRAINT no_forbidden CHECK (user_id <> 'user-2' AND masked_ip <> 'x')");
  auto sink = OpenSink();
  ASSERT_NE(sink, nullptr);
  std::vector<PendingRow> rows = MakeRows(0, 4);
  Result<BatchOutcome> out = sink->WriteBatch(rows, {{"r-1", "invalid_json", "", 1}});
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kInvalidArgument);
  const std::string& m = out.status().message();
  EXPECT_THAT(m, AllOf(HasSubstr("23514"), HasSubstr("no_forbidden")));
  for (size_t i = 0; i < rows.size(); ++i) {
    const LoginValues v = MakeValues(static_cast<int>(i));
    EXPECT_THAT(m, Not(HasSubstr(v.user_id)));
    EXPECT_THAT(m, Not(HasSubstr(v.masked_ip)));
    EXPECT_THAT(m, Not(HasSubstr(v.masked_device_id)));
    EXPECT_THAT(m, Not(HasSubstr(rows[i].message_id)));
  }
  EXPECT_THAT(m, Not(HasSubstr("2003002")));
  ASSERT_TRUE(sink->last_failed_row().has_value());
  EXPECT_EQ(*sink->last_failed_row(), 2u);
  // Nothing was committed, not even the ledger keys or the reject.
  EXPECT_EQ(Count(), "0");
  EXPECT_EQ(Count("sqs2pg_ledger"), "0");
  EXPECT_EQ(Count("sqs2pg_rejects"), "0");

  // Without the bad row the batch goes through on the same Sink.
  rows.erase(rows.begin() + 2);
  Result<BatchOutcome> ok = sink->WriteBatch(rows, {});
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->inserted, 3);
  EXPECT_FALSE(sink->last_failed_row().has_value());

  // On the slow path (a redelivery in the batch) the failing row is still identified.
  std::vector<PendingRow> redelivery = {MakeRow(Uuid(0), 0), MakeRow(Uuid(9), 9),
                                        MakeRow(Uuid(2), 2)};
  Result<BatchOutcome> slow = sink->WriteBatch(redelivery, {});
  ASSERT_FALSE(slow.ok());
  EXPECT_EQ(slow.status().code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(sink->last_failed_row().has_value());
  EXPECT_EQ(*sink->last_failed_row(), 2u);
}

TEST_F(PgSinkTest, TooLongValueIsInvalidArgumentWithoutTheValue) {
  CreateTable();
  auto sink = OpenSink();
  ASSERT_NE(sink, nullptr);
  std::vector<PendingRow> rows = MakeRows(0, 2);
  LoginValues too_long = MakeValues(1);
  too_long.device_type = "a-device-type-that-is-far-too-long-for-32";
  rows[1].fields = LoginFields(too_long);
  Result<BatchOutcome> out = sink->WriteBatch(rows, {});
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(out.status().message(), HasSubstr("value too long"));
  EXPECT_THAT(out.status().message(), Not(HasSubstr("far-too-long")));
  EXPECT_EQ(sink->last_failed_row(), std::optional<size_t>(1));
}

TEST_F(PgSinkTest, TextAppVersionColumn) {
  CreateTable(
      "user_id text, device_type text, masked_ip text, masked_device_id text, locale text, "
      "app_version varchar(20), create_date date");
  auto sink = OpenSink();
  ASSERT_NE(sink, nullptr);
  const transform::mapping::TableColumn* app_version = sink->target().shape.Find("app_version");
  ASSERT_NE(app_version, nullptr);
  ASSERT_TRUE(app_version->type.has_value());
  EXPECT_EQ(app_version->type->type, transform::PgType::kVarchar);
  EXPECT_EQ(app_version->type->max_chars, 20);
  ASSERT_TRUE(sink->WriteBatch(MakeRows(5, 6, AppVersionColumn::kText), {}).ok());
  EXPECT_EQ(Scalar("SELECT app_version FROM " + Table()), "2.3.5");
}

TEST_F(PgSinkTest, BigintAppVersionColumn) {
  CreateTable(
      "user_id text, device_type text, masked_ip text, masked_device_id text, locale text, "
      "app_version bigint, create_date date, id bigserial PRIMARY KEY");
  auto sink = OpenSink();
  ASSERT_NE(sink, nullptr);
  ASSERT_TRUE(sink->WriteBatch(MakeRows(7, 8, AppVersionColumn::kBigint), {}).ok());
  EXPECT_EQ(Scalar("SELECT app_version FROM " + Table()), "2003007");
  EXPECT_EQ(
      Scalar("SELECT " + schema() + ".sqs2pg_app_version_text(app_version::int) FROM " + Table()),
      "2.3.7");
}

TEST_F(PgSinkTest, BrokenConnectionIsUnavailableAndReconnectRecovers) {
  CreateTable();
  const std::string app = "sqs2pg_" + schema();
  Result<std::unique_ptr<Sink>> opened =
      Sink::Open(UrlWith("application_name", app), Table(), LoginLayout());
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  std::unique_ptr<Sink> sink = std::move(opened).value();
  ASSERT_TRUE(sink->WriteBatch(MakeRows(0, 2), {}).ok());
  EXPECT_EQ(Scalar("SELECT count(pg_terminate_backend(pid, 5000)) FROM pg_stat_activity WHERE "
                   "application_name = '" +
                   app + "'"),
            "1");
  Result<BatchOutcome> out = sink->WriteBatch(MakeRows(1, 4), {});
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kUnavailable) << out.status().ToString();
  EXPECT_FALSE(sink->Ping().ok());
  ASSERT_TRUE(sink->Reconnect().ok());
  EXPECT_TRUE(sink->Ping().ok());
  // The retried batch contains a redelivery (id 1): the slow path's temp stage is re-created.
  Result<BatchOutcome> retry = sink->WriteBatch(MakeRows(1, 4), {});
  ASSERT_TRUE(retry.ok()) << retry.status().ToString();
  EXPECT_EQ(retry->inserted, 2);
  EXPECT_EQ(retry->duplicates, 1);
  EXPECT_EQ(Count(), "4");
}

// The server answers a batch's COMMIT with ROLLBACK, as it does when the transaction had failed
// without the Sink noticing (tests/support/pg_fault_proxy.mjs turns the COMMIT into a ROLLBACK).
// WriteBatch() must fail retryably, or its caller would delete messages whose rows are not in the
// database; the retry then commits the batch once.
TEST_F(PgSinkTest, CommitAnsweredWithRollbackFailsRetryably) {
  CreateTable();
  testing::PgFaultProxy proxy("rollback-commit");
  ASSERT_FALSE(proxy.Conninfo().empty()) << "the proxy did not start";
  Result<std::unique_ptr<Sink>> opened = Sink::Open(proxy.Conninfo(), Table(), LoginLayout());
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  std::unique_ptr<Sink> sink = std::move(opened).value();

  Result<BatchOutcome> out = sink->WriteBatch(MakeRows(0, 3), {{"r-1", "invalid_json", "", 1}});
  EXPECT_EQ(proxy.faults(), 1);
  ASSERT_FALSE(out.ok()) << "a rolled-back batch was reported committed";
  EXPECT_EQ(out.status().code(), StatusCode::kUnavailable) << out.status().ToString();
  EXPECT_THAT(out.status().message(), HasSubstr("ROLLBACK"));
  EXPECT_EQ(Count(), "0");
  EXPECT_EQ(Count("sqs2pg_ledger"), "0");
  EXPECT_EQ(Count("sqs2pg_rejects"), "0");

  ASSERT_TRUE(sink->Reconnect().ok());
  Result<BatchOutcome> retry = sink->WriteBatch(MakeRows(0, 3), {{"r-1", "invalid_json", "", 1}});
  ASSERT_TRUE(retry.ok()) << retry.status().ToString();
  EXPECT_EQ(retry->inserted, 3);
  EXPECT_EQ(retry->duplicates, 0);
  EXPECT_EQ(proxy.commits(), 2);
  EXPECT_EQ(Count(), "3");
  EXPECT_EQ(Count("sqs2pg_ledger"), "3");
  EXPECT_EQ(Count("sqs2pg_rejects"), "1");
}

TEST_F(PgSinkTest, OpenReportsMissingTableAndHidesPassword) {
  Result<std::unique_ptr<Sink>> missing = Sink::Open(url(), Table(), LoginLayout());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);

  Result<std::unique_ptr<Sink>> refused =
      Sink::Open("postgresql://u:hunter2@127.0.0.1:1/db", Table(), LoginLayout());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(refused.status().message(), Not(HasSubstr("hunter2")));
  EXPECT_THAT(refused.status().message(), HasSubstr("host=127.0.0.1 port=1 dbname=db user=u"));
}

}  // namespace
}  // namespace sqs2pg::pg
