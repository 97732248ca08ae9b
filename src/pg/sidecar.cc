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

// Refuses sidecar objects (whatever sidecar.sql creates, found by name, any kind of relation and
// any overload of the functions) that neither the connecting role nor the schema's owner owns. In
// a schema where other roles may create objects, one of them could plant sqs2pg_ledger with a
// trigger, or an sqs2pg_mask, to run code as sqs2pg's role or to read what it writes. Roles that
// are members of the schema's owner (superusers; the database owner when the schema belongs to
// pg_database_owner) count as the owner: they can already replace anything in the schema.
Status CheckSidecarOwners(Connection& conn, const std::string& schema) {
  SQS2PG_ASSIGN_OR_RETURN(
      PgResult r,
      conn.Query(
          "SELECT o.what, pg_catalog.pg_get_userbyid(o.owner), "
          "pg_catalog.pg_get_userbyid(n.nspowner), current_user "
          "FROM pg_catalog.pg_namespace n CROSS JOIN LATERAL ("
          "SELECT CASE WHEN c.relkind IN ('r', 'p') THEN 'table' "
          "WHEN c.relkind IN ('i', 'I') THEN 'index' WHEN c.relkind IN ('v', 'm') THEN 'view' "
          "ELSE 'relation' END || ' ' || pg_catalog.quote_ident(c.relname) AS what, "
          "c.relowner AS owner FROM pg_catalog.pg_class c WHERE c.relnamespace = n.oid "
          "AND c.relname IN ('sqs2pg_ledger', 'sqs2pg_rejects', 'sqs2pg_ledger_committed_at') "
          "UNION ALL SELECT 'function ' || pg_catalog.quote_ident(p.proname) || '(' || "
          "pg_catalog.oidvectortypes(p.proargtypes) || ')', p.proowner "
          "FROM pg_catalog.pg_proc p WHERE p.pronamespace = n.oid "
          "AND p.proname IN ('sqs2pg_app_version_text', 'sqs2pg_mask')) o "
          "WHERE n.nspname = $1 "
          "AND o.owner <> (SELECT r.oid FROM pg_catalog.pg_roles r WHERE r.rolname = current_user) "
          "AND NOT pg_catalog.pg_has_role(o.owner, n.nspowner, 'MEMBER') "
          "ORDER BY 1",
          {schema}));
  if (r.rows() == 0) return Status::Ok();
  std::string objects;
  for (int i = 0; i < r.rows(); ++i) {
    if (i > 0) objects += ", ";
    objects += std::string(r.Get(i, 0)) + " (owner " + std::string(r.Get(i, 1)) + ")";
  }
  return FailedPreconditionError(
      "sidecar objects in schema " + schema + " are owned neither by the connecting role (" +
      std::string(r.Get(0, 3)) + ") nor by the schema's owner (" + std::string(r.Get(0, 2)) +
      "): " + objects +
      "; a role that may create objects in the schema could have planted them to run code as "
      "sqs2pg's role or read what it writes. Drop them, or, if they are trusted, have the "
      "schema's owner take them over (ALTER ... OWNER TO)");
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
  // Before anything else: the DDL below must not run against planted objects either.
  SQS2PG_RETURN_IF_ERROR(CheckSidecarOwners(conn, schema));
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
    // Another role may have created some of them meanwhile (IF NOT EXISTS then kept its own).
    SQS2PG_RETURN_IF_ERROR(CheckSidecarOwners(conn, schema));
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
