#include "transform/convert/value_encoder.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <bit>
#include <cassert>
#include <charconv>
#include <cstring>
#include <limits>

#include "transform/convert/numeric_encoder.h"
#include "transform/convert/time_parse.h"
#include "transform/convert/wire.h"

namespace sqs2pg::transform {
namespace {

// PostgreSQL's inet families on the wire (utils/inet.h): PGSQL_AF_INET = AF_INET + 0,
// PGSQL_AF_INET6 = AF_INET + 1, whatever the platform's AF_INET6 is.
constexpr char kPgsqlAfInet = static_cast<char>(AF_INET + 0);
constexpr char kPgsqlAfInet6 = static_cast<char>(AF_INET + 1);

bool IsJsonSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view TrimJsonSpace(std::string_view s) {
  while (!s.empty() && IsJsonSpace(s.back())) s.remove_suffix(1);
  while (!s.empty() && IsJsonSpace(s.front())) s.remove_prefix(1);
  return s;
}

bool IsTextual(PgType t) {
  return t == PgType::kText || t == PgType::kVarchar || t == PgType::kBpchar;
}

// The number a numeric column takes: a JSON number token, or a string in JSON number grammar.
ConvertError NumberSource(JsonKind kind, std::string_view* text, DecimalText* d) {
  if (kind == JsonKind::kNumber) {
    *text = TrimJsonSpace(*text);
  } else if (kind != JsonKind::kString) {
    return ConvertError::kWrongType;
  }
  return ParseJsonNumber(*text, d) ? ConvertError::kNone : ConvertError::kInvalidValue;
}

ConvertError AppendIntField(PgType type, int64_t v, std::string* out) {
  switch (type) {
    case PgType::kInt2:
      if (v < std::numeric_limits<int16_t>::min() || v > std::numeric_limits<int16_t>::max()) {
        return ConvertError::kOutOfRange;
      }
      wire::AppendInt16Field(out, static_cast<int16_t>(v));
      return ConvertError::kNone;
    case PgType::kInt4:
      if (v < std::numeric_limits<int32_t>::min() || v > std::numeric_limits<int32_t>::max()) {
        return ConvertError::kOutOfRange;
      }
      wire::AppendInt32Field(out, static_cast<int32_t>(v));
      return ConvertError::kNone;
    default:
      wire::AppendInt64Field(out, v);
      return ConvertError::kNone;
  }
}

void AppendFloat4Field(float f, std::string* out) {
  wire::AppendInt32Field(out, static_cast<int32_t>(std::bit_cast<uint32_t>(f)));
}

void AppendFloat8Field(double f, std::string* out) {
  wire::AppendInt64Field(out, static_cast<int64_t>(std::bit_cast<uint64_t>(f)));
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

ConvertError AppendUuid(std::string_view s, std::string* out) {
  if (s.size() != 36) return ConvertError::kInvalidValue;
  unsigned char bytes[16];
  size_t b = 0;
  for (size_t i = 0; i < 36;) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (s[i] != '-') return ConvertError::kInvalidValue;
      ++i;
      continue;
    }
    const int hi = HexValue(s[i]);
    const int lo = HexValue(s[i + 1]);
    if (hi < 0 || lo < 0) return ConvertError::kInvalidValue;
    bytes[b++] = static_cast<unsigned char>(hi << 4 | lo);
    i += 2;
  }
  wire::AppendBytesField(out, std::string_view(reinterpret_cast<const char*>(bytes), 16));
  return ConvertError::kNone;
}

ConvertError AppendInet(std::string_view s, std::string* out) {
  const size_t slash = s.find('/');
  const std::string_view addr = s.substr(0, slash);
  // INET6_ADDRSTRLEN (46) holds the longest form, "ffff:...:255.255.255.255" and its NUL.
  char buf[INET6_ADDRSTRLEN];
  if (addr.empty() || addr.size() >= sizeof(buf)) return ConvertError::kInvalidValue;
  bool v6 = false;
  for (char c : addr) {
    // Only what either family's text form can hold; this also keeps a NUL in the string from
    // cutting the address short for inet_pton.
    if (c == ':') {
      v6 = true;
    } else if (c != '.' && HexValue(c) < 0) {
      return ConvertError::kInvalidValue;
    }
  }
  std::memcpy(buf, addr.data(), addr.size());
  buf[addr.size()] = '\0';
  unsigned char bytes[16];
  if (inet_pton(v6 ? AF_INET6 : AF_INET, buf, bytes) != 1) return ConvertError::kInvalidValue;
  const unsigned max_bits = v6 ? 128 : 32;
  unsigned bits = max_bits;
  if (slash != std::string_view::npos) {
    const std::string_view b = s.substr(slash + 1);
    if (b.empty() || b.size() > 3 || (b.size() > 1 && b[0] == '0')) {
      return ConvertError::kInvalidValue;
    }
    bits = 0;
    for (char c : b) {
      if (c < '0' || c > '9') return ConvertError::kInvalidValue;
      bits = bits * 10 + static_cast<unsigned>(c - '0');
    }
    if (bits > max_bits) return ConvertError::kInvalidValue;
  }
  const size_t nb = v6 ? 16 : 4;
  char* p = wire::Put32(wire::Reserve(out, 4 + 4 + nb), static_cast<uint32_t>(4 + nb));
  p[0] = v6 ? kPgsqlAfInet6 : kPgsqlAfInet;
  p[1] = static_cast<char>(bits);
  p[2] = 0;  // is_cidr: an inet
  p[3] = static_cast<char>(nb);
  std::memcpy(p + 4, bytes, nb);
  return ConvertError::kNone;
}

// Four hex digits after "\u" at s[i] (i points at the backslash); -1 if malformed.
int32_t Utf16Escape(std::string_view s, size_t i) {
  if (i + 6 > s.size() || s[i] != '\\' || s[i + 1] != 'u') return -1;
  int32_t v = 0;
  for (size_t k = i + 2; k < i + 6; ++k) {
    const int h = HexValue(s[k]);
    if (h < 0) return -1;
    v = v << 4 | h;
  }
  return v;
}

// What PostgreSQL's jsonb input refuses in otherwise valid JSON: a \u0000 escape (jsonb strings
// are text), a lone surrogate escape, a number numeric cannot hold.
ConvertError CheckJsonbInput(std::string_view s) {
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    const char c = s[i];
    if (c == '"') {
      ++i;
      while (i < n && s[i] != '"') {
        if (s[i] != '\\') {
          ++i;
          continue;
        }
        if (i + 1 < n && s[i + 1] == 'u') {
          const int32_t u = Utf16Escape(s, i);
          if (u < 0) return ConvertError::kInvalidValue;
          if (u == 0) return ConvertError::kNulCharacter;
          i += 6;
          if (u >= 0xDC00 && u <= 0xDFFF) return ConvertError::kInvalidValue;  // lone low
          if (u >= 0xD800 && u <= 0xDBFF) {
            const int32_t low = Utf16Escape(s, i);
            if (low < 0xDC00 || low > 0xDFFF) return ConvertError::kInvalidValue;
            i += 6;
          }
        } else {
          i += 2;
        }
      }
      ++i;  // the closing quote
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      const size_t start = i;
      while (i < n && ((s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '+' || s[i] == '.' ||
                       s[i] == 'e' || s[i] == 'E')) {
        ++i;
      }
      DecimalText d;
      if (!ParseJsonNumber(s.substr(start, i - start), &d)) return ConvertError::kInvalidValue;
      if (!FitsUnconstrainedNumeric(d)) return ConvertError::kOutOfRange;
    } else {
      ++i;
    }
  }
  return ConvertError::kNone;
}

}  // namespace

