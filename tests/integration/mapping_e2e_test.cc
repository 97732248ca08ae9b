// Mapping files end to end (issue 14): the real binary, the emulator and PostgreSQL.
//  - A second event stream (purchases) into a table with an identity and a DEFAULT column:
//    nested objects, an array into jsonb, a bigint, an ISO 8601 timestamp, a uuid, a constant,
//    the SentTimestamp attribute; bad values rejected with the column named, never the value;
//    unknown fields counted by name.
//  - SNS-wrapped, EventBridge-wrapped, base64 and gzip+base64 logins give the same rows as plain
//    ones.
//  - The assignment's queue with no mapping and with the printed default mapping: identical rows.
//  - Upsert under out-of-order messages and redeliveries (deletes that fail after the commit):
//    one row per key, holding the newest value.
//  - Every supported column type takes its edge values exactly or rejects the message naming
//    the column.
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "support/process.h"
#include "support/run_output.h"
#include "support/sqs2pg_fixture.h"
#include "support/sqs_test_env.h"
#include "support/stand_in.h"
#include "transform/encoding/encoding_test_support.h"

namespace sqs2pg::testing {
namespace {

using transform::encoding::testing::Base64;
using transform::encoding::testing::Gzip;

// A JSON string literal holding `text`.
std::string JsonString(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out + "\"";
}

class MappingE2eTest : public Sqs2pgFixture {
 protected:
  std::string WriteFile(const std::string& name, const std::string& text) {
    const std::string path = ::testing::TempDir() + "sqs2pg-mapping-" + schema_ + "-" + name;
    std::ofstream(path) << text;
    return path;
  }
  // `sqs2pg drain` of this test's queue into `table` with `mapping` (empty: none).
  ProcessResult DrainInto(const std::string& table, const std::string& mapping,
                          const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {
        "drain", "--queue-url",          queue_url_, "--database-url", database_url_, "--table",
        table,   "--visibility-timeout", "5"};
    if (!mapping.empty()) args.insert(args.end(), {"--mapping", mapping});
    args.insert(args.end(), extra.begin(), extra.end());
    return Sqs2pg(args);
  }
  std::vector<std::vector<std::string>> Rows(const std::string& sql) { return Query(sql); }
};

constexpr char kPurchasesMapping[] = R"(
table = "purchases"
unknown_fields = "count"

[[column]]
name = "purchase_id"
path = "id"
required = true

[[column]]
name = "masked_email"
path = "customer.email"
transform = "mask"

[[column]]
name = "amount_cents"
path = "amount.cents"

[[column]]
name = "created_at"
path = "created_at"
transform = "timestamp"

[[column]]
name = "sent_date"
attribute = "SentTimestamp"
transform = "utc_date"

[[column]]
name = "first_sku"
path = "items.0.sku"

[[column]]
name = "payload"
path = "items"
transform = "json"

[[column]]
name = "source"
value = "mobile"

[[column]]
name = "order_uuid"
path = ["order.id"]
)";

TEST_F(MappingE2eTest, ASecondEventStreamLoadsIntoItsOwnTable) {
  Exec("CREATE TABLE " + schema_ +
       ".purchases (id bigint GENERATED ALWAYS AS IDENTITY, purchase_id bigint NOT NULL, "
       "masked_email varchar(64), amount_cents bigint, created_at timestamptz, sent_date date, "
       "first_sku text, payload jsonb, source text, order_uuid uuid, "
       "loaded_at timestamptz NOT NULL DEFAULT now())");
  SendBodies(
      *sqs_, queue_url_,
      {R"({"id": 9007199254740993, "customer": {"email": "a@example.com", "name": "A"},)"
       R"( "amount": {"cents": 1250}, "created_at": "2024-02-29T23:59:59.5+05:30",)"
       R"( "items": [{"sku": "X1", "qty": 2}], "order.id": "3F2504E0-4F89-11D3-9A0C-0305E82C3301",)"
       R"( "coupon": "SPRING"})",
       R"({"id": "42", "customer": {"email": "b@example.com"}, "amount": {"cents": "7"},)"
       R"( "created_at": 1709251199.25, "items": [], "order.id": null})",
       R"({"id": 43, "amount": {"cents": 12.5}})",
       R"({"id": 44, "order.id": "not-a-uuid-secret-1234"})", R"({"customer": {}})"});
  const std::string mapping = WriteFile("purchases.toml", kPurchasesMapping);
  ProcessResult run = DrainInto(schema_ + ".purchases", mapping);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_EQ(SummaryValue(run.output, "inserted"), 2) << run.output;
  EXPECT_EQ(SummaryValue(run.output, "rejected"), 3) << run.output;

  auto rows = Rows(
      "SELECT id, purchase_id, masked_email = encode(hmac(convert_to('a@example.com', 'UTF8'), "
      "hmac(convert_to('sqs2pg:v1:customer.email', 'UTF8'), decode('" +
      std::string(kTestKeyHex) +
      "', 'hex'), 'sha256'), 'sha256'), 'hex'), amount_cents, "
      "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US'), "
      "sent_date = (now() AT TIME ZONE 'UTC')::date, coalesce(first_sku, '<null>'), payload::text, "
      "source, coalesce(order_uuid::text, '<null>'), loaded_at IS NOT NULL FROM " +
      schema_ + ".purchases ORDER BY purchase_id DESC");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0][1], "9007199254740993");  // beyond a double's exact integers
  EXPECT_EQ(rows[0][2], "t");                 // the mask of the domain customer.email
  EXPECT_EQ(rows[0][3], "1250");
  EXPECT_EQ(rows[0][4], "2024-02-29 18:29:59.500000");
  EXPECT_EQ(rows[0][5], "t");
  EXPECT_EQ(rows[0][6], "X1");
  EXPECT_EQ(rows[0][7], R"([{"qty": 2, "sku": "X1"}])");
  EXPECT_EQ(rows[0][8], "mobile");
  EXPECT_EQ(rows[0][9], "3f2504e0-4f89-11d3-9a0c-0305e82c3301");
  EXPECT_EQ(rows[0][10], "t");  // the table's DEFAULT
  EXPECT_EQ(rows[1][1], "42");  // a numeric string into bigint
  EXPECT_EQ(rows[1][3], "7");
  EXPECT_EQ(rows[1][4], "2024-02-29 23:59:59.250000");  // epoch seconds, fractional
  EXPECT_EQ(rows[1][6], "<null>");
  EXPECT_EQ(rows[1][7], "[]");
  EXPECT_EQ(rows[1][9], "<null>");
  // The identity numbered them.
  EXPECT_NE(rows[0][0], rows[1][0]);

  auto rejects =
      Rows("SELECT reason, detail FROM " + schema_ + ".sqs2pg_rejects ORDER BY reason, detail");
  ASSERT_EQ(rejects.size(), 3u);
  EXPECT_EQ(rejects[0], (std::vector<std::string>{"invalid_value", "order_uuid (path order.id)"}));
  EXPECT_EQ(rejects[1], (std::vector<std::string>{"missing_field", "purchase_id (path id)"}));
  EXPECT_EQ(rejects[2],
            (std::vector<std::string>{"out_of_range", "amount_cents (path amount.cents)"}));
  // Never a value: not the bad uuid, not an email.
  EXPECT_EQ(run.output.find("not-a-uuid-secret"), std::string::npos);
  EXPECT_EQ(run.output.find("example.com"), std::string::npos);
  // Schema drift is visible by name, never by value.
  EXPECT_NE(run.output.find("unknown fields"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("coupon 1"), std::string::npos) << run.output;
  EXPECT_EQ(run.output.find("SPRING"), std::string::npos);
}

