// Connection: an owning RAII wrapper around one libpq PGconn; PgResult: an owning PGresult.
//
// Contract:
//  - Open() accepts a URI ("postgresql://...") or a key=value string; an empty string means libpq's
//    defaults, including the PG* environment variables. It sets fallback_application_name=sqs2pg,
//    client_encoding=UTF8 and, unless the string or PGCONNECT_TIMEOUT says otherwise,
//    connect_timeout=10. Server notices are discarded (they are never needed and may quote data).
//  - Errors are values (see pg/errors.h for the SQLSTATE mapping): a failed connect or a broken
//    connection is kUnavailable; messages never contain row values or the connection password.
//    After a failed call, last_error() holds the SQLSTATE for callers that branch on it.
//  - Query() sends text parameters (NUL-terminated std::strings) and returns text results.
//  - CopyIn() runs "COPY ... FROM STDIN" and streams `data` with PQputCopyData in 1 MiB chunks.
//  - Commit() ends a transaction and succeeds only when the server answers with the command tag
//    COMMIT. A transaction that had already failed (an error the caller did not see) is answered
//    PGRES_COMMAND_OK with the tag ROLLBACK: that is kUnavailable, because nothing was committed
//    and the whole transaction may be retried. A lost connection is kUnavailable too, with an
//    unknown outcome (callers make the retry safe, e.g. through the ledger).
//  - Ownership: Connection and PgResult are move-only and free their libpq objects.
//  - Thread-safety: a Connection must be used by one thread at a time.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "pg/conninfo_redact.h"  // RedactConninfo(), for messages naming the server
#include "pg/errors.h"

namespace sqs2pg::pg {

class PgResult {
 public:
  explicit PgResult(PGresult* result) : result_(result) {}
  PgResult(PgResult&& other) noexcept : result_(other.result_) { other.result_ = nullptr; }
  PgResult& operator=(PgResult&& other) noexcept;
  PgResult(const PgResult&) = delete;
  PgResult& operator=(const PgResult&) = delete;
  ~PgResult();

  int rows() const { return PQntuples(result_); }
  int columns() const { return PQnfields(result_); }
  bool IsNull(int row, int column) const { return PQgetisnull(result_, row, column) != 0; }
  // Text of a field; empty for NULL. Valid while this PgResult lives.
  std::string_view Get(int row, int column) const;
  // "t"/"f" booleans and integers in text format.
  bool GetBool(int row, int column) const { return Get(row, column) == "t"; }
  int64_t GetInt(int row, int column) const;
  const PGresult* get() const { return result_; }

 private:
  PGresult* result_;
};

class Connection {
 public:
  static Result<Connection> Open(const std::string& conninfo);

  Connection(Connection&& other) noexcept
      : conn_(other.conn_),
        last_error_(std::move(other.last_error_)),
        last_command_tag_(std::move(other.last_command_tag_)) {
    other.conn_ = nullptr;
  }
  Connection& operator=(Connection&& other) noexcept;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  // Runs one or more statements without parameters and discards any rows.
  Status Exec(std::string_view sql);
  // Runs one statement with text parameters ($1, $2, ...) and returns its rows.
  Result<PgResult> Query(const std::string& sql, const std::vector<std::string>& params = {});
  // Runs `copy_sql` (a COPY ... FROM STDIN statement) and sends `data` as its input.
  Status CopyIn(const std::string& copy_sql, std::string_view data);
  // Runs COMMIT and checks its command tag (see the contract above).
  Status Commit();

  // The command tag ("COPY 12", "COMMIT", "ROLLBACK") of the last statement that the last Exec()
  // or CopyIn() ran; empty after a failure and after Query().
  const std::string& last_command_tag() const { return last_command_tag_; }

  // True when the socket is gone; the caller should open a new Connection.
  bool IsBroken() const { return conn_ == nullptr || PQstatus(conn_) == CONNECTION_BAD; }
  // PQTRANS_IDLE, PQTRANS_INTRANS, PQTRANS_INERROR, PQTRANS_UNKNOWN (broken).
  PGTransactionStatusType TransactionStatus() const;
  const PgErrorInfo& last_error() const { return last_error_; }
  PGconn* raw() { return conn_; }

 private:
  explicit Connection(PGconn* conn) : conn_(conn) {}
  Status Fail(const PGresult* result, std::string_view operation);
  // Reads results until libpq has none left; returns the first error, if any.
  Status DrainResults(std::string_view operation);

  PGconn* conn_;
  PgErrorInfo last_error_;
  std::string last_command_tag_;
};

// Ok when `tag`, the command tag of a COMMIT (or of a script ending in COMMIT), says COMMIT;
// otherwise kUnavailable naming `operation` and the tag: the transaction was rolled back.
Status CheckCommitTag(std::string_view tag, std::string_view operation);

}  // namespace sqs2pg::pg
