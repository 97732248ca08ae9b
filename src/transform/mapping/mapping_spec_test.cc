#include "transform/mapping/mapping_spec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

namespace sqs2pg::transform::mapping {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// A string that stands for a secret pasted into the file: no message may contain it.
constexpr char kSecret[] = "hunter2SECRETxyz";

// The issue's example file, verbatim but for the comments.
constexpr char kPurchases[] = R"(table = "purchases"
envelope = "auto"
body_encoding = "auto"
unknown_fields = "ignore"
mode = "append"

[[column]]
name = "purchase_id"
path = "id"
required = true

[[column]]
name = "masked_email"
path = "customer.email"
transform = "mask"
mask_domain = "email"

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
name = "app_version"
path = "app_version"
transform = "semver_int"

[[column]]
name = "payload"
path = "items"
transform = "json"

[[column]]
name = "source"
value = "mobile"
)";

Status ParseError(std::string_view text) {
  Result<MappingSpec> r = ParseMapping(text, "m.toml");
  EXPECT_FALSE(r.ok()) << "parsed: " << text;
  if (r.ok()) return Status::Ok();
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), Not(HasSubstr(kSecret)));
  return r.status();
}

// The error of `text`, which must start with "m.toml:<line>: " and contain `expected`.
void ExpectError(std::string_view text, int line, std::string_view expected) {
  const Status status = ParseError(text);
  EXPECT_THAT(status.message(), HasSubstr("m.toml:" + std::to_string(line) + ": ")) << text;
  EXPECT_THAT(status.message(), HasSubstr(std::string(expected))) << text;
}

constexpr char kOneColumn[] = "[[column]]\nname = \"c\"\npath = \"p\"\n";

TEST(MappingSpecTest, ParsesTheIssuesExample) {
  Result<MappingSpec> r = ParseMapping(kPurchases, "purchases.toml");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const MappingSpec& m = *r;
  EXPECT_EQ(m.file_name, "purchases.toml");
  EXPECT_EQ(m.table, "purchases");
  EXPECT_EQ(m.envelope, Envelope::kAuto);
  EXPECT_EQ(m.body_encoding, BodyEncoding::kAuto);
  EXPECT_EQ(m.unknown_fields, UnknownFields::kIgnore);
  EXPECT_EQ(m.mode, Mode::kAppend);
  EXPECT_EQ(m.flatten, std::nullopt);
  EXPECT_TRUE(m.key.empty());
  EXPECT_EQ(m.order_by, std::nullopt);
  ASSERT_EQ(m.columns.size(), 8u);

  const ColumnSpec& id = m.columns[0];
  EXPECT_EQ(id.name, "purchase_id");
  EXPECT_EQ(id.source, SourceKind::kPath);
  EXPECT_EQ(id.path, std::vector<std::string>{"id"});
  EXPECT_TRUE(id.required);
  EXPECT_EQ(id.transform, Transform::kNone);
  EXPECT_EQ(id.line, 7);
  EXPECT_EQ(id.LineOf("path"), 9);
  EXPECT_EQ(id.LineOf("transform"), 7);  // not given: the header's line

  const ColumnSpec& email = m.columns[1];
  EXPECT_EQ(email.path, (std::vector<std::string>{"customer", "email"}));
  EXPECT_EQ(email.path_text, "customer.email");
  EXPECT_EQ(email.transform, Transform::kMask);
  EXPECT_EQ(email.mask_domain, "email");
  EXPECT_EQ(email.MaskDomain(), "email");
  EXPECT_FALSE(email.required);

  EXPECT_EQ(m.columns[3].transform, Transform::kTimestamp);
  const ColumnSpec& sent = m.columns[4];
  EXPECT_EQ(sent.source, SourceKind::kAttribute);
  EXPECT_EQ(sent.attribute, "SentTimestamp");
  EXPECT_EQ(sent.transform, Transform::kUtcDate);
  EXPECT_EQ(m.columns[5].transform, Transform::kSemverInt);
  EXPECT_EQ(m.columns[6].transform, Transform::kJson);
  const ColumnSpec& source = m.columns[7];
  EXPECT_EQ(source.source, SourceKind::kValue);
  EXPECT_EQ(source.value.kind, Constant::Kind::kString);
  EXPECT_EQ(source.value.text, "mobile");

  EXPECT_EQ(m.LineOf("table"), 1);
  EXPECT_EQ(m.LineOf("mode"), 5);
  EXPECT_EQ(m.LineOf("column"), 7);
  EXPECT_EQ(m.LineOf("flatten"), 0);
  EXPECT_EQ(m.Where(17), "purchases.toml:17");
  EXPECT_EQ(m.FindColumn("payload"), &m.columns[6]);
  EXPECT_EQ(m.FindColumn("nope"), nullptr);
}

