// Rejection: why a message body could not become a row.
//
// Contract:
//  - reason is one of a closed set with stable snake_case names (RejectReasonName), suitable for
//    metrics labels and the reject table.
//  - field names the column and its source involved ("masked_ip (path ip)"), or a key of the
//    body, or is empty. It is never a value: no raw ip, device_id or body text ever appears here.
//    Key names taken from the body (duplicate keys, nesting too deep) are reported only when
//    identifier-like ([A-Za-z_][A-Za-z0-9_]*), since a producer may key a map by a value such as an
//    ip; otherwise field is empty. Set() cuts any field to kMaxRejectFieldBytes at a UTF-8
//    boundary.
//  - Thread-safety: a plain value; safe to copy and move between threads.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace sqs2pg::transform {

enum class RejectReason {
  kEmptyBody,       // empty or whitespace-only body
  kInvalidUtf8,     // the body is not valid UTF-8
  kInvalidJson,     // not a JSON document (syntax, bad escapes, lone surrogates, trailing data)
  kNotAnObject,     // valid JSON, but the top level is not an object
  kDuplicateKey,    // a key repeats, or two keys meet after flattening ("a_b" and {"a":{"b"}})
  kMissingField,    // a required field is absent
  kWrongType,       // a field has the wrong JSON type
  kTooLong,         // a value does not fit its column
  kInvalidVersion,  // app_version is not MAJOR[.MINOR[.PATCH]] (integer version column)
  kNulCharacter,    // a stored string contains U+0000, which PostgreSQL text cannot hold
  kTooDeep,         // objects/arrays nested deeper than Flattener::kMaxDepth
  kOutOfRange,      // a number does not fit its column (overflow, a fraction into an integer)
  kInvalidValue,    // not the column type's text form (uuid, date, inet, timestamp, number)
  kBadEnvelope,     // claims an SNS or EventBridge envelope, and it is broken
  kBadEncoding,     // not valid base64 / gzip, or decodes to more than the cap
  kUnknownField,    // a field no column maps (unknown_fields = "reject")
};

// "empty_body", "invalid_utf8", "invalid_json", "not_an_object", "duplicate_key",
// "missing_field", "wrong_type", "too_long", "invalid_version", "nul_character", "too_deep",
// "out_of_range", "invalid_value", "bad_envelope", "bad_encoding", "unknown_field".
std::string_view RejectReasonName(RejectReason r);

inline constexpr size_t kMaxRejectFieldBytes = 160;

struct Rejection {
  RejectReason reason = RejectReason::kInvalidJson;
  std::string field;  // flattened field name involved, or empty; never a value

  // "missing_field: ip", or just "invalid_json" when no field is involved.
  std::string ToString() const;

  // Sets reason and field (cut to kMaxRejectFieldBytes), reusing the field's capacity.
  void Set(RejectReason r, std::string_view field_name);
};

}  // namespace sqs2pg::transform
