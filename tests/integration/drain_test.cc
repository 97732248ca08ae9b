// End-to-end tests of `sqs2pg drain`: the real binary against the SQS emulator and PostgreSQL
// that `make test` starts.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>

#include "support/sqs2pg_fixture.h"

namespace sqs2pg::testing {
namespace {

// Tests recompute masks from the fixed test key independently with pgcrypto.
constexpr const char* kKeyHex = kTestKeyHex;

std::vector<std::string> ReadLines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

// The version encoding, written out independently of the product's code.
int64_t ExpectedVersion(const std::string& v) {
  int64_t parts[3] = {0, 0, 0};
  std::stringstream in(v);
  std::string part;
  for (int i = 0; i < 3 && std::getline(in, part, '.'); ++i) parts[i] = std::stoll(part);
  return parts[0] * 1000000 + parts[1] * 1000 + parts[2];
}

// Extracts "key": "value" from the sample's flat JSON (test data only; a crude scan suffices).
std::string Field(const std::string& json, const std::string& key) {
  const std::string marker = "\"" + key + "\": ";
  size_t at = json.find(marker);
  if (at == std::string::npos) return "<absent>";
  at += marker.size();
  if (json.compare(at, 4, "null") == 0) return "<null>";
  size_t end = json.find('"', at + 1);
  return json.substr(at + 1, end - at - 1);
}

class DrainTest : public Sqs2pgFixture {};

TEST_F(DrainTest, SampleLoads99RowsAndRejectsTheOddMessage) {
  const auto sample =
      ReadLines(std::string(SQS2PG_SOURCE_DIR) + "/tests/data/sample_messages.jsonl");
  ASSERT_EQ(sample.size(), 100u);
  SendBodies(*sqs_, queue_url_, sample);

  ProcessResult run = Drain();
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("inserted            99"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("rejected            1"), std::string::npos) << run.output;
  EXPECT_EQ(Count("SELECT count(*) FROM " + table_), 99);
  EXPECT_EQ(Count("SELECT count(*) FROM " + schema_ +
                  ".sqs2pg_rejects WHERE reason = "
                  "'missing_field'"),
            1);
  // Without a DLQ the reject stays in the source queue for its redrive policy.
  EXPECT_EQ(MessagesInQueue(*sqs_, queue_url_), 1);

  // Every row matches the documented contract, recomputed independently with pgcrypto.
  int checked = 0;
  for (const std::string& event : sample) {
    if (event.find("\"user_id\"") == std::string::npos) continue;
    const std::string locale = Field(event, "locale");
    auto rows = Query(
        "SELECT masked_ip = encode(hmac(convert_to($2, 'UTF8'), "
        "         hmac(convert_to('sqs2pg:v1:ip', 'UTF8'), decode($1, 'hex'), 'sha256'), "
        "         'sha256'), 'hex'),"
        "       masked_device_id = encode(hmac(convert_to($3, 'UTF8'), "
        "         hmac(convert_to('sqs2pg:v1:device_id', 'UTF8'), decode($1, 'hex'), 'sha256'),"
        "         'sha256'), 'hex'),"
        "       coalesce(locale, '<null>'), app_version, device_type, "
        "       create_date = (now() AT TIME ZONE 'UTC')::date "
        "FROM " +
            table_ + " WHERE user_id = $4",
        {kKeyHex, Field(event, "ip"), Field(event, "device_id"), Field(event, "user_id")});
    ASSERT_EQ(rows.size(), 1u) << "user " << Field(event, "user_id");
    EXPECT_EQ(rows[0][0], "t") << "masked_ip does not follow the contract";
    EXPECT_EQ(rows[0][1], "t") << "masked_device_id does not follow the contract";
    EXPECT_EQ(rows[0][2], locale == "<absent>" ? "<null>" : locale);
    EXPECT_EQ(std::stoll(rows[0][3]), ExpectedVersion(Field(event, "app_version")));
    EXPECT_EQ(rows[0][4], Field(event, "device_type"));
    EXPECT_EQ(rows[0][5], "t");
    ++checked;
  }
  EXPECT_EQ(checked, 99);

  // No raw ip or device_id anywhere: not in the output, not in any table sqs2pg writes.
  std::string everything = run.output;
  for (const auto& table : {table_, schema_ + ".sqs2pg_rejects", schema_ + ".sqs2pg_ledger"}) {
    for (const auto& row : Query("SELECT t::text FROM " + table + " t")) everything += row[0];
  }
  for (const std::string& event : sample) {
    if (event.find("\"ip\"") == std::string::npos) continue;
    EXPECT_EQ(everything.find(Field(event, "ip")), std::string::npos) << "raw ip leaked";
    EXPECT_EQ(everything.find(Field(event, "device_id")), std::string::npos)
        << "raw device_id leaked";
  }
}

TEST_F(DrainTest, RejectsWithoutDlqStayInQueueAndASecondDrainAddsNothing) {
  SendBodies(
      *sqs_, queue_url_,
      {R"({"user_id": "u1", "app_version": "1.2", "device_type": "ios", "ip": "10.0.0.1", "locale": "US", "device_id": "111-11-1111"})",
       R"({"foo": "oops_wrong_msg_type", "bar": "123"})", "not json at all"});
  ProcessResult first = Drain();
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_EQ(Count("SELECT count(*) FROM " + table_), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM " + schema_ + ".sqs2pg_rejects"), 2);
  EXPECT_EQ(MessagesInQueue(*sqs_, queue_url_), 2);

  ProcessResult second = Drain();
  ASSERT_EQ(second.exit_code, 0) << second.output;
  EXPECT_EQ(Count("SELECT count(*) FROM " + table_), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM " + schema_ + ".sqs2pg_rejects"), 2);
  EXPECT_EQ(MessagesInQueue(*sqs_, queue_url_), 2);
}

TEST_F(DrainTest, RejectsGoToTheDlqUnchangedWithTheirReason) {
  const std::string dlq = CreateTestQueue(*sqs_, "dlq");
  const std::vector<std::string> bad = {
      R"({"foo": "oops_wrong_msg_type", "bar": "123"})", R"([1, 2, 3])",
      R"({"user_id": "x", "app_version": "1.0", "device_type": "ios", "ip": 5, "device_id": "d"})"};
  std::vector<std::string> bodies = bad;
  bodies.push_back(
      R"({"user_id": "u2", "app_version": "0.96", "device_type": "android", "ip": "10.0.0.2", "locale": null, "device_id": "222-22-2222"})");
  SendBodies(*sqs_, queue_url_, bodies);

  ProcessResult run = Drain({"--dlq-url", dlq});
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_EQ(Count("SELECT count(*) FROM " + table_), 1);
  EXPECT_EQ(Count("SELECT app_version FROM " + table_), 96000);
  EXPECT_EQ(Count("SELECT count(*) FROM " + schema_ + ".sqs2pg_rejects"), 3);
  EXPECT_EQ(MessagesInQueue(*sqs_, queue_url_), 0);

  std::vector<sqs::Message> dead = ReceiveAll(*sqs_, dlq);
  std::multiset<std::string> got, want(bad.begin(), bad.end());
  std::multiset<std::string> reasons;
  for (const auto& m : dead) {
    got.insert(m.body);
    auto it = m.message_attributes.find("sqs2pg_reject_reason");
    ASSERT_NE(it, m.message_attributes.end());
    reasons.insert(it->second);
  }
  EXPECT_EQ(got, want);
  // The detail names the column and its source (issue 14), never a value.
  EXPECT_EQ(reasons,
            (std::multiset<std::string>{"missing_field: user_id (path user_id)", "not_an_object",
                                        "wrong_type: masked_ip (path ip)"}));
}

TEST_F(DrainTest, BadInputsAreRejectedWithTheirReason) {
  const std::string ok_prefix = R"({"user_id": "u3", "device_type": "ios", "locale": "DE", )";
  const std::string big_padding(200 * 1024, 'p');
  SendBodies(
      *sqs_, queue_url_,
      {
          "{\"user_id\": \"u1\", ",  // invalid JSON
          "42",                      // JSON, not an object
          R"("a string")",
          ok_prefix + R"("ip": 17, "device_id": "d", "app_version": "1.0"})",  // wrong type
          ok_prefix + R"("ip": "10.1.1.1", "app_version": "1.0"})",            // missing device_id
          R"({"user_id": ")" + std::string(129, 'u') +
              R"(", "device_type": "ios", "ip": "1.1.1.1", "device_id": "d", "app_version": "1"})",
          ok_prefix + R"("ip": "10.1.1.2", "device_id": "d", "app_version": "1.2.3.4"})",
          "   ",  // blank body
          // Near the size limit but valid: extra fields are ignored.
          ok_prefix + R"("ip": "10.1.1.3", "device_id": "d3", "app_version": "2.0", "pad": ")" +
              big_padding + "\"}",
      });
  ProcessResult run = Drain();
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_EQ(Count("SELECT count(*) FROM " + table_), 1);
  auto reasons =
      Query("SELECT reason, count(*) FROM " + schema_ + ".sqs2pg_rejects GROUP BY 1 ORDER BY 1");
  std::map<std::string, std::string> by_reason;
  for (const auto& r : reasons) by_reason[r[0]] = r[1];
  EXPECT_EQ(by_reason, (std::map<std::string, std::string>{{"empty_body", "1"},
                                                           {"invalid_json", "1"},
                                                           {"invalid_version", "1"},
                                                           {"missing_field", "1"},
                                                           {"not_an_object", "2"},
                                                           {"too_long", "1"},
                                                           {"wrong_type", "1"}}));
  // The log names reasons, never values.
  EXPECT_EQ(run.output.find("10.1.1."), std::string::npos);
}