TEST(MappingSpecTest, DefaultsForEveryTopLevelKey) {
  Result<MappingSpec> r = ParseMapping(kOneColumn, "m.toml");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->table, std::nullopt);
  EXPECT_EQ(r->envelope, Envelope::kAuto);
  EXPECT_EQ(r->body_encoding, BodyEncoding::kAuto);
  EXPECT_EQ(r->unknown_fields, UnknownFields::kIgnore);
  EXPECT_EQ(r->mode, Mode::kAppend);
  EXPECT_FALSE(r->columns[0].required);
  EXPECT_EQ(r->columns[0].transform, Transform::kNone);
  EXPECT_EQ(r->columns[0].mask_domain, std::nullopt);
}

TEST(MappingSpecTest, EveryEnumWord) {
  struct Case {
    const char* text;
    std::function<bool(const MappingSpec&)> check;
  };
  const std::vector<Case> cases = {
      {"envelope = \"none\"", [](auto& m) { return m.envelope == Envelope::kNone; }},
      {"envelope = \"sns\"", [](auto& m) { return m.envelope == Envelope::kSns; }},
      {"envelope = \"eventbridge\"", [](auto& m) { return m.envelope == Envelope::kEventBridge; }},
      {"body_encoding = \"json\"", [](auto& m) { return m.body_encoding == BodyEncoding::kJson; }},
      {"body_encoding = \"base64\"",
       [](auto& m) { return m.body_encoding == BodyEncoding::kBase64; }},
      {"body_encoding = \"gzip+base64\"",
       [](auto& m) { return m.body_encoding == BodyEncoding::kGzipBase64; }},
      {"unknown_fields = \"reject\"",
       [](auto& m) { return m.unknown_fields == UnknownFields::kReject; }},
      {"unknown_fields = \"count\"",
       [](auto& m) { return m.unknown_fields == UnknownFields::kCount; }},
      {"flatten = \"__\"", [](auto& m) { return m.flatten == "__"; }},
  };
  for (const Case& c : cases) {
    Result<MappingSpec> r = ParseMapping(std::string(c.text) + "\n" + kOneColumn, "m.toml");
    ASSERT_TRUE(r.ok()) << c.text << ": " << r.status().ToString();
    EXPECT_TRUE(c.check(*r)) << c.text;
  }
  for (const char* word :
       {"none", "mask", "semver_int", "utc_date", "timestamp", "timestamp_ms", "json"}) {
    const std::string text =
        std::string("[[column]]\nname = \"c\"\npath = \"p\"\ntransform = \"") + word + "\"\n";
    Result<MappingSpec> r = ParseMapping(text, "m.toml");
    ASSERT_TRUE(r.ok()) << word << ": " << r.status().ToString();
    EXPECT_EQ(TransformName(r->columns[0].transform), word);
  }
  EXPECT_EQ(EnvelopeName(Envelope::kEventBridge), "eventbridge");
  EXPECT_EQ(UnknownFieldsName(UnknownFields::kCount), "count");
  EXPECT_EQ(ModeName(Mode::kUpsert), "upsert");
  EXPECT_EQ(SourceKindName(SourceKind::kAttribute), "attribute");
}

