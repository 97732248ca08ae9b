// RunStats: the counters of one drain or run, and the end-of-run summary.
//
// Contract:
//  - Counters are updated from any thread (atomics; the per-reason map takes a mutex).
//  - Reason keys are RejectReason names ("missing_field", "invalid_json", ...) or sink-side
//  reasons;
//    never values from a message.
//  - Summary() renders the human-readable summary printed at the end of a run; SummaryLine() the
//    same figures on one line.
//  - CPU by stage: the pipeline's threads charge their CPU time to cpu_ns (ops/thread_cpu.h).
//    The summary shows it beside the process's whole CPU time, and "other" for the rest
//    (start-up, the drain's checks of the queue, the heartbeat, the ledger's maintenance).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

namespace sqs2pg::ops {

class RunStats {
 public:
  RunStats();

  std::atomic<uint64_t> received{0};             // messages handed to us by ReceiveMessage
  std::atomic<uint64_t> inserted{0};             // rows committed to the target table
  std::atomic<uint64_t> duplicates{0};           // redelivered messages already in the ledger
  std::atomic<uint64_t> deleted{0};              // messages deleted from the source queue
  std::atomic<uint64_t> delete_failures{0};      // Failed entries or failed calls on delete
  std::atomic<uint64_t> dead_lettered{0};        // rejected messages moved to the DLQ
  std::atomic<uint64_t> left_in_queue{0};        // rejected messages left for the redrive policy
  std::atomic<uint64_t> md5_mismatches{0};       // dropped in transit, will be redelivered
  std::atomic<uint64_t> visibility_extended{0};  // receipts extended by the heartbeat
  std::atomic<uint64_t> released{0};       // uncommitted messages made visible again at shutdown
  std::atomic<uint64_t> split_batches{0};  // batches split to isolate rows the database refused
  // Ledger pruning passes that failed (no connection, no privilege to create or drop a day
  // partition): counted by pg::LedgerPruner, exported for alerting and shown in the summary.
  std::atomic<uint64_t> ledger_prune_failures{0};
  std::atomic<int> receivers{0};  // receive polls at work now (auto receivers scale it)

  // CPU time (ns) of the pipeline's threads by stage: receive (the receiver threads: polls and
  // decoding their answers), transform (writers turning messages into rows), commit (the rest of
  // the writers' time: filling batches, COPY and COMMIT, queueing deletes, rejects), delete (the
  // deleter threads). Complete once the pipeline's threads have ended.
  enum CpuStage { kCpuReceive, kCpuTransform, kCpuCommit, kCpuDelete, kCpuStages };
  std::atomic<uint64_t> cpu_ns[kCpuStages] = {};

  // The busy span: from the first receive that brought messages to the last delete that
  // returned. A small drain spends most of its wall time starting and stopping; its rate over
  // the busy span is the figure that compares.
  void MarkReceived();
  void MarkDeleted();
  // The busy span in seconds; 0 until a delete followed a receive.
  double BusySeconds() const;

  void AddRejected(std::string_view reason);
  uint64_t rejected() const;
  std::map<std::string, uint64_t> RejectedByReason() const;

  // A field of an event that the mapping does not use (unknown_fields = "count"). Only names
  // that look like identifiers ([A-Za-z_][A-Za-z0-9_]*, at most 64 bytes) are kept, since a
  // producer may key a map by a value; at most kMaxUnknownFieldNames distinct names, then
  // everything else counts as "other".
  static constexpr size_t kMaxUnknownFieldNames = 100;
  void AddUnknownField(std::string_view name);
  std::map<std::string, uint64_t> UnknownFields() const;

  std::chrono::duration<double> Elapsed() const;
  std::string Summary() const;
  // The same figures on one line of key=value pairs, for --log-format json:
  // "received=12 inserted=9 ... rejected.invalid_json=2 ... elapsed_s=1.234 messages_per_s=9".
  std::string SummaryLine() const;

 private:
  std::chrono::steady_clock::time_point start_;
  std::atomic<int64_t> first_receive_ns_{0};
  std::atomic<int64_t> last_delete_ns_{0};
  mutable std::mutex mu_;
  std::map<std::string, uint64_t> rejected_by_reason_;
  std::map<std::string, uint64_t, std::less<>> unknown_fields_;
  uint64_t rejected_total_ = 0;
};

}  // namespace sqs2pg::ops
