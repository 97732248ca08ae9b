// Issue 17 item 2: key rotation. Masks made under two keys; `unmask` with both keys (--mask-key
// given twice) recovers all of them; `remask` moves them all to the new key in place, survives
// kill -9 (the resumed run finishes the job) and a run after a complete one changes nothing; hmac
// masks are refused with an explanation.
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <signal.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "support/sqs2pg_fixture.h"

namespace sqs2pg::testing {
namespace {

constexpr char kOldKeyId[] = "f8045705";  // kTestKeyHex's
constexpr char kNewKey[] = "ff0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

std::string IpOf(int i) {  // as LoginEvent(i) writes it
  return "10." + std::to_string((i >> 16) & 255) + "." + std::to_string((i >> 8) & 255) + "." +
         std::to_string(i & 255);
}

std::string ArrayLiteral(const std::vector<std::string>& values) {
  std::string out = "{";
  for (const std::string& v : values) out += (out.size() > 1 ? "," : "") + v;
  return out + "}";
}

class RotationTest : public Sqs2pgFixture {
 protected:
  // The test environment plus the two keys in variables of their own.
  std::vector<std::string> Env() {
    std::vector<std::string> env = Sqs2pgTestEnv();
    env.push_back(std::string("OLD_KEY=") + kTestKeyHex);
    env.push_back(std::string("NEW_KEY=") + kNewKey);
    return env;
  }
  // sqs2pg's argv: --database-url and --table, `keys`, then `args`.
  std::vector<std::string> Argv(const std::vector<std::string>& keys,
                                const std::vector<std::string>& args) {
    std::vector<std::string> argv = {Sqs2pgBinary(), "--database-url", database_url_, "--table",
                                     table_};
    argv.insert(argv.end(), keys.begin(), keys.end());
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
  }
  ProcessResult Run(const std::vector<std::string>& keys, const std::vector<std::string>& args) {
    ProcessResult result = RunProcess(Argv(keys, args), Env());
    EXPECT_EQ(result.output.find(kNewKey), std::string::npos) << "the new key was printed";
    EXPECT_EQ(result.output.find(kTestKeyHex), std::string::npos) << "the old key was printed";
    return result;
  }
  // stdout only.
  ProcessResult StdoutOf(const std::vector<std::string>& keys,
                         const std::vector<std::string>& args) {
    std::vector<std::string> argv = {"/bin/sh", "-c", "exec \"$0\" \"$@\" 2>/dev/null"};
    for (const std::string& a : Argv(keys, args)) argv.push_back(a);
    return RunProcess(argv, Env());
  }
  ProcessResult Remask(const std::vector<std::string>& keys,
                       const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {"remask", "--column", "masked_ip", "--column",
                                     "masked_device_id"};
    args.insert(args.end(), extra.begin(), extra.end());
    return Run(keys, args);
  }
  // How many rows have both masks under the key `id`.
  int64_t RowsUnder(const std::string& id) {
    return Count("SELECT count(*) FROM " + table_ + " WHERE masked_ip LIKE 's1." + id +
                 ".%' AND masked_device_id LIKE 's1." + id + ".%'");
  }
  // A column's masks in the order of user-0, user-1, ...
  std::vector<std::string> Masks(const std::string& column) {
    std::vector<std::string> out;
    for (const auto& row :
         Query("SELECT " + column + " FROM " + table_ + " ORDER BY substr(user_id, 6)::int")) {
      out.push_back(row[0]);
    }
    return out;
  }
  // `unmask --field <field>` of every row's mask with `keys`: the originals, one per line.
  ProcessResult UnmaskAll(const std::vector<std::string>& keys, const std::string& field) {
    std::vector<std::string> args = {"unmask", "--field", field};
    for (const std::string& m : Masks("masked_" + field)) args.push_back(m);
    return StdoutOf(keys, args);
  }
  static std::string Originals(const std::string& field, int n) {
    std::string out;
    for (int i = 0; i < n; ++i)
      out += (field == "ip" ? IpOf(i) : "dev-" + std::to_string(i)) + "\n";
    return out;
  }
  // ctid, xmin and the masks of every row: unchanged iff no row was updated.
  std::string Snapshot() {
    return Query(
        "SELECT string_agg(ctid::text || xmin::text || masked_ip || masked_device_id, "
        "',' ORDER BY user_id) FROM " +
        table_)[0][0];
  }
  std::string NewKeyId() {
    return Query(
        "SELECT substr(encode(hmac('sqs2pg key id', decode($1, 'hex'), 'sha256'), "
        "'hex'), 1, 8)",
        {kNewKey})[0][0];
  }

