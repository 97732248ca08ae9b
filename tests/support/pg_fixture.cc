#include "support/pg_fixture.h"

#include <cstdlib>
#include <random>

namespace sqs2pg::testing {

void PgSchemaFixture::SetUp() {
  const char* url = std::getenv("SQS2PG_TEST_DATABASE_URL");
  ASSERT_TRUE(url != nullptr && *url != '\0')
      << "SQS2PG_TEST_DATABASE_URL is not set: run integration tests through `make test`, which "
         "starts PostgreSQL";
  database_url_ = url;
  conn_ = PQconnectdb(database_url_.c_str());
  ASSERT_EQ(PQstatus(conn_), CONNECTION_OK) << PQerrorMessage(conn_);
  std::random_device rd;
  schema_ = "t_" + std::to_string(rd() % 100000000);
  table_ = schema_ + ".user_logins";
  Exec("CREATE SCHEMA " + schema_);
  Exec("CREATE TABLE " + table_ +
       "(user_id varchar(128), device_type varchar(32), masked_ip varchar(256), "
       "masked_device_id varchar(256), locale varchar(32), app_version integer, "
       "create_date date)");
}

void PgSchemaFixture::TearDown() {
  if (conn_ != nullptr) {
    if (!schema_.empty()) Exec("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE");
    PQfinish(conn_);
    conn_ = nullptr;
  }
}

void PgSchemaFixture::Exec(const std::string& sql) {
  PGresult* r = PQexec(conn_, sql.c_str());
  EXPECT_TRUE(PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK)
      << sql << ": " << PQerrorMessage(conn_);
  PQclear(r);
}

std::vector<std::vector<std::string>> PgSchemaFixture::Query(
    const std::string& sql, const std::vector<std::string>& params) {
  std::vector<const char*> values;
  for (const auto& p : params) values.push_back(p.c_str());
  PGresult* r = PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr,
                             values.data(), nullptr, nullptr, 0);
  std::vector<std::vector<std::string>> rows;
  EXPECT_EQ(PQresultStatus(r), PGRES_TUPLES_OK) << sql << ": " << PQerrorMessage(conn_);
  for (int i = 0; i < PQntuples(r); ++i) {
    std::vector<std::string> row;
    for (int j = 0; j < PQnfields(r); ++j) row.emplace_back(PQgetvalue(r, i, j));
    rows.push_back(std::move(row));
  }
  PQclear(r);
  return rows;
}

int64_t PgSchemaFixture::Count(const std::string& sql) {
  auto rows = Query(sql);
  if (rows.empty() || rows[0].empty()) return -1;
  return std::atoll(rows[0][0].c_str());
}

}  // namespace sqs2pg::testing
