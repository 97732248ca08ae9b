// End-to-end tests of reversible masking: `sqs2pg drain --mask aes-siv` stores AES-SIV masks that
// keep duplicates visible, and `sqs2pg unmask` gives the originals back to a holder of the key and
// nothing to anyone else.
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <set>

#include "support/sqs2pg_fixture.h"

namespace sqs2pg::testing {
namespace {

// The key id of kTestKeyHex (bytes 0..31): hmac(key, b"sqs2pg key id", sha256).hexdigest()[:8].
constexpr char kTestKeyId[] = "f8045705";
constexpr char kOtherKeyHex[] = "ff0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

std::string IpOf(int i) {  // as LoginEvent(i) writes it
  return "10." + std::to_string((i >> 16) & 255) + "." + std::to_string((i >> 8) & 255) + "." +
         std::to_string(i & 255);
}

std::string Body(const std::string& user, const std::string& ip, const std::string& device_id) {
  return R"({"user_id": ")" + user + R"(", "app_version": "2.3.0", "device_type": "ios", "ip": ")" +
         ip + R"(", "locale": "RU", "device_id": ")" + device_id + R"("})";
}

class AesSivTest : public Sqs2pgFixture {
 protected:
  // `sqs2pg <args>` with stdout only (stderr is discarded), so tests can tell what reaches it.
  ProcessResult StdoutOf(const std::vector<std::string>& args,
                         const std::vector<std::string>& extra_env = {}) {
    std::vector<std::string> argv = {"/bin/sh", "-c", "exec \"$0\" \"$@\" 2>/dev/null",
                                     Sqs2pgBinary()};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<std::string> env = Sqs2pgTestEnv();
    env.insert(env.end(), extra_env.begin(), extra_env.end());  // later entries win
    return RunProcess(argv, env);
  }
  // The same with stdout and stderr together.
  ProcessResult AllOutputOf(const std::vector<std::string>& args,
                            const std::vector<std::string>& extra_env = {}) {
    std::vector<std::string> argv = {Sqs2pgBinary()};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<std::string> env = Sqs2pgTestEnv();
    env.insert(env.end(), extra_env.begin(), extra_env.end());
    return RunProcess(argv, env);
  }

  // user_id -> {masked_ip, masked_device_id}
  std::map<std::string, std::pair<std::string, std::string>> Rows() {
    std::map<std::string, std::pair<std::string, std::string>> rows;
    for (const auto& r : Query("SELECT user_id, masked_ip, masked_device_id FROM " + table_)) {
      rows[r[0]] = {r[1], r[2]};
    }
    return rows;
  }
};

