// Target-table introspection against a real PostgreSQL.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "pg/schema.h"
#include "support/pg_test_env.h"

namespace sqs2pg::pg {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

class PgSchemaTest : public pgtest::PgTest {};

TEST_F(PgSchemaTest, AssignmentTableIsAccepted) {
  CreateTable();
  Result<TargetTable> t = DescribeTarget(admin(), Table());
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->schema, schema());
  EXPECT_EQ(t->name, "user_logins");
  EXPECT_EQ(t->qualified, schema() + ".user_logins");
  EXPECT_EQ(t->columns.user_id_max_chars, 128);
  EXPECT_EQ(t->columns.device_type_max_chars, 32);
  EXPECT_EQ(t->columns.masked_ip_max_chars, 256);
  EXPECT_EQ(t->columns.masked_device_id_max_chars, 256);
  EXPECT_EQ(t->columns.locale_max_chars, 32);
  EXPECT_EQ(t->columns.app_version_type, transform::VersionColumnType::kInteger);
  EXPECT_EQ(t->app_version_wire, AppVersionWire::kInt4);

  Result<transform::TargetColumns> c = IntrospectTarget(admin(), Table());
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->user_id_max_chars, 128);
}

TEST_F(PgSchemaTest, UnqualifiedNameFollowsSearchPath) {
  CreateTable();
  Exec("SET search_path = " + schema());
  Result<TargetTable> t = DescribeTarget(admin(), "user_logins");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->schema, schema());
  // Unquoted parts fold to lower case, as in SQL.
  EXPECT_TRUE(DescribeTarget(admin(), "USER_LOGINS").ok());
}

TEST_F(PgSchemaTest, QuotedMixedCaseNames) {
  Exec("CREATE SCHEMA \"" + schema() + "_Mixed\"");
  Exec("CREATE TABLE \"" + schema() + "_Mixed\".\"Logins\" (" +
       std::string(pgtest::kUserLoginsColumns) + ")");
  Result<TargetTable> t = DescribeTarget(admin(), "\"" + schema() + "_Mixed\".\"Logins\"");
  Exec("DROP SCHEMA \"" + schema() + "_Mixed\" CASCADE");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->name, "Logins");
  EXPECT_EQ(t->qualified, "\"" + schema() + "_Mixed\".\"Logins\"");
}

TEST_F(PgSchemaTest, MissingTableIsNotFound) {
  Result<TargetTable> t = DescribeTarget(admin(), Table());
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(t.status().message(), "table " + Table() + " does not exist");

  Exec("SET search_path = " + schema());
  Result<TargetTable> u = DescribeTarget(admin(), "user_logins");
  ASSERT_FALSE(u.ok());
  EXPECT_EQ(u.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(u.status().message(), HasSubstr("schemas searched: " + schema()));
}

TEST_F(PgSchemaTest, MissingSchemaIsNotFound) {
  Result<TargetTable> t = DescribeTarget(admin(), schema() + "_nope.user_logins");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), StatusCode::kNotFound);
}

TEST_F(PgSchemaTest, MalformedNameIsInvalidArgument) {
  Result<TargetTable> t = DescribeTarget(admin(), "a b c");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(DescribeTarget(admin(), "").status().code(), StatusCode::kInvalidArgument);
}

TEST_F(PgSchemaTest, MissingColumnsAreAllListed) {
  CreateTable("user_id varchar(128), masked_ip text, locale text, create_date date");
  Result<TargetTable> t = DescribeTarget(admin(), Table());
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(t.status().message(),
              HasSubstr("missing column(s): device_type, masked_device_id, app_version"));
}

TEST_F(PgSchemaTest, WrongTypesNameColumnFoundAndAllowed) {
  CreateTable(
      "user_id integer, device_type char(10), masked_ip text, masked_device_id text, "
      "locale text, app_version smallint, create_date timestamptz");
  Result<TargetTable> t = DescribeTarget(admin(), Table());
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), StatusCode::kFailedPrecondition);
  const std::string& m = t.status().message();
  EXPECT_THAT(m, HasSubstr("column user_id has type integer (allowed: text or character "
                           "varying[(n)])"));
  EXPECT_THAT(m, HasSubstr("column device_type has type character(10)"));
  EXPECT_THAT(m, HasSubstr("column app_version has type smallint (allowed: integer, bigint, "
                           "text or character varying[(n)])"));
  EXPECT_THAT(m, HasSubstr("column create_date has type timestamp with time zone (allowed: "
                           "date)"));
}

