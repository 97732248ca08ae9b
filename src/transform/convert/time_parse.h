// Instants and dates from text or epoch numbers, as Unix microseconds (UTC), and back to ISO 8601
// text: the time side of the value conversion layer (issue 14, "Times").
//
// Contract:
//  - ParseIsoDate() takes exactly "YYYY-MM-DD" (years 0001-9999, the proleptic Gregorian
//    calendar, leap years checked: 2000-02-29 exists, 1900-02-29 and 2023-02-29 do not).
//  - ParseIso8601Micros() takes
//      YYYY-MM-DD[(T|t| )HH:MM[:SS[.fraction]][Z|z|(+|-)HH[:MM]|(+|-)HHMM]]
//    and returns the instant in Unix microseconds, or nullopt. Decisions:
//      * no offset means UTC; an offset gives that exact instant; offsets up to +-15:59, the limit
//        of PostgreSQL's own input;
//      * a bare date is its midnight UTC (PostgreSQL reads '2024-01-01' as a timestamp the same);
//      * a fraction may have any number of digits; beyond microseconds it is rounded to the
//        nearest microsecond, ties to even, from its decimal digits (PostgreSQL rounds its text
//        input the same way; rejecting would refuse every nanosecond timestamp Go or Java write);
//      * 24:00[:00[.0...]] is the next midnight and second 60 (a leap second) is the next
//        minute's second 0, both as in PostgreSQL;
//      * nothing else: no week or ordinal dates, no comma fractions, no surrounding spaces.
//  - EpochSecondsToMicros() takes a JSON number (possibly fractional, any notation) of seconds
//    since 1970-01-01T00:00:00Z and converts it exactly from its decimal text, rounding digits
//    below the microsecond half to even; EpochMillisToMicros() takes an integral JSON number of
//    milliseconds (12.0 is fine; 12.5 is kOutOfRange, as a fraction into an integer). Text that
//    is not a JSON number is kInvalidValue; a value beyond int64 microseconds kOutOfRange. Range
//    against PostgreSQL is the caller's check (InPostgresTimestampRange).
//  - FormatIso8601() writes "YYYY-MM-DDTHH:MM:SS.ffffffZ" (always six fraction digits, UTC) or,
//    date_only, "YYYY-MM-DD"; years outside 0001-9999 have no such form and give 0.
//  - Pure functions: thread-safe, no allocation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "transform/convert/pg_type.h"

namespace sqs2pg::transform {

inline constexpr int64_t kMicrosPerSecond = 1000000;
inline constexpr int64_t kMicrosPerDay = 86400 * kMicrosPerSecond;

// PostgreSQL's date and timestamp epoch, 2000-01-01, in Unix days and microseconds.
inline constexpr int32_t kPostgresEpochUnixDays = 10957;
inline constexpr int64_t kPostgresEpochUnixMicros = kPostgresEpochUnixDays * kMicrosPerDay;

// PostgreSQL's timestamp range, 4714-11-24 00:00 BC .. 294277-01-01 00:00 AD (exclusive), in Unix
// microseconds. The end lies beyond int64 Unix microseconds, so only the start can be missed.
inline constexpr int64_t kMinPostgresTimestampUnixMicros = -210866803200000000;
inline constexpr bool InPostgresTimestampRange(int64_t unix_micros) {
  return unix_micros >= kMinPostgresTimestampUnixMicros;
}

// Days since 1970-01-01 of a proleptic Gregorian date, and back (H. Hinnant's algorithms).
int64_t DaysFromCivil(int64_t year, unsigned month, unsigned day);
void CivilFromDays(int64_t days, int64_t* year, unsigned* month, unsigned* day);

// Floor division of Unix microseconds into days since 1970-01-01 (negative times floor).
inline constexpr int64_t UnixDaysFromMicros(int64_t unix_micros) {
  return unix_micros >= 0 ? unix_micros / kMicrosPerDay
                          : -((-(unix_micros + 1)) / kMicrosPerDay) - 1;
}

// "YYYY-MM-DD" -> days since 1970-01-01.
std::optional<int32_t> ParseIsoDate(std::string_view text);

std::optional<int64_t> ParseIso8601Micros(std::string_view text);

ConvertError EpochSecondsToMicros(std::string_view number_text, int64_t* unix_micros);
ConvertError EpochMillisToMicros(std::string_view number_text, int64_t* unix_micros);

inline constexpr size_t kIso8601MaxChars = 27;  // "YYYY-MM-DDTHH:MM:SS.ffffffZ"

// Writes into buf (no terminator) and returns the length (27 or 10), or 0 outside 0001-9999.
size_t FormatIso8601(int64_t unix_micros, bool date_only, char buf[kIso8601MaxChars]);

}  // namespace sqs2pg::transform
