// CPU scheduling policy of the whole process (Linux).
//
// Why: sqs2pg's I/O threads sleep on a socket and wake for every SQS reply. Under the default
// policy (SCHED_OTHER) a thread that wakes after a sleep preempts whatever else runs on that CPU,
// so on a shared host sqs2pg keeps interrupting its neighbours. SCHED_BATCH keeps the same fair
// share of CPU and the same nice value, but a woken thread waits for the running one's time slice
// instead of preempting it: the right trade for a bulk loader, whose throughput does not hang on
// a few milliseconds of wake-up latency. Measured on the 2-core bench machine (100,000-message
// drains, 8 receivers, the SQS emulator and PostgreSQL on the same cores; 2026-12-01): the
// emulator was preempted 21-45 times per 1,000 messages under SCHED_OTHER and 6-15 under
// SCHED_BATCH (2-7 with the single-threaded no-work client); sqs2pg used about 15 % less CPU
// per message, and over 11 paired drains it was faster in 7 (median pair ratio 1.07).
//
// Contract:
//  - ApplyCpuScheduling(kBatch) sets SCHED_BATCH, and kNormal SCHED_OTHER, on every thread the
//    process has now whose policy is one of those two; threads started later inherit the policy
//    of the thread that starts them. A thread under another policy (real-time or SCHED_IDLE, e.g.
//    from systemd's CPUSchedulingPolicy= or chrt) is left as the operator set it. Nice values are
//    not changed. No privilege is needed.
//  - Errors: kUnavailable (with the errno text) if the threads cannot be listed (no /proc) or the
//    kernel refuses for some thread (e.g. a seccomp profile, or a platform without SCHED_BATCH);
//    threads already changed stay changed. Callers treat it as a warning: the policy is an
//    optimisation, not a guarantee.
//  - Thread-safety: call it from one thread, best before other threads start.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace sqs2pg::ops {

enum class CpuScheduling { kNormal, kBatch };

// "normal" or "batch"; nullopt for anything else.
std::optional<CpuScheduling> ParseCpuScheduling(std::string_view name);

Status ApplyCpuScheduling(CpuScheduling policy);

// The calling thread's policy, for tests: "batch", "normal", or "other (N)".
std::string CurrentCpuSchedulingName();

}  // namespace sqs2pg::ops
