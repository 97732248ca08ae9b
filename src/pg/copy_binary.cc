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

void CopyBinaryEncoder::AppendLoginRow(const transform::LoginRow& row, AppVersionWire app_version) {
  // One resize per row, then raw stores: this runs ~10^6 times a second.
  const std::string_view texts[4] = {row.user_id, row.device_type, row.masked_ip,
                                     row.masked_device_id};
  size_t size = 2 + 7 * 4 + 4;  // field count, seven lengths, the date
  for (std::string_view t : texts) size += t.size();
  if (row.locale.has_value()) size += row.locale->size();
  switch (app_version) {
    case AppVersionWire::kInt4:
      size += 4;
      break;
    case AppVersionWire::kInt8:
      size += 8;
      break;
    case AppVersionWire::kText:
      size += row.app_version_text.size();
      break;
  }
  size_t at = buffer_.size();
  buffer_.resize(at + size);
  char* p = buffer_.data() + at;
  auto put32 = [&p](uint32_t u) {
    p[0] = static_cast<char>(u >> 24);
    p[1] = static_cast<char>(u >> 16);
    p[2] = static_cast<char>(u >> 8);
    p[3] = static_cast<char>(u);
    p += 4;
  };
  auto put_text = [&p, &put32](std::string_view t) {
    put32(static_cast<uint32_t>(t.size()));
    if (!t.empty()) std::memcpy(p, t.data(), t.size());
    p += t.size();
  };
  p[0] = 0;
  p[1] = 7;
  p += 2;
  for (std::string_view t : texts) put_text(t);
  if (row.locale.has_value()) {
    put_text(*row.locale);
  } else {
    put32(0xffffffffu);  // NULL
  }
  switch (app_version) {
    case AppVersionWire::kInt4:
      put32(4);
      put32(static_cast<uint32_t>(row.app_version_int));
      break;
    case AppVersionWire::kInt8: {
      auto u = static_cast<uint64_t>(static_cast<int64_t>(row.app_version_int));
      put32(8);
      put32(static_cast<uint32_t>(u >> 32));
      put32(static_cast<uint32_t>(u));
      break;
    }
    case AppVersionWire::kText:
      put_text(row.app_version_text);
      break;
  }
  put32(4);
  put32(static_cast<uint32_t>(row.create_date_days - kUnixToPostgresEpochDays));
  ++tuples_;
}

void CopyBinaryEncoder::AppendLedgerKey(const MessageKeyBytes& key) {
  PutInt16(1);
  PutInt32(16);
  PutBytes(key.data(), key.size());
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
