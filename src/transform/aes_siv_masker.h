// AesSivMasker: reversible pseudonymisation of personal data with deterministic authenticated
// encryption, AES-SIV (RFC 5297) over AES-256 (OpenSSL 3's EVP "AES-256-SIV", 512-bit key). Equal
// values still give equal masks (duplicates stay visible to analysts), but a holder of the master
// key can recover the original, and a changed mask or a wrong key is detected, never mis-decoded.
//
// Contract (format "s1", documented in the README; decryptable by any RFC 5297 implementation),
// for a value of the mask domain `domain` (see mask_scheme.h; the login's are "ip", "device_id"):
//   domain_key = HKDF-SHA256(IKM = master_key, salt = none, info = "sqs2pg aes-siv v1 " + domain,
//                            L = 64 bytes)
//   tag, ct    = AES-SIV(key = domain_key, associated data = [domain], plaintext = value)
//                (RFC 5297 with AES-256: the first 32 bytes of domain_key key S2V/CMAC, the last
//                32 key CTR; tag is the 16-byte synthetic IV, ct is as long as value)
//   masked     = "s1." + MaskKeyId(master_key) + "." + base64url(tag || ct)
//                (RFC 4648 section 5 alphabet, no padding)
//  - Domains: the constructor keys one pair of contexts per domain, in the order given; a domain
//    index is a position in that list. The same domain twice is allowed (both give the same masks).
//    The one-argument constructor uses kLoginMaskDomains, and the MaskField overloads are thin
//    wrappers for them: kIp is domain 0, kDeviceId domain 1 (calling them on a masker built with
//    other domains is a programming error and aborts).
//  - Length: MaskedSize(n) = 12 + ceil(4 * (16 + n) / 3) characters, all ASCII, for an n-byte
//    value: 54 for a 15-byte IPv4 address, 256 for 167 bytes, the most a varchar(256) column holds
//    (MaxValueBytes(256) == 167). MinMaskedSize() = MaskedSize(0) = 34, the shortest possible mask.
//    Callers that store masks must reject longer values rather than cut the mask (a cut mask cannot
//    be decrypted).
//  - Distinct from the hmac-sha256 scheme: different derivation (HKDF, not the HMAC masker's
//    HMAC(master, "sqs2pg:v1:" + domain)), and an "s1." prefix where HMAC masks are 64 hex digits.
//  - The empty value: OpenSSL's SIV cannot encrypt an empty plaintext, so its tag (the whole mask
//    payload) is computed once per domain at construction with the RFC's S2V over AES-CMAC
//    (aes_siv_internal::S2v); the format and the decryption are the same as for any other value.
//  - Unmask reverses Mask for the same domain and master key. Errors (messages never contain the
//    value, only its position is the caller's to add):
//      kFailedPrecondition  an hmac-sha256 mask (one-way: it cannot be unmasked), or a mask made
//                           with another master key (its key id differs from key_id())
//      kInvalidArgument     not an aes-siv mask at all (bad prefix, key id, base64url, length)
//      kDataLoss            authentication failed: the mask was altered, or belongs to another
//                           domain
//    Base64url is decoded strictly (no padding, no non-zero trailing bits), so changing any single
//    character of a mask makes Unmask fail.
//  - Performance: per domain, one context keyed at construction with the domain's associated data
//    already absorbed; each value copies it (EVP_CIPHER_CTX_copy) into a working context instead
//    of deriving or scheduling keys again, so the cost per value does not depend on how many
//    domains there are. (OpenSSL's SIV allows one encryption per initialisation and
//    re-initialising without the key does not reset it, so a copy is the cheap path.) No
//    allocation by sqs2pg per value once warmed up; OpenSSL's context copy allocates internally.
//  - Thread-safety: NOT thread-safe (the working context and scratch buffer are reused). Give each
//    thread its own copy; copies are independent. A moved-from AesSivMasker may only be destroyed
//    or assigned to.
//  - Ownership/secrets: the master key is read by the constructor and not retained; the derived
//    domain keys are cleansed right after keying the contexts and live on only inside OpenSSL's
//    contexts, which OpenSSL cleanses when they are freed. Unmask's result is the caller's.
//  - Errors at mask time: none. Failure of OpenSSL itself (no AES-256-SIV or HKDF in the default
//    provider, out of memory), a value longer than kMaxValueBytes, or a domain index out of range
//    aborts with a message that names neither key nor value.
#pragma once

#include <array>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "transform/mask_scheme.h"

struct evp_cipher_ctx_st;  // EVP_CIPHER_CTX, kept out of the header

