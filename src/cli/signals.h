// Shutdown signals: SIGINT and SIGTERM request a graceful stop; a second one exits at once.
//
// Contract:
//  - InstallStopSignalHandlers() is called once from main() before threads start. The first signal
//    sets the flag returned by StopRequested(); the pipeline then stops receiving and finishes the
//    batch in hand. A second signal calls _exit(130) immediately: this is safe because nothing is
//    deleted from SQS before it is committed, so whatever was in hand is simply redelivered.
//  - Thread-safety: the flag is a lock-free atomic, readable from any thread.
#pragma once

#include <atomic>

namespace sqs2pg::cli {

void InstallStopSignalHandlers();
const std::atomic<bool>& StopRequested();

}  // namespace sqs2pg::cli
