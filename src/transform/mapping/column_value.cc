#include "transform/mapping/column_value.h"

#include <cstdio>

#include "transform/app_version.h"
#include "transform/convert/time_parse.h"
#include "transform/convert/value_encoder.h"

namespace sqs2pg::transform::mapping {
namespace {

ColumnValueError From(ConvertError e) {
  switch (e) {
    case ConvertError::kNone:
      return {ColumnValueReason::kNone};
    case ConvertError::kWrongType:
      return {ColumnValueReason::kWrongType};
    case ConvertError::kOutOfRange:
      return {ColumnValueReason::kOutOfRange};
    case ConvertError::kInvalidValue:
      return {ColumnValueReason::kInvalidValue};
    case ConvertError::kTooLong:
      return {ColumnValueReason::kTooLong};
    case ConvertError::kNulCharacter:
      return {ColumnValueReason::kNulCharacter};
  }
  return {ColumnValueReason::kInvalidValue};
}

bool IsTextType(PgType t) {
  return t == PgType::kText || t == PgType::kVarchar || t == PgType::kBpchar;
}

// A string value as a JSON string literal (for transform = "json" of a string).
void AppendJsonString(std::string_view s, std::string* out) {
  out->push_back('"');
  for (char c : s) {
    switch (c) {
      case '"':
        *out += "\\\"";
        break;
      case '\\':
        *out += "\\\\";
        break;
      case '\n':
        *out += "\\n";
        break;
      case '\r':
        *out += "\\r";
        break;
      case '\t':
        *out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", static_cast<unsigned>(c));
          *out += buf;
        } else {
          out->push_back(c);
        }
    }
  }
  out->push_back('"');
}

// The instant a timestamp-like transform reads from `value`, in Unix microseconds.
ColumnValueError Instant(Transform transform, ValueRef value, int64_t* micros) {
  if (value.epoch_millis) return From(EpochMillisToMicros(value.text, micros));
  if (transform == Transform::kTimestampMs) {
    if (value.kind != JsonKind::kNumber) return {ColumnValueReason::kWrongType};
    return From(EpochMillisToMicros(value.text, micros));
  }
  if (value.kind == JsonKind::kNumber) return From(EpochSecondsToMicros(value.text, micros));
  if (value.kind != JsonKind::kString) return {ColumnValueReason::kWrongType};
  std::optional<int64_t> parsed = ParseIso8601Micros(value.text);
  if (!parsed) return {ColumnValueReason::kInvalidValue};
  *micros = *parsed;
  return {};
}

}  // namespace

std::string_view ColumnValueReasonName(ColumnValueReason reason) {
  switch (reason) {
    case ColumnValueReason::kNone:
      return "none";
    case ColumnValueReason::kWrongType:
      return "wrong_type";
    case ColumnValueReason::kOutOfRange:
      return "out_of_range";
    case ColumnValueReason::kInvalidValue:
      return "invalid_value";
    case ColumnValueReason::kTooLong:
      return "too_long";
    case ColumnValueReason::kNulCharacter:
      return "nul_character";
    case ColumnValueReason::kInvalidVersion:
      return "invalid_version";
  }
  return "invalid_value";
}

ColumnValueError EncodeColumnValue(const CompiledColumn& column, ValueRef value, Masker* masker,
                                   std::string* out, std::string* scratch) {
  switch (column.transform) {
    case Transform::kNone:
      if (value.epoch_millis &&
          (column.type.type == PgType::kTimestamp || column.type.type == PgType::kTimestamptz ||
           column.type.type == PgType::kDate)) {
        // SentTimestamp into a time column: the instant it names (epoch milliseconds).
        int64_t micros = 0;
        ColumnValueError e = From(EpochMillisToMicros(value.text, &micros));
        if (e.reason != ColumnValueReason::kNone) return e;
        return From(AppendInstant(column.type, micros, column.type.type == PgType::kDate, out));
      }
      return From(AppendValue(column.type, value.kind, value.text, out));
    case Transform::kMask: {
      if (value.kind != JsonKind::kString) return {ColumnValueReason::kWrongType};
      // Check the width before masking: an aes-siv mask grows with the value, and is never cut
      // (it would not decrypt).
      if (column.type.max_chars >= 0 &&
          masker->MaskedSize(value.text.size()) > static_cast<size_t>(column.type.max_chars)) {
        return {ColumnValueReason::kTooLong};
      }
      masker->MaskInto(column.mask_domain, value.text, scratch);
      return From(AppendText(column.type, *scratch, out));
    }
    case Transform::kSemverInt: {
      if (value.kind != JsonKind::kString) return {ColumnValueReason::kWrongType};
      std::optional<int32_t> encoded = EncodeAppVersion(value.text);
      if (!encoded) return {ColumnValueReason::kInvalidVersion};
      if (IsTextType(column.type.type)) return From(AppendText(column.type, value.text, out));
      return From(AppendInt(column.type, *encoded, out));
    }
    case Transform::kUtcDate:
    case Transform::kTimestamp:
    case Transform::kTimestampMs: {
      int64_t micros = 0;
      ColumnValueError e = Instant(column.transform, value, &micros);
      if (e.reason != ColumnValueReason::kNone) return e;
      return From(AppendInstant(column.type, micros, column.transform == Transform::kUtcDate, out));
    }
    case Transform::kJson:
      if (value.kind == JsonKind::kString) {
        scratch->clear();
        AppendJsonString(value.text, scratch);
        return From(AppendJson(column.type, *scratch, out));
      }
      return From(AppendJson(column.type, value.text, out));
  }
  return {ColumnValueReason::kInvalidValue};
}

}  // namespace sqs2pg::transform::mapping
