#include "support/pg_fault_proxy.h"

#include <libpq-fe.h>

#include <cstdlib>
#include <map>
#include <vector>

namespace sqs2pg::testing {
namespace {

// The test database's connection parameters that libpq would use ("" for unset ones).
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

// 'value' with backslashes and single quotes escaped, for a key=value conninfo.
std::string Quoted(const std::string& value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\\' || c == '\'') out += '\\';
    out += c;
  }
  return out + "'";
}

}  // namespace

PgFaultProxy::PgFaultProxy(const std::string& fault, int times)
    : StandIn("tests/support/pg_fault_proxy.mjs", ProxyArgs(fault, times)) {
  std::map<std::string, std::string> db = TestDatabaseParams();
  const std::string prefix = "http://127.0.0.1:";
  if (db.empty() || endpoint().rfind(prefix, 0) != 0) return;
  conninfo_ = "host=127.0.0.1 port=" + endpoint().substr(prefix.size()) +
              " sslmode=disable gssencmode=disable";
  for (const char* key : {"dbname", "user", "password"}) {
    if (db.count(key)) conninfo_ += std::string(" ") + key + "=" + Quoted(db[key]);
  }
}

}  // namespace sqs2pg::testing
