// PgFaultProxy: tests/support/pg_fault_proxy.mjs between a client and the test database
// (SQS2PG_TEST_DATABASE_URL), faulting the first COMMITs it relays.
//
// Contract: `fault` is one of the script's --fault values (cut-before-commit, cut-after-commit,
// rollback-commit), applied to the first `times` COMMITs over all connections. Conninfo() is a
// libpq key=value string for the test database through the proxy, with TLS and GSS encryption
// off (the proxy reads the plain protocol); it is empty if the proxy did not start or the test
// database is unset. Destroying the object stops the proxy. Thread-compatible.
#pragma once

#include <cstdint>
#include <string>

#include "support/stand_in.h"

namespace sqs2pg::testing {

class PgFaultProxy : public StandIn {
 public:
  explicit PgFaultProxy(const std::string& fault, int times = 1);

  const std::string& Conninfo() const { return conninfo_; }
  // COMMITs seen and faulted so far (-1 if the counters cannot be read).
  int64_t commits() const { return Stat({"commits"}, -1); }
  int64_t faults() const { return Stat({"faults"}, -1); }

 private:
  std::string conninfo_;
};

}  // namespace sqs2pg::testing
