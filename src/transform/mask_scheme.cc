#include "transform/mask_scheme.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include <cstdio>
#include <cstdlib>

namespace sqs2pg::transform {
namespace {

constexpr std::string_view kKeyIdLabel = "sqs2pg key id";
constexpr std::string_view kAesSivPrefix = "s1.";

bool IsLowerHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

}  // namespace

std::string_view MaskFieldName(MaskField f) {
  switch (f) {
    case MaskField::kIp:
      return "ip";
    case MaskField::kDeviceId:
      return "device_id";
  }
  return "unknown";
}

std::optional<MaskField> ParseMaskField(std::string_view name) {
  if (name == "ip") return MaskField::kIp;
  if (name == "device_id") return MaskField::kDeviceId;
  return std::nullopt;
}

std::string_view MaskSchemeName(MaskScheme s) {
  switch (s) {
    case MaskScheme::kHmacSha256:
      return "hmac-sha256";
    case MaskScheme::kAesSiv:
      return "aes-siv";
  }
  return "unknown";
}

std::optional<MaskScheme> ParseMaskScheme(std::string_view name) {
  if (name == "hmac-sha256") return MaskScheme::kHmacSha256;
  if (name == "aes-siv") return MaskScheme::kAesSiv;
  return std::nullopt;
}

std::optional<MaskScheme> DetectMaskScheme(std::string_view masked) {
  if (masked.starts_with(kAesSivPrefix)) return MaskScheme::kAesSiv;
  if (masked.size() == 64) {
    for (char c : masked) {
      if (!IsLowerHex(c)) return std::nullopt;
    }
    return MaskScheme::kHmacSha256;
  }
  return std::nullopt;
}

std::string MaskKeyId(std::string_view master_key) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  size_t mac_len = 0;
  static const unsigned char kEmpty = 0;
  const auto* key =
      master_key.empty() ? &kEmpty : reinterpret_cast<const unsigned char*>(master_key.data());
  if (EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, key, master_key.size(),
                reinterpret_cast<const unsigned char*>(kKeyIdLabel.data()), kKeyIdLabel.size(), mac,
                sizeof(mac), &mac_len) == nullptr ||
      mac_len < kMaskKeyIdChars / 2) {
    // Only OpenSSL's own failure lands here; nothing about the key is printed.
    std::fprintf(stderr, "sqs2pg: fatal OpenSSL error computing the mask key id (%lu)\n",
                 ERR_peek_last_error());
    std::abort();
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  for (size_t i = 0; i < kMaskKeyIdChars / 2; ++i) {
    id.push_back(kHex[mac[i] >> 4]);
    id.push_back(kHex[mac[i] & 0xF]);
  }
  OPENSSL_cleanse(mac, sizeof(mac));
  return id;
}

}  // namespace sqs2pg::transform