TEST(MappingSpecTest, Upsert) {
  Result<MappingSpec> r = ParseMapping(R"(mode = "upsert"
key = ["id", "region"]
order_by = "updated_at"
[[column]]
name = "id"
path = "id"
[[column]]
name = "region"
path = "region"
[[column]]
name = "updated_at"
path = "updated_at"
transform = "timestamp"
)",
                                       "m.toml");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->mode, Mode::kUpsert);
  EXPECT_EQ(r->key, (std::vector<std::string>{"id", "region"}));
  EXPECT_EQ(r->order_by, "updated_at");
  EXPECT_EQ(r->LineOf("key"), 2);
  EXPECT_EQ(r->LineOf("order_by"), 3);
}

TEST(MappingSpecTest, PathsAsStringsAndArrays) {
  Result<MappingSpec> r = ParseMapping(R"(
[[column]]
name = "sku"
path = "items.0.sku"
[[column]]
name = "dotted"
path = ["a.b", "c"]
[[column]]
name = "numeric_key"
path = ["0"]
)",
                                       "m.toml");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->columns[0].path, (std::vector<std::string>{"items", "0", "sku"}));
  EXPECT_EQ(r->columns[0].path_text, "items.0.sku");
  EXPECT_EQ(r->columns[1].path, (std::vector<std::string>{"a.b", "c"}));
  EXPECT_EQ(r->columns[1].path_text, "a.b.c");
  EXPECT_EQ(r->columns[1].MaskDomain(), "a.b.c");
  EXPECT_EQ(r->columns[2].path, std::vector<std::string>{"0"});
}

TEST(MappingSpecTest, ConstantsKeepTheirKindAndText) {
  Result<MappingSpec> r = ParseMapping(R"(
[[column]]
name = "s"
value = "x y"
[[column]]
name = "i"
value = -42
[[column]]
name = "big"
value = 9223372036854775807
[[column]]
name = "f"
value = 0.1
[[column]]
name = "e"
value = 1e300
[[column]]
name = "inf"
value = -inf
[[column]]
name = "nan"
value = nan
[[column]]
name = "b"
value = false
[[column]]
name = "hex"
value = 0xff
)",
                                       "m.toml");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  using K = Constant::Kind;
  const std::vector<std::pair<K, std::string>> expected = {
      {K::kString, "x y"}, {K::kInteger, "-42"},   {K::kInteger, "9223372036854775807"},
      {K::kFloat, "0.1"},  {K::kFloat, "1e+300"},  {K::kFloat, "-Infinity"},
      {K::kFloat, "NaN"},  {K::kBoolean, "false"}, {K::kInteger, "255"}};
  ASSERT_EQ(r->columns.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(r->columns[i].source, SourceKind::kValue);
    EXPECT_EQ(r->columns[i].value.kind, expected[i].first) << i;
    EXPECT_EQ(r->columns[i].value.text, expected[i].second) << i;
  }
}

TEST(MappingSpecTest, AttributesAndTheirDefaultMaskDomain) {
  Result<MappingSpec> r = ParseMapping(R"(
[[column]]
name = "topic"
attribute = "sns.TopicArn"
[[column]]
name = "tenant"
attribute = "tenant id"
transform = "mask"
)",
                                       "m.toml");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->columns[0].attribute, "sns.TopicArn");
  EXPECT_EQ(r->columns[1].attribute, "tenant id");
  EXPECT_EQ(r->columns[1].MaskDomain(), "tenant id");
}

TEST(MappingSpecTest, InlineArrayOfColumnTablesIsTheSameThing) {
  Result<MappingSpec> r =
      ParseMapping("column = [{name = \"a\", path = \"x\"}, {name = \"b\", value = 1}]\n", "m");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->columns.size(), 2u);
  EXPECT_EQ(r->columns[1].value.text, "1");
}

TEST(MappingSpecErrorsTest, UnknownKeysAreNamedWithTheirLine) {
  ExpectError(std::string("mode = \"append\"\ntabel = \"t\"\n") + kOneColumn, 2,
              "unknown top-level key \"tabel\" (expected table, envelope");
  ExpectError("[[column]]\nname = \"c\"\npath = \"p\"\ntransfrom = \"mask\"\n", 4,
              "column \"c\": unknown column key \"transfrom\" (expected name, path");
  ExpectError(std::string("[options]\nx = 1\n") + kOneColumn, 1,
              "unknown top-level key \"options\"");
  // A key that is not a bare word is not repeated.
  const Status status = ParseError(std::string("\"") + kSecret + " x\" = 1\n" + kOneColumn);
  EXPECT_THAT(status.message(), HasSubstr("m.toml:1: unknown top-level key (expected"));
}