size_t Utf8CodePoints(std::string_view utf8) {
  size_t n = 0;
  for (char c : utf8) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

void AppendNull(std::string* out) { wire::Put32(wire::Reserve(out, 4), 0xFFFFFFFFu); }

ConvertError AppendText(const PgColumnType& col, std::string_view utf8, std::string* out) {
  if (!IsTextual(col.type)) return ConvertError::kWrongType;
  if (std::memchr(utf8.data(), 0, utf8.size()) != nullptr) return ConvertError::kNulCharacter;
  // Bytes >= code points: only a value with more bytes than the limit needs counting.
  if (col.max_chars >= 0 && utf8.size() > static_cast<size_t>(col.max_chars) &&
      Utf8CodePoints(utf8) > static_cast<size_t>(col.max_chars)) {
    return ConvertError::kTooLong;
  }
  wire::AppendBytesField(out, utf8);
  return ConvertError::kNone;
}

ConvertError AppendValue(const PgColumnType& col, JsonKind kind, std::string_view text,
                         std::string* out) {
  assert(kind != JsonKind::kNull && "the caller maps null to SQL NULL or missing_field");
  switch (col.type) {
    case PgType::kText:
    case PgType::kVarchar:
    case PgType::kBpchar:
      if (kind != JsonKind::kString) return ConvertError::kWrongType;
      return AppendText(col, text, out);
    case PgType::kInt2:
    case PgType::kInt4:
    case PgType::kInt8: {
      DecimalText d;
      if (ConvertError e = NumberSource(kind, &text, &d); e != ConvertError::kNone) return e;
      int64_t v = 0;
      if (ConvertError e = DecimalToScaledInt64(d, 0, Rounding::kExact, &v);
          e != ConvertError::kNone) {
        return e;
      }
      return AppendIntField(col.type, v, out);
    }
    case PgType::kNumeric: {
      DecimalText d;
      if (ConvertError e = NumberSource(kind, &text, &d); e != ConvertError::kNone) return e;
      return AppendNumericField(d, col.numeric_precision, col.numeric_scale, out);
    }
    case PgType::kFloat4: {
      DecimalText d;
      if (ConvertError e = NumberSource(kind, &text, &d); e != ConvertError::kNone) return e;
      float f = 0;
      if (ConvertError e = JsonNumberToFloat4(text, &f); e != ConvertError::kNone) return e;
      AppendFloat4Field(f, out);
      return ConvertError::kNone;
    }
    case PgType::kFloat8: {
      DecimalText d;
      if (ConvertError e = NumberSource(kind, &text, &d); e != ConvertError::kNone) return e;
      double f = 0;
      if (ConvertError e = JsonNumberToFloat8(text, &f); e != ConvertError::kNone) return e;
      AppendFloat8Field(f, out);
      return ConvertError::kNone;
    }
    case PgType::kBool: {
      if (kind != JsonKind::kBool) return ConvertError::kWrongType;
      text = TrimJsonSpace(text);
      if (text != "true" && text != "false") return ConvertError::kInvalidValue;
      char* p = wire::Put32(wire::Reserve(out, 5), 1);
      *p = text[0] == 't' ? 1 : 0;
      return ConvertError::kNone;
    }
    case PgType::kDate: {
      if (kind != JsonKind::kString) return ConvertError::kWrongType;
      const std::optional<int32_t> days = ParseIsoDate(text);
      if (!days.has_value()) return ConvertError::kInvalidValue;
      wire::AppendInt32Field(out, *days - kPostgresEpochUnixDays);
      return ConvertError::kNone;
    }
    case PgType::kTimestamp:
    case PgType::kTimestamptz: {
      if (kind != JsonKind::kString) return ConvertError::kWrongType;
      const std::optional<int64_t> micros = ParseIso8601Micros(text);
      if (!micros.has_value()) return ConvertError::kInvalidValue;
      return AppendInstant(col, *micros, /*date_only=*/false, out);
    }
    case PgType::kUuid:
      if (kind != JsonKind::kString) return ConvertError::kWrongType;
      return AppendUuid(text, out);
    case PgType::kInet:
      if (kind != JsonKind::kString) return ConvertError::kWrongType;
      return AppendInet(text, out);
    case PgType::kJson:
    case PgType::kJsonb:
      return ConvertError::kWrongType;
  }
  return ConvertError::kWrongType;
}

ConvertError AppendJson(const PgColumnType& col, std::string_view raw_json, std::string* out) {
  raw_json = TrimJsonSpace(raw_json);
  switch (col.type) {
    case PgType::kJson:
      wire::AppendBytesField(out, raw_json);
      return ConvertError::kNone;
    case PgType::kJsonb: {
      if (ConvertError e = CheckJsonbInput(raw_json); e != ConvertError::kNone) return e;
      char* p = wire::Put32(wire::Reserve(out, 5 + raw_json.size()),
                            static_cast<uint32_t>(1 + raw_json.size()));
      *p++ = 1;  // jsonb's binary format version
      if (!raw_json.empty()) std::memcpy(p, raw_json.data(), raw_json.size());
      return ConvertError::kNone;
    }
    case PgType::kText:
    case PgType::kVarchar:
    case PgType::kBpchar:
      return AppendText(col, raw_json, out);
    default:
      return ConvertError::kWrongType;
  }
}

ConvertError AppendInstant(const PgColumnType& col, int64_t unix_micros, bool date_only,
                           std::string* out) {
  if (!InPostgresTimestampRange(unix_micros)) return ConvertError::kOutOfRange;
  const int64_t days = UnixDaysFromMicros(unix_micros);
  if (date_only) unix_micros = days * kMicrosPerDay;
  switch (col.type) {
    case PgType::kTimestamp:
    case PgType::kTimestamptz:
      wire::AppendInt64Field(out, unix_micros - kPostgresEpochUnixMicros);
      return ConvertError::kNone;
    case PgType::kDate:
      // In range: PostgreSQL's dates reach further than its timestamps, and int32 days further.
      wire::AppendInt32Field(out, static_cast<int32_t>(days - kPostgresEpochUnixDays));
      return ConvertError::kNone;
    case PgType::kText:
    case PgType::kVarchar:
    case PgType::kBpchar: {
      char buf[kIso8601MaxChars];
      const size_t n = FormatIso8601(unix_micros, date_only, buf);
      if (n == 0) return ConvertError::kOutOfRange;
      return AppendText(col, std::string_view(buf, n), out);
    }
    default:
      return ConvertError::kWrongType;
  }
}

namespace {

// True if v converts to F and back unchanged.
template <typename F>
bool ExactIn(int64_t v) {
  const F f = static_cast<F>(v);
  // 2^63 (what INT64_MAX rounds to) does not convert back; every smaller float does.
  if (f >= static_cast<F>(9223372036854775808.0)) return false;
  return static_cast<int64_t>(f) == v;
}

}  // namespace

ConvertError AppendInt(const PgColumnType& col, int64_t value, std::string* out) {
  switch (col.type) {
    case PgType::kInt2:
    case PgType::kInt4:
    case PgType::kInt8:
      return AppendIntField(col.type, value, out);
    case PgType::kNumeric:
      return AppendNumericField(value, col.numeric_precision, col.numeric_scale, out);
    case PgType::kFloat4:
      if (!ExactIn<float>(value)) return ConvertError::kOutOfRange;
      AppendFloat4Field(static_cast<float>(value), out);
      return ConvertError::kNone;
    case PgType::kFloat8:
      if (!ExactIn<double>(value)) return ConvertError::kOutOfRange;
      AppendFloat8Field(static_cast<double>(value), out);
      return ConvertError::kNone;
    case PgType::kText:
    case PgType::kVarchar:
    case PgType::kBpchar: {
      char buf[24];
      const auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), value);
      (void)ec;  // 24 bytes always hold an int64
      return AppendText(col, std::string_view(buf, static_cast<size_t>(end - buf)), out);
    }
    default:
      return ConvertError::kWrongType;
  }
}

}  // namespace sqs2pg::transform
