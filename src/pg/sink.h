// Sink: the exactly-once writer of mapped rows (and reject records) into PostgreSQL.
//
// Contract:
//  - Open() connects, finds the target table (pg/schema.h) and ensures the sidecar objects
//    (pg/sidecar.h). Rows are written to the columns of the RowLayout, in its order (COPY names
//    them, so the table's defaults, identity and generated columns fill the rest). The
//    conninfo's password never appears in a returned message.
//  - Upsert (RowLayout::upsert): the batch's new rows are copied into a temporary stage, reduced
//    to one per key (the greatest order_by value, NULL being the oldest; then the latest message:
//    SentTimestamp, then message id) and merged with INSERT ... ON CONFLICT (key) DO UPDATE of
//    every other column, where with order_by a stored row with a newer value is left unchanged.
//    In the same transaction as the ledger keys, so a redelivery has one effect.
//  - WriteBatch() commits, in ONE transaction, a ledger key per new message, its row, and the
//    reject records. A message is identified by its SentTimestamp and its id as a uuid
//    (pg/message_key.h); the ledger is partitioned by day on the former (pg/sidecar.h), and a
//    key for a day without a partition goes to its DEFAULT partition. A message already in
//    sqs2pg_ledger, or repeated within the batch, is a duplicate: its row is not inserted; it is
//    counted in `duplicates` and listed in `duplicate_ids`. Either everything is committed or
//    nothing is.
//  - Exactly once under concurrency: several Sinks (processes) may write the same message id at
//    the same time; the ledger's primary key lets exactly one commit it. Keys are written in
//    sorted order so concurrent writers cannot deadlock on them. Sent-time-ordered keys make each
//    insert land at the right edge of the index, so the cost does not grow with the ledger.
//  - Speed: the fast path COPYs (binary) the keys into the ledger and the rows into the target.
//    Only when that hits a key already present (23505, a redelivery) is the batch rolled back and
//    redone through a temp stage with INSERT ... ON CONFLICT DO NOTHING RETURNING, so the
//    stage-and-anti-join cost is paid only by batches that contain redeliveries. Redeliveries
//    come in bursts, so after such a batch the next ones start on the slow path until one has no
//    redelivery.
//  - Errors: kUnavailable when the connection broke or the server is shutting down, on
//    deadlock/serialization failures (or ledger keys refused by a day partition attached meanwhile,
//    see WriteBatch) that persisted over 3 attempts, or when the server answered
//    the COMMIT with ROLLBACK (Connection::Commit(): the transaction had failed, nothing was
//    committed). Then call Reconnect() and retry the same batch: the ledger makes a retry after
//    an unknown COMMIT outcome safe. WriteBatch() succeeds only after a COMMIT the server
//    confirmed, so a caller never deletes messages whose rows were rolled back. kInvalidArgument
//    when the database refused a row (constraint, CHECK, type limit): retrying fails again;
//    last_failed_row() then tells which row, when the server said so. Messages hold SQLSTATEs
//    and object names, never row values. One exception, a row that fits no partition of a target
//    partitioned by range on one date or timestamp column (23514, pg/partitions.h): when the
//    catalog confirms that no partition holds its key, the message names the table and the UTC
//    day it needs as partition bounds ("table public.user_logins has no partition for create_date
//    in [2026-12-06, 2026-12-07)"); the key's value itself and other columns never appear.
//  - Rejects: upserted into sqs2pg_rejects by message_id (times_seen counts repeats; the latest
//    reason, detail and receive_count win). Text is made storable (pg/text_array.h).
//  - Ownership: a Sink owns its connection. Thread-safety: none, except CancelCurrentQuery();
//    one Sink per writer thread.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "pg/connection.h"
#include "pg/copy_binary.h"
#include "pg/message_key.h"
#include "pg/partitions.h"
#include "pg/schema.h"
#include "pg/sidecar.h"

namespace sqs2pg::pg {

struct PendingRow {
  std::string message_id;
  // SQS's SentTimestamp as sent (Unix ms), the same on every delivery; 0 when the server sent
  // none (then every message of that server shares it, and the id alone tells them apart).
  int64_t sent_timestamp_ms = 0;
  // The row's binary COPY fields, one per RowLayout column (RowTransformer's output).
  std::string fields;
};

// Which columns the rows fill, and how they are written.
struct RowLayout {
  std::vector<std::string> columns;  // the COPY column list: each row's fields, in order
  bool upsert = false;
  std::vector<std::string> key;         // upsert: the conflict target
  std::optional<std::string> order_by;  // upsert: newer rows win
};

struct RejectRecord {
  std::string message_id;
  std::string reason;
  std::string detail;  // empty is stored as NULL
  int receive_count = 0;
};

struct BatchOutcome {
  int inserted = 0;
  int duplicates = 0;
  std::vector<std::string> duplicate_ids;
};

class Sink {
 public:
  static Result<std::unique_ptr<Sink>> Open(const std::string& conninfo, const std::string& table,
                                            RowLayout layout);