TEST(MappingSpecErrorsTest, TheFirstErrorInTheFileIsReported) {
  // toml++ keeps keys sorted; the report follows the file.
  ExpectError(std::string("zzz = 1\naaa = 2\n") + kOneColumn, 1, "\"zzz\"");
}

TEST(MappingSpecErrorsTest, BadEnumWordsNeverEchoTheValue) {
  for (const char* key : {"envelope", "body_encoding", "unknown_fields", "mode"}) {
    const std::string text = std::string("\n") + key + " = \"" + kSecret + "\"\n" + kOneColumn;
    ExpectError(text, 2, std::string(key) + ": expected ");
  }
  ExpectError(std::string("envelope = \"SNS\"\n") + kOneColumn, 1,
              "envelope: expected auto, none, sns or eventbridge");
  ExpectError(std::string("body_encoding = \"gzip\"\n") + kOneColumn, 1,
              "body_encoding: expected auto, json, base64 or gzip+base64");
  ExpectError(
      std::string("[[column]]\nname = \"c\"\npath = \"p\"\ntransform = \"") + kSecret + "\"\n", 4,
      "column \"c\": transform: expected none, mask, semver_int, utc_date, timestamp, "
      "timestamp_ms or json");
}

TEST(MappingSpecErrorsTest, WrongTomlTypes) {
  ExpectError(std::string("mode = 1\n") + kOneColumn, 1,
              "mode: expected a string (append or upsert), got an integer");
  ExpectError(std::string("table = [\"a\"]\n") + kOneColumn, 1,
              "table: expected a string, got an array");
  ExpectError(std::string("flatten = true\n") + kOneColumn, 1, "flatten: expected a string");
  ExpectError(std::string("mode = \"upsert\"\nkey = \"c\"\n") + kOneColumn, 2,
              "key: expected an array of column names, got a string");
  ExpectError(std::string("mode = \"upsert\"\nkey = [1]\n") + kOneColumn, 2,
              "key: expected an array of column names, got an integer");
  ExpectError(std::string("mode = \"upsert\"\nkey = \"c\"\norder_by = 2\n") + kOneColumn, 2,
              "key: expected");
  ExpectError("[[column]]\nname = 5\npath = \"p\"\n", 2, "column 1: name: expected a string");
  ExpectError("[[column]]\nname = \"c\"\npath = 5\n", 3,
              "column \"c\": path: expected a string or an array of strings, got an integer");
  ExpectError("[[column]]\nname = \"c\"\npath = [\"a\", 1]\n", 3,
              "path: expected an array of strings, got an integer");
  ExpectError("[[column]]\nname = \"c\"\nattribute = true\n", 3, "attribute: expected a string");
  ExpectError("[[column]]\nname = \"c\"\npath = \"p\"\nrequired = \"yes\"\n", 4,
              "required: expected true or false, got a string");
  ExpectError("[[column]]\nname = \"c\"\nvalue = 1979-05-27\n", 3,
              "value: expected a string, integer, float or boolean, got a date");
  ExpectError("[[column]]\nname = \"c\"\nvalue = [1]\n", 3, "got an array");
  ExpectError("[[column]]\nname = \"c\"\nvalue = {a = 1}\n", 3, "got a table");
  ExpectError("[[column]]\nname = \"c\"\npath = \"p\"\nmask_domain = 1\n", 4,
              "mask_domain: expected a string");
  ExpectError("[column]\nname = \"c\"\npath = \"p\"\n", 1,
              "column: expected [[column]] tables (an array of tables), got a table");
  ExpectError("column = [1, 2]\n", 1, "column: expected [[column]] tables");
  ExpectError("column = \"c\"\n", 1, "got a string");
}

