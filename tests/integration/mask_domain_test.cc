// End-to-end tests of masking per domain (issue 14, item 3): `sqs2pg mask --domain D` follows the
// documented contract for any domain, recomputed independently by PostgreSQL's pgcrypto, keeps
// the login fields' masks unchanged, and `sqs2pg unmask --domain D` gives an aes-siv mask of that
// domain back, and only of that domain.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/pg_fixture.h"
#include "support/process.h"

namespace sqs2pg::testing {
namespace {

// The README's contract for any domain, in SQL: $1 the master key in hex, $2 the domain, $3 the
// value.
constexpr char kPgcryptoMask[] =
    "SELECT encode(hmac(convert_to($3, 'UTF8'), "
    "  hmac(convert_to('sqs2pg:v1:' || $2, 'UTF8'), decode($1, 'hex'), 'sha256'), 'sha256'), "
    "  'hex')";

class MaskDomainTest : public PgSchemaFixture {
 protected:
  // `sqs2pg <args>` with stdout only (stderr is discarded), so tests can tell what reaches it.
  ProcessResult StdoutOf(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {"/bin/sh", "-c", "exec \"$0\" \"$@\" 2>/dev/null",
                                     Sqs2pgBinary()};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunProcess(argv, Sqs2pgTestEnv());
  }
  // The same with stdout and stderr together.
  ProcessResult AllOutputOf(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {Sqs2pgBinary()};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunProcess(argv, Sqs2pgTestEnv());
  }
  std::string PgcryptoMask(const std::string& domain, const std::string& value) {
    auto rows = Query(kPgcryptoMask, {kTestKeyHex, domain, value});
    EXPECT_EQ(rows.size(), 1u);
    return rows.empty() ? "" : rows[0][0];
  }
};

std::string Lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& line : lines) out += line + "\n";
  return out;
}

TEST_F(MaskDomainTest, MaskOfAnyDomainEqualsPgcrypto) {
  const std::vector<std::string> values = {"alice@example.com", "199.172.111.135",
                                           "caf\xc3\xa9 \xf0\x9f\x98\x80", "x"};
  for (const std::string domain :
       {"customer.email", "email", "items.0.sku", "SentTimestamp", "d\xc3\xa9j\xc3\xa0 vu", "ip"}) {
    std::vector<std::string> args = {"mask", "--domain", domain};
    args.insert(args.end(), values.begin(), values.end());
    ProcessResult masked = StdoutOf(args);
    ASSERT_EQ(masked.exit_code, 0) << AllOutputOf(args).output;
    std::vector<std::string> expected;
    for (const std::string& value : values) expected.push_back(PgcryptoMask(domain, value));
    EXPECT_EQ(masked.output, Lines(expected)) << domain;
  }
  // The same value in different domains never gives the same mask.
  EXPECT_NE(StdoutOf({"mask", "--domain", "customer.email", "alice@example.com"}).output,
            StdoutOf({"mask", "--domain", "email", "alice@example.com"}).output);
  // python3: fk = hmac.new(bytes(range(32)), b"sqs2pg:v1:customer.email", sha256).digest();
  //          hmac.new(fk, b"alice@example.com", sha256).hexdigest()
  EXPECT_EQ(StdoutOf({"mask", "--domain", "customer.email", "alice@example.com"}).output,
            "5d5b5d667f226532e9e5de4b68ec6bebe9ad4be5b909887e5b97e0a717d6bca2\n");
}

// --field keeps working and means the domain of the same name, so the login masks do not change.
TEST_F(MaskDomainTest, FieldIsTheDomainOfTheSameName) {
  for (const std::string field : {"ip", "device_id"}) {
    ProcessResult by_field = StdoutOf({"mask", "--field", field, "199.172.111.135", "593-47-5928"});
    ASSERT_EQ(by_field.exit_code, 0);
    EXPECT_EQ(by_field.output,
              Lines({PgcryptoMask(field, "199.172.111.135"), PgcryptoMask(field, "593-47-5928")}));
    EXPECT_EQ(StdoutOf({"mask", "--domain", field, "199.172.111.135", "593-47-5928"}).output,
              by_field.output);
    ProcessResult siv_field = StdoutOf({"--mask", "aes-siv", "mask", "--field", field, "10.0.0.1"});
    ASSERT_EQ(siv_field.exit_code, 0);
    EXPECT_EQ(StdoutOf({"--mask", "aes-siv", "mask", "--domain", field, "10.0.0.1"}).output,
              siv_field.output);
  }
  // The value the README and the unit tests pin down for the ip 199.172.111.135.
  EXPECT_EQ(StdoutOf({"mask", "--field", "ip", "199.172.111.135"}).output,
            "c442c385aa33cb12ec137bf7fbfcf6e3789ff16a2dcb2b3237e2d584325208a1\n");
}

