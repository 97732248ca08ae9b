// Mapping of libpq errors to Status values that are safe to log.
//
// Contract:
//  - ErrorFromResult() turns a failed PGresult (or a connection-level failure) into a Status and a
//    PgErrorInfo. The Status message names the operation, the SQLSTATE and, depending on the
//    SQLSTATE class, either the server's primary message or only the constraint/table/column
//    names. It never includes DETAIL, CONTEXT, HINT or the statement text, because for COPY and
//    INSERT those can quote row values (user ids, masked ids, bodies).
//  - Codes: class 08 (connection), 57P01..57P03 (shutdown), 53 (resources), 40001/40P01
//    (serialization/deadlock) and a broken connection -> kUnavailable; 42P01, 3D000, 3F000 ->
//    kNotFound; 42501 -> kPermissionDenied; class 28 -> kUnauthenticated; classes 22 (data), 23
//    (integrity) and P0 (a trigger's RAISE) -> kInvalidArgument (a row the database refused;
//    retrying the same rows fails again); other class 42 and 55 -> kFailedPrecondition; anything
//    else -> kInternal.
//  - Thread-safety: pure functions.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace sqs2pg::pg {

// Structured facts about the last error, for callers that react to specific SQLSTATEs.
struct PgErrorInfo {
  std::string sqlstate;  // five characters, or empty for client-side/connection failures
  // For a failed COPY FROM STDIN: the 1-based number of the tuple the server was reading, parsed
  // from the CONTEXT field ("COPY t, line N"); the rest of CONTEXT is discarded.
  std::optional<int64_t> copy_line;
  // The object names the server attached (PG_DIAG_SCHEMA_NAME, _TABLE_NAME, _CONSTRAINT_NAME);
  // empty when absent. Names, never values.
  std::string schema;
  std::string table;
  std::string constraint;
};

inline constexpr std::string_view kUniqueViolation = "23505";
inline constexpr std::string_view kDeadlockDetected = "40P01";
inline constexpr std::string_view kSerializationFailure = "40001";
// A CHECK constraint (with a constraint name), or a row that fits no partition of a partitioned
// table: "no partition of relation ... found for row" (without one).
inline constexpr std::string_view kCheckViolation = "23514";

// `result` may be null (libpq returns null when out of memory or the connection is gone).
Status ErrorFromResult(const PGresult* result, const PGconn* conn, std::string_view operation,
                       PgErrorInfo* info);

// A Status for a failure reported only through PQerrorMessage (connect, send, COPY data).
Status ErrorFromConnection(const PGconn* conn, std::string_view operation);

// Maps a SQLSTATE to a StatusCode as described above.
StatusCode CodeForSqlState(std::string_view sqlstate);

}  // namespace sqs2pg::pg
