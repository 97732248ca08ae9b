#include "pg/partitions.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "transform/convert/time_parse.h"
#include "transform/convert/wire.h"

namespace sqs2pg::pg {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using transform::kMicrosPerDay;

constexpr int64_t kToday = 20427;  // 2025-12-05

// Daily ranges [today + from, today + to) one day each.
std::vector<TimeRange> Days(int64_t from, int64_t to) {
  std::vector<TimeRange> out;
  for (int64_t d = from; d < to; ++d) {
    out.push_back({(kToday + d) * kMicrosPerDay, (kToday + d + 1) * kMicrosPerDay});
  }
  return out;
}

Partitions Daily(std::vector<TimeRange> ranges, std::string default_partition = "") {
  Partitions p;
  p.table = "public.user_logins";
  p.key = {"RANGE (create_date)", "create_date", TimeKeyType::kDate};
  p.count = static_cast<int>(ranges.size());
  p.ranges = std::move(ranges);
  p.default_partition = std::move(default_partition);
  return p;
}

TEST(CoverageFromTest, CountsWholeDaysAfterTodayUpToTheFirstGap) {
  // pg_partman's daily set-up with premake 4: today and the next 4 days, and some past days.
  EXPECT_EQ(CoverageFrom(Days(-3, 5), kToday).days_ahead, 4);
  EXPECT_EQ(CoverageFrom(Days(-3, 5), kToday).until, (kToday + 5) * kMicrosPerDay);
  EXPECT_EQ(CoverageFrom(Days(0, 1), kToday).days_ahead, 0);
  // A missing day ends the count, whatever comes after it.
  std::vector<TimeRange> gap = Days(0, 2);
  for (const TimeRange& r : Days(3, 10)) gap.push_back(r);
  EXPECT_EQ(CoverageFrom(gap, kToday).days_ahead, 1);
  // Order does not matter.
  std::vector<TimeRange> reversed = Days(-1, 4);
  std::reverse(reversed.begin(), reversed.end());
  EXPECT_EQ(CoverageFrom(reversed, kToday).days_ahead, 3);
}

TEST(CoverageFromTest, TodayNotCoveredToItsEndIsMinusOne) {
  EXPECT_EQ(CoverageFrom({}, kToday).days_ahead, -1);
  EXPECT_EQ(CoverageFrom(Days(-5, 0), kToday).days_ahead, -1);
  EXPECT_EQ(CoverageFrom(Days(1, 5), kToday).days_ahead, -1);  // tomorrow on, not today
  // Hourly partitions up to today's noon.
  std::vector<TimeRange> hours;
  for (int h = 0; h < 12; ++h) {
    const int64_t start = kToday * kMicrosPerDay + h * 3600 * int64_t{1000000};
    hours.push_back({start, start + 3600 * int64_t{1000000}});
  }
  EXPECT_EQ(CoverageFrom(hours, kToday).days_ahead, -1);
  EXPECT_EQ(CoverageFrom(hours, kToday).until, kToday * kMicrosPerDay + kMicrosPerDay / 2);
}

TEST(CoverageFromTest, RangesWiderThanADayAndUnboundedEnds) {
  // Monthly: a partition from the 1st of the month to the 1st of the next, today in the middle.
  EXPECT_EQ(CoverageFrom({{(kToday - 4) * kMicrosPerDay, (kToday + 26) * kMicrosPerDay}}, kToday)
                .days_ahead,
            25);
  const DayCoverage open = CoverageFrom({{kUnboundedBelow, kUnboundedAbove}}, kToday);
  EXPECT_TRUE(open.unbounded);
  EXPECT_FALSE(CoverageFrom({{kUnboundedBelow, (kToday + 1) * kMicrosPerDay}}, kToday).unbounded);
  EXPECT_EQ(CoverageFrom({{kUnboundedBelow, (kToday + 3) * kMicrosPerDay}}, kToday).days_ahead, 2);
}

TEST(DescribeCoverageTest, ReportsDaysAheadAndTheDefaultPartition) {
  CoverageReport r =
      DescribeCoverage(Daily(Days(-3, 5), "public.user_logins_default"), kToday, false);
  EXPECT_FALSE(r.warn);
  EXPECT_EQ(r.text,
            "public.user_logins: RANGE (create_date), 8 partitions, 4 days ahead (through "
            "2025-12-09, UTC), DEFAULT partition public.user_logins_default");
  r = DescribeCoverage(Daily(Days(0, 3)), kToday, std::nullopt);
  EXPECT_FALSE(r.warn) << r.text;  // 2 days ahead: enough
  EXPECT_THAT(r.text, HasSubstr("2 days ahead (through 2025-12-07, UTC), no DEFAULT partition"));
}

TEST(DescribeCoverageTest, WarnsUnderTwoDaysAhead) {
  CoverageReport r = DescribeCoverage(Daily(Days(-1, 2), "public.user_logins_default"), kToday, {});
  EXPECT_TRUE(r.warn);
  EXPECT_THAT(r.text, HasSubstr("only 1 day ahead (through 2025-12-06, UTC; fewer than 2)"));
  EXPECT_THAT(r.text, HasSubstr("go to the DEFAULT partition public.user_logins_default"));
  EXPECT_THAT(r.text, HasSubstr("partman.run_maintenance()"));

  r = DescribeCoverage(Daily(Days(0, 1)), kToday, {});
  EXPECT_TRUE(r.warn);
  EXPECT_THAT(r.text, HasSubstr("only 0 days ahead"));
  EXPECT_THAT(r.text, HasSubstr("are refused (db_refused): there is no DEFAULT partition"));

  r = DescribeCoverage(Daily(Days(-7, -1)), kToday, {});
  EXPECT_TRUE(r.warn);
  EXPECT_THAT(r.text, HasSubstr("no partition for today (2025-12-05, UTC)"));
}

TEST(DescribeCoverageTest, OtherKeysAreDescribedWithoutACount) {
  Partitions p;
  p.table = "public.events";
  p.key.definition = "LIST (region)";
  p.count = 3;
  p.default_partition = "public.events_other";
  CoverageReport r = DescribeCoverage(p, kToday, std::nullopt);
  EXPECT_FALSE(r.warn);
  EXPECT_EQ(
      r.text,
      "public.events: LIST (region), 3 partitions, DEFAULT partition public.events_other; not "
      "a range on one date or timestamp column: days ahead not counted");
}

TEST(DescribeCoverageTest, SaysWhenTheDefaultPartitionHoldsRows) {
  const Partitions p = Daily(Days(0, 5), "public.user_logins_default");
  EXPECT_THAT(DescribeCoverage(p, kToday, true).text, HasSubstr("holds rows"));
  EXPECT_THAT(DescribeCoverage(p, kToday, false).text, Not(HasSubstr("holds rows")));
  EXPECT_THAT(DescribeCoverage(p, kToday, std::nullopt).text, Not(HasSubstr("holds rows")));
}

TEST(CoversTest, LowerBoundInclusiveUpperExclusive) {
  const std::vector<TimeRange> r = Days(0, 1);
  EXPECT_TRUE(Covers(r, kToday * kMicrosPerDay));
  EXPECT_TRUE(Covers(r, (kToday + 1) * kMicrosPerDay - 1));
  EXPECT_FALSE(Covers(r, (kToday + 1) * kMicrosPerDay));
  EXPECT_FALSE(Covers(r, kToday * kMicrosPerDay - 1));
  EXPECT_FALSE(Covers({}, 0));
}

// Fields as the row transformer writes them: an int32 length (-1: NULL), then the value.
std::string Row(int32_t days_since_2000, int64_t micros_since_2000) {
  std::string fields;
  transform::wire::AppendBytesField(&fields, "user-1");
  transform::wire::Put32(transform::wire::Reserve(&fields, 4), 0xffffffffu);  // NULL
  transform::wire::AppendInt32Field(&fields, days_since_2000);
  transform::wire::AppendInt64Field(&fields, micros_since_2000);
  return fields;
}

TEST(KeyValueMicrosTest, ReadsDatesAndTimestampsAsUnixMicros) {
  // 2025-12-05 is day 9470 after 2000-01-01; 2025-12-05T23:59:59.999999Z.
  const int64_t day = 9470;
  const int64_t before_midnight = (day + 1) * kMicrosPerDay - 1;
  const std::string fields = Row(static_cast<int32_t>(day), before_midnight);
  EXPECT_EQ(KeyValueMicros(fields, 2, TimeKeyType::kDate), kToday * kMicrosPerDay);
  EXPECT_EQ(KeyValueMicros(fields, 3, TimeKeyType::kTimestamptz), (kToday + 1) * kMicrosPerDay - 1);
  EXPECT_EQ(transform::UnixDaysFromMicros(*KeyValueMicros(fields, 3, TimeKeyType::kTimestamp)),
            kToday);
  // Before 1970 and before 2000.
  EXPECT_EQ(KeyValueMicros(Row(-10958, 0), 2, TimeKeyType::kDate), -kMicrosPerDay);
}

TEST(KeyValueMicrosTest, NoValueForNullWrongWidthsInfinitiesOrShortFields) {
  const std::string fields = Row(0, 0);
  EXPECT_EQ(KeyValueMicros(fields, 1, TimeKeyType::kDate), std::nullopt);       // NULL
  EXPECT_EQ(KeyValueMicros(fields, 0, TimeKeyType::kDate), std::nullopt);       // 6 bytes
  EXPECT_EQ(KeyValueMicros(fields, 2, TimeKeyType::kTimestamp), std::nullopt);  // 4 bytes
  EXPECT_EQ(KeyValueMicros(fields, 4, TimeKeyType::kDate), std::nullopt);       // past the end
  EXPECT_EQ(KeyValueMicros(fields.substr(0, fields.size() - 1), 3, TimeKeyType::kTimestamp),
            std::nullopt);
  EXPECT_EQ(KeyValueMicros(Row(INT32_MAX, 0), 2, TimeKeyType::kDate), std::nullopt);
  EXPECT_EQ(KeyValueMicros(Row(0, INT64_MAX), 3, TimeKeyType::kTimestamptz), std::nullopt);
  EXPECT_EQ(KeyValueMicros(Row(0, INT64_MIN), 3, TimeKeyType::kTimestamptz), std::nullopt);
}

TEST(DayRangeTextTest, WritesBoundsAsPostgreSqlDoes) {
  EXPECT_EQ(DayRangeText(TimeKeyType::kDate, kToday), "[2025-12-05, 2025-12-06)");
  EXPECT_EQ(DayRangeText(TimeKeyType::kTimestamp, kToday),
            "[2025-12-05 00:00:00, 2025-12-06 00:00:00)");
  EXPECT_EQ(DayRangeText(TimeKeyType::kTimestamptz, kToday - 5),
            "[2025-11-30 00:00:00+00, 2025-12-01 00:00:00+00)");
  EXPECT_EQ(DayRangeText(TimeKeyType::kDate, 19782), "[2024-02-29, 2024-03-01)");
}

}  // namespace
}  // namespace sqs2pg::pg
