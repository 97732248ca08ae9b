// PgSchemaFixture: a throwaway schema holding the assignment's user_logins table, in the
// PostgreSQL started by `make test` (SQS2PG_TEST_DATABASE_URL). Queries go through libpq directly,
// not through sqs2pg's own pg module, so tests check the product against independent code.
//
// Contract: SetUp creates schema "t_<random>" and <schema>.user_logins; TearDown drops the schema
// with everything sqs2pg created in it. A missing SQS2PG_TEST_DATABASE_URL fails the test.
#pragma once

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <string>
#include <vector>

namespace sqs2pg::testing {

class PgSchemaFixture : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Runs a statement and fails the test on error.
  void Exec(const std::string& sql);
  // Runs a query with text parameters; returns rows of text values ("" for NULL, see IsNull...).
  std::vector<std::vector<std::string>> Query(const std::string& sql,
                                              const std::vector<std::string>& params = {});
  int64_t Count(const std::string& sql);

  std::string database_url_;
  std::string schema_;
  std::string table_;  // schema-qualified
  PGconn* conn_ = nullptr;
};

}  // namespace sqs2pg::testing
