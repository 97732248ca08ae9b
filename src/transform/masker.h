// Masker: keyed pseudonymisation of personal data, deterministic so duplicates stay visible to
// analysts while the raw values cannot be read or brute-forced without the key. Each value is
// masked in a mask domain (see mask_scheme.h: a mapping column's mask_domain, by default its path;
// the login's are "ip" and "device_id"), and each domain has its own key. Two schemes (MaskScheme,
// chosen with --mask):
//
// hmac-sha256 (the default; one-way). Contract (reproducible e.g. with pgcrypto's hmac()):
//   domain_key = HMAC-SHA256(key = master_key, data = "sqs2pg:v1:" + domain)
//   masked     = lowercase hex of HMAC-SHA256(key = domain_key, data = value)     (64 chars)
//   The same domain gives the same masks wherever it is used (two columns or two streams with one
//   domain can be joined on their masks); different domains give unrelated masks, so columns of
//   different domains cannot be joined. For the domains "ip" and "device_id" these are exactly
//   the masks of the login fields before domains existed (then "field_key" of the field name).
//   In SQL: encode(hmac(value, hmac('sqs2pg:v1:' || domain, master_key, 'sha256'), 'sha256'),
//   'hex').
//
// aes-siv (reversible by a holder of the master key): AesSivMasker's "s1." format, see
//   aes_siv_masker.h, with the same domains.
//
//  - Domains: the three-argument constructor keys one context per domain, in the order given; a
//    domain index is a position in that list (the same domain twice is allowed and masks alike).
//    The constructors without domains use kLoginMaskDomains, and the MaskField overloads are thin
//    wrappers for them: kIp is domain 0, kDeviceId domain 1 (calling them on a Masker built with
//    other domains is a programming error and aborts). An index out of range aborts too.
//  - MaskedSize(n): the length in characters (all ASCII, so also bytes) of the mask of an n-byte
//    value: 64 for hmac-sha256, AesSivMasker::MaskedSize(n) for aes-siv. Whoever stores masks in a
//    bounded column checks it first and rejects the value if the mask would not fit.
//    MinMaskedSize(): the shortest mask the scheme can produce (64; aes-siv MaskedSize(0) = 34); a
//    column shorter than that can hold no mask at all.
//  - key_id(): MaskKeyId(master_key), for reports; aes-siv masks carry it, hmac-sha256 ones do not.
//  - Thread-safety: NOT thread-safe. hmac-sha256 holds one keyed EVP_MAC_CTX per domain, made at
//    construction, and re-initialises it per value (EVP_MAC_init(ctx, NULL, 0, NULL) keeps the key
//    schedule), about 5x cheaper than a one-shot HMAC() and independent of the number of domains;
//    aes-siv copies a pre-keyed context per value. Give each thread its own copy; copies are
//    independent.
//  - Ownership/secrets: the master key is only read by the constructor and not retained; the
//    derived domain keys are cleansed right after keying the contexts, and live on only inside
//    OpenSSL's contexts, which OpenSSL cleanses when they are freed (destruction).
//  - Errors: none at run time. Failure of OpenSSL itself (no HMAC/SHA256/AES-256-SIV/HKDF in the
//    default provider, out of memory) aborts with a message, as no mask could ever be produced;
//    so does a programming error (the 64-char MaskInto on an aes-siv Masker, a domain index out
//    of range). A moved-from Masker may only be destroyed or assigned to.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "transform/aes_siv_masker.h"
#include "transform/mask_scheme.h"  // MaskField, MaskFieldName, MaskScheme, MaskKeyId

struct evp_mac_ctx_st;  // EVP_MAC_CTX, kept out of the header

namespace sqs2pg::transform {

inline constexpr size_t kMaskedHexChars = 64;  // an hmac-sha256 mask

class Masker {
 public:
  // Keys one context per domain, in the order given; domain indexes are positions in `domains`.
  Masker(MaskScheme scheme, std::string_view master_key, std::vector<std::string> domains);
  // The login domains (kLoginMaskDomains): MaskField::kIp is domain 0, kDeviceId domain 1.
  Masker(MaskScheme scheme, std::string_view master_key);
  explicit Masker(std::string_view master_key);  // hmac-sha256, the login domains
  Masker(const Masker& other);
  Masker& operator=(const Masker& other);
  Masker(Masker&& other) noexcept;
  Masker& operator=(Masker&& other) noexcept;
  ~Masker();

  MaskScheme scheme() const { return scheme_; }
  const std::string& key_id() const { return key_id_; }

  size_t domain_count() const { return domains_.size(); }
  const std::string& domain(size_t i) const;  // aborts if there is no domain i

  size_t MaskedSize(size_t value_bytes) const {
    return scheme_ == MaskScheme::kHmacSha256 ? kMaskedHexChars
                                              : AesSivMasker::MaskedSize(value_bytes);
  }
  size_t MinMaskedSize() const {
    return scheme_ == MaskScheme::kHmacSha256 ? kMaskedHexChars : AesSivMasker::MinMaskedSize();
  }

  std::string Mask(size_t domain, std::string_view value);

  // Hot path: replaces *out with exactly MaskedSize(value.size()) characters, reusing its
  // capacity (sqs2pg allocates nothing once warmed up; for aes-siv, OpenSSL's context copy
  // allocates internally).
  void MaskInto(size_t domain, std::string_view value, std::string* out);

  // hmac-sha256 only: writes exactly 64 lowercase hex chars (no terminator), never allocates.
  void MaskInto(size_t domain, std::string_view value, char out_hex[64]);

  // The login fields (see above).
  std::string Mask(MaskField field, std::string_view value) {
    return Mask(LoginDomain(field), value);
  }
  void MaskInto(MaskField field, std::string_view value, std::string* out) {
    MaskInto(LoginDomain(field), value, out);
  }
  void MaskInto(MaskField field, std::string_view value, char out_hex[64]) {
    MaskInto(LoginDomain(field), value, out_hex);
  }

 private:
  struct MacCtxFree {
    void operator()(evp_mac_ctx_st* ctx) const;
  };
  using MacCtx = std::unique_ptr<evp_mac_ctx_st, MacCtxFree>;

  // The domain index of a login field; aborts unless this Masker has the login domains.
  size_t LoginDomain(MaskField field) const;

  MaskScheme scheme_ = MaskScheme::kHmacSha256;
  std::string key_id_;
  std::vector<std::string> domains_;
  bool login_domains_ = false;       // domains_ begins with kLoginMaskDomains
  std::vector<MacCtx> ctx_;          // hmac-sha256: one per domain
  std::optional<AesSivMasker> siv_;  // aes-siv
};

}  // namespace sqs2pg::transform
