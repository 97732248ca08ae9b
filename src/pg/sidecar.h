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
//  - It then checks that sqs2pg_ledger.message_key is a uuid and that the ledger's primary key is
//    one of the two LedgerKeying names (kFailedPrecondition otherwise); EnsureSidecarInSchema()
//    returns which.
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

// How the ledger identifies a committed message. This version creates ledgers keyed on
// (sent_at, message_key): SQS's SentTimestamp leads, so inserts land at the right edge of the
// B-tree. Ledgers created before (2026-11-30) are keyed on message_key alone; they are never
// altered, and the Sink writes them as they are (see README, "Tables sqs2pg adds").
enum class LedgerKeying { kSentAtAndMessageId, kMessageIdOnly };

// `target_table` is resolved as in pg/schema.h.
Status EnsureSidecar(Connection& conn, const std::string& target_table);

// The same for a known schema (as stored in the catalog, unquoted), returning the ledger's keying
// (read from its primary key).
Result<LedgerKeying> EnsureSidecarInSchema(Connection& conn, const std::string& schema);

// The keying of `schema`.sqs2pg_ledger, read from its primary key, without creating or checking
// anything else. kFailedPrecondition when the ledger is missing or keyed otherwise.
Result<LedgerKeying> DescribeLedgerKeying(Connection& conn, const std::string& schema);

}  // namespace sqs2pg::pg
