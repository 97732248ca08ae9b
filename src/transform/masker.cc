#include "transform/masker.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <cstdio>
#include <cstdlib>
#include <utility>

namespace sqs2pg::transform {
namespace {

constexpr std::string_view kLabelPrefix = "sqs2pg:v1:";
constexpr size_t kSha256Bytes = 32;

[[noreturn]] void Die(const char* what) {
  // Only OpenSSL's own failure lands here; nothing about keys or values is printed.
  std::fprintf(stderr, "sqs2pg: fatal OpenSSL error in Masker: %s (%lu)\n", what,
               ERR_peek_last_error());
  std::abort();
}

// One fetch per process: EVP_MAC_fetch takes a lock and walks the provider store.
EVP_MAC* HmacAlgorithm() {
  static EVP_MAC* mac = [] {
    EVP_MAC* m = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    if (m == nullptr) Die("EVP_MAC_fetch(HMAC)");
    return m;
  }();
  return mac;
}

// Creates an HMAC-SHA256 context keyed with `key`.
EVP_MAC_CTX* NewKeyedContext(const unsigned char* key, size_t key_len) {
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(HmacAlgorithm());
  if (ctx == nullptr) Die("EVP_MAC_CTX_new");
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_end(),
  };
  // A zero-length key still needs a non-null pointer, or OpenSSL reports "no key set".
  static const unsigned char kEmpty = 0;
  if (EVP_MAC_init(ctx, key_len == 0 ? &kEmpty : key, key_len, params) != 1) Die("EVP_MAC_init");
  return ctx;
}

void MacInto(EVP_MAC_CTX* ctx, std::string_view data, unsigned char out[kSha256Bytes]) {
  size_t out_len = 0;
  // NULL key: restart with the key schedule already held by ctx (the cheap path).
  if (EVP_MAC_init(ctx, nullptr, 0, nullptr) != 1 ||
      EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1 ||
      EVP_MAC_final(ctx, out, &out_len, kSha256Bytes) != 1 || out_len != kSha256Bytes) {
    Die("HMAC-SHA256");
  }
}

EVP_MAC_CTX* Dup(EVP_MAC_CTX* ctx) {
  if (ctx == nullptr) return nullptr;
  EVP_MAC_CTX* copy = EVP_MAC_CTX_dup(ctx);
  if (copy == nullptr) Die("EVP_MAC_CTX_dup");
  return copy;
}

}  // namespace

void Masker::MacCtxFree::operator()(evp_mac_ctx_st* ctx) const {
  EVP_MAC_CTX_free(ctx);  // OpenSSL cleanses the key schedule
}

Masker::Masker(MaskScheme scheme, std::string_view master_key, std::vector<std::string> domains)
    : scheme_(scheme), key_id_(MaskKeyId(master_key)), domains_(std::move(domains)) {
  login_domains_ = domains_.size() >= kLoginMaskDomains.size();
  for (size_t i = 0; login_domains_ && i < kLoginMaskDomains.size(); ++i) {
    login_domains_ = domains_[i] == kLoginMaskDomains[i];
  }
  if (scheme == MaskScheme::kAesSiv) {
    siv_.emplace(master_key, domains_);
    return;
  }
  MacCtx master(NewKeyedContext(reinterpret_cast<const unsigned char*>(master_key.data()),
                                master_key.size()));
  ctx_.reserve(domains_.size());
  for (const std::string& domain : domains_) {
    std::string label(kLabelPrefix);
    label += domain;
    unsigned char domain_key[kSha256Bytes];
    MacInto(master.get(), label, domain_key);
    ctx_.emplace_back(NewKeyedContext(domain_key, sizeof(domain_key)));
    OPENSSL_cleanse(domain_key, sizeof(domain_key));
  }
  // `master` goes out of scope here: freed, and its key schedule cleansed by OpenSSL.
}

Masker::Masker(MaskScheme scheme, std::string_view master_key)
    : Masker(scheme, master_key,
             std::vector<std::string>(kLoginMaskDomains.begin(), kLoginMaskDomains.end())) {}

Masker::Masker(std::string_view master_key) : Masker(MaskScheme::kHmacSha256, master_key) {}

Masker::Masker(const Masker& other)
    : scheme_(other.scheme_),
      key_id_(other.key_id_),
      domains_(other.domains_),
      login_domains_(other.login_domains_),
      siv_(other.siv_) {
  ctx_.reserve(other.ctx_.size());
  for (const MacCtx& ctx : other.ctx_) ctx_.emplace_back(Dup(ctx.get()));
}

Masker& Masker::operator=(const Masker& other) {
  if (this != &other) {
    Masker copy(other);
    *this = std::move(copy);
  }
  return *this;
}

Masker::Masker(Masker&& other) noexcept { *this = std::move(other); }

Masker& Masker::operator=(Masker&& other) noexcept {
  std::swap(scheme_, other.scheme_);
  std::swap(key_id_, other.key_id_);
  std::swap(domains_, other.domains_);
  std::swap(login_domains_, other.login_domains_);
  std::swap(ctx_, other.ctx_);
  std::swap(siv_, other.siv_);
  return *this;
}

Masker::~Masker() = default;

const std::string& Masker::domain(size_t i) const {
  if (i >= domains_.size()) Die("mask domain index out of range (or a moved-from Masker)");
  return domains_[i];
}

size_t Masker::LoginDomain(MaskField field) const {
  if (!login_domains_) Die("a MaskField used on a Masker without the login domains");
  return static_cast<size_t>(field);
}

std::string Masker::Mask(size_t domain, std::string_view value) {
  std::string out;
  MaskInto(domain, value, &out);
  return out;
}

void Masker::MaskInto(size_t domain, std::string_view value, std::string* out) {
  if (siv_) {
    siv_->MaskInto(domain, value, out);
    return;
  }
  out->resize(kMaskedHexChars);
  MaskInto(domain, value, out->data());
}

void Masker::MaskInto(size_t domain, std::string_view value, char out_hex[64]) {
  static constexpr char kHex[] = "0123456789abcdef";
  if (siv_) Die("the 64-character MaskInto is for hmac-sha256 only");
  if (domain >= ctx_.size()) Die("mask domain index out of range (or a moved-from Masker)");
  unsigned char digest[kSha256Bytes];
  MacInto(ctx_[domain].get(), value, digest);
  for (size_t i = 0; i < kSha256Bytes; ++i) {
    out_hex[2 * i] = kHex[digest[i] >> 4];
    out_hex[2 * i + 1] = kHex[digest[i] & 0xF];
  }
}

}  // namespace sqs2pg::transform
