#include "support/pg_test_role.h"

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <cstdlib>
#include <random>

namespace sqs2pg::testing {
namespace {

// 'value' with backslashes and single quotes escaped, for a key=value conninfo.
std::string Quoted(const std::string& value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\\' || c == '\'') out += '\\';
    out += c;
  }
  return out + "'";
}

// Runs `sql` on a new connection to `conninfo`; "" on success, else the error message.
std::string ExecOn(const std::string& conninfo, const std::string& sql) {
  PGconn* conn = PQconnectdb(conninfo.c_str());
  std::string error;
  if (PQstatus(conn) != CONNECTION_OK) {
    error = PQerrorMessage(conn);
  } else {
    PGresult* r = PQexec(conn, sql.c_str());
    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) {
      error = PQerrorMessage(conn);
      if (error.empty()) error = "failed";
    }
    PQclear(r);
  }
  PQfinish(conn);
  return error;
}

}  // namespace

std::string TestDatabaseConninfo(const std::map<std::string, std::string>& overrides) {
  const char* url = std::getenv("SQS2PG_TEST_DATABASE_URL");
  if (url == nullptr || *url == '\0') return "";
  std::map<std::string, std::string> params;
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(url, &error);
  if (error != nullptr) PQfreemem(error);
  if (options == nullptr) return "";
  for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    if (o->val != nullptr && *o->val != '\0') params[o->keyword] = o->val;
  }
  PQconninfoFree(options);
  for (const auto& [key, value] : overrides) params[key] = value;
  std::string out;
  for (const auto& [key, value] : params) {
    if (!out.empty()) out += ' ';
    out += key + "=" + Quoted(value);
  }
  return out;
}

PgTestRole::PgTestRole(const std::string& prefix) {
  std::random_device rd;
  name_ = prefix + "_" + std::to_string(rd() % 100000000);
  const std::string error =
      ExecOn(TestDatabaseConninfo(), "CREATE ROLE " + name_ + " LOGIN NOSUPERUSER");
  if (!error.empty()) ADD_FAILURE() << "CREATE ROLE " << name_ << ": " << error;
}

PgTestRole::~PgTestRole() {
  const std::string error =
      ExecOn(TestDatabaseConninfo(), "DROP OWNED BY " + name_ + " CASCADE; DROP ROLE " + name_);
  if (!error.empty()) ADD_FAILURE() << "DROP ROLE " << name_ << ": " << error;
}

std::string PgTestRole::Conninfo() const { return TestDatabaseConninfo({{"user", name_}}); }

std::string PgTestRole::Exec(const std::string& sql) const { return ExecOn(Conninfo(), sql); }

}  // namespace sqs2pg::testing
