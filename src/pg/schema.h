// Target-table introspection: checks that the table rows go to can take them, and how.
//
// Contract:
//  - `table` is "name" or "schema.name" with SQL identifier rules (unquoted parts fold to lower
//    case; double quotes keep case), resolved through the session's search_path with to_regclass.
//  - Required columns: user_id, device_type, masked_ip, masked_device_id, locale (text or
//    varchar[(n)]); app_version (integer or bigint -> kInteger; text or varchar[(n)] -> kText);
//    create_date (date only: the event carries a day, and a timestamp column would invent a time).
//    char(n)/bpchar is refused (it pads values). masked_ip and masked_device_id must hold 64
//    characters (a hex HMAC-SHA256). locale must be nullable (events may have none). Required
//    columns must not be generated columns. Other columns are fine if nullable or defaulted.
//  - Errors: a missing table -> kNotFound ("table public.user_logins does not exist"); missing
//    columns, wrong types, short masked columns, blocking extra columns -> kFailedPrecondition,
//    one message listing every problem; no INSERT privilege -> kPermissionDenied; a malformed
//    name -> kInvalidArgument; database errors as in pg/errors.h. The table is never altered.
//  - Thread-safety: uses the Connection; call from the thread that owns it.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"
#include "pg/connection.h"
#include "pg/copy_binary.h"
#include "transform/target_columns.h"

namespace sqs2pg::pg {

struct TargetTable {
  std::string schema;     // as stored in the catalog, e.g. public
  std::string name;       // e.g. user_logins
  std::string qualified;  // quoted for SQL, e.g. public.user_logins or "My"."T"
  transform::TargetColumns columns;
  AppVersionWire app_version_wire = AppVersionWire::kInt4;
};

Result<TargetTable> DescribeTarget(Connection& conn, std::string_view table);

// DescribeTarget(...).columns, the part the transform needs.
Result<transform::TargetColumns> IntrospectTarget(Connection& conn, std::string_view table);

}  // namespace sqs2pg::pg
