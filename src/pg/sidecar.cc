#include "pg/sidecar.h"

#include <spdlog/spdlog.h>

#include "pg/ledger_pruner.h"
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

// Refuses sidecar objects (whatever sidecar.sql creates, found by name, any kind of relation and
// any overload of the functions; the ledger's day partitions by their name pattern) that neither
// the connecting role nor the schema's owner owns. In a schema where other roles may create
// objects, one of them could plant sqs2pg_ledger with a trigger, or an sqs2pg_mask, to run code as
// sqs2pg's role or to read what it writes. Roles that are members of the schema's owner
// (superusers; the database owner when the schema belongs to pg_database_owner) count as the owner:
// they can already replace anything in the schema.
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
          "AND (c.relname IN ('sqs2pg_ledger', 'sqs2pg_ledger_default', 'sqs2pg_rejects') "
          "OR c.relname ~ '^sqs2pg_ledger_p[0-9]{8}$') "
          "UNION ALL SELECT 'function ' || pg_catalog.quote_ident(p.proname) || '(' || "
          "pg_catalog.oidvectortypes(p.proargtypes) || ')', p.proowner "
          "FROM pg_catalog.pg_proc p WHERE p.pronamespace = n.oid "
          "AND p.proname IN ('sqs2pg_app_version_text', 'sqs2pg_mask', 'sqs2pg_ledger_maintain')) "
          "o "
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

Status CheckLedgerLayout(Connection& conn, const std::string& schema, bool must_exist) {
  SQS2PG_ASSIGN_OR_RETURN(
      PgResult r,
      conn.Query(
          "SELECT c.relkind::text, "
          "(SELECT pg_catalog.format_type(a.atttypid, a.atttypmod) FROM pg_catalog.pg_attribute a "
          "WHERE a.attrelid = c.oid AND a.attname = 'message_key' AND NOT a.attisdropped), "
          "(SELECT pg_catalog.string_agg(a.attname || ' ' || "
          "pg_catalog.format_type(a.atttypid, a.atttypmod), ', ' ORDER BY k.ord) "
          "FROM pg_catalog.pg_constraint k0 "
          "CROSS JOIN LATERAL pg_catalog.unnest(k0.conkey) WITH ORDINALITY AS k(attnum, ord) "
          "JOIN pg_catalog.pg_attribute a ON a.attrelid = k0.conrelid AND a.attnum = k.attnum "
          "WHERE k0.conrelid = c.oid AND k0.contype = 'p'), "
          "CASE WHEN c.relkind = 'p' THEN pg_catalog.pg_get_partkeydef(c.oid) END, "
          "EXISTS (SELECT 1 FROM pg_catalog.pg_partitioned_table t "
          "WHERE t.partrelid = c.oid AND t.partdefid <> 0), "
          "pg_catalog.to_char(pg_catalog.now() AT TIME ZONE 'UTC', 'YYYYMMDD') "
          "FROM pg_catalog.pg_class c "
          "WHERE c.oid = pg_catalog.to_regclass(pg_catalog.format('%I.sqs2pg_ledger', $1::text))",
          {schema}));
  const std::string table = schema + "." + kLedgerTable;
  if (r.rows() == 0) {
    if (!must_exist) return Status::Ok();
    return FailedPreconditionError("table " + table + " does not exist");
  }
  auto text = [&r](int column) { return r.IsNull(0, column) ? "" : std::string(r.Get(0, column)); };
  const std::string kind = text(0), key_type = text(1), key = text(2), partitioning = text(3);
  if (key_type != "uuid") {
    return FailedPreconditionError("table " + table +
                                   " exists but its message_key column is not a uuid; it was not "
                                   "created by this version of sqs2pg");
  }
  const bool id_alone = key == "message_key uuid";
  const bool sent_and_id = key == "sent_at timestamp with time zone, message_key uuid";
  if (kind == "r" && (id_alone || sent_and_id)) {
    // A pre-release ledger: no installed base to migrate, so it is moved aside by hand.
    return FailedPreconditionError(
        "table " + table + " has a pre-release layout (" +
        (id_alone ? "keyed on message_key alone" : "not partitioned") +
        "); this sqs2pg keeps its ledger range-partitioned by day on sent_at and does not "
        "migrate old ledgers. Keys in it no longer deduplicate, so move it aside once the queue "
        "holds no message it recorded (e.g. after a drain): ALTER TABLE " +
        QuoteIdent(schema) + "." + kLedgerTable + " RENAME TO sqs2pg_ledger_old_" + text(5) +
        "; then start sqs2pg again, which creates the new ledger");
  }
  if (kind != "p" || !sent_and_id || partitioning != "RANGE (sent_at)") {
    return FailedPreconditionError(
        "table " + table + " has primary key (" + key + ")" +
        (kind == "p" ? " and partitioning " + partitioning : std::string(", not partitioned")) +
        ", expected (sent_at timestamptz, message_key uuid) and RANGE (sent_at); it was not "
        "created by sqs2pg");
  }
  if (r.Get(0, 4) != "t") {
    return FailedPreconditionError("table " + table +
                                   " has no DEFAULT partition, so a key sent on a day without a "
                                   "partition could not be recorded; run src/pg/sidecar.sql");
  }
  return Status::Ok();
}

Status EnsureSidecarInSchema(Connection& conn, const std::string& schema) {
  // Before anything else: the DDL below must not run against planted objects either.
  SQS2PG_RETURN_IF_ERROR(CheckSidecarOwners(conn, schema));
  // An old ledger would make the DDL fail half-way (a DEFAULT partition of a plain table).
  SQS2PG_RETURN_IF_ERROR(CheckLedgerLayout(conn, schema, /*must_exist=*/false));
  SQS2PG_ASSIGN_OR_RETURN(bool complete, SidecarComplete(conn, schema));
  if (!complete) {
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
  SQS2PG_RETURN_IF_ERROR(CheckLedgerLayout(conn, schema, /*must_exist=*/true));
  // The days ahead (the script made them too, but a ledger made days ago may lack today's).
  Result<LedgerMaintenance> days = MaintainLedger(conn, schema, std::nullopt, kLedgerDaysAhead);
  if (!days.ok()) {
    if (conn.IsBroken()) return days.status();
    spdlog::warn("{}; keys go to {}.{} until partitions exist", days.status().message(), schema,
                 kLedgerDefaultPartition);
  }
  return Status::Ok();
}

Status EnsureSidecar(Connection& conn, const std::string& target_table) {
  SQS2PG_ASSIGN_OR_RETURN(
      PgResult r,
      conn.Query("SELECT n.nspname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n "
                 "ON n.oid = c.relnamespace WHERE c.oid = pg_catalog.to_regclass($1)",
                 {target_table}));
  if (r.rows() != 1) return NotFoundError("table " + target_table + " does not exist");
  return EnsureSidecarInSchema(conn, std::string(r.Get(0, 0)));
}

}  // namespace sqs2pg::pg