namespace sqs2pg::transform {

class AesSivMasker {
 public:
  static constexpr size_t kTagBytes = 16;
  static constexpr size_t kMaxValueBytes = size_t{1} << 30;  // OpenSSL's update takes an int

  // Keys one context pair per domain, in the order given; domain indexes are positions in
  // `domains`.
  AesSivMasker(std::string_view master_key, std::vector<std::string> domains);
  // The login domains (kLoginMaskDomains): MaskField::kIp is domain 0, kDeviceId domain 1.
  explicit AesSivMasker(std::string_view master_key);
  AesSivMasker(const AesSivMasker& other);
  AesSivMasker& operator=(const AesSivMasker& other);
  AesSivMasker(AesSivMasker&& other) noexcept;
  AesSivMasker& operator=(AesSivMasker&& other) noexcept;
  ~AesSivMasker();

  // Characters in the mask of an n-byte value (see above).
  static constexpr size_t MaskedSize(size_t value_bytes) {
    return 12 + (4 * (kTagBytes + value_bytes) + 2) / 3;
  }
  // The shortest mask there is: that of the empty value.
  static constexpr size_t MinMaskedSize() { return MaskedSize(0); }
  // The longest value (in bytes) whose mask fits in max_chars characters (0 if none does).
  static constexpr size_t MaxValueBytes(size_t max_chars) {
    if (max_chars < MaskedSize(0)) return 0;
    return (max_chars - 12) * 3 / 4 - kTagBytes;
  }

  // MaskKeyId of the master key; every mask carries it.
  const std::string& key_id() const { return key_id_; }

  size_t domain_count() const { return domains_.size(); }
  const std::string& domain(size_t i) const { return DomainAt(i).name; }  // aborts if none

  std::string Mask(size_t domain, std::string_view value);
  // Replaces *out with the mask of value, reusing its capacity.
  void MaskInto(size_t domain, std::string_view value, std::string* out);
  // The original value of a mask made by Mask(domain, ...) under the same master key and domain.
  Result<std::string> Unmask(size_t domain, std::string_view masked);

  // The login fields (see above).
  std::string Mask(MaskField field, std::string_view value) {
    return Mask(LoginDomain(field), value);
  }
  void MaskInto(MaskField field, std::string_view value, std::string* out) {
    MaskInto(LoginDomain(field), value, out);
  }
  Result<std::string> Unmask(MaskField field, std::string_view masked) {
    return Unmask(LoginDomain(field), masked);
  }

 private:
  struct CipherCtxFree {
    void operator()(evp_cipher_ctx_st* ctx) const;
  };
  using CipherCtx = std::unique_ptr<evp_cipher_ctx_st, CipherCtxFree>;
  struct Domain {
    std::string name;
    CipherCtx encrypt;  // keyed, the domain's associated data absorbed
    CipherCtx decrypt;  // keyed, the domain's associated data absorbed
    std::array<unsigned char, kTagBytes> empty_tag = {};
  };

  // The domain index of a login field; aborts unless this masker has the login domains.
  size_t LoginDomain(MaskField field) const;
  // The domain at index i; aborts if there is none (out of range, or a moved-from masker).
  const Domain& DomainAt(size_t i) const;

  std::string key_id_;
  std::vector<Domain> domains_;
  bool login_domains_ = false;  // domains_ begins with kLoginMaskDomains
  CipherCtx work_;              // per-value copy of one of the domains' contexts
  std::string scratch_;         // tag || ciphertext of the value in hand
};

namespace aes_siv_internal {

// RFC 5297 S2V over AES-CMAC: the synthetic IV of `plaintext` with associated data `ad`, as
// AES-SIV computes it. mac_key is the first half of an AES-SIV key: 16, 24 or 32 bytes for
// AES-128/192/256-SIV. Exposed for the empty plaintext (see above) and for tests against RFC 5297's
// vectors and OpenSSL. Aborts on a bad key length or an OpenSSL failure.
std::array<unsigned char, 16> S2v(std::string_view mac_key,
                                  std::initializer_list<std::string_view> ad,
                                  std::string_view plaintext);

// RFC 4648 section 5 (URL and filename safe) base64 without padding, and its strict inverse:
// false for a character outside the alphabet, '=', a length of 1 mod 4, or non-zero trailing bits.
void Base64UrlEncode(std::string_view bytes, char* out);  // writes (4 * size + 2) / 3 chars
bool Base64UrlDecode(std::string_view text, std::string* out);

}  // namespace aes_siv_internal

}  // namespace sqs2pg::transform
