#include "support/pg_fault_proxy.h"

#include <libpq-fe.h>

#include <cstdlib>
#include <map>
#include <vector>

#include "support/pg_test_role.h"

namespace sqs2pg::testing {
namespace {

// The test database's connection parameters ("" for unset ones).
std::map<std::string, std::string> TestDatabaseParams() {
  std::map<std::string, std::string> out;
  const char* url = std::getenv("SQS2PG_TEST_DATABASE_URL");
  if (url == nullptr || *url == '\0') return out;
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(url, &error);
  if (error != nullptr) PQfreemem(error);
  if (options == nullptr) return out;
  for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    if (o->val != nullptr && *o->val != '\0') out[o->keyword] = o->val;
  }
  PQconninfoFree(options);
  return out;
}

std::vector<std::string> ProxyArgs(const std::string& fault, int times) {
  std::map<std::string, std::string> db = TestDatabaseParams();
  return {"--upstream-host", db.count("host") ? db["host"] : "127.0.0.1",
          "--upstream-port", db.count("port") ? db["port"] : "5432",
          "--port",          "0",
          "--fault",         fault,
          "--times",         std::to_string(times)};
}

}  // namespace

PgFaultProxy::PgFaultProxy(const std::string& fault, int times)
    : StandIn("tests/support/pg_fault_proxy.mjs", ProxyArgs(fault, times)) {
  const std::string prefix = "http://127.0.0.1:";
  if (endpoint().rfind(prefix, 0) != 0) return;
  // Plain protocol only: the proxy reads it. Host and port are the proxy's; the rest (database,
  // user, password) is the test database's.
  conninfo_ = TestDatabaseConninfo({{"host", "127.0.0.1"},
                                    {"hostaddr", "127.0.0.1"},
                                    {"port", endpoint().substr(prefix.size())},
                                    {"sslmode", "disable"},
                                    {"gssencmode", "disable"}});
}

}  // namespace sqs2pg::testing