  Sink(const Sink&) = delete;
  Sink& operator=(const Sink&) = delete;

  const TargetTable& target() const { return target_; }

  Result<BatchOutcome> WriteBatch(const std::vector<PendingRow>& rows,
                                  const std::vector<RejectRecord>& rejects);

  // After WriteBatch failed with kInvalidArgument: the index in `rows` of the row the database
  // refused, if it could be identified (from the COPY's tuple number).
  std::optional<size_t> last_failed_row() const { return last_failed_row_; }

  // Replaces the connection with a new one (the old one is closed).
  Status Reconnect();
  // Asks the server to cancel the statement in progress, if any (PQcancel): the WriteBatch() in
  // progress then fails and its transaction rolls back. Safe to call from any thread, at any time;
  // best effort. Used to bound shutdown when the database is slow.
  void CancelCurrentQuery();
  ~Sink();
  // A round trip; kUnavailable when the server cannot be reached.
  Status Ping();

 private:
  struct KeyedRow {
    int64_t sent_at;  // PostgreSQL timestamp
    MessageKeyBytes key;
    size_t index;  // into the caller's rows
    bool SameMessage(const KeyedRow& o) const { return sent_at == o.sent_at && key == o.key; }
    bool operator<(const KeyedRow& o) const {
      return sent_at != o.sent_at ? sent_at < o.sent_at : key < o.key;
    }
  };
  enum class Stage { kNone, kLedger };

  Sink(std::string conninfo, Connection conn, TargetTable target, RowLayout layout);
  void ResetCancelHandle();

  // Computes keys, drops in-batch repeats (recorded in `outcome`), sorts keys_ by key.
  void PrepareKeys(const std::vector<PendingRow>& rows, BatchOutcome* outcome);
  void PrepareRejects(const std::vector<RejectRecord>& rejects);
  Status FastPath(const std::vector<PendingRow>& rows, Stage* failed_at);
  Status SlowPath(const std::vector<PendingRow>& rows, BatchOutcome* outcome, Stage* failed_at);
  Status CopyRows(const std::vector<PendingRow>& rows);
  // Upsert: COPY into the stage, then the merge.
  Status UpsertRows(const std::vector<PendingRow>& rows);
  Status EnsureUpsertStage();
  Status UpsertRejects();
  // After a 23514 on `row`: the message naming the range its time key needs, if the catalog
  // confirms that no partition holds it (see the contract); nullopt otherwise.
  std::optional<Status> MissingPartition(const PendingRow& row, const PgErrorInfo& error);
  Status EnsureStage();
  void RollbackQuietly();

  std::string conninfo_;
  std::optional<Connection> conn_;
  TargetTable target_;
  RowLayout layout_;
  std::string copy_stage_rows_sql_;
  std::string merge_rows_sql_;
  bool upsert_stage_ready_ = false;
  std::vector<size_t> merge_order_;  // scratch: copied rows by (SentTimestamp, message id)
  std::string copy_ledger_sql_;
  std::string copy_rows_sql_;
  std::string slow_insert_sql_;
  std::string upsert_rejects_sql_;
  bool stage_ready_ = false;
  bool prefer_slow_path_ = false;  // the last batch held redelivered ids
  // A time partition key that the rows fill: RowLayout field index, type and column name.
  struct TimeKeyField {
    size_t index;
    TimeKeyType type;
    std::string column;
  };
  std::optional<TimeKeyField> time_key_;

  // Per-batch scratch, kept to reuse capacity.
  CopyBinaryEncoder encoder_;
  std::vector<KeyedRow> keys_;
  std::vector<size_t> copied_rows_;  // COPY tuple n (1-based) is rows[copied_rows_[n - 1]]
  std::vector<std::string> reject_params_;
  std::optional<size_t> last_failed_row_;

  std::mutex cancel_mu_;
  PGcancel* cancel_ = nullptr;  // of conn_; guarded by cancel_mu_
};

}  // namespace sqs2pg::pg