// What `sqs2pg mapping default` prints is the built-in mapping: loading it gives the same rows,
// byte for byte, as no file at all.
TEST_F(MappingE2eTest, ThePrintedDefaultMappingGivesIdenticalRows) {
  ProcessResult printed = Sqs2pg({"mapping", "default"});
  ASSERT_EQ(printed.exit_code, 0) << printed.output;
  const std::string mapping = WriteFile("default.toml", printed.output);
  Exec("CREATE TABLE " + schema_ + ".user_logins_2 (LIKE " + table_ + ")");
  std::vector<std::string> bodies = LoginEvents(30);
  bodies.push_back(R"({"user_id": "u-null-locale", "app_version": "0.96", "device_type": "ios",)"
                   R"( "ip": "199.172.111.135", "locale": null, "device_id": "593-47-5928"})");
  bodies.push_back(R"({"foo": "oops_wrong_msg_type", "bar": "123"})");
  SendBodies(*sqs_, queue_url_, bodies);
  ProcessResult without = DrainInto(table_, "");
  ASSERT_EQ(without.exit_code, 0) << without.output;
  // The reject stays in the source queue: a second drain with the file sees it again (and the
  // valid ones are re-sent so that the second table gets the same rows).
  SendBodies(*sqs_, queue_url_, std::vector<std::string>(bodies.begin(), bodies.end() - 1));
  ProcessResult with = DrainInto(schema_ + ".user_logins_2", mapping);
  ASSERT_EQ(with.exit_code, 0) << with.output;
  const std::string columns =
      "user_id, device_type, masked_ip, masked_device_id, coalesce(locale, '<null>'), "
      "app_version, create_date";
  auto a = Rows("SELECT " + columns + " FROM " + table_ + " ORDER BY user_id");
  auto b = Rows("SELECT " + columns + " FROM " + schema_ + ".user_logins_2 ORDER BY user_id");
  ASSERT_EQ(a.size(), 31u);
  EXPECT_EQ(a, b);
}

