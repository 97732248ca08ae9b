// Sidecar DDL (ledger, rejects, functions) against a real PostgreSQL.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "pg/sidecar.h"
#include "pg/sidecar_ddl.h"
#include "support/pg_test_env.h"
#include "support/pg_test_role.h"

namespace sqs2pg::pg {
namespace {

using ::testing::HasSubstr;

class PgSidecarTest : public pgtest::PgTest {};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string Hex(const unsigned char* data, size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out += kHex[data[i] >> 4];
    out += kHex[data[i] & 0xf];
  }
  return out;
}

std::string HmacSha256(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &n);
  return std::string(reinterpret_cast<char*>(out), n);
}

TEST(PgSidecarDdlTest, SqlFileMatchesEmbeddedDdl) {
  std::string file = ReadFile(std::string(SQS2PG_SOURCE_DIR) + "/src/pg/sidecar.sql");
  ASSERT_FALSE(file.empty()) << "cannot read src/pg/sidecar.sql";
  EXPECT_EQ(file, std::string(kSidecarDdlTemplate))
      << "src/pg/sidecar.sql and kSidecarDdlTemplate (embedded from it by CMake) differ";
}

TEST(PgSidecarDdlTest, SubstitutesQuotedSchema) {
  std::string ddl = SidecarDdl("we\"ird");
  EXPECT_THAT(ddl, HasSubstr("CREATE TABLE IF NOT EXISTS \"we\"\"ird\".sqs2pg_ledger"));
  EXPECT_EQ(ddl.find(":\"schema\""), std::string::npos);
}

TEST_F(PgSidecarTest, CreatesObjectsAndIsIdempotent) {
  CreateTable();
  ASSERT_TRUE(EnsureSidecar(admin(), Table()).ok());
  EXPECT_EQ(Scalar("SELECT to_regclass('" + Table("sqs2pg_ledger") + "') IS NOT NULL"), "t");
  EXPECT_EQ(Scalar("SELECT to_regclass('" + Table("sqs2pg_rejects") + "') IS NOT NULL"), "t");
  EXPECT_EQ(Scalar("SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = '" +
                   Table("sqs2pg_ledger") + "'::regclass AND attname = 'message_key'"),
            "uuid");
  Status again = EnsureSidecar(admin(), Table());
  EXPECT_TRUE(again.ok()) << again.ToString();
  EXPECT_EQ(admin().TransactionStatus(), PQTRANS_IDLE);
  // The target is untouched.
  EXPECT_EQ(Scalar("SELECT count(*) FROM pg_attribute WHERE attrelid = '" + Table() +
                   "'::regclass AND attnum > 0"),
            "7");
}

TEST_F(PgSidecarTest, ConcurrentStartsDoNotCollide) {
  CreateTable();
  constexpr int kThreads = 6;
  std::vector<Status> results(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      Result<Connection> c = Connection::Open(url());
      if (!c.ok()) {
        results[i] = c.status();
        return;
      }
      results[i] = EnsureSidecar(*c, Table());
    });
  }
  for (std::thread& t : threads) t.join();
  for (const Status& s : results) EXPECT_TRUE(s.ok()) << s.ToString();
}

TEST_F(PgSidecarTest, AppVersionTextFunction) {
  CreateTable();
  ASSERT_TRUE(EnsureSidecar(admin(), Table()).ok());
  const std::string fn = schema() + ".sqs2pg_app_version_text";
  EXPECT_EQ(Scalar("SELECT " + fn + "(2003000)"), "2.3.0");
  EXPECT_EQ(Scalar("SELECT " + fn + "(10020003)"), "10.20.3");
  EXPECT_EQ(Scalar("SELECT " + fn + "(0)"), "0.0.0");
  EXPECT_EQ(Scalar("SELECT " + fn + "(NULL)"), "<null>");
}

TEST_F(PgSidecarTest, WrongLedgerShapeIsReported) {
  CreateTable();
  Exec("CREATE TABLE " + Table("sqs2pg_ledger") + " (message_key text PRIMARY KEY)");
  Status s = EnsureSidecar(admin(), Table());
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(s.message(), HasSubstr("not a uuid"));
}

