#include "transform/convert/time_parse.h"

#include <gtest/gtest.h>

#include <string>

namespace sqs2pg::transform {
namespace {

// 2024-03-15T12:34:56Z in Unix seconds.
constexpr int64_t kT = 1710506096;

std::string Format(int64_t micros, bool date_only = false) {
  char buf[kIso8601MaxChars];
  return std::string(buf, FormatIso8601(micros, date_only, buf));
}

TEST(CivilDaysTest, KnownDaysAndRoundTrip) {
  EXPECT_EQ(DaysFromCivil(1970, 1, 1), 0);
  EXPECT_EQ(DaysFromCivil(2000, 1, 1), kPostgresEpochUnixDays);
  EXPECT_EQ(DaysFromCivil(1969, 12, 31), -1);
  EXPECT_EQ(DaysFromCivil(1, 1, 1), -719162);
  for (int64_t days = -800000; days <= 3000000; days += 997) {
    int64_t y = 0;
    unsigned m = 0, d = 0;
    CivilFromDays(days, &y, &m, &d);
    ASSERT_EQ(DaysFromCivil(y, m, d), days);
  }
}

TEST(IsoDateTest, LeapDaysAndCalendar) {
  EXPECT_EQ(ParseIsoDate("2000-02-29"), DaysFromCivil(2000, 2, 29));  // divisible by 400
  EXPECT_EQ(ParseIsoDate("2024-02-29"), DaysFromCivil(2024, 2, 29));
  EXPECT_FALSE(ParseIsoDate("1900-02-29"));  // divisible by 100, not 400
  EXPECT_FALSE(ParseIsoDate("2023-02-29"));
  EXPECT_EQ(ParseIsoDate("1970-01-01"), 0);
  EXPECT_EQ(ParseIsoDate("0001-01-01"), -719162);
  EXPECT_EQ(ParseIsoDate("9999-12-31"), DaysFromCivil(9999, 12, 31));
  for (const char* bad : {"2023-04-31", "2023-13-01", "2023-00-10", "2023-01-00", "0000-01-01",
                          "2023-1-01", "23-01-01", "2023/01/01", "2023-01-01 ", " 2023-01-01",
                          "2023-01-01T00:00Z", "+2023-01-01", "2023-01-0a", ""}) {
    EXPECT_FALSE(ParseIsoDate(bad)) << bad;
  }
}

TEST(Iso8601Test, OffsetsGiveTheExactInstant) {
  const int64_t t = kT * kMicrosPerSecond;
  EXPECT_EQ(ParseIso8601Micros("2024-03-15T12:34:56Z"), t);
  EXPECT_EQ(ParseIso8601Micros("2024-03-15t12:34:56z"), t);
  EXPECT_EQ(ParseIso8601Micros("2024-03-15 12:34:56"), t);  // no offset: UTC
  EXPECT_EQ(ParseIso8601Micros("2024-03-15T18:04:56+05:30"), t);
  EXPECT_EQ(ParseIso8601Micros("2024-03-15T18:04:56+0530"), t);
  EXPECT_EQ(ParseIso8601Micros("2024-03-15T04:34:56-0800"), t);
  EXPECT_EQ(ParseIso8601Micros("2024-03-15T04:34:56-08:00"), t);
  EXPECT_EQ(ParseIso8601Micros("2024-03-15T04:34:56-08"), t);
  EXPECT_EQ(ParseIso8601Micros("2024-03-15T12:34:56-00:00"), t);
  EXPECT_EQ(ParseIso8601Micros("2024-03-16T03:34:56+15:00"), t);
  EXPECT_EQ(ParseIso8601Micros("2024-03-15T12:34Z"), t - 56 * kMicrosPerSecond);
  EXPECT_EQ(ParseIso8601Micros("2024-03-15T18:04+05:30"), t - 56 * kMicrosPerSecond);
  // Across a day and a year boundary.
  EXPECT_EQ(ParseIso8601Micros("2024-01-01T01:00:00+02:00"),
            ParseIso8601Micros("2023-12-31T23:00:00Z"));
}

TEST(Iso8601Test, BareDateIsMidnightUtc) {
  EXPECT_EQ(ParseIso8601Micros("2024-03-15"), DaysFromCivil(2024, 3, 15) * kMicrosPerDay);
}

TEST(Iso8601Test, FractionsRoundHalfEvenToTheMicrosecond) {
  const int64_t t = kT * kMicrosPerSecond;
  EXPECT_EQ(ParseIso8601Micros("2024-03-15T12:34:56.5Z"), t + 500000);
  EXPECT_EQ(ParseIso8601Micros("2024-03-15T12:34:56.123456Z"), t + 123456);
  EXPECT_EQ(ParseIso8601Micros("2024-03-15T12:34:56.123456789Z"), t + 123457);
  EXPECT_EQ(ParseIso8601Micros("2024-03-15T12:34:56.1234565Z"), t + 123456);  // tie, even
  EXPECT_EQ(ParseIso8601Micros("2024-03-15T12:34:56.1234575Z"), t + 123458);  // tie, even
  EXPECT_EQ(ParseIso8601Micros("2024-03-15T12:34:56.12345650001Z"), t + 123457);
  EXPECT_EQ(ParseIso8601Micros("2024-03-15T12:34:56.000000Z"), t);
  EXPECT_EQ(ParseIso8601Micros("2024-03-15T12:34:56.1234565+05:30"),
            t + 123456 - (5 * 3600 + 1800) * kMicrosPerSecond);
  // Rounding carries into the next day.
  EXPECT_EQ(ParseIso8601Micros("2023-12-31T23:59:59.9999996Z"),
            DaysFromCivil(2024, 1, 1) * kMicrosPerDay);
}

TEST(Iso8601Test, MidnightAsTwentyFourAndLeapSecondsRollOver) {
  EXPECT_EQ(ParseIso8601Micros("2020-01-01T24:00:00Z"), ParseIso8601Micros("2020-01-02T00:00Z"));
  EXPECT_EQ(ParseIso8601Micros("2020-01-01T24:00"), ParseIso8601Micros("2020-01-02T00:00Z"));
  EXPECT_EQ(ParseIso8601Micros("2016-12-31T23:59:60Z"), ParseIso8601Micros("2017-01-01T00:00Z"));
  EXPECT_FALSE(ParseIso8601Micros("2020-01-01T24:00:01Z"));
  EXPECT_FALSE(ParseIso8601Micros("2020-01-01T24:01Z"));
  EXPECT_FALSE(ParseIso8601Micros("2020-01-01T24:00:00.1Z"));
}

TEST(Iso8601Test, RefusesOtherForms) {
  for (const char* bad : {"",
                          "2024-03-15T",
                          "2024-03-15T12",
                          "2024-03-15T12:3",
                          "2024-03-15T12:34:5",
                          "2024-03-15T12:34:56.",
                          "2024-03-15T12:34:56,5Z",
                          "2024-03-15T25:00Z",
                          "2024-03-15T12:60Z",
                          "2024-03-15T12:34:61Z",
                          "2024-03-15T12:34:56+16:00",
                          "2024-03-15T12:34:56+05:60",
                          "2024-03-15T12:34:56+5",
                          "2024-03-15T12:34:56+05:3",
                          "2024-03-15T12:34:56+053",
                          "2024-03-15T12:34:56Z ",
                          " 2024-03-15T12:34:56Z",
                          "2024-03-15T12:34:56ZZ",
                          "2024-03-15T12:34:56 UTC",
                          "2024-03-15X12:34",
                          "2023-02-29T00:00Z",
                          "1900-02-29T00:00Z",
                          "20240315T123456Z",
                          "2024-W11-5",
                          "1710506096"}) {
    EXPECT_FALSE(ParseIso8601Micros(bad)) << bad;
  }
  EXPECT_TRUE(ParseIso8601Micros("2000-02-29T00:00Z"));
}

TEST(EpochInstantTest, SecondsExactFromTheDecimalText) {
  int64_t us = 0;
  ASSERT_EQ(EpochSecondsToMicros("1710506096", &us), ConvertError::kNone);
  EXPECT_EQ(us, kT * kMicrosPerSecond);
  ASSERT_EQ(EpochSecondsToMicros("1710506096.123456", &us), ConvertError::kNone);
  EXPECT_EQ(us, kT * kMicrosPerSecond + 123456);  // a double would give ...123455 or ...123457
  ASSERT_EQ(EpochSecondsToMicros("1.710506096123456e9", &us), ConvertError::kNone);
  EXPECT_EQ(us, kT * kMicrosPerSecond + 123456);
  ASSERT_EQ(EpochSecondsToMicros("1710506096.0000015", &us), ConvertError::kNone);
  EXPECT_EQ(us, kT * kMicrosPerSecond + 2);
  ASSERT_EQ(EpochSecondsToMicros("-1.5", &us), ConvertError::kNone);
  EXPECT_EQ(us, -1500000);
  EXPECT_EQ(EpochSecondsToMicros("1e300", &us), ConvertError::kOutOfRange);
  EXPECT_EQ(EpochSecondsToMicros("\"1710506096\"", &us), ConvertError::kInvalidValue);
  EXPECT_EQ(EpochSecondsToMicros("NaN", &us), ConvertError::kInvalidValue);
}

TEST(EpochInstantTest, MillisAreIntegral) {
  int64_t us = 0;
  ASSERT_EQ(EpochMillisToMicros("1710506096123", &us), ConvertError::kNone);
  EXPECT_EQ(us, kT * kMicrosPerSecond + 123000);
  ASSERT_EQ(EpochMillisToMicros("1.710506096123e12", &us), ConvertError::kNone);
  EXPECT_EQ(us, kT * kMicrosPerSecond + 123000);
  ASSERT_EQ(EpochMillisToMicros("1710506096123.0", &us), ConvertError::kNone);
  EXPECT_EQ(EpochMillisToMicros("1710506096123.5", &us), ConvertError::kOutOfRange);
  EXPECT_EQ(EpochMillisToMicros("9223372036854776", &us), ConvertError::kOutOfRange);
  EXPECT_EQ(EpochMillisToMicros("abc", &us), ConvertError::kInvalidValue);
}

TEST(FormatIso8601Test, FixedWidthUtc) {
  EXPECT_EQ(Format(kT * kMicrosPerSecond + 5), "2024-03-15T12:34:56.000005Z");
  EXPECT_EQ(Format(kT * kMicrosPerSecond + 5, true), "2024-03-15");
  EXPECT_EQ(Format(0), "1970-01-01T00:00:00.000000Z");
  EXPECT_EQ(Format(-1), "1969-12-31T23:59:59.999999Z");  // floors, not truncates
  EXPECT_EQ(Format(-1, true), "1969-12-31");
  EXPECT_EQ(Format(DaysFromCivil(1, 1, 1) * kMicrosPerDay), "0001-01-01T00:00:00.000000Z");
  EXPECT_EQ(Format(DaysFromCivil(1, 1, 1) * kMicrosPerDay - 1), "");  // year 0
  EXPECT_EQ(Format(DaysFromCivil(10000, 1, 1) * kMicrosPerDay), "");
  EXPECT_EQ(Format(DaysFromCivil(9999, 12, 31) * kMicrosPerDay + kMicrosPerDay - 1),
            "9999-12-31T23:59:59.999999Z");
}

TEST(PostgresRangeTest, StartOfTimestamps) {
  // 4714-11-24 BC is astronomical year -4713.
  EXPECT_EQ(kMinPostgresTimestampUnixMicros, DaysFromCivil(-4713, 11, 24) * kMicrosPerDay);
  EXPECT_TRUE(InPostgresTimestampRange(kMinPostgresTimestampUnixMicros));
  EXPECT_FALSE(InPostgresTimestampRange(kMinPostgresTimestampUnixMicros - 1));
  EXPECT_TRUE(InPostgresTimestampRange(INT64_MAX));
  EXPECT_EQ(UnixDaysFromMicros(INT64_MIN), -106751992);
}

}  // namespace
}  // namespace sqs2pg::transform
