// TargetColumns: what the transform needs to know about the destination table.
//
// Contract:
//  - The pg module reads the column types and lengths from the catalog at start-up and fills this
//    in. EventTransformer rejects any value that would not fit, so one bad message cannot fail a
//    whole COPY batch.
//  - Lengths count Unicode code points, as varchar(n) does; -1 means unbounded (text, varchar).
//  - app_version_type: integer/bigint columns -> kInteger (the encoded MAJOR*1e6+MINOR*1e3+PATCH);
//    text/varchar -> kText (the original string, bounded by app_version_max_chars).
//  - Thread-safety: a plain value; safe to copy between threads.
#pragma once

namespace sqs2pg::transform {

enum class VersionColumnType { kInteger, kText };

struct TargetColumns {
  int user_id_max_chars = -1;
  int device_type_max_chars = -1;
  int locale_max_chars = -1;
  int masked_ip_max_chars = -1;
  int masked_device_id_max_chars = -1;
  VersionColumnType app_version_type = VersionColumnType::kInteger;
  int app_version_max_chars = -1;  // only consulted when app_version_type == kText
};

}  // namespace sqs2pg::transform
