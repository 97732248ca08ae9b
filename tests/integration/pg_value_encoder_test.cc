// The value encoders (transform/convert) against a real PostgreSQL: every accepted value is
// COPYed in binary (libpq's PQputCopyData, not sqs2pg's sink) into a column of its type, read
// back as text and compared with what the server itself makes of the value's text form. This is
// the proof that the binary encodings are right. Rejected values are cross-checked against the
// server's own text input where that is as strict as the encoders.
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "support/pg_fixture.h"
#include "transform/convert/pg_type.h"
#include "transform/convert/time_parse.h"
#include "transform/convert/value_encoder.h"

namespace sqs2pg::transform {
namespace {

// One column per supported type (plus modifiers that change what fits).
constexpr const char* kColumns =
    "id integer PRIMARY KEY, c_text text, c_varchar varchar(255), c_char char(5), "
    "c_int2 smallint, c_int4 integer, c_int8 bigint, c_numeric numeric, "
    "c_numeric_ps numeric(10,2), c_numeric_neg numeric(3,-2), c_float4 real, "
    "c_float8 double precision, c_bool boolean, c_date date, c_ts timestamp, "
    "c_tstz timestamptz, c_tstz3 timestamptz(3), c_uuid uuid, c_json json, c_jsonb jsonb, "
    "c_inet inet";

enum class Source { kValue, kJson, kInt, kEpochSeconds, kEpochMillis, kIsoDateOnly, kText };

struct Case {
  const char* column;
  Source source;
  JsonKind kind;
  std::string input;
  // A SQL expression over $1 giving the value the column must read back equal to, and $1
  // (the input when empty).
  std::string expected_sql;
  std::string expected_param = "";
};

Case V(const char* column, JsonKind kind, std::string input, std::string expected_sql,
       std::string expected_param = "") {
  return {column,           Source::kValue,          kind,
          std::move(input), std::move(expected_sql), std::move(expected_param)};
}
Case S(const char* column, Source source, std::string input, std::string expected_sql,
       std::string expected_param = "") {
  return {column,
          source,
          JsonKind::kString,
          std::move(input),
          std::move(expected_sql),
          std::move(expected_param)};
}

constexpr JsonKind kStr = JsonKind::kString;
constexpr JsonKind kNum = JsonKind::kNumber;

std::string Repeat(std::string_view s, int n) {
  std::string r;
  for (int i = 0; i < n; ++i) r += s;
  return r;
}

class PgValueEncoderTest : public testing::PgSchemaFixture {
 protected:
  void SetUp() override {
    PgSchemaFixture::SetUp();
    if (HasFatalFailure()) return;
    Exec("SET TimeZone = 'UTC'");
    table_ = schema_ + ".vals";
    Exec("CREATE TABLE " + table_ + " (" + kColumns + ")");
    // The column types as the catalog states them, through PgColumnTypeFromCatalog.
    auto rows = Query(
        "SELECT a.attname, t.typname, a.atttypmod FROM pg_attribute a "
        "JOIN pg_type t ON t.oid = a.atttypid "
        "WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped",
        {table_});
    for (const auto& r : rows) {
      auto t = PgColumnTypeFromCatalog(r[1], std::stoi(r[2]));
      ASSERT_TRUE(t.has_value()) << r[0] << " " << r[1];
      types_[r[0]] = *t;
    }
  }

  // Encodes the case's field, or returns the error.
  ConvertError Encode(const Case& c, std::string* field) {
    const PgColumnType& col = types_.at(c.column);
    int64_t micros = 0;
    switch (c.source) {
      case Source::kValue:
        return AppendValue(col, c.kind, c.input, field);
      case Source::kJson:
        return AppendJson(col, c.input, field);
      case Source::kInt:
        return AppendInt(col, std::stoll(c.input), field);
      case Source::kText:
        return AppendText(col, c.input, field);
      case Source::kEpochSeconds:
        if (ConvertError e = EpochSecondsToMicros(c.input, &micros); e != ConvertError::kNone) {
          return e;
        }
        return AppendInstant(col, micros, false, field);
      case Source::kEpochMillis:
        if (ConvertError e = EpochMillisToMicros(c.input, &micros); e != ConvertError::kNone) {
          return e;
        }
        return AppendInstant(col, micros, false, field);
      case Source::kIsoDateOnly: {
        std::optional<int64_t> t = ParseIso8601Micros(c.input);
        if (!t.has_value()) return ConvertError::kInvalidValue;
        return AppendInstant(col, *t, true, field);
      }
    }
    return ConvertError::kWrongType;
  }