// SQS carries only Unicode text, so bytes that are not UTF-8 cannot reach a consumer through it:
// the client refuses to send them (without echoing them), and the transform rejects them as
// invalid_utf8 should any server deliver them anyway (see transform's unit tests).
TEST_F(DrainTest, NonUtf8BodiesAreRefusedAtTheClientWithoutEchoingThem) {
  const std::string body = "{\"user_id\": \"u\xff\xfe-secret\"}";
  auto failed = sqs_->SendMessageBatch(queue_url_, {sqs::SendEntry{"0", body, {}}});
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(failed.status().message().find("secret"), std::string::npos);
  EXPECT_EQ(MessagesInQueue(*sqs_, queue_url_), 0);
}

TEST_F(DrainTest, ARowTheDatabaseRefusesIsRejectedAndItsNeighboursCommit) {
  Exec("ALTER TABLE " + table_ + " ADD CONSTRAINT no_tablets CHECK (device_type <> 'tablet')");
  std::vector<std::string> bodies;
  for (int i = 0; i < 6; ++i) {
    bodies.push_back(R"({"user_id": "u)" + std::to_string(i) + R"(", "app_version": "1.0", )" +
                     R"("device_type": ")" + (i == 2 || i == 4 ? "tablet" : "ios") +
                     R"(", "ip": "10.7.7.)" + std::to_string(i) +
                     R"(", "locale": "US", "device_id": "d"})");
  }
  SendBodies(*sqs_, queue_url_, bodies);
  ProcessResult run = Drain();
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_EQ(Count("SELECT count(*) FROM " + table_), 4);
  EXPECT_EQ(Count("SELECT count(*) FROM " + table_ + " WHERE user_id IN ('u2', 'u4')"), 0);
  auto rejects = Query("SELECT reason, detail FROM " + schema_ + ".sqs2pg_rejects");
  ASSERT_EQ(rejects.size(), 2u);
  for (const auto& r : rejects) {
    EXPECT_EQ(r[0], "db_refused");
    EXPECT_NE(r[1].find("23514"), std::string::npos) << r[1];  // check_violation
    EXPECT_EQ(r[1].find("10.7.7."), std::string::npos) << r[1];
  }
  EXPECT_NE(run.output.find("db_refused"), std::string::npos) << run.output;
  EXPECT_EQ(run.output.find("10.7.7."), std::string::npos);
  EXPECT_EQ(MessagesInQueue(*sqs_, queue_url_), 2);  // no DLQ: left for the redrive policy
}

