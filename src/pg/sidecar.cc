#include "pg/sidecar.h"

#include "pg/sidecar_ddl.h"

namespace sqs2pg::pg {
namespace {

// True when every object the DDL would create is present.
Result<bool> SidecarComplete(Connection& conn, const std::string& schema) {
  SQS2PG_ASSIGN_OR_RETURN(
      PgResult r,
      conn.Query(
          "SELECT pg_catalog.to_regclass(pg_catalog.format('%I.sqs2pg_ledger', $1::text)) IS NOT "
          "NULL "
          "AND pg_catalog.to_regclass(pg_catalog.format('%I.sqs2pg_rejects', $1::text)) IS NOT "
          "NULL "
          "AND pg_catalog.to_regprocedure(pg_catalog.format("
          "'%I.sqs2pg_app_version_text(integer)', $1::text)) IS NOT NULL "
          "AND (NOT EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'pgcrypto') "
          "OR pg_catalog.to_regprocedure(pg_catalog.format("
          "'%I.sqs2pg_mask(bytea,text,text)', $1::text)) IS NOT NULL)",
          {schema}));
  return r.rows() == 1 && r.GetBool(0, 0);
}

// A ledger that exists (possibly a DBA's or an older one) must key on uuid. A missing ledger is
// fine unless `must_exist`.
Status CheckLedgerShape(Connection& conn, const std::string& schema, bool must_exist) {
  SQS2PG_ASSIGN_OR_RETURN(
      PgResult r,
      conn.Query(
          "SELECT pg_catalog.format_type(a.atttypid, a.atttypmod) "
          "FROM pg_catalog.pg_attribute a "
          "WHERE a.attrelid = pg_catalog.to_regclass(pg_catalog.format("
          "'%I.sqs2pg_ledger', $1::text)) AND a.attname = 'message_key' AND NOT a.attisdropped",
          {schema}));
  if (r.rows() == 0 && !must_exist) return Status::Ok();
  if (r.rows() != 1 || r.Get(0, 0) != "uuid") {
    return FailedPreconditionError("table " + schema +
                                   ".sqs2pg_ledger exists but its message_key column is not a "
                                   "uuid; it was not created by this version of sqs2pg");
  }
  return Status::Ok();
}

}  // namespace

Result<LedgerKeying> DescribeLedgerKeying(Connection& conn, const std::string& schema) {
  SQS2PG_ASSIGN_OR_RETURN(
      PgResult r,
      conn.Query(
          "SELECT pg_catalog.string_agg(a.attname || ' ' || "
          "pg_catalog.format_type(a.atttypid, a.atttypmod), ', ' ORDER BY k.ord) "
          "FROM pg_catalog.pg_constraint c "
          "CROSS JOIN LATERAL pg_catalog.unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord) "
          "JOIN pg_catalog.pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum "
          "WHERE c.conrelid = pg_catalog.to_regclass(pg_catalog.format("
          "'%I.sqs2pg_ledger', $1::text)) AND c.contype = 'p'",
          {schema}));
  const std::string key = r.rows() == 1 && !r.IsNull(0, 0) ? std::string(r.Get(0, 0)) : "";
  if (key == "sent_at timestamp with time zone, message_key uuid") {
    return LedgerKeying::kSentAtAndMessageId;
  }
  if (key == "message_key uuid") return LedgerKeying::kMessageIdOnly;
  return FailedPreconditionError(
      "table " + schema + ".sqs2pg_ledger has primary key (" + key +
      "), expected (sent_at timestamptz, message_key uuid) or (message_key uuid); it was not "
      "created by sqs2pg");
}

Result<LedgerKeying> EnsureSidecarInSchema(Connection& conn, const std::string& schema) {
  SQS2PG_ASSIGN_OR_RETURN(bool complete, SidecarComplete(conn, schema));
  if (!complete) {
    SQS2PG_RETURN_IF_ERROR(CheckLedgerShape(conn, schema, /*must_exist=*/false));
    Status created = conn.Exec(SidecarDdl(schema));
    if (!created.ok()) {
      if (conn.TransactionStatus() != PQTRANS_IDLE && !conn.IsBroken()) {
        (void)conn.Exec("ROLLBACK");
      }
      return created.WithContext("creating sqs2pg_ledger/sqs2pg_rejects in schema " + schema);
    }
    // The script ends in COMMIT: its tag says whether the objects were really created.
    SQS2PG_RETURN_IF_ERROR(CheckCommitTag(conn.last_command_tag(), "creating the sidecar objects"));
  }
  SQS2PG_RETURN_IF_ERROR(CheckLedgerShape(conn, schema, /*must_exist=*/true));
  return DescribeLedgerKeying(conn, schema);
}

Status EnsureSidecar(Connection& conn, const std::string& target_table) {
  SQS2PG_ASSIGN_OR_RETURN(
      PgResult r,
      conn.Query("SELECT n.nspname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n "
                 "ON n.oid = c.relnamespace WHERE c.oid = pg_catalog.to_regclass($1)",
                 {target_table}));
  if (r.rows() != 1) return NotFoundError("table " + target_table + " does not exist");
  return EnsureSidecarInSchema(conn, std::string(r.Get(0, 0))).status();
}

}  // namespace sqs2pg::pg
