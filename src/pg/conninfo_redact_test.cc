#include "pg/conninfo_redact.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <string>

namespace sqs2pg::pg {
namespace {

// No trace of `secret` in `shown`, not even its tail (the old redaction printed the tail of a
// password holding '/' or '@').
void ExpectNoSecret(const std::string& shown, const std::string& secret) {
  EXPECT_EQ(shown.find(secret), std::string::npos) << "shows the secret";
  EXPECT_EQ(shown.find(secret.substr(secret.size() / 2)), std::string::npos)
      << "shows the secret's tail";
}

TEST(RedactConninfoTest, ShowsOnlyHostPortDatabaseAndUser) {
  EXPECT_EQ(RedactConninfo("postgresql://app:s3cret@db.example:5432/logins?sslmode=require"),
            "host=db.example port=5432 dbname=logins user=app");
  EXPECT_EQ(RedactConninfo("host=db user=app password=s3cret dbname=x"),
            "host=db dbname=x user=app");
  EXPECT_EQ(RedactConninfo("hostaddr=10.0.0.5 host=db.example.com port=6432"),
            "host=db.example.com hostaddr=10.0.0.5 port=6432");
  EXPECT_EQ(RedactConninfo("postgresql://h1,h2:5433/d"), "host=h1,h2 port=,5433 dbname=d");
  EXPECT_EQ(RedactConninfo("user='my user'"), "user='my user'");
  EXPECT_EQ(RedactConninfo(""), "libpq defaults");
  EXPECT_EQ(RedactConninfo("sslmode=require"), "libpq defaults");
  EXPECT_EQ(RedactConninfo("host=db password"), "<unparseable connection string>");
}

// Issue 19 item 8: passwords holding '/' or '@' came out whole or by their tail, and sslpassword
// was never redacted.
TEST(RedactConninfoTest, NeverShowsAnyPassword) {
  ExpectNoSecret(RedactConninfo("postgresql://loader:Pa5s/w0rdTail@host/db"), "Pa5s/w0rdTail");
  ExpectNoSecret(RedactConninfo("postgresql://loader:Pa@ssw0rd@host/db"), "Pa@ssw0rd");
  ExpectNoSecret(RedactConninfo("postgresql://loader:Pa@ssw0rd@host/db"), "ssw0rd@host");
  ExpectNoSecret(RedactConninfo("host=db sslcert=c sslkey=k sslpassword=KeyPassphrase9"),
                 "KeyPassphrase9");
  ExpectNoSecret(RedactConninfo("postgres://app@db/x?password=s3cretValue&application_name=a"),
                 "s3cretValue");
  ExpectNoSecret(RedactConninfo("host=db password = 'it\\'s secret' port=5"), "it's secret");
  // A dbname that is itself a URI (libpq would treat it as a plain name) is not shown either.
  ExpectNoSecret(RedactConninfo("dbname='postgresql://u:NestedPw1@h/d'"), "NestedPw1");
  // libpq reads this one as host "loader", port "Pa5s", dbname "w0rdTail@host/db".
  EXPECT_NE(RedactConninfo("postgresql://loader:Pa5s/w0rdTail@host/db").find("misreads"),
            std::string::npos);
  // ... and this one as password "Pa", host "ssw0rd@host".
  EXPECT_NE(RedactConninfo("postgresql://loader:Pa@ssw0rd@host/db").find("misreads"),
            std::string::npos);
  // The host was left out: the password's head would be the port.
  ExpectNoSecret(RedactConninfo("postgresql://loader:Secret99/db"), "Secret99");
  // Percent-encoded, they are read as meant.
  EXPECT_EQ(RedactConninfo("postgresql://loader:Pa5s%2Fw0rd%40Tail@host/db"),
            "host=host dbname=db user=loader");
  EXPECT_EQ(RedactConninfo("postgresql://user%40server@host/db?sslrootcert=/a@b"),
            "host=host dbname=db user=user@server");
}

TEST(ConninfoMisreadTest, UnencodedSlashOrAtInTheUserPartOrABadPort) {
  EXPECT_TRUE(ConninfoMisread("postgresql://loader:Pa5s/w0rdTail@host/db"));
  EXPECT_TRUE(ConninfoMisread("postgresql://loader:Pa@ssw0rd@host/db"));
  EXPECT_TRUE(ConninfoMisread("postgres://loader:Secret99/db"));
  EXPECT_TRUE(ConninfoMisread("host=db port=Secret99"));
  EXPECT_FALSE(ConninfoMisread("postgresql://loader:Pa5s%2Fw0rd%40Tail@host:5432/db"));
  EXPECT_FALSE(ConninfoMisread("postgresql://h1:5432,h2/db?sslrootcert=/etc/a@b.pem"));
  EXPECT_FALSE(ConninfoMisread("host=db port=5432 password=a/b@c"));
  EXPECT_FALSE(ConninfoMisread(""));
}

TEST(ConninfoHasPasswordTest, AnyKeywordEndingInPassword) {
  EXPECT_TRUE(ConninfoHasPassword("postgresql://loader:Pa5s/w0rd@host/db"));
  EXPECT_TRUE(ConninfoHasPassword("postgresql://loader:Pa@ssw0rd@host/db"));
  EXPECT_TRUE(ConninfoHasPassword("postgresql://loader@host/db?password=x"));
  EXPECT_TRUE(ConninfoHasPassword("host=db password=x"));
  EXPECT_TRUE(ConninfoHasPassword("host=db sslpassword=x"));
  EXPECT_FALSE(ConninfoHasPassword("postgresql://loader@host/db?sslmode=verify-full"));
  EXPECT_FALSE(ConninfoHasPassword("host=db user=loader passfile=/etc/pgpass"));
  EXPECT_FALSE(ConninfoHasPassword(""));
  EXPECT_FALSE(ConninfoHasPassword("host=db password"));  // unparseable
}

// Issue 19 item 12: which servers may receive the password unverified.
TEST(UnverifiedRemoteHostTest, RemoteHostsNeedVerifyFull) {
  auto warn = UnverifiedRemoteHost("db.example.com", "", "require");
  ASSERT_TRUE(warn.has_value());
  EXPECT_EQ(warn->host, "db.example.com");
  EXPECT_EQ(warn->sslmode, "require");
  for (const char* weak : {"disable", "allow", "prefer", "require", "verify-ca"}) {
    EXPECT_TRUE(UnverifiedRemoteHost("db.example.com", "", weak).has_value()) << weak;
  }
  EXPECT_EQ(UnverifiedRemoteHost("10.1.2.3", "", "")->sslmode, "prefer");  // libpq's default
  EXPECT_FALSE(UnverifiedRemoteHost("db.example.com", "", "verify-full").has_value());
  // The name is what verify-full checks, even when hostaddr points at this machine.
  EXPECT_EQ(UnverifiedRemoteHost("db.example.com", "127.0.0.1", "prefer")->host, "db.example.com");
  EXPECT_EQ(UnverifiedRemoteHost("", "192.0.2.7", "require")->host, "192.0.2.7");
  EXPECT_EQ(UnverifiedRemoteHost("localhost,db2.example", "", "require")->host, "db2.example");
}

TEST(UnverifiedRemoteHostTest, LocalServersNeedNothing) {
  for (const char* local : {"", "/var/run/postgresql", "@abstract", "localhost", "LOCALHOST",
                            "127.0.0.1", "127.9.8.7", "::1", "[::1]", "::ffff:127.0.0.1"}) {
    EXPECT_FALSE(UnverifiedRemoteHost(local, "", "disable").has_value()) << local;
  }
  EXPECT_FALSE(UnverifiedRemoteHost("", "127.0.0.1", "disable").has_value());
  EXPECT_FALSE(UnverifiedRemoteHost("localhost,/tmp", "", "prefer").has_value());
  EXPECT_TRUE(UnverifiedRemoteHost("128.0.0.1", "", "prefer").has_value());
  EXPECT_TRUE(UnverifiedRemoteHost("localhost.example.com", "", "prefer").has_value());
}

TEST(UnverifiedRemoteHostTest, ReadsTheConnectionStringLikeLibpq) {
  unsetenv("PGHOST");
  unsetenv("PGHOSTADDR");
  unsetenv("PGSSLMODE");
  auto uri = UnverifiedRemoteServer("postgresql://u:p@db.example.com/x?sslmode=require");
  ASSERT_TRUE(uri.has_value());
  EXPECT_EQ(uri->host, "db.example.com");
  EXPECT_EQ(uri->sslmode, "require");
  EXPECT_EQ(UnverifiedRemoteServer("hostaddr=127.0.0.1 host=db.example.com")->sslmode, "prefer");
  EXPECT_FALSE(
      UnverifiedRemoteServer("host=db.example.com sslmode=verify-full sslrootcert=ca").has_value());
  EXPECT_FALSE(UnverifiedRemoteServer("postgresql://u@127.0.0.1:5432/x").has_value());
  EXPECT_FALSE(UnverifiedRemoteServer("").has_value());                  // Unix socket
  EXPECT_FALSE(UnverifiedRemoteServer("host=db password").has_value());  // unparseable
  // What the string leaves out comes from the environment, as when libpq connects.
  setenv("PGHOST", "db.example.com", 1);
  setenv("PGSSLMODE", "verify-ca", 1);
  auto from_env = UnverifiedRemoteServer("dbname=x");
  setenv("PGSSLMODE", "verify-full", 1);
  auto verified = UnverifiedRemoteServer("dbname=x");
  unsetenv("PGHOST");
  unsetenv("PGSSLMODE");
  ASSERT_TRUE(from_env.has_value());
  EXPECT_EQ(from_env->host, "db.example.com");
  EXPECT_EQ(from_env->sslmode, "verify-ca");
  EXPECT_FALSE(verified.has_value());
}

TEST(UnverifiedRemoteHostTest, WarningNamesHostAndSslmodeOnly) {
  const std::string text = UnverifiedServerWarning({"db.example.com", "require"});
  EXPECT_NE(text.find("db.example.com"), std::string::npos) << text;
  EXPECT_NE(text.find("sslmode=require"), std::string::npos) << text;
  EXPECT_NE(text.find("verify-full"), std::string::npos) << text;
}

}  // namespace
}  // namespace sqs2pg::pg