TEST_F(DrainTest, MissingKeyRefusesToStartWithExit2) {
  ProcessResult run = RunProcess(
      {Sqs2pgBinary(), "drain", "--queue-url", queue_url_, "--database-url", database_url_},
      {"SQS2PG_MASK_KEY="});
  EXPECT_EQ(run.exit_code, 2) << run.output;
  EXPECT_NE(run.output.find("no masking key"), std::string::npos) << run.output;
}

TEST_F(DrainTest, MissingColumnsAreAClearStartupError) {
  Exec("ALTER TABLE " + table_ + " DROP COLUMN masked_ip, DROP COLUMN locale");
  ProcessResult run = Drain();
  // A mapping (here the built-in one) that does not fit the table is a configuration error, and
  // every column that does not fit is named at once.
  EXPECT_EQ(run.exit_code, 2) << run.output;
  EXPECT_NE(run.output.find("masked_ip"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("locale"), std::string::npos) << run.output;
}

// An encoding error is another way the database refuses a row: a LATIN1 database cannot hold a
// user id in Japanese script (SQLSTATE 22P05, untranslatable_character).
TEST_F(DrainTest, ARowTheServerEncodingCannotHoldIsRejectedAndItsNeighboursCommit) {
  const std::string db = "latin1_" + schema_;
  Exec("CREATE DATABASE " + db +
       " TEMPLATE template0 ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C'");
  // database_url_ is a URI ending in "/<dbname>", optionally followed by "?<params>".
  std::string url = database_url_;
  const size_t query = url.find('?');
  const std::string params = query == std::string::npos ? "" : url.substr(query);
  url = url.substr(0, std::min(query, url.size()));
  url = url.substr(0, url.rfind('/') + 1) + db + params;
  {
    PGconn* latin1 = PQconnectdb(url.c_str());
    ASSERT_EQ(PQstatus(latin1), CONNECTION_OK) << PQerrorMessage(latin1);
    PGresult* r = PQexec(latin1,
                         "CREATE TABLE user_logins(user_id varchar(128), device_type varchar(32), "
                         "masked_ip varchar(256), masked_device_id varchar(256), locale "
                         "varchar(32), app_version integer, create_date date)");
    EXPECT_EQ(PQresultStatus(r), PGRES_COMMAND_OK) << PQerrorMessage(latin1);
    PQclear(r);
    PQfinish(latin1);
  }
  std::vector<std::string> bodies;
  for (int i = 0; i < 6; ++i) {
    std::string user = "u";
    user += std::to_string(i);
    if (i == 3) user = "\xE3\x83\xA6\xE3\x83\xBC\xE3\x82\xB6";  // katakana
    // "café" fits LATIN1 and must arrive intact.
    bodies.push_back(R"({"user_id": ")" + user + R"(", "app_version": "1.0", "device_type": )" +
                     R"("ios", "ip": "10.8.8.)" + std::to_string(i) +
                     R"(", "locale": "caf\u00e9", "device_id": "d"})");
  }
  SendBodies(*sqs_, queue_url_, bodies);
  ProcessResult run = Sqs2pg({"drain", "--queue-url", queue_url_, "--database-url", url, "--table",
                              "public.user_logins", "--visibility-timeout", "5"});
  ASSERT_EQ(run.exit_code, 0) << run.output;

  PGconn* latin1 = PQconnectdb((url).c_str());
  ASSERT_EQ(PQstatus(latin1), CONNECTION_OK) << PQerrorMessage(latin1);
  PQsetClientEncoding(latin1, "UTF8");
  const auto scalar = [&](const char* sql) {
    PGresult* r = PQexec(latin1, sql);
    EXPECT_EQ(PQresultStatus(r), PGRES_TUPLES_OK) << sql << ": " << PQerrorMessage(latin1);
    std::string value = PQntuples(r) == 1 ? PQgetvalue(r, 0, 0) : "<no row>";
    PQclear(r);
    return value;
  };
  EXPECT_EQ(scalar("SELECT count(*) FROM user_logins"), "5");
  EXPECT_EQ(scalar("SELECT count(*) FROM user_logins WHERE locale = 'caf\xC3\xA9'"), "5");
  EXPECT_EQ(
      scalar("SELECT string_agg(reason || ' ' || detail, ';') FROM sqs2pg_rejects").substr(0, 10),
      "db_refused");
  const std::string detail = scalar("SELECT detail FROM sqs2pg_rejects");
  EXPECT_NE(detail.find("22P05"), std::string::npos) << detail;
  EXPECT_EQ(detail.find("0xe3"), std::string::npos) << detail;  // no bytes of the value
  EXPECT_EQ(scalar("SELECT count(*) FROM sqs2pg_rejects"), "1");
  PQfinish(latin1);
  EXPECT_EQ(run.output.find("10.8.8."), std::string::npos);
  EXPECT_EQ(MessagesInQueue(*sqs_, queue_url_), 1);  // no DLQ: left for the redrive policy
  Exec("DROP DATABASE " + db + " WITH (FORCE)");
}

