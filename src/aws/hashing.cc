#include "aws/hashing.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cstdlib>
#include <cstring>

namespace sqs2pg::aws {
namespace {

// Fetched once: OpenSSL 3 looks an algorithm up in its provider tables on every call that names
// it implicitly (EVP_sha256() into EVP_Digest, HMAC()), which cost more than hashing a short
// SigV4 string. A fetched EVP_MD is immutable and may be shared by every thread.
const EVP_MD* FetchOnce(const char* name) {
  EVP_MD* md = EVP_MD_fetch(nullptr, name, nullptr);
  if (md == nullptr) std::abort();  // see the contract in hashing.h
  return md;
}

const EVP_MD* Sha256() {
  static const EVP_MD* const md = FetchOnce("SHA256");
  return md;
}

const EVP_MD* Md5() {
  static const EVP_MD* const md = FetchOnce("MD5");
  return md;
}

// One digest context per thread, reset for each use (EVP_DigestInit_ex on a live context reuses
// its allocations).
EVP_MD_CTX* ThreadContext() {
  struct Holder {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    ~Holder() { EVP_MD_CTX_free(ctx); }
  };
  thread_local Holder holder;
  if (holder.ctx == nullptr) std::abort();
  return holder.ctx;
}

void DigestParts(const EVP_MD* md, std::string_view first, std::string_view second,
                 unsigned char* out) {
  EVP_MD_CTX* ctx = ThreadContext();
  unsigned int len = 0;
  if (EVP_DigestInit_ex(ctx, md, nullptr) != 1 ||
      EVP_DigestUpdate(ctx, first.data(), first.size()) != 1 ||
      EVP_DigestUpdate(ctx, second.data(), second.size()) != 1 ||
      EVP_DigestFinal_ex(ctx, out, &len) != 1) {
    std::abort();  // see the contract in hashing.h
  }
}

}  // namespace

std::string HexEncode(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(bytes.size() * 2, '\0');
  for (size_t i = 0; i < bytes.size(); ++i) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    out[2 * i] = kDigits[c >> 4];
    out[2 * i + 1] = kDigits[c & 0xF];
  }
  return out;
}

std::string Sha256Hex(std::string_view data) {
  unsigned char out[32];
  DigestParts(Sha256(), data, {}, out);
  return HexEncode(std::string_view(reinterpret_cast<const char*>(out), sizeof(out)));
}

std::string Md5Hex(std::string_view data) {
  unsigned char out[16];
  DigestParts(Md5(), data, {}, out);
  return HexEncode(std::string_view(reinterpret_cast<const char*>(out), sizeof(out)));
}

// HMAC (RFC 2104) over SHA-256 with the fetched digest: H((K ^ opad) || H((K ^ ipad) || m)), the
// key first hashed when longer than the 64-byte block. Checked against RFC 4231's vectors and
// AWS's published signatures (hashing_test.cc, sigv4_test.cc).
std::string HmacSha256(std::string_view key, std::string_view data) {
  constexpr size_t kBlock = 64;
  unsigned char block_key[kBlock] = {};
  if (key.size() > kBlock) {
    DigestParts(Sha256(), key, {}, block_key);
  } else {
    std::memcpy(block_key, key.data(), key.size());
  }
  unsigned char pad[kBlock];
  for (size_t i = 0; i < kBlock; ++i) pad[i] = block_key[i] ^ 0x36;
  unsigned char inner[32];
  DigestParts(Sha256(), std::string_view(reinterpret_cast<const char*>(pad), kBlock), data, inner);
  for (size_t i = 0; i < kBlock; ++i) pad[i] = block_key[i] ^ 0x5c;
  unsigned char outer[32];
  DigestParts(Sha256(), std::string_view(reinterpret_cast<const char*>(pad), kBlock),
              std::string_view(reinterpret_cast<const char*>(inner), sizeof(inner)), outer);
  OPENSSL_cleanse(block_key, sizeof(block_key));
  OPENSSL_cleanse(pad, sizeof(pad));
  return std::string(reinterpret_cast<const char*>(outer), sizeof(outer));
}

}  // namespace sqs2pg::aws
