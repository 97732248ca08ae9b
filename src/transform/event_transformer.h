// EventTransformer: one SQS message body -> one LoginRow, or a Rejection saying why not.
//
// Contract:
//  - A valid login event is a JSON object (nested objects flattened with '_', see Flattener)
//    with string user_id, device_type, ip, device_id and app_version, and locale as a string,
//    null or absent (null/absent -> SQL NULL). Unknown extra fields are ignored.
//  - Stored strings (user_id, device_type, locale, app_version when the column is text) must not
//    contain U+0000 (kNulCharacter: PostgreSQL text cannot hold it) and must fit their column,
//    counted in Unicode code points as varchar(n) does (kTooLong). ip and device_id are stored
//    only as their masks (see Masker): 64 hex chars for hmac-sha256, so a masked column shorter
//    than 64 rejects every row with kTooLong (the start-up schema check should have caught it);
//    for aes-siv the mask grows with the value (Masker::MaskedSize), and an ip or device_id whose
//    mask would not fit its column is rejected with kTooLong for that field, never cut (in a
//    varchar(256) column: values over 167 bytes).
//  - app_version must encode (EncodeAppVersion; kInvalidVersion) when the column is an integer,
//    or fit when it is text. app_version_text always keeps the original string.
//  - create_date_days = floor(sent_timestamp_ms / 86400000): the UTC day the message was sent.
//  - Checks run in a fixed order so a body always gets the same rejection: user_id, device_type,
//    ip, device_id, app_version, locale; per field: present, type, NUL, length/encoding. The
//    Flattener's rejections (invalid JSON, duplicate keys, ...) come first.
//  - Rejections name fields, never values: no ip, device_id or body text is ever copied into one.
//  - Transform overwrites *row on success, reusing its string capacity; on rejection *row is left
//    in an unspecified (but valid) state. No allocation per message once warmed up.
//  - Thread-safety: not thread-safe (reuses its Flattener and Masker); one per worker thread.
//    Copies are independent.
#pragma once

#include <cstdint>
#include <string_view>

#include "transform/flatten.h"
#include "transform/login_row.h"
#include "transform/masker.h"
#include "transform/rejection.h"
#include "transform/target_columns.h"

namespace sqs2pg::transform {

class EventTransformer {
 public:
  EventTransformer(TargetColumns columns, Masker masker);

  // True with *row filled, or false with *rejection filled.
  bool Transform(std::string_view body, int64_t sent_timestamp_ms, LoginRow* row,
                 Rejection* rejection);

  const TargetColumns& columns() const { return columns_; }

 private:
  TargetColumns columns_;
  Masker masker_;
  Flattener flattener_;
};

}  // namespace sqs2pg::transform