TEST_F(MappingE2eTest, EnvelopesAndEncodingsGiveTheSameRowsAsPlainLogins) {
  // Five copies of each login: plain, SNS, EventBridge, base64, gzip+base64, each into its own
  // user id so that all of them are rows; then the rows must be equal but for the user id.
  std::vector<std::string> bodies;
  const std::vector<std::string> kinds = {"plain", "sns", "eventbridge", "base64", "gzip"};
  for (int i = 0; i < 4; ++i) {
    for (const std::string& kind : kinds) {
      std::string event = LoginEvent(i);
      const std::string user = "\"user-" + std::to_string(i) + "\"";
      event.replace(event.find(user), user.size(), "\"" + kind + "-" + std::to_string(i) + "\"");
      if (kind == "sns") {
        event = R"({"Type": "Notification", "MessageId": "m-)" + std::to_string(i) +
                R"(", "TopicArn": "arn:aws:sns:us-east-1:123456789012:logins", "Message": )" +
                JsonString(event) + R"(, "Timestamp": "2024-03-14T10:00:00.000Z"})";
      } else if (kind == "eventbridge") {
        event = R"({"version": "0", "id": "e-1", "detail-type": "login", "source": "app",)"
                R"( "account": "123456789012", "time": "2024-03-14T10:00:00Z", "detail": )" +
                event + "}";
      } else if (kind == "base64") {
        event = Base64(event);
      } else if (kind == "gzip") {
        event = Base64(Gzip(event));
      }
      bodies.push_back(event);
    }
  }
  SendBodies(*sqs_, queue_url_, bodies);
  ProcessResult run = DrainInto(table_, "");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_EQ(SummaryValue(run.output, "inserted"), 20) << run.output;
  for (const std::string& kind : kinds) {
    if (kind == "plain") continue;
    EXPECT_EQ(Count("SELECT count(*) FROM " + table_ + " p JOIN " + table_ +
                    " k ON split_part(k.user_id, '-', 2) = split_part(p.user_id, '-', 2) "
                    "AND (k.device_type, k.masked_ip, k.masked_device_id, k.locale, "
                    "k.app_version, k.create_date) IS NOT DISTINCT FROM (p.device_type, "
                    "p.masked_ip, p.masked_device_id, p.locale, p.app_version, p.create_date) "
                    "WHERE p.user_id LIKE 'plain-%' AND k.user_id LIKE '" +
                    kind + "-%'"),
              4)
        << kind;
  }
  // A body that claims an envelope and is broken has its own reason.
  SendBodies(*sqs_, queue_url_,
             {R"({"Type": "Notification", "TopicArn": "arn:x", "Message": {"not": "a string"}})",
              "bm90IGpzb24gYXQgYWxs!"});
  ProcessResult bad = DrainInto(table_, "");
  ASSERT_EQ(bad.exit_code, 0) << bad.output;
  EXPECT_EQ(Count("SELECT count(*) FROM " + schema_ +
                  ".sqs2pg_rejects WHERE reason IN ('bad_envelope', 'bad_encoding')"),
            2);
}

constexpr char kBalancesMapping[] = R"(
table = "balances"
mode = "upsert"
key = ["account"]
order_by = "updated_at"

[[column]]
name = "account"
path = "account"
required = true

