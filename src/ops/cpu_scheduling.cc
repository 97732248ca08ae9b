#include "ops/cpu_scheduling.h"

#include <dirent.h>
#include <sched.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

namespace sqs2pg::ops {

std::optional<CpuScheduling> ParseCpuScheduling(std::string_view name) {
  if (name == "normal") return CpuScheduling::kNormal;
  if (name == "batch") return CpuScheduling::kBatch;
  return std::nullopt;
}

Status ApplyCpuScheduling(CpuScheduling policy) {
#ifdef SCHED_BATCH
  const int wanted = policy == CpuScheduling::kBatch ? SCHED_BATCH : SCHED_OTHER;
  sched_param param{};
  param.sched_priority = 0;  // the only priority SCHED_OTHER and SCHED_BATCH accept
  // sched_setscheduler acts on one thread (a task) on Linux: walk them all.
  DIR* tasks = opendir("/proc/self/task");
  if (tasks == nullptr) {
    return UnavailableError(std::string("cannot list the process's threads in /proc/self/task: ") +
                            std::strerror(errno));
  }
  Status status;
  while (const dirent* entry = readdir(tasks)) {
    if (entry->d_name[0] == '.') continue;
    const pid_t tid = static_cast<pid_t>(std::strtol(entry->d_name, nullptr, 10));
    // A policy the operator chose (real-time, idle) is theirs: only the two ordinary ones change.
    // A thread may have ended since the listing: ESRCH is not a failure.
    const int current = sched_getscheduler(tid);
    if (current != SCHED_OTHER && current != SCHED_BATCH) continue;
    if (sched_setscheduler(tid, wanted, &param) != 0 && errno != ESRCH && status.ok()) {
      status = UnavailableError(std::string("sched_setscheduler: ") + std::strerror(errno));
    }
  }
  closedir(tasks);
  return status;
#else
  if (policy == CpuScheduling::kNormal) return Status::Ok();
  return UnavailableError("SCHED_BATCH is not available on this platform");
#endif
}

std::string CurrentCpuSchedulingName() {
  const int policy = sched_getscheduler(0);
#ifdef SCHED_BATCH
  if (policy == SCHED_BATCH) return "batch";
#endif
  if (policy == SCHED_OTHER) return "normal";
  return "other (" + std::to_string(policy) + ")";
}

}  // namespace sqs2pg::ops
