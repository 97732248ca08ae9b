#include "transform/aes_siv_masker.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>

namespace sqs2pg::transform {
namespace {

constexpr std::string_view kFormatPrefix = "s1.";
constexpr std::string_view kHkdfInfoPrefix = "sqs2pg aes-siv v1 ";
constexpr size_t kSivKeyBytes = 64;  // AES-256-SIV: 256-bit CMAC key || 256-bit CTR key
constexpr size_t kBlock = 16;
constexpr size_t kTag = AesSivMasker::kTagBytes;

[[noreturn]] void Die(const char* what) {
  // Only OpenSSL's own failure or a programming error lands here; no key or value is printed.
  std::fprintf(stderr, "sqs2pg: fatal error in AesSivMasker: %s (OpenSSL %lu)\n", what,
               ERR_peek_last_error());
  std::abort();
}

const unsigned char* Bytes(std::string_view s) {
  static const unsigned char kEmpty = 0;
  return s.empty() ? &kEmpty : reinterpret_cast<const unsigned char*>(s.data());
}

// One fetch per process: fetching takes a lock and walks the provider store.
EVP_CIPHER* SivCipher() {
  static EVP_CIPHER* cipher = [] {
    EVP_CIPHER* c = EVP_CIPHER_fetch(nullptr, "AES-256-SIV", nullptr);
    if (c == nullptr) Die("EVP_CIPHER_fetch(AES-256-SIV)");
    if (EVP_CIPHER_get_key_length(c) != static_cast<int>(kSivKeyBytes)) Die("AES-256-SIV key size");
    return c;
  }();
  return cipher;
}

// domain_key = HKDF-SHA256(IKM = master, no salt, info = "sqs2pg aes-siv v1 " + domain), 64 bytes.
void DeriveDomainKey(std::string_view master, std::string_view domain,
                     unsigned char out[kSivKeyBytes]) {
  EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
  if (kdf == nullptr) Die("EVP_KDF_fetch(HKDF)");
  EVP_KDF_CTX* ctx = EVP_KDF_CTX_new(kdf);
  EVP_KDF_free(kdf);
  if (ctx == nullptr) Die("EVP_KDF_CTX_new");
  std::string info(kHkdfInfoPrefix);
  info += domain;
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
                                        const_cast<unsigned char*>(Bytes(master)), master.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info.data(), info.size()),
      OSSL_PARAM_construct_end(),
  };
  if (EVP_KDF_derive(ctx, out, kSivKeyBytes, params) != 1) Die("HKDF-SHA256");
  EVP_KDF_CTX_free(ctx);  // OpenSSL cleanses the HKDF state
}

// A context keyed with `key` for encryption or decryption, with the domain's associated data
// already absorbed into S2V.
EVP_CIPHER_CTX* NewDomainContext(const unsigned char key[kSivKeyBytes], std::string_view ad,
                                 bool encrypt) {
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  if (ctx == nullptr) Die("EVP_CIPHER_CTX_new");
  int len = 0;
  const int ok = encrypt ? EVP_EncryptInit_ex2(ctx, SivCipher(), key, nullptr, nullptr)
                         : EVP_DecryptInit_ex2(ctx, SivCipher(), key, nullptr, nullptr);
  if (ok != 1) Die("AES-256-SIV init");
  const int ad_ok =
      encrypt ? EVP_EncryptUpdate(ctx, nullptr, &len, Bytes(ad), static_cast<int>(ad.size()))
              : EVP_DecryptUpdate(ctx, nullptr, &len, Bytes(ad), static_cast<int>(ad.size()));
  if (ad_ok != 1) Die("AES-256-SIV associated data");
  return ctx;
}

EVP_CIPHER_CTX* Dup(const EVP_CIPHER_CTX* ctx) {
  if (ctx == nullptr) return nullptr;
  EVP_CIPHER_CTX* copy = EVP_CIPHER_CTX_new();
  if (copy == nullptr || EVP_CIPHER_CTX_copy(copy, ctx) != 1) Die("EVP_CIPHER_CTX_copy");
  return copy;
}

EVP_CIPHER_CTX* NewWorkContext() {
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  if (ctx == nullptr) Die("EVP_CIPHER_CTX_new");
  return ctx;
}

// --- RFC 5297 S2V ---------------------------------------------------------------------------

using Block = std::array<unsigned char, kBlock>;