TEST(MappingSpecErrorsTest, ColumnsAndTheirSources) {
  ExpectError("table = \"t\"\n", 1, "no [[column]]: a mapping needs at least one column");
  ExpectError("", 1, "no [[column]]");
  ExpectError("[[column]]\npath = \"p\"\n", 1, "column 1: name: missing");
  ExpectError(std::string(kOneColumn) + "[[column]]\npath = \"q\"\n", 4, "column 2: name: missing");
  ExpectError("[[column]]\nname = \"\"\npath = \"p\"\n", 2, "column 1: name: must not be empty");
  ExpectError("[[column]]\nname = \"c\"\nrequired = true\n", 1,
              "column \"c\": no source: give one of path, attribute or value");
  ExpectError("[[column]]\nname = \"c\"\npath = \"p\"\nvalue = 1\n", 4,
              "column \"c\": path and value: give only one of path, attribute or value");
  ExpectError("[[column]]\nname = \"c\"\nattribute = \"MessageId\"\npath = \"p\"\n", 4,
              "attribute and path: give only one");
  ExpectError(std::string(kOneColumn) + "\n[[column]]\nname = \"c\"\nvalue = 1\n", 6,
              "column \"c\": name: a second column of this name (the first is at line 2)");
}

TEST(MappingSpecErrorsTest, PathsAttributesAndDomains) {
  ExpectError("[[column]]\nname = \"c\"\npath = \"\"\n", 3, "path: must not be empty");
  for (const char* path : {"a..b", ".a", "a.", "."}) {
    ExpectError(std::string("[[column]]\nname = \"c\"\npath = \"") + path + "\"\n", 3,
                "path: empty segment");
  }
  ExpectError("[[column]]\nname = \"c\"\npath = []\n", 3, "path: must not be empty");
  ExpectError("[[column]]\nname = \"c\"\npath = [\"a\", \"\"]\n", 3, "path: empty segment");
  ExpectError("[[column]]\nname = \"c\"\nattribute = \"\"\n", 3, "attribute: must not be empty");
  ExpectError("[[column]]\nname = \"c\"\nattribute = \"a\\u0001b\"\n", 3,
              "attribute: must not contain control characters");
  ExpectError("[[column]]\nname = \"c\"\npath = \"p\"\nmask_domain = \"ip\"\n", 4,
              "column \"c\": mask_domain: only for transform = \"mask\"");
  ExpectError(
      "[[column]]\nname = \"c\"\npath = \"p\"\ntransform = \"json\"\nmask_domain = \"ip\"\n", 5,
      "mask_domain: only for transform = \"mask\"");
  ExpectError("[[column]]\nname = \"c\"\npath = \"p\"\ntransform = \"mask\"\nmask_domain = \"\"\n",
              5, "mask_domain: must not be empty");
  ExpectError("[[column]]\nname = \"c\"\nvalue = \"x\"\ntransform = \"mask\"\n", 4,
              "column \"c\": transform: \"mask\" on a constant value");
  ExpectError(std::string("table = \"\"\n") + kOneColumn, 1, "table: must not be empty");
  ExpectError(std::string("flatten = \"\"\n") + kOneColumn, 1, "flatten: must not be empty");
}

TEST(MappingSpecErrorsTest, UpsertRules) {
  const std::string columns = std::string(kOneColumn) + "[[column]]\nname = \"d\"\npath = \"q\"\n";
  ExpectError("key = [\"c\"]\n" + columns, 1, "key: only with mode = \"upsert\"");
  ExpectError("mode = \"append\"\norder_by = \"c\"\n" + columns, 2,
              "order_by: only with mode = \"upsert\"");
  ExpectError("mode = \"upsert\"\n" + columns, 1, "mode = \"upsert\" needs key = [");
  ExpectError("mode = \"upsert\"\nkey = []\n" + columns, 2, "mode = \"upsert\" needs key");
  ExpectError("mode = \"upsert\"\nkey = [\"c\", \"x\"]\n" + columns, 2,
              "key: \"x\" is not a column of this mapping");
  ExpectError("mode = \"upsert\"\nkey = [\"c\", \"c\"]\n" + columns, 2,
              "key: element 2 repeats an earlier one");
  ExpectError("mode = \"upsert\"\nkey = [\"\"]\n" + columns, 2, "key: a column name must not be");
  ExpectError("mode = \"upsert\"\nkey = [\"c\"]\norder_by = \"x\"\n" + columns, 3,
              "order_by: \"x\" is not a column of this mapping");
  // A name that does not look like one is not repeated.
  const Status status =
      ParseError("mode = \"upsert\"\nkey = [\"" + std::string(kSecret) + "\\\"\"]\n" + columns);
  EXPECT_THAT(status.message(), HasSubstr("m.toml:2: key: element 1 is not a column"));
}

