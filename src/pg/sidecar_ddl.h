// The sidecar DDL (ledger, rejects table, helper functions) as a template.
//
// Contract:
//  - kSidecarDdlTemplate is byte-for-byte the content of src/pg/sidecar.sql, embedded at build
//    time (CMakeLists.txt, src/pg/sidecar_sql.cc.in): a psql script that uses the psql variable
//    :"schema" (a quoted identifier) for the target's schema.
//  - SidecarDdl() substitutes the schema the way psql does and returns a multi-statement string
//    that runs in its own transaction (BEGIN ... COMMIT).
//  - Thread-safety: constants and a pure function.
#pragma once

#include <string>
#include <string_view>

namespace sqs2pg::pg {

extern const std::string_view kSidecarDdlTemplate;

// "name" with embedded double quotes doubled: a PostgreSQL quoted identifier.
std::string QuoteIdent(std::string_view name);

std::string SidecarDdl(std::string_view schema);

}  // namespace sqs2pg::pg
