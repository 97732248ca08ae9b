#include "pg/schema.h"

#include "transform/convert/pg_type.h"

namespace sqs2pg::pg {
namespace {

Status ReadColumns(Connection& conn, const std::string& oid,
                   transform::mapping::TableShape* shape) {
  SQS2PG_ASSIGN_OR_RETURN(
      PgResult r,
      conn.Query("SELECT a.attname, t.typname, pg_catalog.format_type(a.atttypid, a.atttypmod), "
                 "a.atttypmod, a.attnotnull, a.atthasdef OR a.attidentity <> '' OR "
                 "a.attgenerated <> '', a.attgenerated <> '', a.attidentity = 'a' "
                 "FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type t ON t.oid = a.atttypid "
                 "WHERE a.attrelid = $1::oid AND a.attnum > 0 AND NOT a.attisdropped "
                 "ORDER BY a.attnum",
                 {oid}));
  for (int i = 0; i < r.rows(); ++i) {
    transform::mapping::TableColumn c;
    c.name = std::string(r.Get(i, 0));
    c.type = transform::PgColumnTypeFromCatalog(r.Get(i, 1), static_cast<int32_t>(r.GetInt(i, 3)));
    c.type_name = std::string(r.Get(i, 2));
    c.not_null = r.GetBool(i, 4);
    c.has_default = r.GetBool(i, 5);
    c.generated = r.GetBool(i, 6);
    c.identity_always = r.GetBool(i, 7);
    shape->columns.push_back(std::move(c));
  }
  return Status::Ok();
}

// The column sets of the primary key and of every valid, non-partial unique index on plain
// columns (what ON CONFLICT (columns) can name).
Status ReadUniqueKeys(Connection& conn, const std::string& oid,
                      transform::mapping::TableShape* shape) {
  SQS2PG_ASSIGN_OR_RETURN(
      PgResult r,
      conn.Query(
          "SELECT pg_catalog.array_to_string(pg_catalog.array_agg(a.attname ORDER BY "
          "k.ord), chr(31)) FROM pg_catalog.pg_index i CROSS JOIN LATERAL "
          "pg_catalog.unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord) "
          "JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum "
          "WHERE i.indrelid = $1::oid AND i.indisunique AND i.indisvalid AND i.indpred IS "
          "NULL AND i.indexprs IS NULL GROUP BY i.indexrelid ORDER BY i.indexrelid",
          {oid}));
  for (int i = 0; i < r.rows(); ++i) {
    std::vector<std::string> columns;
    std::string_view list = r.Get(i, 0);
    while (true) {
      size_t at = list.find('\x1f');
      columns.emplace_back(list.substr(0, at));
      if (at == std::string_view::npos) break;
      list.remove_prefix(at + 1);
    }
    shape->unique_keys.push_back(std::move(columns));
  }
  return Status::Ok();
}

}  // namespace

Result<TargetTable> DescribeTarget(Connection& conn, std::string_view table) {
  if (table.empty()) return InvalidArgumentError("the target table name is empty");
  std::string name(table);
  Result<PgResult> found = conn.Query(
      "SELECT c.oid::int8, n.nspname, c.relname, c.relkind, "
      "pg_catalog.format('%I.%I', n.nspname, c.relname), "
      "pg_catalog.has_table_privilege(c.oid, 'INSERT') "
      "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
      "WHERE c.oid = pg_catalog.to_regclass($1)",
      {name});
  if (!found.ok()) {
    if (conn.last_error().sqlstate.rfind("42", 0) == 0 ||
        conn.last_error().sqlstate == "0A000") {  // invalid name syntax, cross-database reference
      return InvalidArgumentError("invalid target table name \"" + name +
                                  "\" (expected name or schema.name)");
    }
    return found.status().WithContext("looking up table " + name);
  }
  if (found->rows() == 0) {
    std::string m = "table " + name + " does not exist";
    if (name.find('.') == std::string::npos) {
      Result<PgResult> path =
          conn.Query("SELECT pg_catalog.array_to_string(pg_catalog.current_schemas(false), ', ')");
      if (path.ok() && path->rows() == 1) {
        m += " (schemas searched: " + std::string(path->Get(0, 0)) + ")";
      }
    }
    return NotFoundError(std::move(m));
  }
  TargetTable out;
  std::string oid(found->Get(0, 0));
  out.schema = std::string(found->Get(0, 1));
  out.name = std::string(found->Get(0, 2));
  out.qualified = std::string(found->Get(0, 4));
  std::string display = out.schema + "." + out.name;
  std::string_view relkind = found->Get(0, 3);
  if (relkind != "r" && relkind != "p") {
    return FailedPreconditionError(display + " is not a table (relkind " + std::string(relkind) +
                                   ")");
  }
  if (!found->GetBool(0, 5)) {
    return PermissionDeniedError("the connecting role may not INSERT into table " + display);
  }
  out.partitioned = relkind == "p";
  out.shape.display_name = display;
  SQS2PG_RETURN_IF_ERROR(ReadColumns(conn, oid, &out.shape));
  SQS2PG_RETURN_IF_ERROR(ReadUniqueKeys(conn, oid, &out.shape));
  return out;
}

}  // namespace sqs2pg::pg
