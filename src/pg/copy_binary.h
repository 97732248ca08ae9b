// CopyBinaryEncoder: builds the input of "COPY ... FROM STDIN (FORMAT binary)" in one buffer.
//
// Contract:
//  - Begin() clears the buffer (keeping its capacity) and writes the 19-byte PGCOPY header
//    (signature, flags = 0, header-extension length = 0); Finish() writes the trailer (int16 -1).
//    data() is the complete COPY input only after Finish().
//  - AppendTuple() writes one tuple of `field_count` fields already encoded (each an int32 length,
//    -1 for NULL, then its bytes), as RowTransformer makes them; with `extra_int4`, one more int4
//    field after them (the upsert stage's batch ordinal).
//  - AppendTimedLedgerKey() writes a (timestamptz, uuid) tuple (a ledger key: sent time and id);
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

namespace sqs2pg::pg {

// Days between 1970-01-01 and 2000-01-01 (PostgreSQL's date epoch).
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
  void AppendTuple(int16_t field_count, std::string_view fields);
  void AppendTuple(int16_t field_count, std::string_view fields, int32_t extra_int4);
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
