#include "transform/convert/pg_type.h"

namespace sqs2pg::transform {
namespace {

// PostgreSQL's VARHDRSZ: varchar(n), char(n) and numeric(p,s) store n or p,s offset by it.
constexpr int32_t kVarHdrSz = 4;
// PostgreSQL's MaxAttrSize / 1MB-ish limit on varchar(n): n <= 10485760.
constexpr int32_t kMaxCharLength = 10 * 1024 * 1024;
constexpr int kMaxNumericPrecision = 1000;
constexpr int kMaxTimestampPrecision = 6;

struct Spelling {
  std::string_view name;
  PgType type;
};

// pg_type.typname first, then format_type()'s spelling.
constexpr Spelling kSpellings[] = {
    {"text", PgType::kText},
    {"varchar", PgType::kVarchar},
    {"character varying", PgType::kVarchar},
    // Not "char": that typname is PostgreSQL's internal one-byte type, not char(n).
    {"bpchar", PgType::kBpchar},
    {"character", PgType::kBpchar},
    {"int2", PgType::kInt2},
    {"smallint", PgType::kInt2},
    {"int4", PgType::kInt4},
    {"integer", PgType::kInt4},
    {"int8", PgType::kInt8},
    {"bigint", PgType::kInt8},
    {"numeric", PgType::kNumeric},
    {"float4", PgType::kFloat4},
    {"real", PgType::kFloat4},
    {"float8", PgType::kFloat8},
    {"double precision", PgType::kFloat8},
    {"bool", PgType::kBool},
    {"boolean", PgType::kBool},
    {"date", PgType::kDate},
    {"timestamp", PgType::kTimestamp},
    {"timestamp without time zone", PgType::kTimestamp},
    {"timestamptz", PgType::kTimestamptz},
    {"timestamp with time zone", PgType::kTimestamptz},
    {"uuid", PgType::kUuid},
    {"json", PgType::kJson},
    {"jsonb", PgType::kJsonb},
    {"inet", PgType::kInet},
};

}  // namespace

std::optional<PgColumnType> PgColumnTypeFromCatalog(std::string_view typname, int32_t typmod) {
  std::optional<PgType> type;
  for (const Spelling& s : kSpellings) {
    if (s.name == typname) {
      type = s.type;
      break;
    }
  }
  if (!type.has_value()) return std::nullopt;
  PgColumnType col;
  col.type = *type;
  switch (*type) {
    case PgType::kVarchar:
    case PgType::kBpchar:
      if (typmod == -1) break;
      if (typmod < kVarHdrSz + 1 || typmod - kVarHdrSz > kMaxCharLength) return std::nullopt;
      col.max_chars = typmod - kVarHdrSz;
      break;
    case PgType::kNumeric: {
      if (typmod == -1) break;
      if (typmod < kVarHdrSz) return std::nullopt;
      // numeric_typmod_precision/_scale (PostgreSQL 15): precision in the high 16 bits, the
      // scale as an 11-bit two's complement number in the low bits.
      const int32_t t = typmod - kVarHdrSz;
      const int precision = (t >> 16) & 0xffff;
      const int scale = ((t & 0x7ff) ^ 1024) - 1024;
      if (precision < 1 || precision > kMaxNumericPrecision) return std::nullopt;
      col.numeric_precision = precision;
      col.numeric_scale = scale;
      break;
    }
    case PgType::kTimestamp:
    case PgType::kTimestamptz:
      if (typmod == -1) break;
      if (typmod < 0 || typmod > kMaxTimestampPrecision) return std::nullopt;
      col.time_precision = typmod;
      break;
    default:
      break;  // no modifiers that matter here
  }
  return col;
}

std::string_view PgTypeName(PgType type) {
  switch (type) {
    case PgType::kText:
      return "text";
    case PgType::kVarchar:
      return "character varying";
    case PgType::kBpchar:
      return "character";
    case PgType::kInt2:
      return "smallint";
    case PgType::kInt4:
      return "integer";
    case PgType::kInt8:
      return "bigint";
    case PgType::kNumeric:
      return "numeric";
    case PgType::kFloat4:
      return "real";
    case PgType::kFloat8:
      return "double precision";
    case PgType::kBool:
      return "boolean";
    case PgType::kDate:
      return "date";
    case PgType::kTimestamp:
      return "timestamp without time zone";
    case PgType::kTimestamptz:
      return "timestamp with time zone";
    case PgType::kUuid:
      return "uuid";
    case PgType::kJson:
      return "json";
    case PgType::kJsonb:
      return "jsonb";
    case PgType::kInet:
      return "inet";
  }
  return "unknown";
}

std::string_view ConvertErrorName(ConvertError error) {
  switch (error) {
    case ConvertError::kNone:
      return "none";
    case ConvertError::kWrongType:
      return "wrong_type";
    case ConvertError::kOutOfRange:
      return "out_of_range";
    case ConvertError::kInvalidValue:
      return "invalid_value";
    case ConvertError::kTooLong:
      return "too_long";
    case ConvertError::kNulCharacter:
      return "nul_character";
  }
  return "unknown";
}

}  // namespace sqs2pg::transform
