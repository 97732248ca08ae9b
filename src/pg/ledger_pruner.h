// Ledger maintenance: the ledger (sqs2pg_ledger) is range-partitioned by day on sent_at, and this
// module makes the days ahead and drops the days that can no longer be needed, so the ledger
// stays the size of the redelivery window instead of growing with every message ever loaded, and
// pruning leaves no dead tuples behind (a dropped partition is gone, not deleted row by row).
//
// Why dropping is safe: SQS deletes a message at the latest MessageRetentionPeriod after it was
// sent (its SentTimestamp, the ledger's sent_at); a key sent longer ago than the retention period
// (plus a margin for clock skew) can never meet a redelivered copy again. Callers choose `keep`.
//
// Contract:
//  - MaintainLedger() runs sqs2pg_ledger_maintain() (src/pg/sidecar.sql) once, as the connection's
//    role, in one transaction: it makes the daily partitions from the day of now() - keep (today
//    without a keep) to today + ahead_days, moving keys the DEFAULT partition holds for such a day
//    into it, and with a keep drops the partitions whose day ended before now() - keep and deletes
//    the DEFAULT partition's keys committed before then. Replicas serialise on an advisory lock;
//    no lock is waited for longer than 500 ms, so commits are never held up for longer than that,
//    and a step that would wait is skipped and counted in `busy` (the next call does it). A role
//    without the privilege (42501, kPermissionDenied) gets an error and changes nothing.
//  - LedgerDaysAhead(keep): how many days ahead the pruner makes: the keep window in days, at
//    least kLedgerDaysAhead (3) and at most 31, so the ledger can go as long without maintenance
//    ahead as it keeps behind.
//  - LedgerPruner runs MaintainLedger() on its own connection and thread: once right after
//    Start(), then every `interval` (every min(interval, 30 s) while a step was skipped as busy).
//    Failures (database down, no privilege) are logged as warnings, counted in `*failures` (if
//    given; sqs2pg_ledger_prune_failures_total) and retried at the next interval; they never
//    stop ingest. Stop() (or the destructor) ends the thread promptly.
//  - Thread-safety: MaintainLedger() uses the caller's connection; LedgerPruner's Start()/Stop()
//    are called from one thread; dropped() from any; `*failures` is only incremented.
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

inline constexpr int kLedgerDaysAhead = 3;

struct LedgerMaintenance {
  int created = 0;     // day partitions made
  int dropped = 0;     // day partitions dropped
  int64_t pruned = 0;  // keys deleted from the DEFAULT partition
  int busy = 0;        // steps skipped because a lock was not free within 500 ms
};

int LedgerDaysAhead(std::chrono::seconds keep);

// `schema` is unquoted (as in TargetTable::schema). Without `keep` nothing is dropped or deleted.
Result<LedgerMaintenance> MaintainLedger(Connection& conn, const std::string& schema,
                                         std::optional<std::chrono::seconds> keep, int ahead_days);

class LedgerPruner {
 public:
  LedgerPruner(std::string conninfo, std::string schema, std::chrono::seconds keep,
               std::chrono::seconds interval, std::atomic<uint64_t>* failures = nullptr);
  ~LedgerPruner();
  LedgerPruner(const LedgerPruner&) = delete;
  LedgerPruner& operator=(const LedgerPruner&) = delete;

  void Start();
  void Stop();
  // Day partitions dropped so far.
  int64_t dropped() const { return dropped_.load(); }

 private:
  void Loop();
  // True when a step was skipped as busy (then the next pass comes sooner).
  bool PassOnce();

  const std::string conninfo_;
  const std::string schema_;
  const std::chrono::seconds keep_;
  const std::chrono::seconds interval_;
  std::atomic<uint64_t>* const failures_;
  std::optional<Connection> conn_;
  std::atomic<int64_t> dropped_{0};
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace sqs2pg::pg