  // COPY (id, column) FROM STDIN (FORMAT binary) of one tuple whose second field is `field`.
  // Returns "" or the server's error.
  std::string CopyTuple(const std::string& column, int id, const std::string& field) {
    static constexpr char kHeader[19] = {'P',  'G',    'C',  'O',  'P', 'Y',
                                         '\n', '\377', '\r', '\n', '\0'};
    std::string data(kHeader, sizeof(kHeader));
    data += std::string("\0\2", 2);  // two fields
    EXPECT_EQ(AppendInt(types_.at("id"), id, &data), ConvertError::kNone);
    data += field;
    data += std::string("\377\377", 2);  // trailer
    PGresult* r = PQexec(
        conn_, ("COPY " + table_ + " (id, " + column + ") FROM STDIN (FORMAT binary)").c_str());
    EXPECT_EQ(PQresultStatus(r), PGRES_COPY_IN) << PQerrorMessage(conn_);
    PQclear(r);
    EXPECT_EQ(PQputCopyData(conn_, data.data(), static_cast<int>(data.size())), 1);
    EXPECT_EQ(PQputCopyEnd(conn_, nullptr), 1);
    std::string error;
    while ((r = PQgetResult(conn_)) != nullptr) {
      if (PQresultStatus(r) != PGRES_COMMAND_OK) error = PQresultErrorMessage(r);
      PQclear(r);
    }
    return error;
  }

  // True if the server's text input refuses the expression.
  bool ServerRefuses(const std::string& sql, const std::string& param) {
    const char* values[1] = {param.c_str()};
    PGresult* r = PQexecParams(conn_, ("SELECT (" + sql + ")::text").c_str(), 1, nullptr, values,
                               nullptr, nullptr, 0);
    const bool refused = PQresultStatus(r) != PGRES_TUPLES_OK;
    PQclear(r);
    return refused;
  }

  void ExpectRoundTrips(const std::vector<Case>& cases) {
    int id = 0;
    for (const Case& c : cases) {
      ++id;
      SCOPED_TRACE(std::string(c.column) + " <- " + c.input.substr(0, 80));
      std::string field;
      ConvertError e = Encode(c, &field);
      ASSERT_EQ(e, ConvertError::kNone) << ConvertErrorName(e);
      const std::string error = CopyTuple(c.column, id, field);
      ASSERT_EQ(error, "");
      auto got = Query("SELECT " + std::string(c.column) + "::text, " + c.column +
                           " IS NULL FROM " + table_ + " WHERE id = $1",
                       {std::to_string(id)});
      auto want = Query("SELECT (" + c.expected_sql + ")::text",
                        {c.expected_param.empty() ? c.input : c.expected_param});
      ASSERT_EQ(got.size(), 1u);
      ASSERT_EQ(want.size(), 1u);
      EXPECT_EQ(got[0][1], "f");
      EXPECT_EQ(got[0][0], want[0][0]);
    }
  }

