#include "pg/message_key.h"

#include <openssl/evp.h>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <optional>

namespace sqs2pg::pg {
namespace {

// Hex digit values, -1 for anything else: one lookup per character (this runs for every message
// of every batch).
constexpr std::array<int8_t, 256> kHexValue = [] {
  std::array<int8_t, 256> table{};
  table.fill(-1);
  for (int c = '0'; c <= '9'; ++c) table[static_cast<size_t>(c)] = static_cast<int8_t>(c - '0');
  for (int c = 'a'; c <= 'f'; ++c) {
    table[static_cast<size_t>(c)] = static_cast<int8_t>(c - 'a' + 10);
    table[static_cast<size_t>(c - 'a' + 'A')] = static_cast<int8_t>(c - 'a' + 10);
  }
  return table;
}();

// Offsets of the 16 byte pairs in "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx".
constexpr std::array<uint8_t, 16> kPairAt = {0,  2,  4,  6,  9,  11, 14, 16,
                                             19, 21, 24, 26, 28, 30, 32, 34};

std::optional<MessageKeyBytes> ParseCanonicalUuid(std::string_view s) {
  if (s.size() != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-') {
    return std::nullopt;
  }
  MessageKeyBytes out{};
  int invalid = 0;  // any -1 makes it negative
  for (size_t i = 0; i < out.size(); ++i) {
    const int hi = kHexValue[static_cast<unsigned char>(s[kPairAt[i]])];
    const int lo = kHexValue[static_cast<unsigned char>(s[kPairAt[i] + 1])];
    invalid |= hi | lo;
    out[i] = static_cast<uint8_t>((hi & 0xf) << 4 | (lo & 0xf));
  }
  if (invalid < 0) return std::nullopt;
  return out;
}

}  // namespace

MessageKeyBytes MessageKey(std::string_view message_id) {
  if (std::optional<MessageKeyBytes> uuid = ParseCanonicalUuid(message_id)) return *uuid;
  std::string input = "sqs2pg:";
  input.append(message_id);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  MessageKeyBytes out{};
  if (EVP_Digest(input.data(), input.size(), digest, &length, EVP_md5(), nullptr) != 1 ||
      length < out.size()) {
    std::abort();  // MD5 is always available in OpenSSL's default provider
  }
  std::memcpy(out.data(), digest, out.size());
  out[6] = static_cast<uint8_t>((out[6] & 0x0f) | 0x30);  // version 3 (name-based, MD5)
  out[8] = static_cast<uint8_t>((out[8] & 0x3f) | 0x80);  // RFC 4122 variant
  return out;
}

std::string MessageKeyToString(const MessageKeyBytes& key) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (size_t i = 0; i < key.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += kHex[key[i] >> 4];
    out += kHex[key[i] & 0xf];
  }
  return out;
}

}  // namespace sqs2pg::pg