// The summary breaks the run's CPU time down by stage: every stage of a drain that loaded rows
// used some, and the stages plus "other" add up to the whole.
TEST_F(DrainTest, TheSummaryBreaksTheCpuDownByStage) {
  constexpr int kN = 2000;
  SendBodies(*sqs_, queue_url_, LoginEvents(kN));
  ProcessResult run = Drain();
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_EQ(Count("SELECT count(*) FROM " + table_), kN);
  const size_t at = run.output.rfind("\n  cpu ");
  ASSERT_NE(at, std::string::npos) << run.output;
  double total = -1, receive = -1, transform = -1, commit = -1, del = -1, other = -1;
  ASSERT_EQ(std::sscanf(run.output.c_str() + at,
                        " cpu %lf s: receive %lf, transform %lf, commit %lf, delete %lf, other %lf",
                        &total, &receive, &transform, &commit, &del, &other),
            6)
      << run.output.substr(at);
  EXPECT_GT(receive, 0) << run.output.substr(at);
  EXPECT_GT(transform, 0) << run.output.substr(at);
  EXPECT_GT(commit, 0) << run.output.substr(at);
  EXPECT_GT(del, 0) << run.output.substr(at);
  EXPECT_GT(other, 0) << run.output.substr(at);  // start-up at least
  // Each figure is rounded to the millisecond.
  EXPECT_NEAR(receive + transform + commit + del + other, total, 0.004) << run.output.substr(at);
}

}  // namespace
}  // namespace sqs2pg::testing