TEST_F(AesSivTest, DrainStoresReversibleMasksThatKeepDuplicatesVisible) {
  std::vector<std::string> bodies;
  for (int i = 0; i < 5; ++i) bodies.push_back(LoginEvent(i));
  // The same person again (same ip and device id), under another user id.
  bodies.push_back(Body("again-0", IpOf(0), "dev-0"));
  // One text in both fields: the per-field keys keep the two masks apart.
  bodies.push_back(Body("same-text", "dev-3", "dev-3"));
  // An ip whose mask would not fit varchar(256) (over 167 bytes): rejected, not cut.
  bodies.push_back(Body("too-long", std::string(168, '9'), "dev-9"));
  SendBodies(*sqs_, queue_url_, bodies);

  ProcessResult run = Drain({"--mask", "aes-siv", "--log-level", "debug"});
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find(std::string("masking ip and device_id with aes-siv (key id ") +
                            kTestKeyId + ")"),
            std::string::npos)
      << run.output;
  EXPECT_EQ(Count("SELECT count(*) FROM " + table_), 7);
  EXPECT_EQ(Count("SELECT count(*) FROM " + schema_ + ".sqs2pg_rejects WHERE reason = 'too_long'"),
            1);

  auto rows = Rows();
  ASSERT_EQ(rows.size(), 7u);
  const std::string prefix = std::string("s1.") + kTestKeyId + ".";
  for (const auto& [user, masks] : rows) {
    EXPECT_TRUE(masks.first.starts_with(prefix)) << user << ": " << masks.first;
    EXPECT_TRUE(masks.second.starts_with(prefix)) << user << ": " << masks.second;
    EXPECT_LE(masks.first.size(), 256u);
  }
  // Equal inputs, equal masks; different inputs, different masks.
  EXPECT_EQ(rows["again-0"], rows["user-0"]);
  std::set<std::string> ips, devices;
  for (int i = 0; i < 5; ++i) {
    ips.insert(rows["user-" + std::to_string(i)].first);
    devices.insert(rows["user-" + std::to_string(i)].second);
  }
  EXPECT_EQ(ips.size(), 5u);
  EXPECT_EQ(devices.size(), 5u);
  EXPECT_NE(rows["same-text"].first, rows["same-text"].second);
  EXPECT_EQ(rows["same-text"].second, rows["user-3"].second);  // device_id "dev-3" both times

  // `mask --mask aes-siv` computes what the drain stored.
  ProcessResult mask = StdoutOf({"--mask", "aes-siv", "mask", "--field", "ip", IpOf(2)});
  ASSERT_EQ(mask.exit_code, 0) << mask.output;
  EXPECT_EQ(mask.output, rows["user-2"].first + "\n");
  // ... and without --mask, the default one-way HMAC (64 hex digits).
  ProcessResult hmac = StdoutOf({"mask", "--field", "ip", IpOf(2)});
  ASSERT_EQ(hmac.exit_code, 0) << hmac.output;
  EXPECT_EQ(hmac.output.size(), 65u) << hmac.output;

  // No raw ip or device_id in the log or in any table sqs2pg writes.
  std::string everything = run.output;
  for (const auto& table : {table_, schema_ + ".sqs2pg_rejects", schema_ + ".sqs2pg_ledger"}) {
    for (const auto& row : Query("SELECT t::text FROM " + table + " t")) everything += row[0];
  }
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(everything.find(IpOf(i)), std::string::npos) << "raw ip leaked";
    EXPECT_EQ(everything.find("dev-" + std::to_string(i)), std::string::npos)
        << "raw device_id leaked";
  }
  EXPECT_EQ(everything.find("9999999999"), std::string::npos) << "rejected raw ip leaked";
}

