// Three replicas racing on the ledger's partition maintenance while they commit: each has a Sink
// and a maintenance connection, as `sqs2pg run` has a writer and a pruner. While the Sinks commit
// overlapping batches (the same messages in different orders, as replicas sharing a queue see
// them), the three maintenance loops make and drop the same partitions at once, and a fourth
// party keeps giving them work: it makes old days for them to drop and drops days ahead for them
// to make again. No commit may fail, every message is committed exactly once, no maintenance call
// may fail, and the partitions end as one call alone would leave them.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "pg/ledger_pruner.h"
#include "pg/sidecar.h"
#include "pg/sink.h"
#include "support/pg_test_env.h"

namespace sqs2pg::pg {
namespace {

constexpr int kReplicas = 3;
constexpr int kMessages = 3000;
constexpr int kBatch = 60;
constexpr int64_t kDayMs = 86400000;
constexpr auto kKeep = std::chrono::hours(24 * 5);
constexpr int kAhead = 6;

std::string Uuid(int n) {
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%08x-0000-4000-8000-%012x", n, n * 7);
  return buf;
}

class PgLedgerPartitionRaceTest : public pgtest::PgTest {
 protected:
  // One-column target: k is the message id.
  static PendingRow Row(int n, int64_t sent_ms) {
    PendingRow p;
    p.message_id = Uuid(n);
    p.sent_timestamp_ms = sent_ms;
    const auto size = static_cast<uint32_t>(p.message_id.size());
    p.fields = {static_cast<char>(size >> 24), static_cast<char>(size >> 16),
                static_cast<char>(size >> 8), static_cast<char>(size)};
    p.fields += p.message_id;
    return p;
  }
  std::string Partitions() {
    return Scalar(
        "SELECT string_agg(c.relname, ',' ORDER BY c.relname) FROM pg_inherits i "
        "JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = '" +
        Table("sqs2pg_ledger") + "'::regclass");
  }
};

TEST_F(PgLedgerPartitionRaceTest, ThreeReplicasMaintainWhileCommittingWithoutAFailedCommit) {
  CreateTable("k text", "events");
  RowLayout layout;
  layout.columns = {"k"};
  std::vector<std::unique_ptr<Sink>> sinks;
  for (int r = 0; r < kReplicas; ++r) {
    Result<std::unique_ptr<Sink>> sink = Sink::Open(url(), Table("events"), layout);
    ASSERT_TRUE(sink.ok()) << sink.status().ToString();
    sinks.push_back(std::move(sink).value());
  }
  // Each message's SentTimestamp: most today, some yesterday, some in 2100 (the DEFAULT
  // partition, which every creation of a day locks to take that day's keys over).
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  auto sent = [now_ms](int n) -> int64_t {
    if (n % 10 == 0) return 4102444800000 + n;
    if (n % 10 == 1) return now_ms - kDayMs + n;
    return now_ms - n;
  };

  std::atomic<bool> writing{true};
  std::atomic<int> inserted{0}, duplicates{0}, passes{0}, busy{0}, created{0}, dropped{0};
  std::vector<std::string> commit_errors(kReplicas), maintenance_errors(kReplicas);
  std::vector<std::thread> threads;
  for (int r = 0; r < kReplicas; ++r) {
    // Replica r walks the messages from its own offset: the replicas overlap all the time.
    threads.emplace_back([&, r] {
      const int start = r * kMessages / kReplicas;
      for (int b = 0; b < kMessages / kBatch && commit_errors[r].empty(); ++b) {
        std::vector<PendingRow> rows;
        for (int i = 0; i < kBatch; ++i) {
          const int n = (start + b * kBatch + i) % kMessages;
          rows.push_back(Row(n, sent(n)));
        }
        Result<BatchOutcome> out = sinks[r]->WriteBatch(rows, {});
        if (!out.ok()) {
          commit_errors[r] = out.status().ToString();
          break;
        }
        inserted += out->inserted;
        duplicates += out->duplicates;
      }
    });
    threads.emplace_back([&, r] {
      Result<Connection> conn = Connection::Open(url());
      if (!conn.ok()) {
        maintenance_errors[r] = conn.status().ToString();
        return;
      }
      while (writing.load()) {
        Result<LedgerMaintenance> m = MaintainLedger(*conn, schema(), kKeep, kAhead);
        if (!m.ok()) {
          maintenance_errors[r] = m.status().ToString();
          return;
        }
        ++passes;
        busy += m->busy;
        created += m->created;
        dropped += m->dropped;
      }
    });
  }
  // The fourth party: old days to drop (as a replica with a longer keep window would make them)
  // and days ahead dropped again (they hold no key), under the maintenance's advisory lock.
  std::atomic<int> churns{0};
  threads.emplace_back([&] {
    Result<Connection> conn = Connection::Open(url());
    if (!conn.ok()) return;
    while (writing.load()) {
      (void)MaintainLedger(*conn, schema(), std::chrono::hours(24 * 9), 0);
      // Today + 5 and + 6 (empty: no key is sent for them).
      Result<PgResult> stmt = conn->Query(
          "SELECT format('DROP TABLE IF EXISTS %I.%I, %I.%I', $1::text, 'sqs2pg_ledger_p' || "
          "to_char(d + 5, 'YYYYMMDD'), $1::text, 'sqs2pg_ledger_p' || to_char(d + 6, "
          "'YYYYMMDD')) FROM (SELECT (now() AT TIME ZONE 'UTC')::date AS d) t",
          {schema()});
      if (!stmt.ok()) continue;
      if (conn->Exec("BEGIN; SET LOCAL lock_timeout = '500ms'; "
                     "SELECT pg_advisory_xact_lock(126931101184103); " +
                     std::string(stmt->Get(0, 0)) + "; COMMIT")
              .ok()) {
        ++churns;
      } else if (conn->TransactionStatus() != PQTRANS_IDLE) {
        (void)conn->Exec("ROLLBACK");
      }
    }
  });
  for (int r = 0; r < kReplicas; ++r) threads[2 * r].join();
  writing = false;
  for (size_t t = 0; t < threads.size(); ++t) {
    if (t % 2 == 1 || t == threads.size() - 1) threads[t].join();
  }

  for (int r = 0; r < kReplicas; ++r) {
    EXPECT_EQ(commit_errors[r], "") << "replica " << r;
    EXPECT_EQ(maintenance_errors[r], "") << "replica " << r;
  }
  EXPECT_EQ(inserted.load(), kMessages);
  EXPECT_EQ(inserted.load() + duplicates.load(), kReplicas * kMessages);
  EXPECT_EQ(Scalar("SELECT count(*) FROM " + Table("events")), std::to_string(kMessages));
  EXPECT_EQ(Scalar("SELECT count(DISTINCT k) FROM " + Table("events")), std::to_string(kMessages));
  EXPECT_EQ(Scalar("SELECT count(*) FROM " + Table("sqs2pg_ledger")), std::to_string(kMessages));
  EXPECT_EQ(Scalar("SELECT count(*) FROM " + Table("sqs2pg_ledger_default")),
            std::to_string(kMessages / 10));  // the 2100 keys, never moved or pruned
  // The race really happened: the maintenance made and dropped days while the Sinks committed.
  EXPECT_GT(churns.load(), 0);
  EXPECT_GT(created.load(), 0);
  EXPECT_GT(dropped.load(), 0);
  std::printf("maintenance: %d passes, %d days made, %d dropped, %d steps busy; %d churns\n",
              passes.load(), created.load(), dropped.load(), busy.load(), churns.load());

  // One more pass, alone: the days are exactly today - 5 .. today + 6 and the DEFAULT partition.
  Result<LedgerMaintenance> last = MaintainLedger(admin(), schema(), kKeep, kAhead);
  ASSERT_TRUE(last.ok()) << last.status().ToString();
  EXPECT_EQ(last->busy, 0);
  EXPECT_EQ(Partitions(),
            Scalar("SELECT string_agg(p, ',' ORDER BY p) FROM (SELECT 'sqs2pg_ledger_default' AS p "
                   "UNION ALL SELECT 'sqs2pg_ledger_p' || to_char(d, 'YYYYMMDD') FROM "
                   "generate_series(((now() - '5 days'::interval) AT TIME ZONE 'UTC')::date, "
                   "(now() AT TIME ZONE 'UTC')::date + 6, '1 day') d) t"));
}

}  // namespace
}  // namespace sqs2pg::pg
