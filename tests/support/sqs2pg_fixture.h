// Sqs2pgFixture: a throwaway schema with user_logins (PgSchemaFixture) plus a fresh queue in the
// emulator, and helpers that run the real sqs2pg binary against both with the test environment
// (Sqs2pgTestEnv). For end-to-end tests of the drain and run commands.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "support/pg_fixture.h"
#include "support/process.h"
#include "support/sqs_test_env.h"

namespace sqs2pg::testing {

class Sqs2pgFixture : public PgSchemaFixture {
 protected:
  void SetUp() override;

  // `sqs2pg <args>` to completion, with the test environment.
  ProcessResult Sqs2pg(const std::vector<std::string>& args);
  // `sqs2pg drain` on this test's queue and table plus `extra` (visibility timeout 5 s unless
  // `extra` sets one).
  ProcessResult Drain(const std::vector<std::string>& extra = {});
  // The arguments Drain() passes, for commands run in the background (e.g. `run`).
  std::vector<std::string> ConsumeArgs(const std::string& command,
                                       const std::vector<std::string>& extra = {}) const;
  // Sqs2pgBinary() followed by ConsumeArgs(command, extra): an argv for RunningProcess and such.
  std::vector<std::string> ConsumeArgv(const std::string& command,
                                       const std::vector<std::string>& extra = {}) const;
  // The exactly-once end state after `n` valid events: n rows with n distinct user ids, n ledger
  // keys, no rejects, and the queue empty (nothing visible or in flight).
  void ExpectExactlyOnce(int64_t n);

  std::unique_ptr<sqs::SqsClient> sqs_;
  std::string queue_url_;
};

// A login event with a unique user id "user-<i>" and an ip and device_id derived from `i`.
std::string LoginEvent(int i, const std::string& device_type = "android");
// LoginEvent(0) .. LoginEvent(n - 1).
std::vector<std::string> LoginEvents(int n);

}  // namespace sqs2pg::testing
