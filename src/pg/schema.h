// Target-table introspection: the table rows go to, as the catalog describes it.
//
// Contract:
//  - `table` is "name" or "schema.name" with SQL identifier rules (unquoted parts fold to lower
//    case; double quotes keep case), resolved through the session's search_path with to_regclass.
//  - DescribeTarget() reads every column (name, type, NOT NULL, default, identity, generated) and
//    the column sets of the primary key and the unique indexes, into a TableShape that the
//    mapping is compiled against (transform/mapping/compiled_mapping.h): which columns a mapping
//    may fill, and how, is decided there.
//  - Errors: a missing table -> kNotFound ("table public.user_logins does not exist"); not a
//    table (a view, ...) -> kFailedPrecondition; no INSERT privilege -> kPermissionDenied; a
//    malformed name -> kInvalidArgument; database errors as in pg/errors.h. The table is never
//    altered.
//  - Thread-safety: uses the Connection; call from the thread that owns it.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"
#include "pg/connection.h"
#include "transform/mapping/compiled_mapping.h"

namespace sqs2pg::pg {

struct TargetTable {
  std::string schema;     // as stored in the catalog, e.g. public
  std::string name;       // e.g. user_logins
  std::string qualified;  // quoted for SQL, e.g. public.user_logins or "My"."T"
  bool partitioned = false;
  transform::mapping::TableShape shape;
};

Result<TargetTable> DescribeTarget(Connection& conn, std::string_view table);

}  // namespace sqs2pg::pg