// dbl(): multiplication by x in GF(2^128), RFC 5297 section 2.3.
void Dbl(Block& b) {
  const unsigned char carry = b[0] >> 7;
  for (size_t i = 0; i + 1 < kBlock; ++i)
    b[i] = static_cast<unsigned char>(b[i] << 1 | b[i + 1] >> 7);
  b[kBlock - 1] = static_cast<unsigned char>(b[kBlock - 1] << 1);
  if (carry) b[kBlock - 1] ^= 0x87;
}

class Cmac {
 public:
  explicit Cmac(std::string_view key) {
    const char* cbc = key.size() == 16   ? "AES-128-CBC"
                      : key.size() == 24 ? "AES-192-CBC"
                      : key.size() == 32 ? "AES-256-CBC"
                                         : nullptr;
    if (cbc == nullptr) Die("S2V key length");
    EVP_MAC* mac = EVP_MAC_fetch(nullptr, "CMAC", nullptr);
    if (mac == nullptr) Die("EVP_MAC_fetch(CMAC)");
    ctx_ = EVP_MAC_CTX_new(mac);
    EVP_MAC_free(mac);
    if (ctx_ == nullptr) Die("EVP_MAC_CTX_new");
    char cipher[16];
    std::snprintf(cipher, sizeof(cipher), "%s", cbc);
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER, cipher, 0),
        OSSL_PARAM_construct_end(),
    };
    if (EVP_MAC_init(ctx_, Bytes(key), key.size(), params) != 1) Die("CMAC init");
  }
  ~Cmac() { EVP_MAC_CTX_free(ctx_); }
  Cmac(const Cmac&) = delete;
  Cmac& operator=(const Cmac&) = delete;

  Block Of(const unsigned char* data, size_t size) {
    Block out{};
    size_t len = 0;
    if (EVP_MAC_init(ctx_, nullptr, 0, nullptr) != 1 ||
        (size > 0 && EVP_MAC_update(ctx_, data, size) != 1) ||
        EVP_MAC_final(ctx_, out.data(), &len, out.size()) != 1 || len != kBlock) {
      Die("CMAC");
    }
    return out;
  }

 private:
  EVP_MAC_CTX* ctx_ = nullptr;
};

// --- base64url ----------------------------------------------------------------------------------

constexpr char kBase64Url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int Base64UrlValue(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

bool IsLowerHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

}  // namespace

namespace aes_siv_internal {

std::array<unsigned char, 16> S2v(std::string_view mac_key,
                                  std::initializer_list<std::string_view> ad,
                                  std::string_view plaintext) {
  Cmac cmac(mac_key);
  static const unsigned char kZero[kBlock] = {};
  Block d = cmac.Of(kZero, kBlock);
  for (std::string_view s : ad) {
    Dbl(d);
    const Block m = cmac.Of(Bytes(s), s.size());
    for (size_t i = 0; i < kBlock; ++i) d[i] ^= m[i];
  }
  Block v;
  if (plaintext.size() >= kBlock) {
    // T = Sn xorend D: xor D into the last 16 bytes.
    std::string t(plaintext);
    for (size_t i = 0; i < kBlock; ++i) t[t.size() - kBlock + i] ^= static_cast<char>(d[i]);
    v = cmac.Of(Bytes(t), t.size());
    OPENSSL_cleanse(t.data(), t.size());
  } else {
    // T = dbl(D) xor pad(Sn), pad = Sn || 0x80 || zeros.
    Dbl(d);
    Block t = d;
    for (size_t i = 0; i < plaintext.size(); ++i) t[i] ^= static_cast<unsigned char>(plaintext[i]);
    t[plaintext.size()] ^= 0x80;
    v = cmac.Of(t.data(), t.size());
    OPENSSL_cleanse(t.data(), t.size());
  }
  OPENSSL_cleanse(d.data(), d.size());
  return v;
}

void Base64UrlEncode(std::string_view bytes, char* out) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  size_t n = bytes.size();
  size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    const uint32_t v = uint32_t{p[i]} << 16 | uint32_t{p[i + 1]} << 8 | p[i + 2];
    *out++ = kBase64Url[v >> 18];
    *out++ = kBase64Url[(v >> 12) & 63];
    *out++ = kBase64Url[(v >> 6) & 63];
    *out++ = kBase64Url[v & 63];
  }
  if (n - i == 1) {
    const uint32_t v = uint32_t{p[i]} << 16;
    *out++ = kBase64Url[v >> 18];
    *out++ = kBase64Url[(v >> 12) & 63];
  } else if (n - i == 2) {
    const uint32_t v = uint32_t{p[i]} << 16 | uint32_t{p[i + 1]} << 8;
    *out++ = kBase64Url[v >> 18];
    *out++ = kBase64Url[(v >> 12) & 63];
    *out++ = kBase64Url[(v >> 6) & 63];
  }
}

