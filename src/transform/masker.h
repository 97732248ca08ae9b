// Masker: keyed pseudonymisation of PII fields (HMAC-SHA256), deterministic so duplicates stay
// visible to analysts while the raw values cannot be recovered or brute-forced without the key.
//
// Contract (the documented derivation, reproducible e.g. with pgcrypto's hmac()):
//   field_key = HMAC-SHA256(key = master_key, data = "sqs2pg:v1:" + field_name)
//   masked    = lowercase hex of HMAC-SHA256(key = field_key, data = value)     (64 chars)
//   where field_name is MaskFieldName(field): "ip" or "device_id". A separate key per field
//   means the same value masks differently in different fields, so columns cannot be joined.
//   In SQL: encode(hmac(value, hmac('sqs2pg:v1:ip', master_key, 'sha256'), 'sha256'), 'hex').
//
//  - Thread-safety: NOT thread-safe. Each Masker holds one keyed EVP_MAC_CTX per field and
//    re-initialises it per value (EVP_MAC_init(ctx, NULL, 0, NULL) keeps the key schedule), about
//    5x cheaper than a one-shot HMAC(). Give each thread its own copy; copies are independent.
//  - Ownership/secrets: the master key is only read by the constructor and not retained; the
//    derived field keys are cleansed right after keying the contexts, and live on only inside
//    OpenSSL's HMAC contexts, which OpenSSL cleanses when they are freed (destruction).
//  - Errors: none at run time. Failure of OpenSSL itself (no HMAC/SHA256 in the default provider,
//    out of memory) aborts with a message, as no mask could ever be produced. A moved-from Masker
//    may only be destroyed or assigned to.
#pragma once

#include <string>
#include <string_view>

struct evp_mac_ctx_st;  // EVP_MAC_CTX, kept out of the header

namespace sqs2pg::transform {

enum class MaskField { kIp, kDeviceId };

// "ip", "device_id": the names used in the key derivation label.
std::string_view MaskFieldName(MaskField f);

inline constexpr size_t kMaskedHexChars = 64;

class Masker {
 public:
  explicit Masker(std::string_view master_key);  // derives both field keys once
  Masker(const Masker& other);
  Masker& operator=(const Masker& other);
  Masker(Masker&& other) noexcept;
  Masker& operator=(Masker&& other) noexcept;
  ~Masker();

  std::string Mask(MaskField field, std::string_view value);

  // Hot path: writes exactly 64 lowercase hex chars (no terminator) and never allocates.
  void MaskInto(MaskField field, std::string_view value, char out_hex[64]);

 private:
  static constexpr int kFields = 2;
  evp_mac_ctx_st* ctx_[kFields] = {nullptr, nullptr};
};

}  // namespace sqs2pg::transform
