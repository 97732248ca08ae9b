#include "pg/copy_binary.h"

#include <cstring>

namespace sqs2pg::pg {
namespace {

// "PGCOPY\n\377\r\n\0", then int32 flags and int32 header-extension length.
constexpr char kHeader[19] = {'P',  'G', 'C', 'O', 'P', 'Y', '\n', '\377', '\r', '\n',
                              '\0', 0,   0,   0,   0,   0,   0,    0,      0};

}  // namespace

void CopyBinaryEncoder::Begin() {
  buffer_.clear();
  tuples_ = 0;
  PutBytes(kHeader, sizeof(kHeader));
}

void CopyBinaryEncoder::Finish() { PutInt16(-1); }

void CopyBinaryEncoder::PutBytes(const void* data, size_t n) {
  size_t at = buffer_.size();
  buffer_.resize(at + n);
  std::memcpy(buffer_.data() + at, data, n);
}

void CopyBinaryEncoder::PutInt16(int16_t v) {
  auto u = static_cast<uint16_t>(v);
  const char b[2] = {static_cast<char>(u >> 8), static_cast<char>(u)};
  PutBytes(b, 2);
}

void CopyBinaryEncoder::PutInt32(int32_t v) {
  auto u = static_cast<uint32_t>(v);
  const char b[4] = {static_cast<char>(u >> 24), static_cast<char>(u >> 16),
                     static_cast<char>(u >> 8), static_cast<char>(u)};
  PutBytes(b, 4);
}

void CopyBinaryEncoder::PutInt64(int64_t v) {
  PutInt32(static_cast<int32_t>(static_cast<uint64_t>(v) >> 32));
  PutInt32(static_cast<int32_t>(static_cast<uint64_t>(v) & 0xffffffffU));
}

void CopyBinaryEncoder::AppendTuple(int16_t field_count, std::string_view fields) {
  PutInt16(field_count);
  PutBytes(fields.data(), fields.size());
  ++tuples_;
}

void CopyBinaryEncoder::AppendTuple(int16_t field_count, std::string_view fields,
                                    int32_t extra_int4) {
  PutInt16(static_cast<int16_t>(field_count + 1));
  PutBytes(fields.data(), fields.size());
  PutInt32(4);
  PutInt32(extra_int4);
  ++tuples_;
}

void CopyBinaryEncoder::AppendTimedLedgerKey(int64_t sent_at, const MessageKeyBytes& key) {
  PutInt16(2);
  PutInt32(8);
  PutInt64(sent_at);
  PutInt32(16);
  PutBytes(key.data(), key.size());
  ++tuples_;
}

void CopyBinaryEncoder::AppendStagedKey(int32_t index, int64_t sent_at,
                                        const MessageKeyBytes& key) {
  PutInt16(3);
  PutInt32(4);
  PutInt32(index);
  PutInt32(8);
  PutInt64(sent_at);
  PutInt32(16);
  PutBytes(key.data(), key.size());
  ++tuples_;
}

}  // namespace sqs2pg::pg
