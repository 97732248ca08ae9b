// CopyBinaryEncoder: builds the input of "COPY ... FROM STDIN (FORMAT binary)" in one buffer.
//
// Contract:
//  - Begin() clears the buffer (keeping its capacity) and writes the 19-byte PGCOPY header
//    (signature, flags = 0, header-extension length = 0); Finish() writes the trailer (int16 -1).
//    data() is the complete COPY input only after Finish().
//  - AppendLoginRow() writes one tuple in the column order kLoginColumns: four text fields,
//    locale (NULL when absent), app_version as int4, int8 or text per AppVersionWire, and
//    create_date as a date (int4 days since 2000-01-01). Text is sent as is: the connection's
//    client_encoding is UTF8 and the server validates it (bad bytes fail the COPY with 22021).
//  - AppendLedgerKey() writes a one-field uuid tuple (a ledger keyed on the id alone);
//    AppendTimedLedgerKey() a (timestamptz, uuid) tuple (a ledger keyed on sent time and id);
//    AppendStagedKey() an (int4, timestamptz, uuid) tuple. Times are PostgreSQL timestamps
//    (PgTimestampFromUnixMillis).
//  - Appending does not allocate once the buffer has grown to the batch size: reuse one encoder.
//  - Thread-safety: none; one encoder per writer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "pg/message_key.h"
#include "transform/login_row.h"

namespace sqs2pg::pg {

// The target columns, in the order AppendLoginRow() writes them.
inline constexpr std::string_view kLoginColumns =
    "user_id, device_type, masked_ip, masked_device_id, locale, app_version, create_date";

// How app_version travels: LoginRow::app_version_int as int4 or int8, or app_version_text.
enum class AppVersionWire { kInt4, kInt8, kText };

// Days between 1970-01-01 (LoginRow::create_date_days) and 2000-01-01 (PostgreSQL's date epoch).
inline constexpr int32_t kUnixToPostgresEpochDays = 10957;

// Microseconds between 1970-01-01 and 2000-01-01 (PostgreSQL's timestamp epoch).
inline constexpr int64_t kUnixToPostgresEpochMicros =
    int64_t{kUnixToPostgresEpochDays} * 86400000000;

// A Unix time in milliseconds (SQS's SentTimestamp) as a binary timestamptz.
inline constexpr int64_t PgTimestampFromUnixMillis(int64_t unix_ms) {
  return unix_ms * 1000 - kUnixToPostgresEpochMicros;
}

class CopyBinaryEncoder {
 public:
  void Begin();
  void AppendLoginRow(const transform::LoginRow& row, AppVersionWire app_version);
  void AppendLedgerKey(const MessageKeyBytes& key);
  void AppendTimedLedgerKey(int64_t sent_at, const MessageKeyBytes& key);
  void AppendStagedKey(int32_t index, int64_t sent_at, const MessageKeyBytes& key);
  void Finish();

  std::string_view data() const { return buffer_; }
  size_t tuples() const { return tuples_; }

 private:
  void PutInt16(int16_t v);
  void PutInt32(int32_t v);
  void PutInt64(int64_t v);
  void PutBytes(const void* data, size_t n);

  std::string buffer_;
  size_t tuples_ = 0;
};

}  // namespace sqs2pg::pg