  const std::vector<std::string> ring_ = {"--mask-key", "env:NEW_KEY", "--mask-key", "env:OLD_KEY"};
  const std::vector<std::string> new_only_ = {"--mask-key", "env:NEW_KEY"};
};

TEST_F(RotationTest, UnmaskReadsBothKeysAndRemaskMovesEverythingToTheNewOne) {
  const std::string new_id = NewKeyId();
  // Six events under the old key, then four under the new one with the old one kept.
  std::vector<std::string> bodies;
  for (int i = 0; i < 6; ++i) bodies.push_back(LoginEvent(i));
  SendBodies(*sqs_, queue_url_, bodies);
  ASSERT_EQ(Drain({"--mask", "aes-siv"}).exit_code, 0);
  bodies.clear();
  for (int i = 6; i < 10; ++i) bodies.push_back(LoginEvent(i));
  SendBodies(*sqs_, queue_url_, bodies);
  std::vector<std::string> drain_args = {"--mask", "aes-siv"};
  drain_args.insert(drain_args.end(), ring_.begin(), ring_.end());
  ProcessResult drained = RunProcess(ConsumeArgv("drain", drain_args), Env());
  ASSERT_EQ(drained.exit_code, 0) << drained.output;
  EXPECT_NE(drained.output.find("(key id " + new_id + ")"), std::string::npos) << drained.output;
  ASSERT_EQ(RowsUnder(kOldKeyId), 6);
  ASSERT_EQ(RowsUnder(new_id), 4);

  // `check` lists both keys by source and id.
  ProcessResult check = RunProcess(ConsumeArgv("check", ring_), Env());
  EXPECT_NE(check.output.find("mask key     env NEW_KEY, key id " + new_id), std::string::npos)
      << check.output;
  EXPECT_NE(check.output.find(std::string("older key    env OLD_KEY, key id ") + kOldKeyId +
                              " (32 bytes); for unmask and remask"),
            std::string::npos)
      << check.output;

  // Both keys: every value back. The new key alone: the old masks fail, nothing is printed.
  ProcessResult both = UnmaskAll(ring_, "ip");
  EXPECT_EQ(both.exit_code, 0);
  EXPECT_EQ(both.output, Originals("ip", 10));
  ProcessResult new_only = UnmaskAll(new_only_, "ip");
  EXPECT_EQ(new_only.exit_code, 1);
  EXPECT_EQ(new_only.output, "");

  // Usage errors: one key only, a column that is not masked.
  ProcessResult one_key = Remask(new_only_);
  EXPECT_EQ(one_key.exit_code, 2) << one_key.output;
  EXPECT_NE(one_key.output.find("only one key is configured"), std::string::npos);
  ProcessResult not_masked = Run(ring_, {"remask", "--column", "user_id"});
  EXPECT_EQ(not_masked.exit_code, 2) << not_masked.output;
  EXPECT_NE(not_masked.output.find("--column user_id is not a masked column"), std::string::npos)
      << not_masked.output;
  EXPECT_EQ(RowsUnder(kOldKeyId), 6);

  ProcessResult remask = Remask(ring_);
  ASSERT_EQ(remask.exit_code, 0) << remask.output;
  EXPECT_NE(remask.output.find(": 12 masks in 6 rows rewritten to key id " + new_id),
            std::string::npos)
      << remask.output;
  EXPECT_EQ(RowsUnder(new_id), 10);
  // The new key alone now reads everything, and the values are the originals.
  ProcessResult ips = UnmaskAll(new_only_, "ip");
  EXPECT_EQ(ips.exit_code, 0);
  EXPECT_EQ(ips.output, Originals("ip", 10));
  ProcessResult devices = UnmaskAll(new_only_, "device_id");
  EXPECT_EQ(devices.exit_code, 0);
  EXPECT_EQ(devices.output, Originals("device_id", 10));
  // Masks of the same value under the new key match what the new key makes today.
  ProcessResult fresh =
      StdoutOf(new_only_, {"--mask", "aes-siv", "mask", "--field", "ip", IpOf(3)});
  EXPECT_EQ(fresh.output, Masks("masked_ip")[3] + "\n");

  // A second run changes nothing: no row is even updated.
  const std::string before = Snapshot();
  ProcessResult again = Remask(ring_);
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_NE(again.output.find(": 0 masks in 0 rows rewritten"), std::string::npos) << again.output;
  EXPECT_EQ(Snapshot(), before);
}

TEST_F(RotationTest, HmacMasksAreRefusedWithWhatToDoInstead) {
  SendBodies(*sqs_, queue_url_, {LoginEvent(0), LoginEvent(1)});
  ASSERT_EQ(Drain().exit_code, 0);
  const std::string before = Snapshot();
  ProcessResult remask = Remask(ring_);
  EXPECT_EQ(remask.exit_code, 2) << remask.output;
  for (const char* part : {"column masked_ip holds hmac-sha256 masks, which are one-way",
                           "no longer match", "docs/masking.md"}) {
    EXPECT_NE(remask.output.find(part), std::string::npos) << remask.output;
  }
  EXPECT_EQ(Snapshot(), before);
}

TEST_F(RotationTest, KillNineMidwayThenResumeFinishes) {
  constexpr int kRows = 2000;
  constexpr int kLocked = 100;  // the last rows, locked so that remask stops among them
  // kRows rows masked with the old key (as `mask` computes them), inserted in user order.
  std::vector<std::string> ip_args = {"--mask", "aes-siv", "mask", "--field", "ip"};
  std::vector<std::string> device_args = {"--mask", "aes-siv", "mask", "--field", "device_id"};
  std::vector<std::string> users;
  for (int i = 0; i < kRows; ++i) {
    ip_args.push_back(IpOf(i));
    device_args.push_back("dev-" + std::to_string(i));
    users.push_back("user-" + std::to_string(i));
  }
  const std::vector<std::string> old_only = {"--mask-key", "env:OLD_KEY"};
  ProcessResult ips = StdoutOf(old_only, ip_args);
  ProcessResult devices = StdoutOf(old_only, device_args);
  ASSERT_EQ(ips.exit_code, 0);
  ASSERT_EQ(devices.exit_code, 0);
  const auto lines = [](const std::string& text) {
    std::vector<std::string> out;
    for (size_t at = 0, nl; (nl = text.find('\n', at)) != std::string::npos; at = nl + 1) {
      out.push_back(text.substr(at, nl - at));
    }
    return out;
  };
  Query(
      "INSERT INTO " + table_ +
          " (user_id, masked_ip, masked_device_id) SELECT * FROM unnest($1::text[], "
          "$2::text[], $3::text[]) RETURNING 1",
      {ArrayLiteral(users), ArrayLiteral(lines(ips.output)), ArrayLiteral(lines(devices.output))});
  ASSERT_EQ(RowsUnder(kOldKeyId), kRows);

  // Another session holds the last rows, so the remask blocks among them.
  PGconn* holder = PQconnectdb(database_url_.c_str());
  ASSERT_EQ(PQstatus(holder), CONNECTION_OK);
  PQclear(PQexec(holder, "BEGIN"));
  PQclear(PQexec(holder, ("SELECT 1 FROM " + table_ + " WHERE substr(user_id, 6)::int >= " +
                          std::to_string(kRows - kLocked) + " FOR UPDATE")
                             .c_str()));
  RunningProcess remask(Argv(ring_, {"--batch-size", "50", "remask", "--column", "masked_ip",
                                     "--column", "masked_device_id"}),
                        Env());
  bool blocked = false;
  for (int i = 0; i < 600 && !blocked && remask.Running(); ++i) {
    blocked = Count(
                  "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                  "AND wait_event_type = 'Lock' AND query LIKE '%FOR UPDATE%' AND query LIKE '%" +
                  schema_ + "%'") > 0;
    if (!blocked) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(blocked) << remask.Output();
  remask.Signal(SIGKILL);
  EXPECT_EQ(remask.Wait().exit_code, 128 + SIGKILL);

  // Part of the table is under the new key, the rest under the old one, and every value is
  // intact: both keys read all of them.
  const std::string new_id = NewKeyId();
  const int64_t moved = RowsUnder(new_id);
  EXPECT_GT(moved, 0);
  EXPECT_LE(moved, kRows - kLocked);
  EXPECT_EQ(RowsUnder(kOldKeyId), kRows - moved);
  ProcessResult partial = UnmaskAll(ring_, "ip");
  EXPECT_EQ(partial.exit_code, 0);
  EXPECT_EQ(partial.output, Originals("ip", kRows));

  PQclear(PQexec(holder, "ROLLBACK"));
  PQfinish(holder);
  ProcessResult resumed = Remask(ring_);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_NE(resumed.output.find(": " + std::to_string(2 * (kRows - moved)) + " masks in " +
                                std::to_string(kRows - moved) + " rows rewritten"),
            std::string::npos)
      << resumed.output;
  EXPECT_EQ(RowsUnder(new_id), kRows);
  ProcessResult all_ips = UnmaskAll(new_only_, "ip");
  EXPECT_EQ(all_ips.exit_code, 0);
  EXPECT_EQ(all_ips.output, Originals("ip", kRows));
  ProcessResult all_devices = UnmaskAll(new_only_, "device_id");
  EXPECT_EQ(all_devices.exit_code, 0);
  EXPECT_EQ(all_devices.output, Originals("device_id", kRows));

  const std::string before = Snapshot();
  ProcessResult again = Remask(ring_);
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_NE(again.output.find(": 0 masks in 0 rows rewritten"), std::string::npos) << again.output;
  EXPECT_EQ(Snapshot(), before);
}

}  // namespace
}  // namespace sqs2pg::testing