  std::string table_;
  std::map<std::string, PgColumnType> types_;
};

TEST_F(PgValueEncoderTest, CatalogTypesDecode) {
  EXPECT_EQ(types_.at("c_varchar").type, PgType::kVarchar);
  EXPECT_EQ(types_.at("c_varchar").max_chars, 255);
  EXPECT_EQ(types_.at("c_char").type, PgType::kBpchar);
  EXPECT_EQ(types_.at("c_char").max_chars, 5);
  EXPECT_EQ(types_.at("c_numeric").numeric_precision, -1);
  EXPECT_EQ(types_.at("c_numeric_ps").numeric_precision, 10);
  EXPECT_EQ(types_.at("c_numeric_ps").numeric_scale, 2);
  EXPECT_EQ(types_.at("c_numeric_neg").numeric_scale, -2);
  EXPECT_EQ(types_.at("c_tstz").type, PgType::kTimestamptz);
  EXPECT_EQ(types_.at("c_tstz3").time_precision, 3);
  EXPECT_EQ(types_.at("c_ts").type, PgType::kTimestamp);
  EXPECT_EQ(types_.at("c_jsonb").type, PgType::kJsonb);
  EXPECT_EQ(types_.at("c_inet").type, PgType::kInet);
}

TEST_F(PgValueEncoderTest, TextAndIntegersReadBackAsTheServerParsesThem) {
  ExpectRoundTrips({
      V("c_text", kStr, "h\xC3\xA9llo \xF0\x9F\x98\x80", "$1::text"),
      V("c_text", kStr, "", "$1::text"),
      V("c_varchar", kStr, Repeat("\xF0\x9F\x98\x80", 255), "$1::varchar(255)"),
      V("c_varchar", kStr, Repeat("x", 255), "$1::varchar(255)"),
      V("c_char", kStr, "ab", "$1::char(5)"),
      V("c_char", kStr, "\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9", "$1::char(5)"),
      V("c_int2", kNum, "32767", "$1::int2"),
      V("c_int2", kNum, "-32768", "$1::int2"),
      V("c_int2", kNum, "-0", "$1::int2"),
      V("c_int4", kNum, "2147483647", "$1::int4"),
      V("c_int4", kNum, "-2147483648", "$1::int4"),
      V("c_int4", kNum, "12.0", "$1::numeric::int4"),
      V("c_int4", kNum, "1.2e1", "$1::numeric::int4"),
      V("c_int4", kNum, "1e2", "$1::numeric::int4"),
      V("c_int4", kStr, "42", "$1::int4"),
      V("c_int8", kNum, "9223372036854775807", "$1::int8"),
      V("c_int8", kNum, "-9223372036854775808", "$1::int8"),
      V("c_bool", JsonKind::kBool, "true", "$1::boolean"),
      V("c_bool", JsonKind::kBool, "false", "$1::boolean"),
  });
}

TEST_F(PgValueEncoderTest, NumericIsExact) {
  ExpectRoundTrips({
      V("c_numeric", kNum, "0", "$1::numeric"),
      V("c_numeric", kNum, "-0", "$1::numeric"),
      V("c_numeric", kNum, "-0.00", "$1::numeric"),
      V("c_numeric", kNum, "12.34", "$1::numeric"),
      V("c_numeric", kNum, "-12.3400", "$1::numeric"),
      V("c_numeric", kNum, "1e400", "$1::numeric"),
      V("c_numeric", kNum, "1.5E+10", "$1::numeric"),
      V("c_numeric", kNum, "1e-3", "$1::numeric"),
      V("c_numeric", kNum, "1.50e1", "$1::numeric"),
      V("c_numeric", kNum, "10000.00010000", "$1::numeric"),
      V("c_numeric", kNum, "123456789012345678901234567890.123456789012345678901", "$1::numeric"),
      V("c_numeric", kNum, "-0.000000000000000000000000000001", "$1::numeric"),
      V("c_numeric", kNum, "9999.9999", "$1::numeric"),
      V("c_numeric", kNum, "1e131071", "$1::numeric"),
      V("c_numeric", kNum, "1e-16383", "$1::numeric"),
      V("c_numeric", kNum, "-9.87654321e-7", "$1::numeric"),
      V("c_numeric", kStr, "3.14159", "$1::numeric"),
      V("c_numeric_ps", kNum, "12.3", "$1::numeric(10,2)"),
      V("c_numeric_ps", kNum, "12.30", "$1::numeric(10,2)"),
      V("c_numeric_ps", kNum, "7", "$1::numeric(10,2)"),
      V("c_numeric_ps", kNum, "-99999999.99", "$1::numeric(10,2)"),
      V("c_numeric_ps", kNum, "1.2345e3", "$1::numeric(10,2)"),
      V("c_numeric_neg", kNum, "99900", "$1::numeric(3,-2)"),
      V("c_numeric_neg", kNum, "-1e2", "$1::numeric(3,-2)"),
  });
}

TEST_F(PgValueEncoderTest, FloatsAreTheNearest) {
  ExpectRoundTrips({
      V("c_float8", kNum, "0.1", "$1::float8"),
      V("c_float8", kNum, "-0", "$1::float8"),
      V("c_float8", kNum, "4e-320", "$1::float8"),
      V("c_float8", kNum, "1.7976931348623157e308", "$1::float8"),
      V("c_float8", kNum, "123456789.123456789", "$1::float8"),
      V("c_float8", kNum, "1e22", "$1::float8"),
      V("c_float8", kStr, "-2.5E-3", "$1::float8"),
      V("c_float4", kNum, "0.1", "$1::real"),
      V("c_float4", kNum, "3.4028235e38", "$1::real"),
      V("c_float4", kNum, "1e-45", "$1::real"),
      V("c_float4", kNum, "-1.5", "$1::real"),
      V("c_float4", kNum, "16777217", "$1::real"),
  });
}

TEST_F(PgValueEncoderTest, DatesTimesUuidsAndAddresses) {
  ExpectRoundTrips({
      V("c_date", kStr, "2000-02-29", "$1::date"),
      V("c_date", kStr, "2024-02-29", "$1::date"),
      V("c_date", kStr, "1969-12-31", "$1::date"),
      V("c_date", kStr, "0001-01-01", "$1::date"),
      V("c_date", kStr, "9999-12-31", "$1::date"),
      V("c_tstz", kStr, "2024-03-15T18:04:56+05:30", "$1::timestamptz"),
      V("c_tstz", kStr, "2024-03-15T04:34:56-0800", "$1::timestamptz"),
      V("c_tstz", kStr, "2024-03-15T04:34:56-08", "$1::timestamptz"),
      V("c_tstz", kStr, "2024-03-15T12:34:56Z", "$1::timestamptz"),
      V("c_tstz", kStr, "2024-03-15 12:34:56", "$1::timestamptz"),
      V("c_tstz", kStr, "2024-03-15T12:34", "$1::timestamptz"),
      V("c_tstz", kStr, "2024-03-15T12:34:56.123456789Z", "$1::timestamptz"),
      V("c_tstz", kStr, "2024-03-15T12:34:56.5-03:00", "$1::timestamptz"),
      V("c_tstz", kStr, "1969-12-31T23:59:59.999999Z", "$1::timestamptz"),
      V("c_tstz", kStr, "2016-12-31T23:59:60Z", "$1::timestamptz"),
      V("c_tstz", kStr, "2020-01-01T24:00:00Z", "$1::timestamptz"),
      V("c_tstz", kStr, "0001-01-01T00:00:00+01:00", "$1::timestamptz"),
      V("c_tstz", kStr, "2024-03-15", "$1::timestamptz"),
      V("c_tstz3", kStr, "2024-03-15T12:34:56.1235Z", "$1::timestamptz(3)"),
      // timestamp without time zone stores the UTC wall clock of the instant (the server's own
      // text input would drop the offset instead).
      V("c_ts", kStr, "2024-03-15T18:04:56.25+05:30", "($1::timestamptz AT TIME ZONE 'UTC')"),
      V("c_ts", kStr, "2024-03-15T04:34:56-0800", "($1::timestamptz AT TIME ZONE 'UTC')"),
      V("c_ts", kStr, "2024-03-15T12:34:56", "$1::timestamp"),
      V("c_uuid", kStr, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "$1::uuid"),
      V("c_uuid", kStr, "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11", "$1::uuid"),
      V("c_inet", kStr, "192.168.0.1", "$1::inet"),
      V("c_inet", kStr, "192.168.0.1/24", "$1::inet"),
      V("c_inet", kStr, "10.0.0.0/8", "$1::inet"),
      V("c_inet", kStr, "0.0.0.0/0", "$1::inet"),
      V("c_inet", kStr, "2001:db8::1/64", "$1::inet"),
      V("c_inet", kStr, "::ffff:1.2.3.4", "$1::inet"),
      V("c_inet", kStr, "::1", "$1::inet"),
      V("c_inet", kStr, "FE80::1:2:3:4/10", "$1::inet"),
  });
}

TEST_F(PgValueEncoderTest, JsonAndJsonb) {
  ExpectRoundTrips({
      S("c_json", Source::kJson, R"({"a": [1, 2.50, "x"], "b": null})", "$1::json"),
      S("c_json", Source::kJson, R"(["\u0000"])", "$1::json"),
      S("c_jsonb", Source::kJson, R"({"b": {"c": true}, "a": [1e2, "\ud83d\ude00", -0.0]})",
        "$1::jsonb"),
      S("c_jsonb", Source::kJson, R"(["\\u0000", "tab\there"])", "$1::jsonb"),
      S("c_jsonb", Source::kJson, R"({"n": 1e400, "m": 1e-16383})", "$1::jsonb"),
      S("c_jsonb", Source::kJson, "  \"scalar\"\n", "$1::jsonb"),
      S("c_text", Source::kJson, "[1,2]", "$1::text"),
  });
}

TEST_F(PgValueEncoderTest, InstantsIntegersAndText) {
  const std::string min_micros = std::to_string(kMinPostgresTimestampUnixMicros / 1000000);
  ExpectRoundTrips({
      S("c_tstz", Source::kEpochSeconds, "1710506096.123456", "$1::timestamptz",
        "2024-03-15 12:34:56.123456Z"),
      S("c_tstz", Source::kEpochSeconds, "1.7105060961234564e9", "$1::timestamptz",
        "2024-03-15 12:34:56.123456Z"),
      S("c_tstz", Source::kEpochSeconds, "-1.5", "$1::timestamptz", "1969-12-31 23:59:58.5Z"),
      S("c_tstz", Source::kEpochSeconds, min_micros, "$1::timestamptz", "4714-11-24 00:00:00Z BC"),
      S("c_ts", Source::kEpochMillis, "1710506096123", "$1::timestamp", "2024-03-15 12:34:56.123"),
      S("c_date", Source::kEpochMillis, "1710547199999", "$1::date", "2024-03-15"),
      S("c_date", Source::kEpochSeconds, "-0.000001", "$1::date", "1969-12-31"),
      S("c_date", Source::kEpochSeconds, min_micros, "$1::date", "4714-11-24 BC"),
      S("c_text", Source::kEpochSeconds, "1710506096.5", "$1::text", "2024-03-15T12:34:56.500000Z"),
      S("c_date", Source::kIsoDateOnly, "2024-03-15T23:30:00-05:00", "$1::date", "2024-03-16"),
      S("c_tstz", Source::kIsoDateOnly, "2024-03-15T23:30:00-05:00", "$1::timestamptz",
        "2024-03-16 00:00Z"),
      S("c_varchar", Source::kIsoDateOnly, "2024-03-15T23:30:00-05:00", "$1::text", "2024-03-16"),
      S("c_int4", Source::kInt, "2003000", "$1::int4"),
      S("c_int2", Source::kInt, "-32768", "$1::int2"),
      S("c_int8", Source::kInt, "-9223372036854775808", "$1::int8"),
      S("c_numeric", Source::kInt, "-9223372036854775808", "$1::numeric"),
      S("c_numeric_ps", Source::kInt, "2003000", "$1::numeric(10,2)"),
      S("c_numeric_neg", Source::kInt, "-500", "$1::numeric(3,-2)"),
      S("c_float8", Source::kInt, "9007199254740992", "$1::float8"),
      S("c_float4", Source::kInt, "16777216", "$1::real"),
      S("c_text", Source::kInt, "-42", "$1::text"),
      S("c_varchar", Source::kText, Repeat("ab", 32), "$1::text"),
  });
}

TEST_F(PgValueEncoderTest, NullField) {
  std::string field;
  AppendNull(&field);
  ASSERT_EQ(CopyTuple("c_jsonb", 1, field), "");
  EXPECT_EQ(Count("SELECT count(*) FROM " + table_ + " WHERE id = 1 AND c_jsonb IS NULL"), 1);
}

// Values the encoders refuse. Where the server's text input is as strict, it must refuse them too
// (a cross-check of each rule); the NUL, too_long and rounding cases are stricter than the server
// (which would truncate or round), so only the code is checked.
TEST_F(PgValueEncoderTest, RejectedValuesAppendNothingAndTheServerAgrees) {
  struct Reject {
    Case c;
    ConvertError error;
    bool server_refuses_too;
  };
  const std::vector<Reject> rejects = {
      {V("c_int2", kNum, "32768", "$1::int2"), ConvertError::kOutOfRange, true},
      {V("c_int2", kNum, "-32769", "$1::int2"), ConvertError::kOutOfRange, true},
      {V("c_int4", kNum, "2147483648", "$1::int4"), ConvertError::kOutOfRange, true},
      {V("c_int4", kNum, "12.5", "$1::int4"), ConvertError::kOutOfRange, true},
      {V("c_int8", kNum, "9223372036854775808", "$1::int8"), ConvertError::kOutOfRange, true},
      {V("c_int8", kNum, "-9223372036854775809", "$1::int8"), ConvertError::kOutOfRange, true},
      {V("c_int4", kStr, "0x1f", "$1::int4"), ConvertError::kInvalidValue, true},
      {V("c_numeric_ps", kNum, "123456789.5", "$1::numeric(10,2)"), ConvertError::kOutOfRange,
       true},
      {V("c_numeric_ps", kNum, "12.345", "$1::numeric(10,2)"), ConvertError::kOutOfRange, false},
      {V("c_numeric_neg", kNum, "100000", "$1::numeric(3,-2)"), ConvertError::kOutOfRange, true},
      {V("c_numeric", kNum, "1e131072", "$1::numeric"), ConvertError::kOutOfRange, true},
      {V("c_numeric", kNum, "1e-16384", "$1::numeric"), ConvertError::kOutOfRange, true},
      {V("c_numeric", kStr, "NaN", "$1::numeric"), ConvertError::kInvalidValue, false},
      {V("c_float8", kNum, "1e400", "$1::float8"), ConvertError::kOutOfRange, true},
      {V("c_float8", kNum, "1e-400", "$1::float8"), ConvertError::kOutOfRange, true},
      {V("c_float8", kStr, "Infinity", "$1::float8"), ConvertError::kInvalidValue, false},
      {V("c_float4", kNum, "3.5e38", "$1::real"), ConvertError::kOutOfRange, true},
      {V("c_float4", kNum, "1e-50", "$1::real"), ConvertError::kOutOfRange, true},
      {V("c_date", kStr, "2023-02-29", "$1::date"), ConvertError::kInvalidValue, true},
      {V("c_date", kStr, "1900-02-29", "$1::date"), ConvertError::kInvalidValue, true},
      {V("c_tstz", kStr, "2024-03-15T12:34:56+16:00", "$1::timestamptz"),
       ConvertError::kInvalidValue, true},
      {V("c_tstz", kStr, "2024-02-30T00:00Z", "$1::timestamptz"), ConvertError::kInvalidValue,
       true},
      {V("c_uuid", kStr, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1", "$1::uuid"),
       ConvertError::kInvalidValue, true},
      {V("c_uuid", kStr, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1g", "$1::uuid"),
       ConvertError::kInvalidValue, true},
      {V("c_inet", kStr, "1.2.3.4/33", "$1::inet"), ConvertError::kInvalidValue, true},
      {V("c_inet", kStr, "10.1", "$1::inet"), ConvertError::kInvalidValue, true},
      {V("c_inet", kStr, "1.2.3.256", "$1::inet"), ConvertError::kInvalidValue, true},
      {V("c_inet", kStr, "::1/129", "$1::inet"), ConvertError::kInvalidValue, true},
      {S("c_jsonb", Source::kJson, R"(["\u0000"])", "$1::jsonb"), ConvertError::kNulCharacter,
       true},
      {S("c_jsonb", Source::kJson, R"(["\ud800"])", "$1::jsonb"), ConvertError::kInvalidValue,
       true},
      {S("c_jsonb", Source::kJson, "[1e131072]", "$1::jsonb"), ConvertError::kOutOfRange, true},
      {V("c_varchar", kStr, Repeat("\xF0\x9F\x98\x80", 256), "$1::varchar(255)"),
       ConvertError::kTooLong, false},
      {V("c_char", kStr, "abcdef", "$1::char(5)"), ConvertError::kTooLong, false},
      {V("c_text", kNum, "12", "$1::text"), ConvertError::kWrongType, false},
      {V("c_bool", kStr, "true", "$1::boolean"), ConvertError::kWrongType, false},
      {V("c_jsonb", kStr, "{}", "$1::jsonb"), ConvertError::kWrongType, false},
      {S("c_text", Source::kEpochSeconds, std::to_string(kMinPostgresTimestampUnixMicros / 1000000),
         "$1::text"),
       ConvertError::kOutOfRange, false},
      {S("c_tstz", Source::kEpochSeconds,
         std::to_string(kMinPostgresTimestampUnixMicros / 1000000 - 1), "$1::timestamptz"),
       ConvertError::kOutOfRange, false},
  };
  std::string field = "untouched";
  for (const Reject& r : rejects) {
    SCOPED_TRACE(std::string(r.c.column) + " <- " + r.c.input.substr(0, 80));
    EXPECT_EQ(Encode(r.c, &field), r.error);
    EXPECT_EQ(field, "untouched");
    if (r.server_refuses_too) {
      EXPECT_TRUE(ServerRefuses(r.c.expected_sql, r.c.input));
    }
  }
  // The server would refuse the out-of-range instant too.
  EXPECT_TRUE(ServerRefuses("$1::timestamptz", "4714-11-23 23:59:59Z BC"));
}

}  // namespace
}  // namespace sqs2pg::transform