TEST_F(MaskDomainTest, UnmaskDomainRoundTripsAesSiv) {
  const std::vector<std::string> values = {"alice@example.com", "bob@example.org", ""};
  std::vector<std::string> mask_args = {"--mask", "aes-siv", "mask", "--domain", "customer.email"};
  mask_args.insert(mask_args.end(), values.begin(), values.end());
  ProcessResult masked = StdoutOf(mask_args);
  ASSERT_EQ(masked.exit_code, 0) << AllOutputOf(mask_args).output;
  std::vector<std::string> masks;
  for (size_t at = 0, end; (end = masked.output.find('\n', at)) != std::string::npos;
       at = end + 1) {
    masks.push_back(masked.output.substr(at, end - at));
  }
  ASSERT_EQ(masks.size(), values.size()) << masked.output;
  // Python's HKDF + AESSIV with the domain "customer.email" (see aes_siv_masker_test.cc).
  EXPECT_EQ(masks[0], "s1.f8045705.DpBU5XLACGrxlCuvU61EZ7is3SxIj7V56BGL0PZq1ZIS");

  std::vector<std::string> unmask_args = {"unmask", "--domain", "customer.email"};
  unmask_args.insert(unmask_args.end(), masks.begin(), masks.end());
  ProcessResult back = StdoutOf(unmask_args);
  ASSERT_EQ(back.exit_code, 0) << AllOutputOf(unmask_args).output;
  EXPECT_EQ(back.output, Lines(values));

  // A mask of one domain does not unmask in another (nor as a login field): exit 1, nothing on
  // stdout, and stderr names the position and the domain, never the value.
  for (const std::vector<std::string>& wrong :
       {std::vector<std::string>{"unmask", "--domain", "email", masks[0]},
        std::vector<std::string>{"unmask", "--field", "ip", masks[0]}}) {
    ProcessResult refused = StdoutOf(wrong);
    EXPECT_EQ(refused.exit_code, 1);
    EXPECT_EQ(refused.output, "");
    ProcessResult log = AllOutputOf(wrong);
    EXPECT_NE(log.output.find("value 1 of 1: authentication failed"), std::string::npos)
        << log.output;
    EXPECT_EQ(log.output.find("alice"), std::string::npos) << log.output;
  }
  // A login-field mask unmasks under --domain of the same name.
  ProcessResult ip = StdoutOf({"--mask", "aes-siv", "mask", "--field", "ip", "10.1.2.3"});
  ASSERT_EQ(ip.exit_code, 0);
  EXPECT_EQ(
      StdoutOf({"unmask", "--domain", "ip", ip.output.substr(0, ip.output.size() - 1)}).output,
      "10.1.2.3\n");
}

// Exactly one of --field and --domain: anything else is a usage error (exit 2) and prints nothing.
TEST_F(MaskDomainTest, FieldOrDomainIsRequiredButNotBoth) {
  for (const std::string command : {"mask", "unmask"}) {
    for (const std::vector<std::string>& flags : std::vector<std::vector<std::string>>{
             {"--field", "ip", "--domain", "ip"},
             {"--domain", "email", "--field", "device_id"},
             {},
             {"--domain", ""},
             {"--domain", "a\nb"},
             {"--field", "email"},
         }) {
      std::vector<std::string> args = {command};
      args.insert(args.end(), flags.begin(), flags.end());
      args.push_back("s1.f8045705.I3rPYtq2LS3Ic7YAYWPfJw");
      ProcessResult r = StdoutOf(args);
      EXPECT_EQ(r.exit_code, 2) << command << " " << ::testing::PrintToString(flags);
      EXPECT_EQ(r.output, "") << command << " " << ::testing::PrintToString(flags);
    }
  }
  ProcessResult both = AllOutputOf({"mask", "--field", "ip", "--domain", "ip", "1"});
  EXPECT_NE(both.output.find("not both"), std::string::npos) << both.output;
  ProcessResult neither = AllOutputOf({"unmask", "s1.f8045705.I3rPYtq2LS3Ic7YAYWPfJw"});
  EXPECT_NE(neither.output.find("--domain"), std::string::npos) << neither.output;
}

}  // namespace
}  // namespace sqs2pg::testing
