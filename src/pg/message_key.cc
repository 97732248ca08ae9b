#include "pg/message_key.h"

#include <openssl/evp.h>

#include <cstdlib>
#include <cstring>
#include <optional>

namespace sqs2pg::pg {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<MessageKeyBytes> ParseCanonicalUuid(std::string_view s) {
  if (s.size() != 36) return std::nullopt;
  MessageKeyBytes out{};
  size_t byte = 0;
  for (size_t i = 0; i < s.size();) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (s[i] != '-') return std::nullopt;
      ++i;
      continue;
    }
    int hi = HexValue(s[i]);
    int lo = HexValue(s[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[byte++] = static_cast<uint8_t>(hi << 4 | lo);
    i += 2;
  }
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
