// Masker: keyed pseudonymisation of PII fields, deterministic so duplicates stay visible to
// analysts while the raw values cannot be read or brute-forced without the key. Two schemes
// (MaskScheme, chosen with --mask):
//
// hmac-sha256 (the default; one-way). Contract (reproducible e.g. with pgcrypto's hmac()):
//   field_key = HMAC-SHA256(key = master_key, data = "sqs2pg:v1:" + field_name)
//   masked    = lowercase hex of HMAC-SHA256(key = field_key, data = value)     (64 chars)
//   where field_name is MaskFieldName(field): "ip" or "device_id". A separate key per field
//   means the same value masks differently in different fields, so columns cannot be joined.
//   In SQL: encode(hmac(value, hmac('sqs2pg:v1:ip', master_key, 'sha256'), 'sha256'), 'hex').
//
// aes-siv (reversible by a holder of the master key): AesSivMasker's "s1." format, see
//   aes_siv_masker.h. Its masks grow with the value: MaskedSize() says how long.
//
//  - MaskedSize(n): the length in characters (all ASCII, so also bytes) of the mask of an n-byte
//    value: 64 for hmac-sha256, AesSivMasker::MaskedSize(n) for aes-siv. Whoever stores masks in a
//    bounded column checks it first and rejects the value if the mask would not fit.
//  - key_id(): MaskKeyId(master_key), for reports; aes-siv masks carry it, hmac-sha256 ones do not.
//  - Thread-safety: NOT thread-safe. hmac-sha256 holds one keyed EVP_MAC_CTX per field and
//    re-initialises it per value (EVP_MAC_init(ctx, NULL, 0, NULL) keeps the key schedule), about
//    5x cheaper than a one-shot HMAC(); aes-siv copies a pre-keyed context per value. Give each
//    thread its own copy; copies are independent.
//  - Ownership/secrets: the master key is only read by the constructor and not retained; the
//    derived field keys are cleansed right after keying the contexts, and live on only inside
//    OpenSSL's contexts, which OpenSSL cleanses when they are freed (destruction).
//  - Errors: none at run time. Failure of OpenSSL itself (no HMAC/SHA256/AES-256-SIV/HKDF in the
//    default provider, out of memory) aborts with a message, as no mask could ever be produced;
//    so does a programming error (the 64-char MaskInto on an aes-siv Masker). A moved-from Masker
//    may only be destroyed or assigned to.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "transform/aes_siv_masker.h"
#include "transform/mask_scheme.h"  // MaskField, MaskFieldName, MaskScheme, MaskKeyId

struct evp_mac_ctx_st;  // EVP_MAC_CTX, kept out of the header

namespace sqs2pg::transform {

inline constexpr size_t kMaskedHexChars = 64;  // an hmac-sha256 mask

class Masker {
 public:
  explicit Masker(std::string_view master_key);  // hmac-sha256; derives both field keys once
  Masker(MaskScheme scheme, std::string_view master_key);
  Masker(const Masker& other);
  Masker& operator=(const Masker& other);
  Masker(Masker&& other) noexcept;
  Masker& operator=(Masker&& other) noexcept;
  ~Masker();

  MaskScheme scheme() const { return scheme_; }
  const std::string& key_id() const { return key_id_; }

  size_t MaskedSize(size_t value_bytes) const {
    return scheme_ == MaskScheme::kHmacSha256 ? kMaskedHexChars
                                              : AesSivMasker::MaskedSize(value_bytes);
  }

  std::string Mask(MaskField field, std::string_view value);

  // Hot path: replaces *out with exactly MaskedSize(value.size()) characters, reusing its
  // capacity (sqs2pg allocates nothing once warmed up; for aes-siv, OpenSSL's context copy
  // allocates internally).
  void MaskInto(MaskField field, std::string_view value, std::string* out);

  // hmac-sha256 only: writes exactly 64 lowercase hex chars (no terminator), never allocates.
  void MaskInto(MaskField field, std::string_view value, char out_hex[64]);

 private:
  static constexpr int kFields = 2;
  MaskScheme scheme_ = MaskScheme::kHmacSha256;
  std::string key_id_;
  evp_mac_ctx_st* ctx_[kFields] = {nullptr, nullptr};  // hmac-sha256
  std::optional<AesSivMasker> siv_;                    // aes-siv
};

}  // namespace sqs2pg::transform
