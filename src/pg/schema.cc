#include "pg/schema.h"

#include <algorithm>
#include <iterator>
#include <map>
#include <vector>

namespace sqs2pg::pg {
namespace {

// pg_type OIDs of the built-in types the target may use.
constexpr int64_t kInt8Oid = 20;
constexpr int64_t kInt4Oid = 23;
constexpr int64_t kTextOid = 25;
constexpr int64_t kVarcharOid = 1043;
constexpr int64_t kDateOid = 1082;

constexpr int kMaskChars = 64;  // lower-case hex of an HMAC-SHA256

constexpr const char* kTextTypes = "text or character varying[(n)]";

struct Column {
  std::string type_name;  // format_type(), e.g. "character varying(32)"
  int64_t type_oid = 0;
  int typmod = -1;
  bool not_null = false;
  bool has_default = false;  // a DEFAULT, an identity or a generated column
  bool generated = false;
};

// Max characters of a text/varchar column (-1 = unbounded), or -2 when the type is not text-like.
int TextMaxChars(const Column& c) {
  if (c.type_oid == kTextOid) return -1;
  if (c.type_oid == kVarcharOid) return c.typmod < 0 ? -1 : c.typmod - 4;  // typmod = n + VARHDRSZ
  return -2;
}

std::string WrongType(std::string_view column, const Column& c, std::string_view allowed) {
  std::string m = "column ";
  m += column;
  m += " has type ";
  m += c.type_name;
  m += " (allowed: ";
  m += allowed;
  m += ")";
  return m;
}

Result<std::map<std::string, Column>> ReadColumns(Connection& conn, const std::string& oid) {
  SQS2PG_ASSIGN_OR_RETURN(
      PgResult r,
      conn.Query("SELECT a.attname, a.atttypid::int8, pg_catalog.format_type(a.atttypid, "
                 "a.atttypmod), a.atttypmod, a.attnotnull, a.atthasdef OR a.attidentity <> '', "
                 "a.attgenerated <> '' FROM pg_catalog.pg_attribute a WHERE a.attrelid = $1::oid "
                 "AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
                 {oid}));
  std::map<std::string, Column> columns;
  for (int i = 0; i < r.rows(); ++i) {
    Column c;
    c.type_oid = r.GetInt(i, 1);
    c.type_name = std::string(r.Get(i, 2));
    c.typmod = static_cast<int>(r.GetInt(i, 3));
    c.not_null = r.GetBool(i, 4);
    c.has_default = r.GetBool(i, 5) || r.GetBool(i, 6);
    c.generated = r.GetBool(i, 6);
    columns.emplace(std::string(r.Get(i, 0)), std::move(c));
  }
  return columns;
}

using Columns = std::map<std::string, Column>;
using Problems = std::vector<std::string>;

constexpr std::string_view kRequired[] = {"user_id",          "device_type", "masked_ip",
                                          "masked_device_id", "locale",      "app_version",
                                          "create_date"};

bool IsRequired(std::string_view name) {
  return std::find(std::begin(kRequired), std::end(kRequired), name) != std::end(kRequired);
}

// Appends `name` to a comma-separated list.
void AddToList(std::string* list, std::string_view name) {
  if (!list->empty()) *list += ", ";
  list->append(name);
}

void CheckMissing(const Columns& columns, Problems* problems) {
  std::string missing;
  for (std::string_view name : kRequired) {
    if (columns.count(std::string(name)) == 0) AddToList(&missing, name);
  }
  if (!missing.empty()) problems->push_back("missing column(s): " + missing);
}

void CheckTextColumns(const Columns& columns, transform::TargetColumns* tc, Problems* problems) {
  const std::pair<std::string_view, int*> text_columns[] = {
      {"user_id", &tc->user_id_max_chars},
      {"device_type", &tc->device_type_max_chars},
      {"masked_ip", &tc->masked_ip_max_chars},
      {"masked_device_id", &tc->masked_device_id_max_chars},
      {"locale", &tc->locale_max_chars}};
  for (const auto& [name, max_chars] : text_columns) {
    auto it = columns.find(std::string(name));
    if (it == columns.end()) continue;
    int max = TextMaxChars(it->second);
    if (max == -2) {
      problems->push_back(WrongType(name, it->second, kTextTypes));
      continue;
    }
    *max_chars = max;
    if (name.rfind("masked_", 0) == 0 && max >= 0 && max < kMaskChars) {
      problems->push_back("column " + std::string(name) + " is " + it->second.type_name +
                          ", too short for the 64-character masks (needs varchar(64) or wider, "
                          "or text)");
    }
  }
  if (auto it = columns.find("locale"); it != columns.end() && it->second.not_null) {
    problems->push_back(
        "column locale is NOT NULL, but events without a locale are stored as NULL");
  }
}

void CheckAppVersionAndDate(const Columns& columns, TargetTable* out, Problems* problems) {
  if (auto it = columns.find("app_version"); it != columns.end()) {
    const Column& c = it->second;
    transform::TargetColumns& tc = out->columns;
    if (c.type_oid == kInt4Oid || c.type_oid == kInt8Oid) {
      tc.app_version_type = transform::VersionColumnType::kInteger;
      out->app_version_wire =
          c.type_oid == kInt4Oid ? AppVersionWire::kInt4 : AppVersionWire::kInt8;
    } else if (int max = TextMaxChars(c); max != -2) {
      tc.app_version_type = transform::VersionColumnType::kText;
      tc.app_version_max_chars = max;
      out->app_version_wire = AppVersionWire::kText;
    } else {
      problems->push_back(
          WrongType("app_version", c, "integer, bigint, text or character varying[(n)]"));
    }
  }
  if (auto it = columns.find("create_date");
      it != columns.end() && it->second.type_oid != kDateOid) {
    problems->push_back(WrongType("create_date", it->second, "date"));
  }
}

void CheckOtherColumns(const Columns& columns, Problems* problems) {
  std::string generated;
  std::string blocking;
  for (const auto& [name, c] : columns) {
    if (IsRequired(name) && c.generated) AddToList(&generated, name);
    if (!IsRequired(name) && c.not_null && !c.has_default) AddToList(&blocking, name);
  }
  if (!generated.empty()) problems->push_back("generated column(s) cannot be loaded: " + generated);
  if (!blocking.empty()) {
    problems->push_back(
        "extra column(s) are NOT NULL without a default, so rows cannot be "
        "inserted: " +
        blocking);
  }
}

// Checks the columns and fills `out`; returns the list of problems (empty when usable).
Problems CheckColumns(const Columns& columns, TargetTable* out) {
  Problems problems;
  CheckMissing(columns, &problems);
  CheckTextColumns(columns, &out->columns, &problems);
  CheckAppVersionAndDate(columns, out, &problems);
  CheckOtherColumns(columns, &problems);
  return problems;
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
  SQS2PG_ASSIGN_OR_RETURN(auto columns, ReadColumns(conn, oid));
  std::vector<std::string> problems = CheckColumns(columns, &out);
  if (!problems.empty()) {
    std::string m = "table " + display + " cannot take login rows: ";
    for (size_t i = 0; i < problems.size(); ++i) m += (i ? "; " : "") + problems[i];
    return FailedPreconditionError(std::move(m));
  }
  return out;
}

Result<transform::TargetColumns> IntrospectTarget(Connection& conn, std::string_view table) {
  SQS2PG_ASSIGN_OR_RETURN(TargetTable target, DescribeTarget(conn, table));
  return target.columns;
}

}  // namespace sqs2pg::pg