TEST_F(PgSchemaTest, TextAppVersionColumn) {
  CreateTable(
      "user_id text, device_type text, masked_ip char varying(64), masked_device_id text, "
      "locale text, app_version varchar(20), create_date date");
  Result<TargetTable> t = DescribeTarget(admin(), Table());
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->columns.app_version_type, transform::VersionColumnType::kText);
  EXPECT_EQ(t->columns.app_version_max_chars, 20);
  EXPECT_EQ(t->app_version_wire, AppVersionWire::kText);
  EXPECT_EQ(t->columns.user_id_max_chars, -1);
  EXPECT_EQ(t->columns.masked_ip_max_chars, 64);
}

TEST_F(PgSchemaTest, BigintAppVersionColumn) {
  CreateTable(
      "user_id text, device_type text, masked_ip text, masked_device_id text, "
      "locale text, app_version bigint, create_date date");
  Result<TargetTable> t = DescribeTarget(admin(), Table());
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->columns.app_version_type, transform::VersionColumnType::kInteger);
  EXPECT_EQ(t->app_version_wire, AppVersionWire::kInt8);
}

TEST_F(PgSchemaTest, MaskedColumnTooShort) {
  CreateTable(
      "user_id text, device_type text, masked_ip varchar(32), masked_device_id varchar(63), "
      "locale text, app_version integer, create_date date");
  Result<TargetTable> t = DescribeTarget(admin(), Table());
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(t.status().message(),
              AllOf(HasSubstr("column masked_ip is character varying(32), too short"),
                    HasSubstr("column masked_device_id is character varying(63), too short")));
}

TEST_F(PgSchemaTest, ExtraColumnsNeedDefaultOrNullability) {
  CreateTable(std::string(pgtest::kUserLoginsColumns) +
              ", id bigint GENERATED ALWAYS AS IDENTITY, loaded_at timestamptz NOT NULL DEFAULT "
              "now(), note text, day_of_week int GENERATED ALWAYS AS "
              "(extract(dow from create_date)::int) STORED");
  Result<TargetTable> ok = DescribeTarget(admin(), Table());
  EXPECT_TRUE(ok.ok()) << ok.status().ToString();

  Exec("ALTER TABLE " + Table() + " ADD COLUMN must_fill text NOT NULL");
  Result<TargetTable> t = DescribeTarget(admin(), Table());
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(t.status().message(),
              AllOf(HasSubstr("must_fill"), Not(HasSubstr("loaded_at")), Not(HasSubstr("id,"))));
}

TEST_F(PgSchemaTest, NotNullLocaleIsRefused) {
  CreateTable(
      "user_id text, device_type text, masked_ip text, masked_device_id text, "
      "locale text NOT NULL, app_version integer, create_date date");
  Result<TargetTable> t = DescribeTarget(admin(), Table());
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(t.status().message(), HasSubstr("column locale is NOT NULL"));
}

TEST_F(PgSchemaTest, ViewIsNotATable) {
  CreateTable();
  Exec("CREATE VIEW " + Table("v") + " AS SELECT * FROM " + Table());
  Result<TargetTable> t = DescribeTarget(admin(), Table("v"));
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(t.status().message(), HasSubstr("is not a table"));
}

TEST_F(PgSchemaTest, NeverAltersTheTarget) {
  CreateTable("user_id text");
  std::string before = Scalar(
      "SELECT string_agg(attname || ':' || format_type(atttypid, atttypmod), ',') FROM "
      "pg_attribute WHERE attrelid = '" +
      Table() + "'::regclass AND attnum > 0");
  EXPECT_FALSE(DescribeTarget(admin(), Table()).ok());
  std::string after = Scalar(
      "SELECT string_agg(attname || ':' || format_type(atttypid, atttypmod), ',') FROM "
      "pg_attribute WHERE attrelid = '" +
      Table() + "'::regclass AND attnum > 0");
  EXPECT_EQ(before, after);
}

}  // namespace
}  // namespace sqs2pg::pg
