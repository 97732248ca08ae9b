// Login rows for tests that drive pg::Sink directly: the binary COPY fields of one row of the
// assignment's user_logins (pg::PendingRow::fields) from plain values, as RowTransformer would
// write them with the built-in login mapping, without going through a transform.
//
// Contract:
//  - LoginLayout() is the column list of the built-in login mapping, in its order: user_id,
//    device_type, masked_ip, masked_device_id, locale, app_version, create_date; append mode.
//  - LoginFields() encodes the seven fields with the value encoders of the product
//    (transform/convert/value_encoder.h): the four strings and locale as unbounded text (a value
//    too long for its column reaches the server, which is what sink tests of database refusals
//    need), locale NULL when absent, app_version as int4, int8 or text per AppVersionColumn,
//    create_date as a date from days since 1970-01-01. A value the encoders refuse (a U+0000)
//    fails the calling test (ADD_FAILURE, naming the column, never the value).
//  - Thread-safety: plain functions; safe from any thread (ADD_FAILURE is thread-safe in gtest).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "pg/sink.h"

namespace sqs2pg::testing {

// How the table stores app_version: integer, bigint (both the encoded MAJOR*1e6+MINOR*1e3+PATCH)
// or text/varchar (the original string).
enum class AppVersionColumn { kInteger, kBigint, kText };

// One login row's values, as the old LoginRow held them.
struct LoginValues {
  std::string user_id;
  std::string device_type;
  std::string masked_ip;
  std::string masked_device_id;
  std::optional<std::string> locale;  // nullopt: SQL NULL
  int32_t app_version_int = 0;        // for kInteger and kBigint
  std::string app_version_text;       // for kText
  int32_t create_date_days = 0;       // days since 1970-01-01 (UTC)
};

// The seven columns of the built-in login mapping, append mode.
pg::RowLayout LoginLayout();

// The binary COPY fields of `values` for LoginLayout() (no field count: the sink writes it).
std::string LoginFields(const LoginValues& values,
                        AppVersionColumn app_version = AppVersionColumn::kInteger);

}  // namespace sqs2pg::testing