bool Base64UrlDecode(std::string_view text, std::string* out) {
  out->clear();
  if (text.size() % 4 == 1) return false;
  out->reserve(text.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    const int v = Base64UrlValue(c);
    if (v < 0) return false;
    acc = (acc << 6 | static_cast<uint32_t>(v)) & 0xFFFFFF;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out->push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  // Canonical only: the bits left over from the last character must be zero, or two texts would
  // decode to the same bytes (and changing the last character would go unnoticed).
  return bits == 0 || (acc & ((1u << bits) - 1)) == 0;
}

}  // namespace aes_siv_internal

void AesSivMasker::CipherCtxFree::operator()(evp_cipher_ctx_st* ctx) const {
  EVP_CIPHER_CTX_free(ctx);  // OpenSSL cleanses the key schedule
}

AesSivMasker::AesSivMasker(std::string_view master_key, std::vector<std::string> domains)
    : key_id_(MaskKeyId(master_key)) {
  domains_.reserve(domains.size());
  for (std::string& name : domains) {
    unsigned char key[kSivKeyBytes];
    DeriveDomainKey(master_key, name, key);
    Domain d;
    d.encrypt.reset(NewDomainContext(key, name, /*encrypt=*/true));
    d.decrypt.reset(NewDomainContext(key, name, /*encrypt=*/false));
    // The first half of an AES-SIV key keys S2V (RFC 5297 section 2.6).
    d.empty_tag = aes_siv_internal::S2v(
        std::string_view(reinterpret_cast<const char*>(key), kSivKeyBytes / 2), {name}, "");
    OPENSSL_cleanse(key, sizeof(key));
    d.name = std::move(name);
    domains_.push_back(std::move(d));
  }
  login_domains_ = domains_.size() >= kLoginMaskDomains.size();
  for (size_t i = 0; login_domains_ && i < kLoginMaskDomains.size(); ++i) {
    login_domains_ = domains_[i].name == kLoginMaskDomains[i];
  }
  work_.reset(NewWorkContext());
}

AesSivMasker::AesSivMasker(std::string_view master_key)
    : AesSivMasker(master_key,
                   std::vector<std::string>(kLoginMaskDomains.begin(), kLoginMaskDomains.end())) {}

AesSivMasker::AesSivMasker(const AesSivMasker& other)
    : key_id_(other.key_id_), login_domains_(other.login_domains_) {
  domains_.reserve(other.domains_.size());
  for (const Domain& o : other.domains_) {
    Domain d;
    d.name = o.name;
    d.encrypt.reset(Dup(o.encrypt.get()));
    d.decrypt.reset(Dup(o.decrypt.get()));
    d.empty_tag = o.empty_tag;
    domains_.push_back(std::move(d));
  }
  if (other.work_ != nullptr) work_.reset(NewWorkContext());
}

AesSivMasker& AesSivMasker::operator=(const AesSivMasker& other) {
  if (this != &other) {
    AesSivMasker copy(other);
    *this = std::move(copy);
  }
  return *this;
}

AesSivMasker::AesSivMasker(AesSivMasker&& other) noexcept { *this = std::move(other); }

// Swaps, so that whatever this held (its scratch buffer included) is cleansed when `other` goes.
AesSivMasker& AesSivMasker::operator=(AesSivMasker&& other) noexcept {
  std::swap(key_id_, other.key_id_);
  std::swap(domains_, other.domains_);
  std::swap(login_domains_, other.login_domains_);
  std::swap(work_, other.work_);
  std::swap(scratch_, other.scratch_);
  return *this;
}

AesSivMasker::~AesSivMasker() {
  if (!scratch_.empty()) OPENSSL_cleanse(scratch_.data(), scratch_.size());
}

size_t AesSivMasker::LoginDomain(MaskField field) const {
  if (!login_domains_) Die("a MaskField used on an AesSivMasker without the login domains");
  return static_cast<size_t>(field);
}

const AesSivMasker::Domain& AesSivMasker::DomainAt(size_t i) const {
  if (work_ == nullptr) Die("use of a moved-from AesSivMasker");
  if (i >= domains_.size()) Die("mask domain index out of range");
  return domains_[i];
}

std::string AesSivMasker::Mask(size_t domain, std::string_view value) {
  std::string out;
  MaskInto(domain, value, &out);
  return out;
}