TEST(MappingSpecErrorsTest, SyntaxErrorsGiveLineAndColumnButNoText) {
  for (const std::string& text : {
           std::string("password = ") + kSecret + "\n",                       // a bare value
           std::string("a = \"") + kSecret + "\n",                            // unterminated string
           std::string(kSecret) + " " + kSecret + " = 1\n",                   // a key with a space
           std::string("a = 1\n") + kSecret + " = 1\n" + kSecret + " = 2\n",  // a redefined key
           std::string("a = \"\\q") + kSecret + "\"\n",                       // a bad escape
           std::string("a = 1979-13-27\n"),                                   // a bad month
       }) {
    const Status status = ParseError(text);
    EXPECT_THAT(status.message(), HasSubstr("m.toml:")) << text;
    EXPECT_THAT(status.message(), HasSubstr(": not valid TOML: error while parsing")) << text;
    EXPECT_THAT(status.message(), Not(HasSubstr("13"))) << status.message();
  }
  const Status redefined = ParseError("a = 1\na = 2\n");
  EXPECT_THAT(redefined.message(), HasSubstr("m.toml:2:"));
}

TEST(MappingSpecErrorsTest, ColumnLabels) {
  ColumnSpec column;
  column.name = "user_id";
  EXPECT_EQ(ColumnLabel(column, 0), "column \"user_id\"");
  column.name = "prénom";
  EXPECT_EQ(ColumnLabel(column, 0), "column \"prénom\"");
  column.name = "a\"b";
  EXPECT_EQ(ColumnLabel(column, 2), "column 3");
  column.name = std::string(64, 'x');
  EXPECT_EQ(ColumnLabel(column, 0), "column 1");
  column.name = "";
  EXPECT_EQ(ColumnLabel(column, 1), "column 2");
}

class MappingFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/mapping_spec_testXXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    dir_ = dir;
  }
  void TearDown() override {
    std::remove((dir_ + "/m.toml").c_str());
    rmdir(dir_.c_str());
  }
  std::string Write(const std::string& text) {
    const std::string path = dir_ + "/m.toml";
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }
  std::string dir_;
};

TEST_F(MappingFileTest, LoadsAFileAndNamesItInErrors) {
  Result<MappingSpec> ok = LoadMappingFile(Write(kPurchases));
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->file_name, dir_ + "/m.toml");
  EXPECT_EQ(ok->columns.size(), 8u);

  Result<MappingSpec> bad = LoadMappingFile(Write("mode = \"merge\"\n"));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(), HasSubstr(dir_ + "/m.toml:1: mode: expected"));
}

TEST_F(MappingFileTest, UnreadableOrHugeFiles) {
  Result<MappingSpec> missing = LoadMappingFile(dir_ + "/absent.toml");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(missing.status().message(),
              HasSubstr("cannot read mapping file " + dir_ + "/absent.toml: No such file"));

  Result<MappingSpec> directory = LoadMappingFile(dir_);
  ASSERT_FALSE(directory.ok());
  EXPECT_EQ(directory.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(directory.status().message(), HasSubstr("cannot read mapping file"));

  Result<MappingSpec> huge = LoadMappingFile(Write(std::string((1 << 20) + 1, '#')));
  ASSERT_FALSE(huge.ok());
  EXPECT_THAT(huge.status().message(), HasSubstr("larger than 1 MiB"));
}

}  // namespace
}  // namespace sqs2pg::transform::mapping
