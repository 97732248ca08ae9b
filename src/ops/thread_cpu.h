// Thread CPU accounting: where a thread's CPU time goes, stage by stage, so that `make bench` can
// break sqs2pg's CPU per message down by stage (receive, transform, commit, delete) from the
// end-of-run summary (ops/run_stats.h).
//
// Contract:
//  - ThreadCpuNanos(): the calling thread's CPU time (user + system) so far, in ns
//    (CLOCK_THREAD_CPUTIME_ID); ProcessCpuNanos(): the whole process's, every thread included,
//    ended ones too (CLOCK_PROCESS_CPUTIME_ID). 0 if the clock cannot be read.
//  - ThreadCpuMeter reads the CPU clock of the thread that constructs it, and must only be used
//    on that thread. Charge(counter) adds the thread's CPU time since the last charge (or since
//    construction) to *counter; Charge() adds it to the counter given at construction, and so
//    does the destructor, so a meter declared at the top of a thread's loop charges everything
//    up to the thread's end. Each charge is one clock read (a system call, well under 1 us).
//  - Counters are std::atomic<uint64_t> (ns), may be shared by many meters on many threads, and
//    only ever grow (relaxed adds): read them once the threads have ended for complete figures.
#pragma once

#include <atomic>
#include <cstdint>

namespace sqs2pg::ops {

uint64_t ThreadCpuNanos();
uint64_t ProcessCpuNanos();

class ThreadCpuMeter {
 public:
  explicit ThreadCpuMeter(std::atomic<uint64_t>* default_counter)
      : default_counter_(default_counter), last_(ThreadCpuNanos()) {}
  ~ThreadCpuMeter() { Charge(); }
  ThreadCpuMeter(const ThreadCpuMeter&) = delete;
  ThreadCpuMeter& operator=(const ThreadCpuMeter&) = delete;

  void Charge() { Charge(default_counter_); }
  void Charge(std::atomic<uint64_t>* counter);

 private:
  std::atomic<uint64_t>* const default_counter_;
  uint64_t last_;
};

}  // namespace sqs2pg::ops
