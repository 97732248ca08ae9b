// Connection and error mapping against a real PostgreSQL.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "pg/connection.h"
#include "support/pg_test_env.h"

namespace sqs2pg::pg {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class PgConnectionTest : public pgtest::PgTest {};

TEST_F(PgConnectionTest, OpensWithApplicationNameAndUtf8) {
  Result<Connection> c = Connection::Open(url());
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  Result<PgResult> r = c->Query(
      "SELECT current_setting('application_name'), "
      "current_setting('client_encoding')");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->Get(0, 0), "sqs2pg");
  EXPECT_EQ(r->Get(0, 1), "UTF8");
  EXPECT_FALSE(c->IsBroken());
}

TEST_F(PgConnectionTest, ExplicitApplicationNameWins) {
  Result<Connection> c = Connection::Open(UrlWith("application_name", "custom"));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  Result<PgResult> r = c->Query("SELECT current_setting('application_name')");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->Get(0, 0), "custom");
}

TEST_F(PgConnectionTest, QueryWithTextParameters) {
  Result<PgResult> r =
      admin().Query("SELECT $1::int + $2::int, $3::text IS NULL, $3", {"2", "40", "x'y"});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->GetInt(0, 0), 42);
  EXPECT_FALSE(r->GetBool(0, 1));
  EXPECT_EQ(r->Get(0, 2), "x'y");
}

TEST_F(PgConnectionTest, UndefinedTableIsNotFoundWithSqlState) {
  Result<PgResult> r = admin().Query("SELECT * FROM " + Table("nope"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(r.status().message(), HasSubstr("SQLSTATE 42P01"));
  EXPECT_EQ(admin().last_error().sqlstate, "42P01");
  Status s = admin().Exec("SELECT * FROM " + Table("nope"));
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
}

TEST_F(PgConnectionTest, SyntaxErrorIsFailedPrecondition) {
  Status s = admin().Exec("SELEC 1");
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(s.message(), HasSubstr("42601"));
}

TEST_F(PgConnectionTest, DataErrorsDoNotQuoteValues) {
  Result<PgResult> r = admin().Query("SELECT $1::int", {"secret-user-42"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("22P02"));
  EXPECT_THAT(r.status().message(), Not(HasSubstr("secret-user-42")));
}

TEST_F(PgConnectionTest, RaisedExceptionTextIsNotShown) {
  Status s = admin().Exec("DO $$BEGIN RAISE EXCEPTION 'user % is bad', 'secret-user-42'; END$$");
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("P0001"));
  EXPECT_THAT(s.message(), Not(HasSubstr("secret-user-42")));
}

TEST_F(PgConnectionTest, TerminatedBackendIsUnavailable) {
  Result<Connection> c = Connection::Open(url());
  ASSERT_TRUE(c.ok());
  Result<PgResult> pid = c->Query("SELECT pg_backend_pid()");
  ASSERT_TRUE(pid.ok());
  Exec("SELECT pg_terminate_backend(" + std::string(pid->Get(0, 0)) + ", 5000)");
  Status s = c->Exec("SELECT 1");
  EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s.ToString();
  EXPECT_TRUE(c->IsBroken());
  EXPECT_EQ(c->Exec("SELECT 1").code(), StatusCode::kUnavailable);
}

TEST_F(PgConnectionTest, RefusedConnectionIsUnavailable) {
  Result<Connection> c = Connection::Open("postgresql://nobody:hunter2@127.0.0.1:1/db");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(c.status().message(), Not(HasSubstr("hunter2")));
}

TEST_F(PgConnectionTest, UnparseableConninfoIsInvalidArgument) {
  Result<Connection> c = Connection::Open("host=localhost password hunter2");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(c.status().message(), Not(HasSubstr("hunter2")));
}

TEST_F(PgConnectionTest, CopyInText) {
  CreateTable("a int, b text");
  Status s = admin().CopyIn("COPY " + Table() + " (a, b) FROM STDIN", "1\tx\n2\t\\N\n");
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(Scalar("SELECT count(*) FROM " + Table() + " WHERE b IS NULL"), "1");
  // A failing COPY leaves the connection usable.
  Status bad = admin().CopyIn("COPY " + Table() + " (a, b) FROM STDIN", "1\tx\nnope\ty\n");
  EXPECT_EQ(bad.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(admin().last_error().copy_line, 2);
  EXPECT_THAT(bad.message(), Not(HasSubstr("nope")));
  EXPECT_EQ(Scalar("SELECT count(*) FROM " + Table()), "2");
}

// A transaction that failed earlier (here: an error the caller ignored) is answered COMMIT ->
// PGRES_COMMAND_OK with the tag ROLLBACK. Commit() must not call that a success: nothing was
// committed, and the caller may retry the whole transaction.
TEST_F(PgConnectionTest, CommitAnsweredWithRollbackIsRetryableAndCommitsNothing) {
  CreateTable("a int");
  Result<Connection> c = Connection::Open(url());
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_TRUE(c->Exec("BEGIN").ok());
  ASSERT_TRUE(c->Exec("INSERT INTO " + Table() + " VALUES (1)").ok());
  EXPECT_FALSE(c->Exec("SELECT 1 / 0").ok());  // the transaction is now aborted
  Status s = c->Commit();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s.ToString();
  EXPECT_THAT(s.message(), HasSubstr("ROLLBACK"));
  EXPECT_THAT(s.message(), HasSubstr("nothing was committed"));
  EXPECT_EQ(c->last_command_tag(), "ROLLBACK");
  EXPECT_EQ(c->TransactionStatus(), PQTRANS_IDLE);
  EXPECT_FALSE(c->IsBroken());
  EXPECT_EQ(Scalar("SELECT count(*) FROM " + Table()), "0");

  // The same connection then commits normally.
  ASSERT_TRUE(c->Exec("BEGIN").ok());
  ASSERT_TRUE(c->Exec("INSERT INTO " + Table() + " VALUES (2)").ok());
  Status ok = c->Commit();
  EXPECT_TRUE(ok.ok()) << ok.ToString();
  EXPECT_EQ(c->last_command_tag(), "COMMIT");
  EXPECT_EQ(Scalar("SELECT count(*) FROM " + Table()), "1");
}

TEST(PgCommitTagTest, OnlyCommitIsSuccess) {
  EXPECT_TRUE(CheckCommitTag("COMMIT", "x").ok());
  for (const char* tag : {"ROLLBACK", "", "COMMIT PREPARED", "commit"}) {
    Status s = CheckCommitTag(tag, "committing batch");
    EXPECT_EQ(s.code(), StatusCode::kUnavailable) << tag;
    EXPECT_THAT(s.message(), HasSubstr("committing batch")) << tag;
  }
}

}  // namespace
}  // namespace sqs2pg::pg
