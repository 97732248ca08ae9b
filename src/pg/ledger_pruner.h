// Ledger pruning: deletes sqs2pg_ledger keys that can no longer be needed, so the ledger stays
// the size of the redelivery window instead of growing with every message ever loaded.
//
// Why it is safe: SQS deletes a message at the latest MessageRetentionPeriod after it was sent,
// and a key is committed after its message was sent; a key older than the retention period (plus
// a margin for clock skew) can never meet a redelivered copy again. Callers choose `keep`.
//
// Contract:
//  - PruneLedger() deletes keys whose committed_at is older than now() - keep, in chunks of
//    `chunk` keys, each chunk its own short transaction; it returns how many it deleted. Rows are
//    picked through the BRIN index on committed_at with FOR UPDATE SKIP LOCKED, so it never waits
//    for ingest (which only writes recent keys) or for another replica's pruner. They are then
//    deleted by the ledger's whole primary key (LedgerKeying, read from the catalog on each call),
//    so a chunk costs index look-ups, not a scan of the ledger, however large it has grown.
//  - LedgerPruner runs PruneLedger() on its own connection and thread: once right after Start(),
//    then every `interval`. Failures (database down, no privilege) are logged as warnings,
//    counted (CountFailuresIn) and retried at the next interval; they never stop ingest. Stop() (or
//    the destructor) ends the thread promptly.
//  - Thread-safety: PruneLedger() uses the caller's connection; LedgerPruner's Start()/Stop() are
//    called from one thread; pruned() from any.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "base/status.h"
#include "pg/connection.h"

namespace sqs2pg::pg {

// `schema` is unquoted (as in TargetTable::schema).
Result<int64_t> PruneLedger(Connection& conn, const std::string& schema, std::chrono::seconds keep,
                            int chunk = 10000);

class LedgerPruner {
 public:
  LedgerPruner(std::string conninfo, std::string schema, std::chrono::seconds keep,
               std::chrono::seconds interval);
  ~LedgerPruner();
  LedgerPruner(const LedgerPruner&) = delete;
  LedgerPruner& operator=(const LedgerPruner&) = delete;

  void Start();
  void Stop();
  int64_t pruned() const { return pruned_.load(); }
  // Adds 1 to *counter for each failed pass (e.g. RunStats::ledger_prune_failures, exported for
  // alerting). Call before Start(); *counter must outlive the pruner.
  void CountFailuresIn(std::atomic<uint64_t>* counter) { failures_ = counter; }

 private:
  void Loop();
  void PassOnce();

  const std::string conninfo_;
  const std::string schema_;
  const std::chrono::seconds keep_;
  const std::chrono::seconds interval_;
  std::optional<Connection> conn_;
  std::atomic<int64_t> pruned_{0};
  std::atomic<uint64_t>* failures_ = nullptr;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace sqs2pg::pg
