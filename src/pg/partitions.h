// Partitions of a declaratively partitioned target table, as the catalog describes them, and what
// they mean for loading: how many days ahead rows have a partition to go to (`sqs2pg check`), and
// which day a refused row needed (the sink's db_refused message).
//
// Contract:
//  - A time key is a RANGE key on one column of type date, timestamp or timestamptz: what
//    pg_partman's time partitioning makes. Any other key (LIST, HASH, several columns, an
//    expression, another type) is only described by its definition.
//  - ReadPartitionKey() reads the key of a partitioned table; ReadPartitions() its direct
//    partitions: with a time key, each one's range [lower, upper) in Unix microseconds (a date
//    bound is its midnight UTC, a timestamp without time zone is read as UTC; MINVALUE and
//    -infinity are kUnboundedBelow, MAXVALUE and infinity kUnboundedAbove), and the DEFAULT
//    partition's name; ranges in the order of their lower bounds. Bounds are printed and cast
//    back in one read-only transaction with DateStyle ISO (SET LOCAL), so no session setting
//    changes them: ReadPartitions() needs a connection outside any transaction.
//    DefaultHasRows() says whether a partition holds rows, if the role may read it. `table` is
//    the quoted, qualified name (TargetTable::qualified).
//  - Coverage is counted in whole UTC days from the start of `today`: CoverageFrom() follows the
//    ranges without a gap and DescribeCoverage() turns that into one report line, a warning when
//    fewer than kMinDaysAhead days after today are covered.
//  - KeyValueMicros() reads a time key's value from a row's binary COPY fields; the sink names the
//    missing range (DayRangeText) from it and never shows the value itself or any other column.
//  - Errors: database errors as in pg/errors.h; a table that is not partitioned is
//    kFailedPrecondition. Thread-safety: the readers use the Connection (its owner's thread); the
//    rest are pure functions.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "pg/connection.h"

namespace sqs2pg::pg {

enum class TimeKeyType { kDate, kTimestamp, kTimestamptz };

struct PartitionKey {
  std::string definition;                // pg_get_partkeydef(): "RANGE (create_date)"
  std::string column;                    // a time key's column; empty otherwise
  std::optional<TimeKeyType> time_type;  // set for a time key only
};

inline constexpr int64_t kUnboundedBelow = std::numeric_limits<int64_t>::min();
inline constexpr int64_t kUnboundedAbove = std::numeric_limits<int64_t>::max();

struct TimeRange {
  int64_t lower;  // Unix microseconds, inclusive
  int64_t upper;  // exclusive
  bool operator==(const TimeRange&) const = default;
};

struct Partitions {
  std::string table;  // schema.name, for messages
  PartitionKey key;
  int count = 0;                  // partitions, the DEFAULT one not included
  std::vector<TimeRange> ranges;  // time key only: one per partition counted above
  std::string default_partition;  // schema.name, or empty when there is none
};

// kMinDaysAhead: fewer whole days after today covered than this is a warning.
inline constexpr int64_t kMinDaysAhead = 2;

Result<PartitionKey> ReadPartitionKey(Connection& conn, const std::string& table);
Result<Partitions> ReadPartitions(Connection& conn, const std::string& table);
// nullopt when the role may not read `partition` (a quoted, qualified name).
Result<std::optional<bool>> DefaultHasRows(Connection& conn, const std::string& partition);

struct DayCoverage {
  // The end of the ranges that follow one another without a gap from the start of today: the
  // start of today itself when no partition holds today's first instant.
  int64_t until = 0;
  // Whole days after today covered up to `until`: -1 when today is not covered to its end.
  int64_t days_ahead = -1;
  bool unbounded = false;  // a range reaches kUnboundedAbove
};

// `today`: Unix days (UTC). The ranges may come in any order; partitions never overlap.
DayCoverage CoverageFrom(std::vector<TimeRange> ranges, int64_t today);

struct CoverageReport {
  bool warn = false;
  std::string text;
};

// `default_has_rows`: DefaultHasRows() for the DEFAULT partition, if any was read.
CoverageReport DescribeCoverage(const Partitions& partitions, int64_t today,
                                std::optional<bool> default_has_rows);

// Whether some range holds `unix_micros`.
bool Covers(const std::vector<TimeRange>& ranges, int64_t unix_micros);

// `fields`: a row's binary COPY fields (each an int32 length, -1 for NULL, then its bytes); the
// value of field number `index` read as `type`, in Unix microseconds (a date: its midnight UTC).
// nullopt for NULL, an infinite value or fields that are too short.
std::optional<int64_t> KeyValueMicros(std::string_view fields, size_t index, TimeKeyType type);

// The UTC day `unix_day` as partition bounds of a `type` key, the way PostgreSQL writes them with
// TimeZone UTC: "[2026-12-06, 2026-12-07)", "[2026-12-06 00:00:00+00, 2026-12-07 00:00:00+00)".
std::string DayRangeText(TimeKeyType type, int64_t unix_day);

}  // namespace sqs2pg::pg
