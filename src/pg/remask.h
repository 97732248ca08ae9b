// Remask: rewrites masks of some columns of a table in place, in batches of committed
// transactions: the database side of `sqs2pg remask` (key rotation for aes-siv masks).
//
// Contract:
//  - Selection: a row is taken when one of `columns` holds a value whose first 12 characters are
//    one of `prefixes` ("s1.<older key id>."). Nothing else is read or written: masks of the
//    current key, of unknown keys, hmac-sha256 masks and NULLs are left alone. So a run that was
//    interrupted (even by kill -9) is resumed by running it again, and a run after a complete one
//    changes nothing (no row is updated).
//  - The table is walked in physical order, a window of `window_pages` pages at a time (a TID range
//    scan; the leaf partitions one by one for a partitioned table; pages added while it runs are
//    walked too). Within a window, each transaction locks (FOR UPDATE) at most `batch_rows`
//    selected rows in ctid order, calls `rewrite` for each selected value, updates those rows by
//    ctid (stable while locked) and commits. A value whose rewrite fails is left as it was and
//    counted, once per run even when its row moves on (another column of it was updated); the
//    first such failure is kept, by column and ctid, never by value; the walk goes on.
//  - `stop` (optional) is checked between transactions: once true, Remask() returns kCancelled
//    (what was committed stays committed).
//  - Errors: database errors as in pg/errors.h (the transaction in hand is rolled back; earlier
//    ones stay committed). Messages never contain a mask or a value.
//  - Thread-safety: uses the Connection; call from the thread that owns it. `rewrite` is called
//    on that thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "pg/connection.h"

namespace sqs2pg::pg {

// A table and some of its columns, resolved through the catalog.
struct RemaskTarget {
  std::string table;                 // quoted for SQL, e.g. public.user_logins or "My"."T"
  bool partitioned = false;          // rows live in the leaf partitions
  std::vector<std::string> columns;  // quoted for SQL, in the order given
};

// Resolves `table` ("name" or "schema.name", SQL identifier rules, through the search_path) and
// `columns` (names as stored in the catalog). kNotFound naming a table or column that does not
// exist; kFailedPrecondition for a relation that is not a table. Unlike DescribeTarget
// (pg/schema.h), it asks for no INSERT privilege: remask only selects and updates.
Result<RemaskTarget> ResolveRemaskTarget(Connection& conn, const std::string& table,
                                         const std::vector<std::string>& columns);

struct RemaskRequest {
  RemaskTarget target;
  std::vector<std::string> prefixes;  // the 12-character prefixes of the masks to rewrite
  int batch_rows = 2000;
  int window_pages = 1024;
  const std::atomic<bool>* stop = nullptr;
};

// The new text for the value of column `column` (an index into RemaskRequest::columns).
using RemaskFunction = std::function<Result<std::string>(size_t column, std::string_view value)>;

struct RemaskStats {
  int64_t transactions = 0;   // committed, with at least one row
  int64_t rows = 0;           // rows updated
  int64_t masks = 0;          // values rewritten
  int64_t failed = 0;         // values whose rewrite failed (left unchanged)
  std::string first_failure;  // "column masked_ip at ctid (12,3): <status>", or ""
};

// Counts go to *stats as transactions commit, so they are right after an error or a stop too.
Status Remask(Connection& conn, const RemaskRequest& request, const RemaskFunction& rewrite,
              RemaskStats* stats);

// Up to `limit` non-NULL values of `column` (quoted) of `table` (quoted), in no particular order:
// a sample to tell which masking scheme a column holds.
Result<std::vector<std::string>> SampleValues(Connection& conn, const std::string& table,
                                              const std::string& column, int limit);

}  // namespace sqs2pg::pg