TEST_F(PgSidecarTest, LedgerWithAnotherPrimaryKeyIsReported) {
  CreateTable();
  Exec("CREATE TABLE " + Table("sqs2pg_ledger") +
       " (message_key uuid, sent_at timestamptz, committed_at timestamptz, "
       "PRIMARY KEY (message_key, sent_at)) PARTITION BY RANGE (sent_at)");
  Status s = EnsureSidecar(admin(), Table());
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(s.message(), HasSubstr("primary key (message_key uuid, sent_at timestamp"));
  EXPECT_THAT(s.message(), HasSubstr("not created by sqs2pg"));
  Exec("DROP TABLE " + Table("sqs2pg_ledger"));
  Exec("CREATE TABLE " + Table("sqs2pg_ledger") + " (message_key uuid, committed_at timestamptz)");
  EXPECT_EQ(EnsureSidecar(admin(), Table()).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(Scalar("SELECT to_regclass('" + Table("sqs2pg_rejects") + "') IS NULL"), "t")
      << "no DDL should have run";
}

// The pre-release ledger layouts -- keyed on message_key alone (before 2026-11-30), or keyed on
// (sent_at, message_key) but not partitioned -- are not migrated: start-up refuses them, before
// any DDL, with the SQL that moves them aside; after it, start-up makes the partitioned ledger.
TEST_F(PgSidecarTest, PreReleaseLedgersAreRefusedWithTheSqlToMoveThemAside) {
  CreateTable();
  const std::string today = Scalar("SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYYMMDD')");
  const std::string rename =
      "ALTER TABLE \"" + schema() + "\".sqs2pg_ledger RENAME TO sqs2pg_ledger_old_" + today;
  for (const auto& [ddl, what] : std::vector<std::pair<std::string, std::string>>{
           {"message_key uuid PRIMARY KEY, committed_at timestamptz NOT NULL DEFAULT now()",
            "keyed on message_key alone"},
           {"sent_at timestamptz NOT NULL, message_key uuid NOT NULL, committed_at timestamptz "
            "NOT NULL DEFAULT now(), PRIMARY KEY (sent_at, message_key)",
            "not partitioned"}}) {
    Exec("CREATE TABLE " + Table("sqs2pg_ledger") + " (" + ddl + ")");
    Status s = EnsureSidecar(admin(), Table());
    EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition) << what;
    EXPECT_THAT(s.message(), HasSubstr("pre-release layout (" + what + ")"));
    EXPECT_THAT(s.message(), HasSubstr(rename));
    EXPECT_EQ(Scalar("SELECT to_regclass('" + Table("sqs2pg_rejects") + "') IS NULL"), "t")
        << "no DDL should have run";
    EXPECT_EQ(admin().TransactionStatus(), PQTRANS_IDLE);
    // The SQL in the message works: the old ledger is kept aside and a new one is made.
    Exec(rename);
    Status again = EnsureSidecar(admin(), Table());
    EXPECT_TRUE(again.ok()) << again.ToString();
    EXPECT_EQ(Scalar("SELECT relkind FROM pg_class WHERE oid = '" + Table("sqs2pg_ledger") +
                     "'::regclass"),
              "p");
    EXPECT_EQ(Scalar("SELECT relkind FROM pg_class WHERE oid = '" +
                     Table("sqs2pg_ledger_old_" + today) + "'::regclass"),
              "r");
    Exec("DROP TABLE " + Table("sqs2pg_ledger") + ", " + Table("sqs2pg_ledger_old_" + today) +
         ", " + Table("sqs2pg_rejects"));
  }
}

TEST_F(PgSidecarTest, MissingTargetIsNotFound) {
  EXPECT_EQ(EnsureSidecar(admin(), Table()).code(), StatusCode::kNotFound);
}

TEST_F(PgSidecarTest, MaskFunctionOnlyWithPgcrypto) {
  // The shared test database has pgcrypto (other tests recompute masks with it), so this runs in a
  // database of its own that lacks it.
  const std::string db = "nocrypto_" + schema();
  Exec("CREATE DATABASE " + db);
  std::string url = std::getenv("SQS2PG_TEST_DATABASE_URL");
  url = url.substr(0, url.rfind('/') + 1) + db;
  {
    Result<Connection> conn = Connection::Open(url);
    ASSERT_TRUE(conn.ok()) << conn.status().ToString();
    ASSERT_TRUE(conn->Exec("CREATE SCHEMA s").ok());
    ASSERT_TRUE(conn->Exec("CREATE TABLE s.user_logins(user_id varchar(128), device_type "
                           "varchar(32), masked_ip varchar(256), masked_device_id varchar(256), "
                           "locale varchar(32), app_version integer, create_date date)")
                    .ok());
    ASSERT_TRUE(EnsureSidecar(*conn, "s.user_logins").ok());
    Result<PgResult> r = conn->Query(
        "SELECT to_regprocedure('s.sqs2pg_mask(bytea,text,text)') IS NULL, "
        "(SELECT count(*) FROM pg_extension WHERE extname = 'pgcrypto'), "
        "to_regprocedure('s.sqs2pg_app_version_text(integer)') IS NOT NULL",
        {});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->Get(0, 0), "t");  // no mask function without pgcrypto
    EXPECT_EQ(r->Get(0, 1), "0");  // and the extension itself was not created
    EXPECT_EQ(r->Get(0, 2), "t");  // while the rest of the sidecar was
  }
  Exec("DROP DATABASE " + db);
}

