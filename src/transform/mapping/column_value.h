// EncodeColumnValue: one source value of one compiled column (CompiledMapping) through the
// column's transform into one binary COPY field, or the reason it cannot be.
//
// Contract:
//  - ValueRef is what the source gave: a JSON value (kind and text: the unescaped string, or the
//    raw token of a number, boolean, object or array) or an attribute (a string; SentTimestamp
//    as a number of epoch milliseconds with epoch_millis set). Absent and null values never get
//    here: the caller writes SQL NULL or rejects a required column (missing_field).
//  - Transforms (mapping_spec.h): none converts by the column's type (convert/value_encoder.h);
//    mask takes a string and stores its mask (the masker is needed then); semver_int takes a
//    string MAJOR[.MINOR[.PATCH]] and stores MAJOR*1e6 + MINOR*1e3 + PATCH into a number column,
//    the original string into a text column (invalid_version otherwise); timestamp takes ISO 8601
//    text or epoch seconds (a number, possibly fractional), timestamp_ms epoch milliseconds,
//    utc_date either of them, into timestamp/timestamptz/date/text (a date column stores the
//    UTC date); json stores the value's JSON text into json/jsonb/text.
//  - Appends exactly one field (int32 length + bytes) to *out on success, nothing on failure.
//    Never copies a value into an error.
//  - Thread-safety: as the masker; one call at a time per masker.
#pragma once

#include <string>
#include <string_view>

#include "transform/convert/pg_type.h"
#include "transform/mapping/compiled_mapping.h"
#include "transform/masker.h"

namespace sqs2pg::transform::mapping {

struct ValueRef {
  JsonKind kind = JsonKind::kString;
  std::string_view text;
  bool epoch_millis = false;  // a number of epoch milliseconds (the SentTimestamp attribute)
};

enum class ColumnValueReason {
  kNone,
  kWrongType,
  kOutOfRange,
  kInvalidValue,
  kTooLong,
  kNulCharacter,
  kInvalidVersion,
};

// "none", "wrong_type", "out_of_range", "invalid_value", "too_long", "nul_character",
// "invalid_version": the reject reason codes.
std::string_view ColumnValueReasonName(ColumnValueReason reason);

struct ColumnValueError {
  ColumnValueReason reason = ColumnValueReason::kNone;
};

// `masker` may be null when the column's transform is not mask. `scratch` (may be null when
// not masking) holds the mask between masking and encoding; its capacity is reused.
ColumnValueError EncodeColumnValue(const CompiledColumn& column, ValueRef value, Masker* masker,
                                   std::string* out, std::string* scratch = nullptr);

}  // namespace sqs2pg::transform::mapping