TEST_F(AesSivTest, UnmaskGivesTheOriginalsOnlyToTheKeyHolder) {
  std::vector<std::string> bodies;
  for (int i = 0; i < 3; ++i) bodies.push_back(LoginEvent(i + 40));
  SendBodies(*sqs_, queue_url_, bodies);
  ASSERT_EQ(Drain({"--mask", "aes-siv"}).exit_code, 0);
  auto rows = Rows();
  ASSERT_EQ(rows.size(), 3u);
  const std::string ip0 = rows["user-40"].first;
  const std::string ip1 = rows["user-41"].first;
  const std::string dev2 = rows["user-42"].second;

  // The key holder gets the originals back, one per line, in order.
  ProcessResult ok = StdoutOf({"unmask", "--field", "ip", ip1, ip0});
  ASSERT_EQ(ok.exit_code, 0) << AllOutputOf({"unmask", "--field", "ip", ip1, ip0}).output;
  EXPECT_EQ(ok.output, IpOf(41) + "\n" + IpOf(40) + "\n");
  ProcessResult device = StdoutOf({"unmask", "--field", "device_id", dev2});
  ASSERT_EQ(device.exit_code, 0);
  EXPECT_EQ(device.output, "dev-42\n");
  // The key can come from --mask-key-file as well; --mask does not matter to unmask.
  {
    const std::string key_file = ::testing::TempDir() + "/aes_siv_test.key";
    FILE* f = std::fopen(key_file.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs(kTestKeyHex, f);
    std::fclose(f);
    ProcessResult from_file = StdoutOf(
        {"--mask-key-file", key_file, "--mask", "hmac-sha256", "unmask", "--field", "ip", ip0},
        {"SQS2PG_MASK_KEY="});
    std::remove(key_file.c_str());
    ASSERT_EQ(from_file.exit_code, 0);
    EXPECT_EQ(from_file.output, IpOf(40) + "\n");
  }

  // Another key: exit 1, nothing on stdout for any value, and the error names the key ids but
  // neither the masks' contents nor the originals.
  const std::vector<std::string> other_key = {std::string("SQS2PG_MASK_KEY=") + kOtherKeyHex};
  ProcessResult wrong_key = StdoutOf({"unmask", "--field", "ip", ip0, ip1}, other_key);
  EXPECT_EQ(wrong_key.exit_code, 1);
  EXPECT_EQ(wrong_key.output, "");
  ProcessResult wrong_key_log = AllOutputOf({"unmask", "--field", "ip", ip0, ip1}, other_key);
  EXPECT_EQ(wrong_key_log.exit_code, 1);
  EXPECT_NE(wrong_key_log.output.find(kTestKeyId), std::string::npos) << wrong_key_log.output;
  EXPECT_EQ(wrong_key_log.output.find(IpOf(40)), std::string::npos) << wrong_key_log.output;
  EXPECT_EQ(wrong_key_log.output.find(ip0.substr(12)), std::string::npos) << wrong_key_log.output;

  // One altered character: exit 1, and nothing printed even for the intact value beside it.
  std::string tampered = ip0;
  tampered[20] = tampered[20] == 'A' ? 'B' : 'A';
  ProcessResult altered = StdoutOf({"unmask", "--field", "ip", ip1, tampered});
  EXPECT_EQ(altered.exit_code, 1);
  EXPECT_EQ(altered.output, "");
  ProcessResult altered_log = AllOutputOf({"unmask", "--field", "ip", ip1, tampered});
  EXPECT_EQ(altered_log.exit_code, 1);
  EXPECT_NE(altered_log.output.find("value 2 of 2: authentication failed"), std::string::npos)
      << altered_log.output;
  EXPECT_EQ(altered_log.output.find(IpOf(41)), std::string::npos) << altered_log.output;
  EXPECT_EQ(altered_log.output.find(tampered.substr(12)), std::string::npos);

  // A mask of the other field does not authenticate either.
  ProcessResult wrong_field = StdoutOf({"unmask", "--field", "device_id", ip0});
  EXPECT_EQ(wrong_field.exit_code, 1);
  EXPECT_EQ(wrong_field.output, "");

  // HMAC masks are one-way, and unmask says so.
  ProcessResult hmac_mask = StdoutOf({"mask", "--field", "ip", IpOf(40)});
  ASSERT_EQ(hmac_mask.exit_code, 0);
  const std::string hmac = hmac_mask.output.substr(0, 64);
  ProcessResult one_way = AllOutputOf({"unmask", "--field", "ip", hmac});
  EXPECT_EQ(one_way.exit_code, 1);
  EXPECT_NE(one_way.output.find("one-way"), std::string::npos) << one_way.output;
  EXPECT_EQ(StdoutOf({"unmask", "--field", "ip", hmac}).output, "");

  // Usage errors exit 2: a bad field, a bad scheme (flag or environment).
  EXPECT_EQ(StdoutOf({"unmask", "--field", "user_id", ip0}).exit_code, 2);
  EXPECT_EQ(StdoutOf({"--mask", "aes", "mask", "--field", "ip", "1"}).exit_code, 2);
  EXPECT_EQ(StdoutOf({"mask", "--field", "ip", "1"}, {"SQS2PG_MASK=rot13"}).exit_code, 2);
  EXPECT_EQ(Drain({"--mask", "AES-SIV"}).exit_code, 2);
}

// SQS2PG_MASK selects the scheme for a drain as --mask does, and `check` reports it with the key
// id (never the key).
TEST_F(AesSivTest, SchemeFromTheEnvironmentAndCheck) {
  SendBodies(*sqs_, queue_url_, {LoginEvent(7)});
  std::vector<std::string> env = Sqs2pgTestEnv();
  env.push_back("SQS2PG_MASK=aes-siv");
  ProcessResult run = RunProcess(ConsumeArgv("drain"), env);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  auto rows = Rows();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_TRUE(rows["user-7"].first.starts_with(std::string("s1.") + kTestKeyId + "."));
  EXPECT_EQ(StdoutOf({"unmask", "--field", "ip", rows["user-7"].first}).output, IpOf(7) + "\n");

  ProcessResult check = AllOutputOf(ConsumeArgs("check"), {"SQS2PG_MASK=aes-siv"});
  EXPECT_EQ(check.exit_code, 0) << check.output;
  EXPECT_NE(check.output.find(std::string("mask key     env SQS2PG_MASK_KEY, key id ") +
                              kTestKeyId + " (32 bytes); masking aes-siv"),
            std::string::npos)
      << check.output;
  EXPECT_EQ(check.output.find(kTestKeyHex), std::string::npos);
  ProcessResult check_default = AllOutputOf(ConsumeArgs("check"));
  EXPECT_NE(check_default.output.find("masking hmac-sha256 (one-way)"), std::string::npos)
      << check_default.output;
}

}  // namespace
}  // namespace sqs2pg::testing