[[column]]
name = "balance"
path = "balance"

[[column]]
name = "updated_at"
path = "updated_at"
transform = "timestamp"
)";

// Several messages per key in one batch and across batches, out of order, and every delete
// failing once after its commit (so every message comes back): one row per key, the newest.
TEST_F(MappingE2eTest, UpsertKeepsTheNewestRowPerKeyUnderRedeliveryAndDisorder) {
  Exec("CREATE TABLE " + schema_ +
       ".balances (account text PRIMARY KEY, balance numeric(12,2), updated_at timestamptz)");
  const std::string mapping = WriteFile("balances.toml", kBalancesMapping);
  SendBodies(*sqs_, queue_url_,
             {R"({"account": "a", "balance": "10.00", "updated_at": "2024-01-02T00:00:00Z"})",
              R"({"account": "a", "balance": 5, "updated_at": "2024-01-01T00:00:00Z"})",
              R"({"account": "b", "balance": 1.5, "updated_at": null})",
              R"({"account": "b", "balance": 2.5, "updated_at": "2024-01-01T00:00:00Z"})",
              R"({"account": "c", "balance": 3})"});
  FaultProxy proxy({"--failed-delete-rate", "1", "--failed-delete-once"});
  ASSERT_FALSE(proxy.endpoint().empty());
  std::vector<std::string> env = Sqs2pgTestEnv();
  env.push_back("AWS_ENDPOINT_URL=" + proxy.endpoint());
  std::vector<std::string> argv = {
      Sqs2pgBinary(),         "drain",   "--queue-url",         queue_url_,  "--database-url",
      database_url_,          "--table", schema_ + ".balances", "--mapping", mapping,
      "--visibility-timeout", "1"};
  BoundedRun first = RunWithDeadline(argv, env, std::chrono::seconds(90));
  ASSERT_TRUE(first.finished && first.run.exit_code == 0) << first.run.output;
  EXPECT_EQ(proxy.Stat({"failed_delete_entries"}), 5) << proxy.Stats();
  EXPECT_EQ(SummaryValue(first.run.output, "duplicates skipped"), 5) << first.run.output;
  // Older news for a, newer for b, later: a keeps its newer row, b takes the newer one.
  SendBodies(*sqs_, queue_url_,
             {R"({"account": "a", "balance": 1, "updated_at": "2023-12-31T00:00:00Z"})",
              R"({"account": "b", "balance": 99, "updated_at": "2025-01-01T00:00:00Z"})",
              R"({"account": "c", "balance": 4})"});
  ProcessResult second = DrainInto(schema_ + ".balances", mapping);
  ASSERT_EQ(second.exit_code, 0) << second.output;
  auto rows = Rows("SELECT account, balance::text, coalesce(updated_at::text, '<null>') FROM " +
                   schema_ + ".balances ORDER BY account");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"a", "10.00", "2024-01-02 00:00:00+00"}));
  EXPECT_EQ(rows[1], (std::vector<std::string>{"b", "99.00", "2025-01-01 00:00:00+00"}));
  // Without an order_by value the latest message wins (NULL is older than any value, and two
  // NULLs: the later one).
  EXPECT_EQ(rows[2], (std::vector<std::string>{"c", "4.00", "<null>"}));
  EXPECT_EQ(Count("SELECT count(*) FROM " + schema_ + ".sqs2pg_ledger"), 8);
}

