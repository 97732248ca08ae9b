// Sidecar objects next to the target table: the exactly-once ledger, the reject log and helper
// SQL functions (DDL in src/pg/sidecar.sql, embedded as pg/sidecar_ddl.h).
//
// Contract:
//  - EnsureSidecar() creates what is missing in the target table's schema and does nothing (no
//    DDL, no CREATE privilege needed) when everything is already there. The DDL runs in one
//    transaction under an advisory lock with CREATE ... IF NOT EXISTS, so processes starting at
//    the same time do not collide. sqs2pg_mask() is created only if the pgcrypto extension is
//    already installed; extensions are never created. The target table is never touched.
//  - Before and after that, it refuses (kFailedPrecondition, naming each object and its owner)
//    sidecar objects -- any relation named like sidecar.sql's tables and index, any function named
//    like its functions -- owned by neither the connecting role nor the schema's owner (or a
//    member of it, e.g. a superuser): where other roles may create objects, a planted ledger with
//    a trigger, or a planted sqs2pg_mask, would run code as sqs2pg's role or capture its data.
//  - It then checks the ledger's layout (CheckLedgerLayout): range-partitioned on sent_at, with
//    the primary key (sent_at, message_key uuid) and a DEFAULT partition. A ledger of the
//    pre-release layouts (not partitioned, or keyed on message_key alone) is refused
//    (kFailedPrecondition) with the SQL that moves it aside; sqs2pg has no installed base whose
//    ledger it would migrate. This check runs before any DDL, which would otherwise fail on it
//    half-way.
//  - Last, it makes the ledger's partitions for today and the next 3 days if any is missing
//    (MaintainLedger, pg/ledger_pruner.h). A role that may not CREATE gets a warning, not an
//    error: its keys go to the DEFAULT partition until an administrator's job makes the days.
//  - Errors: the target's schema cannot be resolved -> kNotFound; database errors as in
//    pg/errors.h (e.g. kPermissionDenied without CREATE on the schema). A failed attempt leaves
//    no open transaction behind.
//  - Thread-safety: uses the Connection; call from the thread that owns it.
#pragma once

#include <string>

#include "base/status.h"
#include "pg/connection.h"

namespace sqs2pg::pg {

inline constexpr const char* kLedgerTable = "sqs2pg_ledger";
inline constexpr const char* kRejectsTable = "sqs2pg_rejects";

inline constexpr const char* kLedgerDefaultPartition = "sqs2pg_ledger_default";

// `target_table` is resolved as in pg/schema.h.
Status EnsureSidecar(Connection& conn, const std::string& target_table);

// The same for a known schema (as stored in the catalog, unquoted).
Status EnsureSidecarInSchema(Connection& conn, const std::string& schema);

// Checks the layout of `schema`.sqs2pg_ledger as described above, without creating anything.
// A missing ledger is kFailedPrecondition unless `must_exist` is false.
Status CheckLedgerLayout(Connection& conn, const std::string& schema, bool must_exist = true);

}  // namespace sqs2pg::pg
