#include "transform/convert/value_encoder.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

#include "transform/convert/time_parse.h"

namespace sqs2pg::transform {
namespace {

PgColumnType Col(PgType type, int max_chars = -1) {
  PgColumnType c;
  c.type = type;
  c.max_chars = max_chars;
  return c;
}

PgColumnType Numeric(int p, int s) {
  PgColumnType c;
  c.type = PgType::kNumeric;
  c.numeric_precision = p;
  c.numeric_scale = s;
  return c;
}

// "!" and the error's name. (Built with append: GCC 12's -Wrestrict misfires on "!" + string.)
std::string Error(ConvertError e) {
  std::string s = "!";
  s.append(ConvertErrorName(e));
  return s;
}

std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string h;
  for (unsigned char c : bytes) {
    h += kDigits[c >> 4];
    h += kDigits[c & 15];
  }
  return h;
}

// The appended field as hex, or the error's name prefixed with "!". An error must append nothing.
std::string Value(const PgColumnType& col, JsonKind kind, std::string_view text) {
  std::string out = "prefix";
  ConvertError e = AppendValue(col, kind, text, &out);
  if (e != ConvertError::kNone) {
    EXPECT_EQ(out, "prefix") << "appended on error";
    return Error(e);
  }
  EXPECT_EQ(out.substr(0, 6), "prefix");
  return Hex(std::string_view(out).substr(6));
}

std::string Num(const PgColumnType& col, std::string_view text) {
  return Value(col, JsonKind::kNumber, text);
}
std::string Str(const PgColumnType& col, std::string_view text) {
  return Value(col, JsonKind::kString, text);
}

std::string Json(const PgColumnType& col, std::string_view raw) {
  std::string out;
  ConvertError e = AppendJson(col, raw, &out);
  if (e != ConvertError::kNone) {
    EXPECT_TRUE(out.empty());
    return Error(e);
  }
  return out.substr(4);  // payload, as text
}

std::string Instant(const PgColumnType& col, int64_t micros, bool date_only = false) {
  std::string out;
  ConvertError e = AppendInstant(col, micros, date_only, &out);
  if (e != ConvertError::kNone) {
    EXPECT_TRUE(out.empty());
    return Error(e);
  }
  return Hex(out);
}

std::string Int(const PgColumnType& col, int64_t v) {
  std::string out;
  ConvertError e = AppendInt(col, v, &out);
  if (e != ConvertError::kNone) {
    EXPECT_TRUE(out.empty());
    return Error(e);
  }
  return Hex(out);
}

const PgColumnType kInt2 = Col(PgType::kInt2);
const PgColumnType kInt4 = Col(PgType::kInt4);
const PgColumnType kInt8 = Col(PgType::kInt8);

TEST(AppendValueIntTest, OverflowAtEveryWidth) {
  EXPECT_EQ(Num(kInt2, "32767"), "000000027fff");
  EXPECT_EQ(Num(kInt2, "-32768"), "000000028000");
  EXPECT_EQ(Num(kInt2, "32768"), "!out_of_range");
  EXPECT_EQ(Num(kInt2, "-32769"), "!out_of_range");
  EXPECT_EQ(Num(kInt4, "2147483647"), "000000047fffffff");
  EXPECT_EQ(Num(kInt4, "-2147483648"), "0000000480000000");
  EXPECT_EQ(Num(kInt4, "2147483648"), "!out_of_range");
  EXPECT_EQ(Num(kInt4, "-2147483649"), "!out_of_range");
  EXPECT_EQ(Num(kInt8, "9223372036854775807"), "000000087fffffffffffffff");
  EXPECT_EQ(Num(kInt8, "-9223372036854775808"), "000000088000000000000000");
  EXPECT_EQ(Num(kInt8, "9223372036854775808"), "!out_of_range");
  EXPECT_EQ(Num(kInt8, "-9223372036854775809"), "!out_of_range");
  EXPECT_EQ(Num(kInt8, "1e400"), "!out_of_range");
}

TEST(AppendValueIntTest, IntegralNotationsFractionsAndSources) {
  EXPECT_EQ(Num(kInt4, "12"), "000000040000000c");
  EXPECT_EQ(Num(kInt4, "12.0"), "000000040000000c");
  EXPECT_EQ(Num(kInt4, "1.2e1"), "000000040000000c");
  EXPECT_EQ(Num(kInt4, "1e2"), "0000000400000064");
  EXPECT_EQ(Num(kInt4, "-0"), "0000000400000000");
  EXPECT_EQ(Num(kInt4, "12 \n"), "000000040000000c");  // a raw token's trailing whitespace
  EXPECT_EQ(Num(kInt4, "12.5"), "!out_of_range");
  EXPECT_EQ(Num(kInt4, "1e-400"), "!out_of_range");
  EXPECT_EQ(Str(kInt4, "12"), "000000040000000c");  // a string holding a JSON number
  EXPECT_EQ(Str(kInt4, "1.2e1"), "000000040000000c");
  EXPECT_EQ(Str(kInt4, "12.5"), "!out_of_range");
  for (const char* bad : {" 12", "12 ", "+12", "012", "0x1f", "12abc", "", "NaN", "1,000"}) {
    EXPECT_EQ(Str(kInt4, bad), "!invalid_value") << bad;
  }
  EXPECT_EQ(Value(kInt4, JsonKind::kBool, "true"), "!wrong_type");
  EXPECT_EQ(Value(kInt4, JsonKind::kObject, "{}"), "!wrong_type");
  EXPECT_EQ(Value(kInt4, JsonKind::kArray, "[1]"), "!wrong_type");
}

TEST(AppendValueNumericTest, ExactFromTheText) {
  const PgColumnType n = Col(PgType::kNumeric);
  // ndigits 2, weight 0, sign +, dscale 2, digits 12 and 3400 (12.34).
  EXPECT_EQ(Num(n, "12.34"), "0000000c0002000000000002000c0d48");
  EXPECT_EQ(Str(n, "12.34"), "0000000c0002000000000002000c0d48");
  EXPECT_EQ(Num(n, "1e400").substr(8, 16), "0001006400000000");  // weight 100
  EXPECT_EQ(Num(Numeric(10, 2), "12.345"), "!out_of_range");
  EXPECT_EQ(Num(Numeric(4, 2), "123"), "!out_of_range");
  EXPECT_EQ(Str(n, "Infinity"), "!invalid_value");
  EXPECT_EQ(Value(n, JsonKind::kBool, "false"), "!wrong_type");
}

TEST(AppendValueFloatTest, NearestOrOutOfRange) {
  const PgColumnType f8 = Col(PgType::kFloat8);
  const PgColumnType f4 = Col(PgType::kFloat4);
  EXPECT_EQ(Num(f8, "1.5"), "000000083ff8000000000000");
  EXPECT_EQ(Num(f8, "-0"), "000000088000000000000000");
  EXPECT_EQ(Str(f8, "1.5"), "000000083ff8000000000000");
  EXPECT_EQ(Num(f8, "1e400"), "!out_of_range");
  EXPECT_EQ(Num(f8, "1e-400"), "!out_of_range");
  EXPECT_EQ(Str(f8, "NaN"), "!invalid_value");
  EXPECT_EQ(Str(f8, "Infinity"), "!invalid_value");
  EXPECT_EQ(Str(f8, "-Infinity"), "!invalid_value");
  EXPECT_EQ(Num(f4, "1.5"), "000000043fc00000");
  EXPECT_EQ(Num(f4, "3.5e38"), "!out_of_range");
  EXPECT_EQ(Num(f4, "1e-50"), "!out_of_range");
  EXPECT_EQ(Value(f4, JsonKind::kBool, "true"), "!wrong_type");
}

TEST(AppendValueBoolTest, OnlyJsonBooleans) {
  const PgColumnType b = Col(PgType::kBool);
  EXPECT_EQ(Value(b, JsonKind::kBool, "true"), "0000000101");
  EXPECT_EQ(Value(b, JsonKind::kBool, "false"), "0000000100");
  EXPECT_EQ(Str(b, "true"), "!wrong_type");
  EXPECT_EQ(Num(b, "1"), "!wrong_type");
}

TEST(AppendValueTextTest, StringsOnlyNulAndLength) {
  const PgColumnType text = Col(PgType::kText);
  EXPECT_EQ(Str(text, "ab"), "000000026162");
  EXPECT_EQ(Str(text, ""), "00000000");
  EXPECT_EQ(Num(text, "12"), "!wrong_type");
  EXPECT_EQ(Value(text, JsonKind::kBool, "true"), "!wrong_type");
  EXPECT_EQ(Str(text, std::string_view("a\0b", 3)), "!nul_character");
  const PgColumnType v255 = Col(PgType::kVarchar, 255);
  EXPECT_NE(Str(v255, std::string(255, 'x')), "!too_long");
  EXPECT_EQ(Str(v255, std::string(256, 'x')), "!too_long");
  // Non-BMP characters (4 bytes in UTF-8) count one each, as varchar(n) counts them.
  std::string emoji;
  for (int i = 0; i < 255; ++i) emoji += "\xF0\x9F\x98\x80";  // U+1F600
  EXPECT_NE(Str(v255, emoji), "!too_long");
  EXPECT_EQ(Str(v255, emoji + "x"), "!too_long");
  const PgColumnType c3 = Col(PgType::kBpchar, 3);
  EXPECT_EQ(Str(c3, "ab"), "000000026162");  // the server pads
  EXPECT_EQ(Str(c3, "abc "), "!too_long");   // nothing is ever cut, not even spaces
  EXPECT_EQ(Str(c3, "\xC3\xA9\xC3\xA9\xC3\xA9"), "00000006c3a9c3a9c3a9");  // 3 chars, 6 bytes
}

TEST(AppendValueDateTest, CalendarChecked) {
  const PgColumnType d = Col(PgType::kDate);
  EXPECT_EQ(Str(d, "2000-01-01"), "0000000400000000");
  EXPECT_EQ(Str(d, "1999-12-31"), "00000004ffffffff");
  EXPECT_EQ(Str(d, "2000-02-29"), "000000040000003b");  // day 59
  EXPECT_EQ(Str(d, "1900-02-29"), "!invalid_value");
  EXPECT_EQ(Str(d, "2023-02-29"), "!invalid_value");
  EXPECT_EQ(Str(d, "2023-02-28T00:00Z"), "!invalid_value");
  EXPECT_EQ(Num(d, "20230228"), "!wrong_type");
}

TEST(AppendValueTimestampTest, Iso8601IntoBothTimestampTypes) {
  for (PgType t : {PgType::kTimestamp, PgType::kTimestamptz}) {
    const PgColumnType ts = Col(t);
    EXPECT_EQ(Str(ts, "2000-01-01T00:00:00Z"), "000000080000000000000000");
    EXPECT_EQ(Str(ts, "2000-01-01T05:30:00+05:30"), "000000080000000000000000");
    EXPECT_EQ(Str(ts, "1999-12-31T16:00:00.000001-0800"), "000000080000000000000001");
    EXPECT_EQ(Str(ts, "2000-01-01T00:00:00.0000015Z"), "000000080000000000000002");
    EXPECT_EQ(Str(ts, "not a time"), "!invalid_value");
    EXPECT_EQ(Num(ts, "946684800"), "!wrong_type");  // epoch numbers need transform timestamp
  }
}

TEST(AppendValueUuidTest, CanonicalFormEitherCase) {
  const PgColumnType u = Col(PgType::kUuid);
  const std::string expected = "00000010a0eebc999c0b4ef8bb6d6bb9bd380a11";
  EXPECT_EQ(Str(u, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"), expected);
  EXPECT_EQ(Str(u, "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11"), expected);
  for (const char* bad :
       {"a0eebc999c0b4ef8bb6d6bb9bd380a11", "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}",
        "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a111",
        "g0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "a0eebc99-9c0b-4ef8-bb6d+6bb9bd380a11",
        "a0eebc9-99c0b-4ef8-bb6d-6bb9bd380a11", ""}) {
    EXPECT_EQ(Str(u, bad), "!invalid_value") << bad;
  }
  EXPECT_EQ(Num(u, "1"), "!wrong_type");
}

TEST(AppendValueInetTest, Ipv4Ipv6AndPrefixes) {
  const PgColumnType i = Col(PgType::kInet);
  // family 2 (PGSQL_AF_INET), bits, is_cidr 0, 4 bytes.
  EXPECT_EQ(Str(i, "192.168.0.1"), "0000000802200004c0a80001");
  EXPECT_EQ(Str(i, "192.168.0.1/24"), "0000000802180004c0a80001");
  EXPECT_EQ(Str(i, "0.0.0.0/0"),
            "0000000802000004"
            "00000000");
  // family 3 (PGSQL_AF_INET6), 16 bytes.
  EXPECT_EQ(Str(i, "2001:db8::1/64"),
            "0000001403400010"
            "20010db8000000000000000000000001");
  EXPECT_EQ(Str(i, "::1"),
            "0000001403800010"
            "00000000000000000000000000000001");
  EXPECT_EQ(Str(i, "::ffff:1.2.3.4"),
            "0000001403800010"
            "00000000000000000000ffff01020304");
  for (const char* bad :
       {"10.1", "1.2.3.256", "1.2.3.4/33", "::1/129", "1.2.3.4/", "1.2.3.4/024", "1.2.3.4/-1",
        "01.2.3.4", "fe80::1%eth0", "1.2.3.4 ", "host", "", "1:2:3:4:5:6:7:8:9", "1.2.3.4/24/8"}) {
    EXPECT_EQ(Str(i, bad), "!invalid_value") << bad;
  }
  EXPECT_EQ(Str(i, std::string_view("1.2.3.4\0x", 9)), "!invalid_value");
  EXPECT_EQ(Num(i, "1"), "!wrong_type");
}

TEST(AppendValueJsonTest, JsonColumnsNeedTheJsonTransform) {
  EXPECT_EQ(Str(Col(PgType::kJson), "{}"), "!wrong_type");
  EXPECT_EQ(Value(Col(PgType::kJsonb), JsonKind::kObject, "{}"), "!wrong_type");
}

TEST(AppendJsonTest, JsonJsonbAndText) {
  EXPECT_EQ(Json(Col(PgType::kJson), " {\"a\": [1, 2]}\n"), "{\"a\": [1, 2]}");
  EXPECT_EQ(Json(Col(PgType::kJsonb), "[1,\"x\"] "), "\x01[1,\"x\"]");
  EXPECT_EQ(Json(Col(PgType::kJson), "[\"\\u0000\"]"), "[\"\\u0000\"]");  // json keeps text
  EXPECT_EQ(Json(Col(PgType::kJsonb), "[\"\\u0000\"]"), "!nul_character");
  EXPECT_EQ(Json(Col(PgType::kJsonb), "[\"\\\\u0000\"]"), "\x01[\"\\\\u0000\"]");  // escaped '\'
  EXPECT_EQ(Json(Col(PgType::kJsonb), "[\"\\ud83d\\ude00\"]"), "\x01[\"\\ud83d\\ude00\"]");
  EXPECT_EQ(Json(Col(PgType::kJsonb), "[\"\\ud83d\"]"), "!invalid_value");
  EXPECT_EQ(Json(Col(PgType::kJsonb), "[\"\\ude00\"]"), "!invalid_value");
  EXPECT_EQ(Json(Col(PgType::kJsonb), "{\"n\": 1e131071}").size(), 16u);
  EXPECT_EQ(Json(Col(PgType::kJsonb), "{\"n\": [1e131072]}"), "!out_of_range");
  EXPECT_EQ(Json(Col(PgType::kJsonb), "{\"1e999999\": \"2e999999\"}").substr(0, 1), "\x01");
  EXPECT_EQ(Json(Col(PgType::kVarchar, 5), "[1,2]"), "[1,2]");
  EXPECT_EQ(Json(Col(PgType::kVarchar, 4), "[1,2]"), "!too_long");
  EXPECT_EQ(Json(Col(PgType::kInt4), "1"), "!wrong_type");
}

TEST(AppendInstantTest, EveryTargetAndTheRange) {
  const int64_t epoch2000 = kPostgresEpochUnixMicros;
  EXPECT_EQ(Instant(Col(PgType::kTimestamptz), epoch2000 + 1), "000000080000000000000001");
  EXPECT_EQ(Instant(Col(PgType::kTimestamp), epoch2000 - 1), "00000008ffffffffffffffff");
  EXPECT_EQ(Instant(Col(PgType::kTimestamptz), epoch2000 + 1, true), "000000080000000000000000");
  EXPECT_EQ(Instant(Col(PgType::kDate), epoch2000 - 1), "00000004ffffffff");  // floored
  EXPECT_EQ(Instant(Col(PgType::kDate), epoch2000 + kMicrosPerDay), "0000000400000001");
  EXPECT_EQ(Instant(Col(PgType::kText), epoch2000 + 1),
            "0000001b" + Hex("2000-01-01T00:00:00.000001Z"));
  EXPECT_EQ(Instant(Col(PgType::kVarchar, 10), epoch2000, true), "0000000a" + Hex("2000-01-01"));
  EXPECT_EQ(Instant(Col(PgType::kVarchar, 26), epoch2000), "!too_long");
  EXPECT_EQ(Instant(Col(PgType::kText), -62135596800000001), "!out_of_range");  // year 0
  EXPECT_NE(Instant(Col(PgType::kTimestamptz), -62135596800000001), "!out_of_range");
  EXPECT_NE(Instant(Col(PgType::kTimestamptz), kMinPostgresTimestampUnixMicros), "!out_of_range");
  EXPECT_EQ(Instant(Col(PgType::kTimestamptz), kMinPostgresTimestampUnixMicros - 1),
            "!out_of_range");
  EXPECT_EQ(Instant(Col(PgType::kDate), kMinPostgresTimestampUnixMicros - 1), "!out_of_range");
  EXPECT_EQ(Instant(Col(PgType::kInt8), epoch2000), "!wrong_type");
}

TEST(AppendTextTest, OnlyTextualColumns) {
  std::string out;
  EXPECT_EQ(AppendText(Col(PgType::kVarchar, 64), std::string(64, 'a'), &out), ConvertError::kNone);
  EXPECT_EQ(AppendText(Col(PgType::kVarchar, 63), std::string(64, 'a'), &out),
            ConvertError::kTooLong);
  EXPECT_EQ(AppendText(Col(PgType::kText), std::string_view("\0", 1), &out),
            ConvertError::kNulCharacter);
  EXPECT_EQ(AppendText(Col(PgType::kInt4), "1", &out), ConvertError::kWrongType);
  EXPECT_EQ(out.size(), 68u);
}

TEST(AppendIntTest, EveryTarget) {
  EXPECT_EQ(Int(kInt2, 32767), "000000027fff");
  EXPECT_EQ(Int(kInt2, 32768), "!out_of_range");
  EXPECT_EQ(Int(kInt4, 2003000),
            "00000004001e903"
            "8");
  EXPECT_EQ(Int(kInt4, int64_t{1} << 31), "!out_of_range");
  EXPECT_EQ(Int(kInt4, -(int64_t{1} << 31)), "0000000480000000");
  EXPECT_EQ(Int(kInt8, std::numeric_limits<int64_t>::min()), "000000088000000000000000");
  EXPECT_EQ(Int(Col(PgType::kNumeric), 2003000), "0000000c000200010000000000c80bb8");
  EXPECT_EQ(Int(Numeric(3, 0), 1000), "!out_of_range");
  EXPECT_EQ(Int(Col(PgType::kFloat8), 1), "000000083ff0000000000000");
  EXPECT_EQ(Int(Col(PgType::kFloat8), (int64_t{1} << 53) + 1), "!out_of_range");
  EXPECT_EQ(Int(Col(PgType::kFloat8), std::numeric_limits<int64_t>::max()), "!out_of_range");
  EXPECT_EQ(Int(Col(PgType::kFloat8), std::numeric_limits<int64_t>::min()),
            "00000008c3e0000000000000");  // -2^63 is exact
  EXPECT_EQ(Int(Col(PgType::kFloat4), 16777216), "000000044b800000");
  EXPECT_EQ(Int(Col(PgType::kFloat4), 16777217), "!out_of_range");
  EXPECT_EQ(Int(Col(PgType::kText), -42), "00000003" + Hex("-42"));
  EXPECT_EQ(Int(Col(PgType::kVarchar, 2), 100), "!too_long");
  EXPECT_EQ(Int(Col(PgType::kBool), 1), "!wrong_type");
  EXPECT_EQ(Int(Col(PgType::kDate), 1), "!wrong_type");
}

TEST(AppendNullTest, MinusOneLength) {
  std::string out;
  AppendNull(&out);
  EXPECT_EQ(Hex(out), "ffffffff");
}

TEST(ValueEncoderTest, AppendsWithoutAllocatingOnceGrown) {
  std::string out;
  out.reserve(4096);
  const char* data = out.data();
  const PgColumnType ts = Col(PgType::kTimestamptz);
  const PgColumnType n = Col(PgType::kNumeric);
  for (int i = 0; i < 50; ++i) {
    ASSERT_EQ(AppendValue(kInt4, JsonKind::kNumber, "123", &out), ConvertError::kNone);
    ASSERT_EQ(AppendValue(n, JsonKind::kNumber, "123.456", &out), ConvertError::kNone);
    ASSERT_EQ(AppendValue(ts, JsonKind::kString, "2024-03-15T12:34:56Z", &out),
              ConvertError::kNone);
    ASSERT_EQ(AppendText(Col(PgType::kText), "abc", &out), ConvertError::kNone);
  }
  EXPECT_EQ(out.data(), data);  // never reallocated
  EXPECT_EQ(out.size(), 50u * (8 + 16 + 12 + 7));
}

}  // namespace
}  // namespace sqs2pg::transform
