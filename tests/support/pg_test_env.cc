#include "support/pg_test_env.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <random>

namespace sqs2pg::pgtest {

std::optional<std::string> TestDatabaseUrl() {
  const char* url = std::getenv(kTestDatabaseUrlEnv);
  if (url == nullptr || *url == '\0') return std::nullopt;
  return std::string(url);
}

void PgTest::SetUp() {
  std::optional<std::string> url = TestDatabaseUrl();
  if (!url.has_value()) {
    GTEST_FAIL() << kTestDatabaseUrlEnv
                 << " is not set: run through `make test`, which starts PostgreSQL";
  }
  url_ = *url;
  Result<pg::Connection> conn = pg::Connection::Open(url_);
  if (!conn.ok()) {
    GTEST_FAIL() << "cannot connect to the test database (" << pg::RedactConninfo(url_)
                 << "): " << conn.status().ToString();
  }
  admin_.emplace(std::move(conn).value());
  static std::atomic<int> counter{0};
  std::random_device rd;
  schema_ = "sqs2pg_test_" + std::to_string(getpid()) + "_" + std::to_string(++counter) + "_" +
            std::to_string(rd() % 100000);
  Status created = admin_->Exec("CREATE SCHEMA " + schema_);
  ASSERT_TRUE(created.ok()) << created.ToString();
}

void PgTest::TearDown() {
  if (!admin_.has_value() || schema_.empty()) return;
  if (admin_->IsBroken()) {
    Result<pg::Connection> conn = pg::Connection::Open(url_);
    if (!conn.ok()) return;
    admin_.emplace(std::move(conn).value());
  }
  Status dropped = admin_->Exec("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE");
  EXPECT_TRUE(dropped.ok()) << dropped.ToString();
}

std::string PgTest::UrlWith(std::string_view key, std::string_view value) const {
  std::string out = url_;
  if (out.find("://") != std::string::npos) {
    out += out.find('?') == std::string::npos ? '?' : '&';
  } else {
    out += ' ';
  }
  out.append(key);
  out += '=';
  out.append(value);
  return out;
}

std::string PgTest::Table(std::string_view name) const { return schema_ + "." + std::string(name); }

void PgTest::Exec(std::string_view sql) {
  Status s = admin_->Exec(sql);
  if (!s.ok()) ADD_FAILURE() << "SQL failed: " << sql << ": " << s.ToString();
}

std::string PgTest::Scalar(const std::string& sql) {
  Result<pg::PgResult> r = admin_->Query(sql);
  if (!r.ok()) {
    ADD_FAILURE() << "SQL failed: " << sql << ": " << r.status().ToString();
    return "";
  }
  if (r->rows() == 0) return "";
  if (r->IsNull(0, 0)) return "<null>";
  return std::string(r->Get(0, 0));
}

void PgTest::CreateTable(std::string_view columns, std::string_view name) {
  Exec("CREATE TABLE " + Table(name) + " (" + std::string(columns) + ")");
}

}  // namespace sqs2pg::pgtest
