#include "transform/mask_key.h"

#include <openssl/crypto.h>

#include <optional>

namespace sqs2pg::transform {
namespace {

constexpr std::string_view kBase64Prefix = "base64:";

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// Wipes key scratch before an error leaves this file.
Status Reject(std::string& scratch, std::string message) {
  OPENSSL_cleanse(scratch.data(), scratch.size());
  scratch.clear();
  return InvalidArgumentError("mask key: " + std::move(message));
}

Result<std::string> DecodeHex(std::string_view text) {
  std::string out;
  if (text.size() % 2 != 0) {
    return Reject(out, "hex key has an odd number of digits (expected hex, or base64:...)");
  }
  out.reserve(text.size() / 2);
  for (size_t i = 0; i < text.size(); i += 2) {
    int hi = HexValue(text[i]);
    int lo = HexValue(text[i + 1]);
    if (hi < 0 || lo < 0) {
      return Reject(out,
                    "key contains a character that is not a hex digit (expected hex, or "
                    "base64:...)");
    }
    out.push_back(static_cast<char>(hi << 4 | lo));
  }
  return out;
}

Result<std::string> DecodeBase64(std::string_view text) {
  std::string out;
  // Padding is optional, but when present it must end the text and complete a 4-char group.
  size_t pad = 0;
  while (pad < 2 && pad < text.size() && text[text.size() - 1 - pad] == '=') ++pad;
  std::string_view body = text.substr(0, text.size() - pad);
  if ((pad > 0 && text.size() % 4 != 0) || body.size() % 4 == 1) {
    return Reject(out, "base64 key has a bad length or padding");
  }
  out.reserve(body.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : body) {
    int v = Base64Value(c);
    if (v < 0) {
      OPENSSL_cleanse(&acc, sizeof(acc));
      return Reject(out, "base64 key contains a character outside the base64 alphabet");
    }
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  // Leftover bits of the last partial group must be zero in canonical base64.
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) {
    OPENSSL_cleanse(&acc, sizeof(acc));
    return Reject(out, "base64 key is not canonical (non-zero trailing bits)");
  }
  OPENSSL_cleanse(&acc, sizeof(acc));
  return out;
}

}  // namespace

Result<std::string> ParseMaskKey(std::string_view text) {
  text = Trim(text);
  if (text.empty()) return InvalidArgumentError("mask key: key is empty");
  Result<std::string> key = text.starts_with(kBase64Prefix)
                                ? DecodeBase64(text.substr(kBase64Prefix.size()))
                                : DecodeHex(text);
  if (!key.ok()) return key;
  if (key->size() < kMinMaskKeyBytes) {
    size_t n = key->size();
    return Reject(*key, "key decodes to " + std::to_string(n) + " bytes; at least " +
                            std::to_string(kMinMaskKeyBytes) + " are required");
  }
  return key;
}

}  // namespace sqs2pg::transform
