// PostgreSQL column types and JSON value kinds for the value conversion layer (issue 14): which
// column types a mapped JSON value can be loaded into, and why a value does not convert.
//
// Contract:
//  - PgColumnType is what the catalog says about a target column: its type plus the modifiers
//    that decide whether a value fits (varchar(n)/char(n) length, numeric(p,s), the fractional
//    second precision of timestamp(p)). -1 means "no modifier".
//  - PgColumnTypeFromCatalog() maps pg_type.typname ("int4", "bpchar", "timestamptz", ...) or the
//    bare format_type() spelling ("integer", "character varying", "timestamp with time zone",
//    ...; without a "(n)" suffix: modifiers come from atttypmod) and pg_attribute.atttypmod to a
//    PgColumnType, or nullopt for a type this layer does not load (arrays, domains, cidr, time,
//    interval, money, bytea, ...). A typmod that does not decode (e.g. varchar with typmod 2) is
//    nullopt too. Only the exact lowercase spellings PostgreSQL itself produces are recognised.
//  - ConvertError values are the reject reason codes of issue 14; ConvertErrorName() gives their
//    stable snake_case names. A ConvertError never carries the value that failed.
//  - Pure functions and plain values: thread-safe, no allocation.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace sqs2pg::transform {

enum class PgType {
  kText,
  kVarchar,
  kBpchar,  // char(n)
  kInt2,
  kInt4,
  kInt8,
  kNumeric,
  kFloat4,
  kFloat8,
  kBool,
  kDate,
  kTimestamp,
  kTimestamptz,
  kUuid,
  kJson,
  kJsonb,
  kInet,
};

struct PgColumnType {
  PgType type = PgType::kText;
  int max_chars = -1;          // varchar(n)/char(n): n; -1 unbounded
  int numeric_precision = -1;  // numeric(p,s): p and s; -1 unconstrained. s may be negative or
  int numeric_scale = -1;      //   exceed p (PostgreSQL 15+): numeric(3,-2), numeric(2,5).
  // timestamp(p)/timestamptz(p): p (0..6); -1 unconstrained. The server rounds a binary value to
  // p fractional digits on input, as it does for text: a column declared with a precision asks
  // for that rounding, so the encoders do not reject finer values.
  int time_precision = -1;

  bool operator==(const PgColumnType&) const = default;
};

// From the catalog: pg_type.typname / format_type() name and atttypmod -> PgColumnType.
std::optional<PgColumnType> PgColumnTypeFromCatalog(std::string_view typname, int32_t typmod);

// The SQL spelling, for messages and `sqs2pg check`: "text", "character varying", "integer",
// "timestamp with time zone", ... (without modifiers).
std::string_view PgTypeName(PgType type);

// The kind of one JSON value, as the JSON parser reports it.
enum class JsonKind { kString, kNumber, kBool, kNull, kObject, kArray };

// Why a value does not convert; the names are the reject reason codes of the issue.
enum class ConvertError {
  kNone,          // converted
  kWrongType,     // a JSON kind the column cannot take (a number into text, a string into bool)
  kOutOfRange,    // does not fit the column: overflow, a fraction into an integer, a value that
                  //   would need rounding into numeric(p,s), a time outside PostgreSQL's range
  kInvalidValue,  // not the type's text form: bad uuid, date, inet, timestamp or number text
  kTooLong,       // more characters than varchar(n)/char(n) holds
  kNulCharacter,  // U+0000, which PostgreSQL text (and jsonb) cannot hold
};

// "none", "wrong_type", "out_of_range", "invalid_value", "too_long", "nul_character".
std::string_view ConvertErrorName(ConvertError error);

}  // namespace sqs2pg::transform