// One column of each supported type, each fed edge values: equal on read-back, or the message is
// rejected naming the column.
TEST_F(MappingE2eTest, EveryColumnTypeTakesItsEdgesExactlyOrRejectsNamingTheColumn) {
  Exec("CREATE TABLE " + schema_ +
       ".typed (k text, t text, v varchar(255), c char(3), i2 smallint, i4 integer, i8 bigint, "
       "n numeric(10,2), r real, d double precision, b boolean, dt date, ts timestamp, "
       "tz timestamptz, u uuid, j json, jb jsonb, ip inet)");
  std::string mapping;
  for (const char* column :
       {"k", "t", "v", "c", "i2", "i4", "i8", "n", "r", "d", "b", "dt", "ts", "tz", "u", "ip"}) {
    mapping += std::string("[[column]]\nname = \"") + column + "\"\npath = \"" + column + "\"\n";
  }
  mapping += "[[column]]\nname = \"j\"\npath = \"j\"\ntransform = \"json\"\n";
  mapping += "[[column]]\nname = \"jb\"\npath = \"jb\"\ntransform = \"json\"\n";
  const std::string file = WriteFile("typed.toml", mapping);
  const std::string v255(255, 'x');
  struct Case {
    std::string field;   // "name": value
    std::string expect;  // read back as text, or "reject:<reason>"
  };
  const std::vector<Case> cases = {
      {R"("i2": 32767)", "32767"},
      {R"("i2": 32768)", "reject:out_of_range"},
      {R"("i4": -2147483648)", "-2147483648"},
      {R"("i4": 12.5)", "reject:out_of_range"},
      {R"("i4": 1e2)", "100"},
      {R"("i8": "9223372036854775807")", "9223372036854775807"},
      {R"("i8": 9223372036854775808)", "reject:out_of_range"},
      {R"("n": 12345678.99)", "12345678.99"},
      {R"("n": 1.234)", "reject:out_of_range"},
      {R"("d": 1e400)", "reject:out_of_range"},
      {R"("d": "NaN")", "reject:invalid_value"},
      {R"("r": 0.5)", "0.5"},
      {R"("b": true)", "true"},
      {R"("b": "true")", "reject:wrong_type"},
      {R"("dt": "2024-02-29")", "2024-02-29"},
      {R"("dt": "2023-02-29")", "reject:invalid_value"},
      {R"("ts": "2024-03-14T10:00:00-08:00")", "2024-03-14 18:00:00"},
      {R"("tz": "2024-03-14T10:00:00+05:30")", "2024-03-14 04:30:00+00"},
      {R"("u": "3F2504E0-4F89-11D3-9A0C-0305E82C3301")", "3f2504e0-4f89-11d3-9a0c-0305e82c3301"},
      {R"("u": "3F2504E0-4F89-11D3-9A0C")", "reject:invalid_value"},
      {R"("v": ")" + v255 + "\"", v255},
      {R"("v": ")" + v255 + "x\"", "reject:too_long"},
      // Escaped in the body (the emulator refuses raw non-BMP bodies); one code point in varchar.
      {R"("t": "\ud83d\ude00 non-BMP")", "😀 non-BMP"},
      {R"("t": 5)", "reject:wrong_type"},
      {R"("c": "ab")", "ab"},  // char(n) pads; its text drops the padding
      {R"("ip": "2001:db8::1/64")", "2001:db8::1/64"},
      {R"("ip": "10.0.0.256")", "reject:invalid_value"},
      {R"("jb": {"b": [1, 2], "a": null})", R"({"a": null, "b": [1, 2]})"},
      {R"("j": [1, "x"])", R"([1, "x"])"},
  };
  std::vector<std::string> bodies;
  for (size_t i = 0; i < cases.size(); ++i) {
    bodies.push_back("{\"k\": \"case-" + std::to_string(i) + "\", " + cases[i].field + "}");
  }
  SendBodies(*sqs_, queue_url_, bodies);
  ProcessResult run = DrainInto(schema_ + ".typed", file);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  for (size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    const std::string column = c.field.substr(1, c.field.find('"', 1) - 1);
    const std::string key = "case-" + std::to_string(i);
    if (c.expect.rfind("reject:", 0) == 0) {
      EXPECT_EQ(Count("SELECT count(*) FROM " + schema_ + ".typed WHERE k = '" + key + "'"), 0)
          << c.field;
      continue;
    }
    auto rows =
        Rows("SELECT " + column + "::text FROM " + schema_ + ".typed WHERE k = '" + key + "'");
    ASSERT_EQ(rows.size(), 1u) << c.field;
    EXPECT_EQ(rows[0][0], c.expect) << c.field;
  }
  // Each reject names its column and path, and its reason is the expected one.
  for (const Case& c : cases) {
    if (c.expect.rfind("reject:", 0) != 0) continue;
    const std::string column = c.field.substr(1, c.field.find('"', 1) - 1);
    EXPECT_EQ(Count("SELECT count(*) FROM " + schema_ + ".sqs2pg_rejects WHERE reason = '" +
                    c.expect.substr(7) + "' AND detail = '" + column + " (path " + column + ")'"),
              1)
        << c.field;
  }
}

}  // namespace
}  // namespace sqs2pg::testing
