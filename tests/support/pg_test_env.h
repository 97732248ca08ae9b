// Test support for the PostgreSQL integration tests (suites named Pg...).
//
// Contract:
//  - The database comes from env SQS2PG_TEST_DATABASE_URL (a libpq URI or key=value string).
//    When it is unset, PgTest::SetUp() fails the test (it does not skip): the tests must run
//    through `make test`, which starts PostgreSQL.
//  - Each PgTest gets its own freshly created schema (schema()) on an admin connection, dropped
//    with CASCADE in TearDown(), so tests never see each other's tables or sidecar objects.
//  - Thread-safety: the admin connection belongs to the test's main thread.
#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>

#include "pg/connection.h"

namespace sqs2pg::pgtest {

inline constexpr const char* kTestDatabaseUrlEnv = "SQS2PG_TEST_DATABASE_URL";

// The assignment's user_logins columns.
inline constexpr const char* kUserLoginsColumns =
    "user_id varchar(128), device_type varchar(32), masked_ip varchar(256), "
    "masked_device_id varchar(256), locale varchar(32), app_version integer, create_date date";

// The conninfo, or std::nullopt when the environment variable is unset or empty.
std::optional<std::string> TestDatabaseUrl();

class PgTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  const std::string& url() const { return url_; }
  pg::Connection& admin() { return *admin_; }
  // The unquoted, lower-case schema name of this test.
  const std::string& schema() const { return schema_; }
  // url() with one more connection parameter (URI query parameter or key=value pair).
  std::string UrlWith(std::string_view key, std::string_view value) const;
  // "<schema>.<name>".
  std::string Table(std::string_view name = "user_logins") const;

  // Runs SQL on the admin connection; a failure fails the test (ADD_FAILURE).
  void Exec(std::string_view sql);
  // Runs a query and returns the first column of the first row ("" if none; NULL -> "<null>").
  std::string Scalar(const std::string& sql);
  // CREATE TABLE <schema>.<name> (<columns>).
  void CreateTable(std::string_view columns = kUserLoginsColumns,
                   std::string_view name = "user_logins");

 private:
  std::string url_;
  std::string schema_;
  std::optional<pg::Connection> admin_;
};

}  // namespace sqs2pg::pgtest