void AesSivMasker::MaskInto(size_t domain, std::string_view value, std::string* out) {
  const Domain& d = DomainAt(domain);
  if (value.size() > kMaxValueBytes) Die("value longer than AesSivMasker::kMaxValueBytes");
  const size_t n = value.size();
  scratch_.resize(kTag + n);
  auto* payload = reinterpret_cast<unsigned char*>(scratch_.data());
  if (n == 0) {
    std::memcpy(payload, d.empty_tag.data(), kTag);
  } else {
    int len = 0;
    int final_len = 0;
    unsigned char tail[kBlock];  // SIV's final step writes nothing
    EVP_CIPHER_CTX* work = work_.get();
    if (EVP_CIPHER_CTX_copy(work, d.encrypt.get()) != 1 ||
        EVP_EncryptUpdate(work, payload + kTag, &len, Bytes(value), static_cast<int>(n)) != 1 ||
        static_cast<size_t>(len) != n || EVP_EncryptFinal_ex(work, tail, &final_len) != 1 ||
        final_len != 0 ||
        EVP_CIPHER_CTX_ctrl(work, EVP_CTRL_AEAD_GET_TAG, static_cast<int>(kTag), payload) != 1) {
      Die("AES-256-SIV encryption");
    }
  }
  out->resize(MaskedSize(n));
  char* p = out->data();
  std::memcpy(p, kFormatPrefix.data(), kFormatPrefix.size());
  p += kFormatPrefix.size();
  std::memcpy(p, key_id_.data(), key_id_.size());
  p += key_id_.size();
  *p++ = '.';
  aes_siv_internal::Base64UrlEncode(scratch_, p);
}

Result<std::string> AesSivMasker::Unmask(size_t domain, std::string_view masked) {
  const Domain& d = DomainAt(domain);
  if (DetectMaskScheme(masked) == MaskScheme::kHmacSha256) {
    return FailedPreconditionError(
        "this is an hmac-sha256 mask: HMAC masks are one-way and cannot be unmasked (only aes-siv "
        "masks, which start with \"s1.\", can)");
  }
  const size_t id_end = kFormatPrefix.size() + kMaskKeyIdChars;
  if (!masked.starts_with(kFormatPrefix) || masked.size() <= id_end || masked[id_end] != '.') {
    return InvalidArgumentError("not an aes-siv mask (expected s1.<key id>.<base64url data>)");
  }
  const std::string_view id = masked.substr(kFormatPrefix.size(), kMaskKeyIdChars);
  for (char c : id) {
    if (!IsLowerHex(c)) {
      return InvalidArgumentError("not an aes-siv mask: the key id is not 8 lowercase hex digits");
    }
  }
  if (id != key_id_) {
    return FailedPreconditionError("masked with the key whose id is " + std::string(id) +
                                   ", but the configured master key's id is " + key_id_ +
                                   " (wrong or rotated key)");
  }
  if (!aes_siv_internal::Base64UrlDecode(masked.substr(id_end + 1), &scratch_) ||
      scratch_.size() < kTag) {
    return InvalidArgumentError(
        "not an aes-siv mask: the data is not canonical base64url of at least 16 bytes");
  }
  const auto* payload = reinterpret_cast<const unsigned char*>(scratch_.data());
  const size_t n = scratch_.size() - kTag;
  const Status auth_failed = DataLossError(
      "authentication failed: the mask was altered, or it is not a mask of domain " + d.name);
  if (n == 0) {
    if (CRYPTO_memcmp(payload, d.empty_tag.data(), kTag) != 0) return auth_failed;
    return std::string();
  }
  if (n > kMaxValueBytes) return auth_failed;  // no mask of ours is this long
  std::string value(n, '\0');
  auto* plain = reinterpret_cast<unsigned char*>(value.data());
  int len = 0;
  int final_len = 0;
  unsigned char tail[kBlock];  // SIV's final step writes nothing
  EVP_CIPHER_CTX* work = work_.get();
  if (EVP_CIPHER_CTX_copy(work, d.decrypt.get()) != 1 ||
      EVP_CIPHER_CTX_ctrl(work, EVP_CTRL_AEAD_SET_TAG, static_cast<int>(kTag),
                          const_cast<unsigned char*>(payload)) != 1) {
    Die("AES-256-SIV decryption setup");
  }
  const bool ok = EVP_DecryptUpdate(work, plain, &len, payload + kTag, static_cast<int>(n)) == 1 &&
                  static_cast<size_t>(len) == n &&
                  EVP_DecryptFinal_ex(work, tail, &final_len) == 1 && final_len == 0;
  ERR_clear_error();  // a failed authentication leaves nothing worth reporting on the queue
  if (!ok) {
    OPENSSL_cleanse(value.data(), value.size());
    return auth_failed;
  }
  return value;
}

}  // namespace sqs2pg::transform
