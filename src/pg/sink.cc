#include "pg/sink.h"

#include <algorithm>
#include <map>
#include <string_view>

#include "pg/errors.h"
#include "pg/sidecar.h"
#include "pg/sidecar_ddl.h"
#include "pg/text_array.h"
#include "transform/convert/time_parse.h"

namespace sqs2pg::pg {
namespace {

constexpr int kMaxAttempts = 3;  // for deadlocks and serialization failures

bool IsTransientConflict(const PgErrorInfo& e) {
  return e.sqlstate == kDeadlockDetected || e.sqlstate == kSerializationFailure;
}

}  // namespace

Sink::Sink(std::string conninfo, Connection conn, TargetTable target, RowLayout layout)
    : conninfo_(std::move(conninfo)),
      conn_(std::move(conn)),
      target_(std::move(target)),
      layout_(std::move(layout)) {
  const std::string schema = QuoteIdent(target_.schema);
  const std::string ledger = schema + "." + kLedgerTable;
  const std::string key_columns = "sent_at, message_key";
  copy_ledger_sql_ = "COPY " + ledger + " (" + key_columns + ") FROM STDIN (FORMAT binary)";
  std::string columns;
  for (const std::string& c : layout_.columns) {
    if (!columns.empty()) columns += ", ";
    columns += QuoteIdent(c);
  }
  copy_rows_sql_ = "COPY " + target_.qualified + " (" + columns + ") FROM STDIN (FORMAT binary)";
  if (layout_.upsert) {
    copy_stage_rows_sql_ =
        "COPY pg_temp.sqs2pg_upsert_stage (" + columns + ", sqs2pg_ord) FROM STDIN (FORMAT binary)";
    std::string key;
    for (const std::string& k : layout_.key) {
      if (!key.empty()) key += ", ";
      key += QuoteIdent(k);
    }
    std::string set;
    for (const std::string& c : layout_.columns) {
      if (std::find(layout_.key.begin(), layout_.key.end(), c) != layout_.key.end()) continue;
      if (!set.empty()) set += ", ";
      set += QuoteIdent(c) + " = EXCLUDED." + QuoteIdent(c);
    }
    // One row per key (ON CONFLICT DO UPDATE may touch a row only once per statement): the
    // newest by order_by (NULL the oldest), then the latest message. Inserted in key order, so
    // writers lock keys in the same order.
    std::string newest =
        layout_.order_by ? QuoteIdent(*layout_.order_by) + " DESC NULLS LAST, " : std::string();
    merge_rows_sql_ = "INSERT INTO " + target_.qualified + " AS t (" + columns + ") SELECT " +
                      columns + " FROM (SELECT DISTINCT ON (" + key + ") * FROM " +
                      "pg_temp.sqs2pg_upsert_stage ORDER BY " + key + ", " + newest +
                      "sqs2pg_ord DESC) s ORDER BY " + key + " ON CONFLICT (" + key + ") DO ";
    if (set.empty()) {
      merge_rows_sql_ += "NOTHING";
    } else {
      merge_rows_sql_ += "UPDATE SET " + set;
      if (layout_.order_by) {
        const std::string ob = QuoteIdent(*layout_.order_by);
        // An older message never overwrites a newer row; NULL is older than any value.
        merge_rows_sql_ += " WHERE t." + ob + " IS NULL OR (EXCLUDED." + ob +
                           " IS NOT NULL AND t." + ob + " <= EXCLUDED." + ob + ")";
      }
    }
  }
  // ORDER BY: keys are locked in the same order by every writer (no deadlocks).
  slow_insert_sql_ = "WITH ins AS (INSERT INTO " + ledger + " (" + key_columns + ") SELECT " +
                     key_columns + " FROM pg_temp.sqs2pg_stage ORDER BY " + key_columns +
                     " ON CONFLICT DO NOTHING RETURNING " + key_columns +
                     ") SELECT s.idx FROM pg_temp.sqs2pg_stage s JOIN ins USING (" + key_columns +
                     ")";
  ResetCancelHandle();
  upsert_rejects_sql_ = "INSERT INTO " + schema + "." + kRejectsTable +
                        " AS r (message_id, reason, detail, receive_count) "
                        "SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[]) "
                        "ON CONFLICT (message_id) DO UPDATE SET last_rejected_at = now(), "
                        "times_seen = r.times_seen + 1, receive_count = EXCLUDED.receive_count, "
                        "reason = EXCLUDED.reason, detail = EXCLUDED.detail";
}

Result<std::unique_ptr<Sink>> Sink::Open(const std::string& conninfo, const std::string& table,
                                         RowLayout layout) {
  const std::string where =
      conninfo.empty() ? std::string("libpq defaults") : RedactConninfo(conninfo);
  Result<Connection> conn = Connection::Open(conninfo);
  if (!conn.ok()) return conn.status().WithContext("PostgreSQL at " + where);
  SQS2PG_ASSIGN_OR_RETURN(TargetTable target, DescribeTarget(*conn, table));
  SQS2PG_RETURN_IF_ERROR(EnsureSidecarInSchema(*conn, target.schema));
  if (layout.columns.empty()) return InvalidArgumentError("the row layout names no column");
  std::optional<TimeKeyField> time_key;
  if (target.partitioned) {
    SQS2PG_ASSIGN_OR_RETURN(PartitionKey key, ReadPartitionKey(*conn, target.qualified));
    auto at = std::find(layout.columns.begin(), layout.columns.end(), key.column);
    if (key.time_type && at != layout.columns.end()) {
      time_key = TimeKeyField{static_cast<size_t>(at - layout.columns.begin()), *key.time_type,
                              key.column};
    }
  }
  std::unique_ptr<Sink> sink(
      new Sink(conninfo, std::move(conn).value(), std::move(target), std::move(layout)));
  sink->time_key_ = std::move(time_key);
  return sink;
}

Sink::~Sink() {
  std::lock_guard<std::mutex> lock(cancel_mu_);
  if (cancel_ != nullptr) PQfreeCancel(cancel_);
}

void Sink::ResetCancelHandle() {
  std::lock_guard<std::mutex> lock(cancel_mu_);
  if (cancel_ != nullptr) PQfreeCancel(cancel_);
  cancel_ = conn_ && !conn_->IsBroken() ? PQgetCancel(conn_->raw()) : nullptr;
}

void Sink::CancelCurrentQuery() {
  std::lock_guard<std::mutex> lock(cancel_mu_);
  if (cancel_ == nullptr) return;
  char error[256];
  (void)PQcancel(cancel_, error, sizeof(error));  // best effort; the error text is not needed
}

Status Sink::Reconnect() {
  stage_ready_ = false;
  upsert_stage_ready_ = false;
  conn_.reset();  // close first: a half-dead session must not hold locks while we wait
  ResetCancelHandle();
  Result<Connection> conn = Connection::Open(conninfo_);
  if (!conn.ok()) {
    return conn.status().WithContext(
        "PostgreSQL at " + (conninfo_.empty() ? "libpq defaults" : RedactConninfo(conninfo_)));
  }
  conn_.emplace(std::move(conn).value());
  ResetCancelHandle();
  return Status::Ok();
}

Status Sink::Ping() {
  if (!conn_.has_value()) return UnavailableError("not connected to PostgreSQL");
  return conn_->Exec("SELECT 1");
}

void Sink::RollbackQuietly() {
  if (conn_.has_value() && !conn_->IsBroken() && conn_->TransactionStatus() != PQTRANS_IDLE) {
    (void)conn_->Exec("ROLLBACK");
  }
}

void Sink::PrepareKeys(const std::vector<PendingRow>& rows, BatchOutcome* outcome) {
  keys_.clear();
  keys_.reserve(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    keys_.push_back(
        {PgTimestampFromUnixMillis(rows[i].sent_timestamp_ms), MessageKey(rows[i].message_id), i});
  }
  // Stable: the first occurrence of a repeated message is the one kept.
  std::stable_sort(keys_.begin(), keys_.end());
  size_t kept = 0;
  for (size_t i = 0; i < keys_.size(); ++i) {
    if (kept > 0 && keys_[kept - 1].SameMessage(keys_[i])) {
      ++outcome->duplicates;
      outcome->duplicate_ids.push_back(rows[keys_[i].index].message_id);
      continue;
    }
    keys_[kept++] = keys_[i];
  }
  keys_.resize(kept);
}

void Sink::PrepareRejects(const std::vector<RejectRecord>& rejects) {
  reject_params_.clear();
  if (rejects.empty()) return;
  reject_params_.assign(4, "{");
  // One entry per message id (the last wins), sorted: ON CONFLICT DO UPDATE may touch a row only
  // once per statement, and a fixed order avoids deadlocks between writers.
  std::map<std::string, const RejectRecord*> unique;
  for (const RejectRecord& r : rejects) unique[StorableText(r.message_id)] = &r;
  bool first = true;
  for (const auto& [id, r] : unique) {
    if (!first) {
      for (std::string& p : reject_params_) p += ',';
    }
    first = false;
    AppendArrayElement(&reject_params_[0], id);
    AppendArrayElement(&reject_params_[1], StorableText(r->reason));
    if (r->detail.empty()) {
      AppendArrayElement(&reject_params_[2], std::nullopt);
    } else {
      AppendArrayElement(&reject_params_[2], StorableText(r->detail));
    }
    reject_params_[3] += std::to_string(r->receive_count);
  }
  for (std::string& p : reject_params_) p += '}';
}

Status Sink::UpsertRejects() {
  if (reject_params_.empty()) return Status::Ok();
  Result<PgResult> r = conn_->Query(upsert_rejects_sql_, reject_params_);
  if (!r.ok()) return r.status().WithContext("recording rejects");
  return Status::Ok();
}

Status Sink::EnsureUpsertStage() {
  if (upsert_stage_ready_) return Status::Ok();
  std::string columns;
  for (const std::string& c : layout_.columns) {
    if (!columns.empty()) columns += ", ";
    columns += QuoteIdent(c);
  }
  // The target's column types, none of its constraints; emptied by every commit.
  SQS2PG_RETURN_IF_ERROR(conn_->Exec(
      "CREATE TEMP TABLE IF NOT EXISTS sqs2pg_upsert_stage ON COMMIT DELETE ROWS AS SELECT " +
      columns + ", 0::int4 AS sqs2pg_ord FROM " + target_.qualified + " WITH NO DATA"));
  upsert_stage_ready_ = true;
  return Status::Ok();
}

Status Sink::UpsertRows(const std::vector<PendingRow>& rows) {
  // The ordinal says which of two messages with one key is the later: SentTimestamp, then id.
  merge_order_ = copied_rows_;
  std::sort(merge_order_.begin(), merge_order_.end(), [&rows](size_t a, size_t b) {
    if (rows[a].sent_timestamp_ms != rows[b].sent_timestamp_ms) {
      return rows[a].sent_timestamp_ms < rows[b].sent_timestamp_ms;
    }
    return rows[a].message_id < rows[b].message_id;
  });
  const auto fields = static_cast<int16_t>(layout_.columns.size());
  encoder_.Begin();
  for (size_t i = 0; i < merge_order_.size(); ++i) {
    encoder_.AppendTuple(fields, rows[merge_order_[i]].fields, static_cast<int32_t>(i));
  }
  encoder_.Finish();
  Status s = conn_->CopyIn(copy_stage_rows_sql_, encoder_.data());
  if (!s.ok()) {
    const std::optional<int64_t>& line = conn_->last_error().copy_line;
    if (s.code() == StatusCode::kInvalidArgument && line.has_value() && *line >= 1 &&
        static_cast<size_t>(*line) <= merge_order_.size()) {
      last_failed_row_ = merge_order_[static_cast<size_t>(*line) - 1];
    }
    return s.WithContext("staging rows for " + target_.schema + "." + target_.name);
  }
  Result<PgResult> merged = conn_->Query(merge_rows_sql_);
  if (!merged.ok()) {
    // The merge does not say which row; with one row, it is that one.
    if (merged.status().code() == StatusCode::kInvalidArgument && merge_order_.size() == 1) {
      last_failed_row_ = merge_order_[0];
    }
    return merged.status().WithContext("merging rows into " + target_.schema + "." + target_.name);
  }
  return Status::Ok();
}

Status Sink::CopyRows(const std::vector<PendingRow>& rows) {
  if (copied_rows_.empty()) return Status::Ok();
  if (layout_.upsert) return UpsertRows(rows);
  const auto fields = static_cast<int16_t>(layout_.columns.size());
  encoder_.Begin();
  for (size_t index : copied_rows_) encoder_.AppendTuple(fields, rows[index].fields);
  encoder_.Finish();
  Status s = conn_->CopyIn(copy_rows_sql_, encoder_.data());
  if (!s.ok()) {
    const std::optional<int64_t>& line = conn_->last_error().copy_line;
    if (s.code() == StatusCode::kInvalidArgument && line.has_value() &&
        static_cast<size_t>(*line) <= copied_rows_.size()) {
      last_failed_row_ = copied_rows_[static_cast<size_t>(*line) - 1];
    }
    return s.WithContext("copying rows into " + target_.schema + "." + target_.name);
  }
  return Status::Ok();
}

Status Sink::FastPath(const std::vector<PendingRow>& rows, Stage* failed_at) {
  *failed_at = Stage::kNone;
  SQS2PG_RETURN_IF_ERROR(conn_->Exec("BEGIN"));
  if (!keys_.empty()) {
    encoder_.Begin();
    for (const KeyedRow& k : keys_) encoder_.AppendTimedLedgerKey(k.sent_at, k.key);
    encoder_.Finish();
    Status s = conn_->CopyIn(copy_ledger_sql_, encoder_.data());
    if (!s.ok()) {
      *failed_at = Stage::kLedger;
      return s.WithContext("recording message keys");
    }
  }
  // Rows go in the caller's order (tables are often clustered by arrival).
  copied_rows_.clear();
  for (const KeyedRow& k : keys_) copied_rows_.push_back(k.index);
  std::sort(copied_rows_.begin(), copied_rows_.end());
  SQS2PG_RETURN_IF_ERROR(CopyRows(rows));
  SQS2PG_RETURN_IF_ERROR(UpsertRejects());
  return conn_->Commit();
}

Status Sink::EnsureStage() {
  if (stage_ready_) return Status::Ok();
  SQS2PG_RETURN_IF_ERROR(
      conn_->Exec("CREATE TEMP TABLE IF NOT EXISTS sqs2pg_stage (idx int4 NOT NULL, "
                  "sent_at timestamptz NOT NULL, message_key uuid NOT NULL) "
                  "ON COMMIT DELETE ROWS"));
  stage_ready_ = true;
  return Status::Ok();
}

Status Sink::SlowPath(const std::vector<PendingRow>& rows, BatchOutcome* outcome,
                      Stage* failed_at) {
  *failed_at = Stage::kNone;
  SQS2PG_RETURN_IF_ERROR(EnsureStage());
  SQS2PG_RETURN_IF_ERROR(conn_->Exec("BEGIN"));
  encoder_.Begin();
  for (const KeyedRow& k : keys_) {
    encoder_.AppendStagedKey(static_cast<int32_t>(k.index), k.sent_at, k.key);
  }
  encoder_.Finish();
  Status staged = conn_->CopyIn(
      "COPY pg_temp.sqs2pg_stage (idx, sent_at, message_key) FROM STDIN (FORMAT binary)",
      encoder_.data());
  if (!staged.ok()) return staged.WithContext("staging message keys");
  Result<PgResult> fresh = conn_->Query(slow_insert_sql_);
  if (!fresh.ok()) {
    *failed_at = Stage::kLedger;
    return fresh.status().WithContext("recording message keys");
  }
  copied_rows_.clear();
  for (int i = 0; i < fresh->rows(); ++i) {
    copied_rows_.push_back(static_cast<size_t>(fresh->GetInt(i, 0)));
  }
  std::sort(copied_rows_.begin(), copied_rows_.end());
  // Every kept key that did not come back was committed before: a redelivery.
  for (const KeyedRow& k : keys_) {
    if (!std::binary_search(copied_rows_.begin(), copied_rows_.end(), k.index)) {
      ++outcome->duplicates;
      outcome->duplicate_ids.push_back(rows[k.index].message_id);
    }
  }
  SQS2PG_RETURN_IF_ERROR(CopyRows(rows));
  SQS2PG_RETURN_IF_ERROR(UpsertRejects());
  return conn_->Commit();
}

Result<BatchOutcome> Sink::WriteBatch(const std::vector<PendingRow>& rows,
                                      const std::vector<RejectRecord>& rejects) {
  last_failed_row_.reset();
  if (rows.empty() && rejects.empty()) return BatchOutcome{};
  if (!conn_.has_value() || conn_->IsBroken()) {
    return UnavailableError("PostgreSQL connection is broken; reconnect");
  }
  // Outside the batch's transaction, so that a rollback cannot take the stage away.
  if (layout_.upsert && !rows.empty()) {
    Status staged = EnsureUpsertStage();
    if (!staged.ok()) {
      if (conn_->IsBroken()) return UnavailableError(staged.message());
      return staged.WithContext("creating the upsert stage");
    }
  }
  BatchOutcome in_batch;
  PrepareKeys(rows, &in_batch);
  PrepareRejects(rejects);

  // Redeliveries come in bursts (after a crash, a visibility timeout): after a batch that had
  // some, go straight to the slow path until a batch has none.
  bool fast = !prefer_slow_path_;
  Status status;
  bool attached_meanwhile = false;
  PgErrorInfo error;
  for (int attempt = 1; attempt <= kMaxAttempts; ++attempt) {
    BatchOutcome outcome = in_batch;
    Stage failed_at = Stage::kNone;
    status = fast ? FastPath(rows, &failed_at) : SlowPath(rows, &outcome, &failed_at);
    if (status.ok()) {
      outcome.inserted = static_cast<int>(copied_rows_.size());
      prefer_slow_path_ = !fast && outcome.duplicates > in_batch.duplicates;
      return outcome;
    }
    error = conn_->last_error();  // ROLLBACK below resets last_error()
    RollbackQuietly();
    if (fast && failed_at == Stage::kLedger && error.sqlstate == kUniqueViolation) {
      fast = false;  // a redelivered message: redo this batch through the stage
      --attempt;     // not a failed attempt
      continue;
    }
    // The ledger's only CHECK is its DEFAULT partition's constraint: a key routed there by a plan
    // made before a day partition was attached (ATTACH PARTITION lets writers go on) breaks it.
    // The next transaction sees the new partition and routes the key there.
    attached_meanwhile = failed_at == Stage::kLedger && error.sqlstate == kCheckViolation;
    if (!(IsTransientConflict(error) || attached_meanwhile) || conn_->IsBroken()) break;
  }
  // A failed COMMIT on a broken connection has an unknown outcome; the ledger makes the retry
  // safe (the rows come back as duplicates if it did commit).
  // Likewise a ledger still being re-partitioned: not a row the database refuses.
  if ((conn_->IsBroken() || attached_meanwhile) && status.code() != StatusCode::kUnavailable) {
    return UnavailableError(status.message());
  }
  if (status.code() == StatusCode::kInvalidArgument && error.sqlstate == kCheckViolation &&
      error.constraint.empty() && last_failed_row_.has_value() && *last_failed_row_ < rows.size()) {
    if (std::optional<Status> named = MissingPartition(rows[*last_failed_row_], error)) {
      return named->WithContext("writing batch");
    }
  }
  return status.WithContext("writing batch");
}

std::optional<Status> Sink::MissingPartition(const PendingRow& row, const PgErrorInfo& error) {
  // The server names the partitioned table that found no partition: the target, or one of its
  // partitions that is partitioned in turn (by a key of its own, which is not described here).
  if (!time_key_ || error.schema != target_.schema || error.table != target_.name) {
    return std::nullopt;
  }
  std::optional<int64_t> value = KeyValueMicros(row.fields, time_key_->index, time_key_->type);
  if (!value) return std::nullopt;  // NULL or infinite: no day to name
  // Also a row that fits the DEFAULT partition's constraint no more (a partition attached
  // meanwhile) is a 23514 without a constraint: only the catalog tells them apart.
  Result<Partitions> partitions = ReadPartitions(*conn_, target_.qualified);
  if (!partitions.ok() || Covers(partitions->ranges, *value)) return std::nullopt;
  return InvalidArgumentError("table " + target_.schema + "." + target_.name +
                              " has no partition for " + time_key_->column + " in " +
                              DayRangeText(time_key_->type, transform::UnixDaysFromMicros(*value)) +
                              " (SQLSTATE " + std::string(kCheckViolation) + ")");
}

}  // namespace sqs2pg::pg
