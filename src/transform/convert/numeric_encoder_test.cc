#include "transform/convert/numeric_encoder.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace sqs2pg::transform {
namespace {

DecimalText Parse(std::string_view text) {
  DecimalText d;
  EXPECT_TRUE(ParseJsonNumber(text, &d)) << text;
  return d;
}

ConvertError ToInt(std::string_view text, int64_t* v, int scale = 0,
                   Rounding r = Rounding::kExact) {
  DecimalText d = Parse(text);
  return DecimalToScaledInt64(d, scale, r, v);
}

// A decoded binary numeric field.
struct Numeric {
  int ndigits = 0, weight = 0, sign = 0, dscale = 0;
  std::vector<int> digits;
  bool operator==(const Numeric&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Numeric& n) {
  os << "{ndigits " << n.ndigits << ", weight " << n.weight << ", sign " << n.sign << ", dscale "
     << n.dscale << ", digits";
  for (int d : n.digits) os << " " << d;
  return os << "}";
}

int Be16(const std::string& s, size_t at) {
  return static_cast<int16_t>(static_cast<uint16_t>(static_cast<unsigned char>(s[at]) << 8 |
                                                    static_cast<unsigned char>(s[at + 1])));
}

Numeric Decode(const std::string& field) {
  Numeric n;
  const uint32_t len =
      static_cast<unsigned char>(field[0]) << 24 | static_cast<unsigned char>(field[1]) << 16 |
      static_cast<unsigned char>(field[2]) << 8 | static_cast<unsigned char>(field[3]);
  EXPECT_EQ(len, field.size() - 4);
  n.ndigits = Be16(field, 4);
  n.weight = Be16(field, 6);
  n.sign = static_cast<uint16_t>(Be16(field, 8));
  n.dscale = Be16(field, 10);
  for (int i = 0; i < n.ndigits; ++i) n.digits.push_back(Be16(field, 12 + 2 * i));
  EXPECT_EQ(field.size(), 12 + 2 * static_cast<size_t>(n.ndigits));
  return n;
}

Numeric EncodeOk(std::string_view text, int precision = -1, int scale = -1) {
  std::string out;
  EXPECT_EQ(AppendNumericField(Parse(text), precision, scale, &out), ConvertError::kNone) << text;
  return out.empty() ? Numeric{} : Decode(out);
}

ConvertError EncodeError(std::string_view text, int precision = -1, int scale = -1) {
  std::string out = "keep";
  ConvertError e = AppendNumericField(Parse(text), precision, scale, &out);
  EXPECT_EQ(out, "keep") << "appended on error: " << text;
  return e;
}

TEST(JsonNumberTest, AcceptsExactlyTheJsonGrammar) {
  for (const char* ok : {"0", "-0", "12", "-12", "0.5", "12.50", "1e2", "1E+2", "1e-2", "-1.5E10",
                         "0e0", "123456789012345678901234567890"}) {
    DecimalText d;
    EXPECT_TRUE(ParseJsonNumber(ok, &d)) << ok;
  }
  for (const char* bad :
       {"",   "-",   "+1",       "01",        "-01",  ".5",    "1.",  "1e",    "1e+", "1.e2", " 1",
        "1 ", "NaN", "Infinity", "-Infinity", "0x1f", "1_000", "1,5", "12abc", "--1", "1e2.5"}) {
    DecimalText d;
    EXPECT_FALSE(ParseJsonNumber(bad, &d)) << bad;
  }
}

TEST(JsonNumberTest, SplitsTheParts) {
  DecimalText d = Parse("-12.340e-5");
  EXPECT_TRUE(d.negative);
  EXPECT_EQ(d.int_digits, "12");
  EXPECT_EQ(d.frac_digits, "340");
  EXPECT_EQ(d.exponent, -5);
  EXPECT_EQ(Parse("1e99999999999999999999").exponent, kMaxDecimalExponent);
  EXPECT_EQ(Parse("1e-99999999999999999999").exponent, -kMaxDecimalExponent);
}

TEST(DecimalToIntTest, IntegralValuesInAnyNotationAreExact) {
  int64_t v = -1;
  for (const char* twelve : {"12", "12.0", "12.000", "1.2e1", "1.2E+1", "1200e-2", "0.12e2"}) {
    ASSERT_EQ(ToInt(twelve, &v), ConvertError::kNone) << twelve;
    EXPECT_EQ(v, 12) << twelve;
  }
  ASSERT_EQ(ToInt("-0", &v), ConvertError::kNone);
  EXPECT_EQ(v, 0);
  ASSERT_EQ(ToInt("-0.0e5", &v), ConvertError::kNone);
  EXPECT_EQ(v, 0);
  ASSERT_EQ(ToInt("0e99999999999", &v), ConvertError::kNone);
  EXPECT_EQ(v, 0);
  ASSERT_EQ(ToInt("1e2", &v), ConvertError::kNone);
  EXPECT_EQ(v, 100);
  ASSERT_EQ(ToInt("1e18", &v), ConvertError::kNone);
  EXPECT_EQ(v, 1000000000000000000);
}

TEST(DecimalToIntTest, FractionsAndOverflowAreOutOfRange) {
  int64_t v = 0;
  for (const char* bad :
       {"12.5", "0.1", "-0.5", "1e-400", "1.25e1", "1e19", "1e400", "9223372036854775808",
        "-9223372036854775809", "10000000000000000000", "92233720368547758080e-1"}) {
    EXPECT_EQ(ToInt(bad, &v), ConvertError::kOutOfRange) << bad;
  }
}

TEST(DecimalToIntTest, Int64Bounds) {
  int64_t v = 0;
  ASSERT_EQ(ToInt("9223372036854775807", &v), ConvertError::kNone);
  EXPECT_EQ(v, std::numeric_limits<int64_t>::max());
  ASSERT_EQ(ToInt("-9223372036854775808", &v), ConvertError::kNone);
  EXPECT_EQ(v, std::numeric_limits<int64_t>::min());
  ASSERT_EQ(ToInt("-9.223372036854775808e18", &v), ConvertError::kNone);
  EXPECT_EQ(v, std::numeric_limits<int64_t>::min());
}

TEST(DecimalToIntTest, ScaledHalfEvenRounding) {
  int64_t v = 0;
  ASSERT_EQ(ToInt("1.5", &v, 6, Rounding::kHalfEven), ConvertError::kNone);
  EXPECT_EQ(v, 1500000);
  ASSERT_EQ(ToInt("0.0000005", &v, 6, Rounding::kHalfEven), ConvertError::kNone);
  EXPECT_EQ(v, 0);  // tie, to even
  ASSERT_EQ(ToInt("0.0000015", &v, 6, Rounding::kHalfEven), ConvertError::kNone);
  EXPECT_EQ(v, 2);  // tie, to even
  ASSERT_EQ(ToInt("0.0000025", &v, 6, Rounding::kHalfEven), ConvertError::kNone);
  EXPECT_EQ(v, 2);
  ASSERT_EQ(ToInt("0.00000250001", &v, 6, Rounding::kHalfEven), ConvertError::kNone);
  EXPECT_EQ(v, 3);  // above the tie
  ASSERT_EQ(ToInt("0.0000004999", &v, 6, Rounding::kHalfEven), ConvertError::kNone);
  EXPECT_EQ(v, 0);
  ASSERT_EQ(ToInt("-0.0000015", &v, 6, Rounding::kHalfEven), ConvertError::kNone);
  EXPECT_EQ(v, -2);  // symmetric
  ASSERT_EQ(ToInt("1e-400", &v, 6, Rounding::kHalfEven), ConvertError::kNone);
  EXPECT_EQ(v, 0);
  ASSERT_EQ(ToInt("1.7e9", &v, 6, Rounding::kHalfEven), ConvertError::kNone);
  EXPECT_EQ(v, 1700000000000000);
  EXPECT_EQ(ToInt("0.0000015", &v, 6, Rounding::kExact), ConvertError::kOutOfRange);
  EXPECT_EQ(ToInt("9223372036854.775808", &v, 6, Rounding::kHalfEven), ConvertError::kOutOfRange);
}

TEST(NumericEncoderTest, BinaryLayout) {
  EXPECT_EQ(EncodeOk("12345.678"), (Numeric{3, 1, 0, 3, {1, 2345, 6780}}));
  EXPECT_EQ(EncodeOk("-0.001"), (Numeric{1, -1, 0x4000, 3, {10}}));
  EXPECT_EQ(EncodeOk("1.5E+10"), (Numeric{1, 2, 0, 0, {150}}));
  EXPECT_EQ(EncodeOk("1e-3"), (Numeric{1, -1, 0, 3, {10}}));
  EXPECT_EQ(EncodeOk("1.50e1"), (Numeric{1, 0, 0, 1, {15}}));  // 15.0, as numeric_in
  EXPECT_EQ(EncodeOk("10000.00010000"), (Numeric{3, 1, 0, 8, {1, 0, 1}}));
  EXPECT_EQ(EncodeOk("1e400"), (Numeric{1, 100, 0, 0, {1}}));
  EXPECT_EQ(EncodeOk("0"), (Numeric{0, 0, 0, 0, {}}));
  EXPECT_EQ(EncodeOk("-0.00"), (Numeric{0, 0, 0, 2, {}}));  // no negative zero
  EXPECT_EQ(EncodeOk("-9223372036854775808"),
            (Numeric{5, 4, 0x4000, 0, {922, 3372, 368, 5477, 5808}}));
}

TEST(NumericEncoderTest, IntegersEncodeLikeTheirText) {
  for (int64_t v : {int64_t{0}, int64_t{7}, int64_t{-10000}, int64_t{2003000},
                    std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()}) {
    std::string a, b;
    ASSERT_EQ(AppendNumericField(v, -1, -1, &a), ConvertError::kNone);
    ASSERT_EQ(AppendNumericField(Parse(std::to_string(v)), -1, -1, &b), ConvertError::kNone);
    EXPECT_EQ(a, b) << v;
  }
}

TEST(NumericEncoderTest, ConstrainedRefusesRoundingAndOverflow) {
  EXPECT_EQ(EncodeOk("123.45", 5, 2), (Numeric{2, 0, 0, 2, {123, 4500}}));
  EXPECT_EQ(EncodeOk("1.230", 5, 2).dscale, 2);  // a trailing zero needs no rounding
  EXPECT_EQ(EncodeOk("7", 5, 2).dscale, 2);      // the server's dscale is the column's
  EXPECT_EQ(EncodeError("1.234", 5, 2), ConvertError::kOutOfRange);
  EXPECT_EQ(EncodeError("1234.5", 5, 2), ConvertError::kOutOfRange);
  EXPECT_EQ(EncodeError("-1000", 5, 2), ConvertError::kOutOfRange);
  EXPECT_EQ(EncodeOk("999.99", 5, 2).digits, (std::vector<int>{999, 9900}));
  // numeric(3,-2): multiples of 100 below 10^5.
  EXPECT_EQ(EncodeOk("100", 3, -2).dscale, 0);
  EXPECT_EQ(EncodeOk("99900", 3, -2).weight, 1);
  EXPECT_EQ(EncodeError("150", 3, -2), ConvertError::kOutOfRange);
  EXPECT_EQ(EncodeError("100000", 3, -2), ConvertError::kOutOfRange);
  // numeric(2,5): below 10^-3, five fraction digits.
  EXPECT_EQ(EncodeOk("0.00012", 2, 5).dscale, 5);
  EXPECT_EQ(EncodeError("0.001", 2, 5), ConvertError::kOutOfRange);
  EXPECT_EQ(EncodeError("0.000001", 2, 5), ConvertError::kOutOfRange);
  EXPECT_EQ(EncodeOk("0", 1, 0).ndigits, 0);
  std::string out;
  EXPECT_EQ(AppendNumericField(int64_t{1000}, 3, 0, &out), ConvertError::kOutOfRange);
  EXPECT_EQ(AppendNumericField(int64_t{999}, 3, 0, &out), ConvertError::kNone);
}

TEST(NumericEncoderTest, StorageLimitsOfNumeric) {
  EXPECT_EQ(EncodeOk("1e131071").weight, 32767);
  EXPECT_EQ(EncodeError("1e131072"), ConvertError::kOutOfRange);
  EXPECT_EQ(EncodeOk("1e-16383").dscale, 16383);
  EXPECT_EQ(EncodeError("1e-16384"), ConvertError::kOutOfRange);
  EXPECT_EQ(EncodeError("0e-16384"), ConvertError::kOutOfRange);
  EXPECT_EQ(EncodeError("1e99999999999999"), ConvertError::kOutOfRange);
  EXPECT_TRUE(FitsUnconstrainedNumeric(Parse("1e131071")));
  EXPECT_FALSE(FitsUnconstrainedNumeric(Parse("1e131072")));
}

TEST(JsonFloatTest, NearestValueOrOutOfRange) {
  double d = 0;
  ASSERT_EQ(JsonNumberToFloat8("0.1", &d), ConvertError::kNone);
  EXPECT_EQ(d, 0.1);
  ASSERT_EQ(JsonNumberToFloat8("1.5E+10", &d), ConvertError::kNone);
  EXPECT_EQ(d, 1.5e10);
  ASSERT_EQ(JsonNumberToFloat8("-0", &d), ConvertError::kNone);
  EXPECT_TRUE(d == 0 && std::signbit(d));
  ASSERT_EQ(JsonNumberToFloat8("4e-320", &d), ConvertError::kNone);  // subnormal
  EXPECT_GT(d, 0);
  ASSERT_EQ(JsonNumberToFloat8("0e-400", &d), ConvertError::kNone);  // zero is not underflow
  EXPECT_EQ(d, 0);
  EXPECT_EQ(JsonNumberToFloat8("1e400", &d), ConvertError::kOutOfRange);
  EXPECT_EQ(JsonNumberToFloat8("-1e400", &d), ConvertError::kOutOfRange);
  EXPECT_EQ(JsonNumberToFloat8("1e-400", &d), ConvertError::kOutOfRange);
  float f = 0;
  ASSERT_EQ(JsonNumberToFloat4("3.4028235e38", &f), ConvertError::kNone);
  EXPECT_EQ(f, std::numeric_limits<float>::max());
  ASSERT_EQ(JsonNumberToFloat4("0.1", &f), ConvertError::kNone);
  EXPECT_EQ(f, 0.1f);  // rounded once, from the text, not via a double
  EXPECT_EQ(JsonNumberToFloat4("3.5e38", &f), ConvertError::kOutOfRange);  // finite as a double
  EXPECT_EQ(JsonNumberToFloat4("1e-46", &f), ConvertError::kOutOfRange);
  ASSERT_EQ(JsonNumberToFloat4("1e-45", &f), ConvertError::kNone);  // subnormal
  EXPECT_GT(f, 0);
}

}  // namespace
}  // namespace sqs2pg::transform
