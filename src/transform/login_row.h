// LoginRow: one validated, masked login event, ready for the destination table.
//
// Contract:
//  - Produced by EventTransformer::Transform; every string is valid UTF-8 without U+0000 and fits
//    its column per TargetColumns. masked_ip and masked_device_id hold the mask scheme's text
//    (mask_scheme.h).
//  - Reused across messages: Transform overwrites every member, keeping string capacity, so a
//    writer can hold one LoginRow per thread without allocating per message.
//  - Thread-safety: a plain value; safe to copy and move between threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace sqs2pg::transform {

struct LoginRow {
  std::string user_id;
  std::string device_type;
  std::string masked_ip;              // hmac-sha256: 64 hex chars; aes-siv: "s1.<keyid>.<b64url>"
  std::string masked_device_id;       // as masked_ip
  std::optional<std::string> locale;  // nullopt = SQL NULL (JSON null or absent)
  int32_t app_version_int = 0;        // valid when TargetColumns::app_version_type == kInteger
  std::string app_version_text;       // always the original string
  int32_t create_date_days = 0;       // days since 1970-01-01 (UTC) of SentTimestamp
};

}  // namespace sqs2pg::transform