TEST_F(PgSidecarTest, MaskFunctionMatchesOpenSslHmac) {
  CreateTable();
  // Installed into this test's schema, so dropping the schema removes it again.
  if (Scalar("SELECT count(*) FROM pg_extension WHERE extname = 'pgcrypto'") == "0") {
    Exec("CREATE EXTENSION pgcrypto SCHEMA " + schema());
  }
  ASSERT_TRUE(EnsureSidecar(admin(), Table()).ok());
  const std::string master = "0123456789abcdef0123456789abcdef";
  for (const auto& [field, value] : std::vector<std::pair<std::string, std::string>>{
           {"ip", "203.0.113.7"}, {"device_id", "c1a2-ÄÖ-device"}}) {
    std::string field_key = HmacSha256(master, "sqs2pg:v1:" + field);
    std::string mac = HmacSha256(field_key, value);
    std::string expected = Hex(reinterpret_cast<const unsigned char*>(mac.data()), mac.size());
    Result<PgResult> r =
        admin().Query("SELECT " + schema() + ".sqs2pg_mask(convert_to($1, 'UTF8'), $2, $3)",
                      {master, field, value});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->Get(0, 0), expected) << field;
  }
}

// Sidecar ownership (issue 19, item 15). The schema is the admin's (a superuser's, as in these
// tests); "planter" and "loader" are ordinary roles that may both use it and create in it.
class PgSidecarOwnerTest : public PgSidecarTest {
 protected:
  void SetUp() override {
    PgSidecarTest::SetUp();
    CreateTable();
    for (const testing::PgTestRole* role : {&planter_, &loader_}) {
      Exec("GRANT USAGE, CREATE ON SCHEMA " + schema() + " TO " + role->name());
    }
    Exec("GRANT SELECT, INSERT ON " + Table() + " TO " + loader_.name());
  }
  Status EnsureAsLoader() {
    Result<Connection> conn = Connection::Open(loader_.Conninfo());
    if (!conn.ok()) return conn.status();
    return EnsureSidecar(*conn, Table());
  }

  testing::PgTestRole planter_{"sqs2pg_planter"};
  testing::PgTestRole loader_{"sqs2pg_loader"};
};

// A ledger another role made first (with the right shape) is refused by name and owner before
// any DDL runs against it. (Before: CREATE INDEX on it failed with a bare "must be owner", or,
// had the planter made the index too, the ledger and its triggers were used as they were.)
TEST_F(PgSidecarOwnerTest, PlantedLedgerIsRefusedNamingItsOwner) {
  ASSERT_EQ(planter_.Exec("CREATE TABLE " + Table("sqs2pg_ledger") +
                          " (sent_at timestamptz NOT NULL, message_key uuid NOT NULL, "
                          "committed_at timestamptz NOT NULL DEFAULT now(), "
                          "PRIMARY KEY (sent_at, message_key))"),
            "");
  Status s = EnsureAsLoader();
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition) << s.ToString();
  EXPECT_THAT(s.message(), HasSubstr("table sqs2pg_ledger (owner " + planter_.name() + ")"));
  EXPECT_THAT(s.message(), HasSubstr("connecting role (" + loader_.name() + ")"));
  EXPECT_EQ(Scalar("SELECT to_regclass('" + Table("sqs2pg_rejects") + "') IS NULL"), "t")
      << "no DDL should have run";
}

// Everything is there and the admin's, but another role added an overload of a sidecar function
// (one that a bigint argument would pick): refused, although no DDL would run.
TEST_F(PgSidecarOwnerTest, PlantedFunctionOverloadIsRefused) {
  ASSERT_TRUE(EnsureSidecar(admin(), Table()).ok());
  ASSERT_EQ(planter_.Exec("CREATE FUNCTION " + schema() +
                          ".sqs2pg_app_version_text(bigint) RETURNS text LANGUAGE sql "
                          "AS $$SELECT 'planted'$$"),
            "");
  Status s = EnsureAsLoader();
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition) << s.ToString();
  EXPECT_THAT(s.message(),
              HasSubstr("function sqs2pg_app_version_text(bigint) (owner " + planter_.name()));
  EXPECT_THAT(s.message(), Not(HasSubstr("sqs2pg_ledger")));  // only what is wrong is named
}

// The normal cases: objects made ahead by the schema's owner (the admin running the script), and
// objects the connecting role made itself, are used.
TEST_F(PgSidecarOwnerTest, ObjectsOfTheSchemaOwnerOrOfTheConnectingRoleAreUsed) {
  Status own = EnsureAsLoader();  // the loader creates them: they are its own
  ASSERT_TRUE(own.ok()) << own.ToString();
  EXPECT_EQ(Scalar("SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = '" +
                   Table("sqs2pg_ledger") + "'::regclass"),
            loader_.name());
  Status again = EnsureAsLoader();
  EXPECT_TRUE(again.ok()) << again.ToString();
  // An admin-owned object next to them is trusted as well.
  Exec("CREATE FUNCTION " + schema() +
       ".sqs2pg_app_version_text(bigint) RETURNS text LANGUAGE sql AS $$SELECT 'admin'$$");
  Status mixed = EnsureAsLoader();
  EXPECT_TRUE(mixed.ok()) << mixed.ToString();
}

}  // namespace
}  // namespace sqs2pg::pg
