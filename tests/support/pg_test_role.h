// PgTestRole: a second PostgreSQL role for tests that need one (least privilege, objects owned by
// someone else), in the test cluster of SQS2PG_TEST_DATABASE_URL.
//
// Contract: the constructor creates a LOGIN role (no superuser, no CREATEDB, no CREATEROLE) named
// "<prefix>_<random>"; the destructor drops everything it owns in the test database and the role
// itself. Roles are cluster-wide, so names are unique per object. Failures fail the calling test
// (ADD_FAILURE). Thread-compatible.
#pragma once

#include <map>
#include <string>

namespace sqs2pg::testing {

// A libpq key=value conninfo for the test database (SQS2PG_TEST_DATABASE_URL) with `overrides`
// (keyword -> value) replacing or adding parameters; empty if the variable is unset.
std::string TestDatabaseConninfo(const std::map<std::string, std::string>& overrides = {});

class PgTestRole {
 public:
  explicit PgTestRole(const std::string& prefix);
  ~PgTestRole();
  PgTestRole(const PgTestRole&) = delete;
  PgTestRole& operator=(const PgTestRole&) = delete;

  const std::string& name() const { return name_; }
  // The test database, connecting as this role.
  std::string Conninfo() const;
  // Runs `sql` (one or more statements) as this role on a connection of its own; "" on success,
  // else the server's error message.
  std::string Exec(const std::string& sql) const;

 private:
  std::string name_;
};

}  // namespace sqs2pg::testing
