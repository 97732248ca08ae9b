// Issue 19, item 15, end to end: `sqs2pg drain` as an ordinary role refuses sidecar objects that
// another role planted in the target's schema (here a ledger with a trigger that copies every
// key into the planter's table), naming the object and its owner, and loads normally when the
// sidecar was made ahead by the schema's owner with src/pg/sidecar.sql.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "pg/sidecar_ddl.h"
#include "support/pg_test_role.h"
#include "support/process.h"
#include "support/sqs2pg_fixture.h"
#include "support/sqs_test_env.h"

namespace sqs2pg::testing {
namespace {

constexpr int kMessages = 12;

class PgSidecarOwnerDrainTest : public Sqs2pgFixture {
 protected:
  void SetUp() override {
    Sqs2pgFixture::SetUp();
    Exec("GRANT USAGE, CREATE ON SCHEMA " + schema_ + " TO " + loader_.name());
    Exec("GRANT SELECT, INSERT ON " + table_ + " TO " + loader_.name());
    SendBodies(*sqs_, queue_url_, LoginEvents(kMessages));
  }
  // `sqs2pg drain` connecting as the loader role (no pruner: it is not what is tested).
  ProcessResult DrainAsLoader() {
    std::vector<std::string> args = ConsumeArgs("drain", {"--ledger-prune-interval", "0"});
    for (size_t i = 0; i + 1 < args.size(); ++i) {
      if (args[i] == "--database-url") args[i + 1] = loader_.Conninfo();
    }
    return Sqs2pg(args);
  }

  PgTestRole loader_{"sqs2pg_loader"};
};

TEST_F(PgSidecarOwnerDrainTest, PlantedLedgerIsRefusedAndCapturesNothing) {
  PgTestRole planter("sqs2pg_planter");
  Exec("GRANT USAGE, CREATE ON SCHEMA " + schema_ + " TO " + planter.name());
  // The whole sidecar, made by the planter first (so sqs2pg would need no DDL), plus a trigger.
  const std::string s = schema_;
  ASSERT_EQ(planter.Exec(std::string(pg::SidecarDdl(s))), "");
  ASSERT_EQ(planter.Exec("CREATE TABLE " + s +
                         ".captured (k uuid); "
                         "GRANT INSERT ON " +
                         s +
                         ".captured TO PUBLIC; "
                         "GRANT ALL ON " +
                         s + ".sqs2pg_ledger, " + s +
                         ".sqs2pg_rejects TO PUBLIC; "
                         "CREATE FUNCTION " +
                         s +
                         ".capture() RETURNS trigger LANGUAGE plpgsql AS "
                         "$$BEGIN INSERT INTO " +
                         s +
                         ".captured VALUES (NEW.message_key); "
                         "RETURN NEW; END$$; "
                         "CREATE TRIGGER capture BEFORE INSERT ON " +
                         s +
                         ".sqs2pg_ledger "
                         "FOR EACH ROW EXECUTE FUNCTION " +
                         s + ".capture()"),
            "");

  ProcessResult run = DrainAsLoader();
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_NE(run.output.find("table sqs2pg_ledger (owner " + planter.name() + ")"),
            std::string::npos)
      << run.output;
  EXPECT_EQ(Count("SELECT count(*) FROM " + s + ".captured"), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM " + table_), 0);
  EXPECT_EQ(MessagesInQueue(*sqs_, queue_url_), kMessages);
}

TEST_F(PgSidecarOwnerDrainTest, SidecarMadeAheadByTheSchemaOwnerLoads) {
  // The admin (who owns the schema) runs the script; the loader may then not CREATE at all.
  Exec(std::string(pg::SidecarDdl(schema_)));
  Exec("REVOKE CREATE ON SCHEMA " + schema_ + " FROM " + loader_.name());
  Exec("GRANT SELECT, INSERT ON " + schema_ + ".sqs2pg_ledger TO " + loader_.name());
  Exec("GRANT SELECT, INSERT, UPDATE ON " + schema_ + ".sqs2pg_rejects TO " + loader_.name());

  ProcessResult run = DrainAsLoader();
  ASSERT_EQ(run.exit_code, 0) << run.output;
  ExpectExactlyOnce(kMessages);
}

}  // namespace
}  // namespace sqs2pg::testing
