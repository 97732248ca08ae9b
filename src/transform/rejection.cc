#include "transform/rejection.h"

namespace sqs2pg::transform {

std::string_view RejectReasonName(RejectReason r) {
  switch (r) {
    case RejectReason::kEmptyBody:
      return "empty_body";
    case RejectReason::kInvalidUtf8:
      return "invalid_utf8";
    case RejectReason::kInvalidJson:
      return "invalid_json";
    case RejectReason::kNotAnObject:
      return "not_an_object";
    case RejectReason::kDuplicateKey:
      return "duplicate_key";
    case RejectReason::kMissingField:
      return "missing_field";
    case RejectReason::kWrongType:
      return "wrong_type";
    case RejectReason::kTooLong:
      return "too_long";
    case RejectReason::kInvalidVersion:
      return "invalid_version";
    case RejectReason::kNulCharacter:
      return "nul_character";
    case RejectReason::kTooDeep:
      return "too_deep";
    case RejectReason::kOutOfRange:
      return "out_of_range";
    case RejectReason::kInvalidValue:
      return "invalid_value";
    case RejectReason::kBadEnvelope:
      return "bad_envelope";
    case RejectReason::kBadEncoding:
      return "bad_encoding";
    case RejectReason::kUnknownField:
      return "unknown_field";
  }
  return "unknown";
}

std::string Rejection::ToString() const {
  std::string out(RejectReasonName(reason));
  if (!field.empty()) {
    out += ": ";
    out += field;
  }
  return out;
}

void Rejection::Set(RejectReason r, std::string_view field_name) {
  reason = r;
  if (field_name.size() > kMaxRejectFieldBytes) {
    // Keys come from the body: keep the log line bounded, and never split a UTF-8 sequence
    // (the reject table column is text and would refuse half a character).
    size_t n = kMaxRejectFieldBytes;
    while (n > 0 && (static_cast<unsigned char>(field_name[n]) & 0xC0) == 0x80) --n;
    field_name = field_name.substr(0, n);
  }
  field.assign(field_name);
}

}  // namespace sqs2pg::transform
