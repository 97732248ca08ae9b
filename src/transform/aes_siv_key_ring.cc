#include "transform/aes_siv_key_ring.h"

#include <openssl/crypto.h>

#include <cstdio>
#include <cstdlib>

namespace sqs2pg::transform {
namespace {

constexpr std::string_view kPrefix = "s1.";

}  // namespace

AesSivKeyRing::AesSivKeyRing(const std::vector<std::string_view>& master_keys,
                             const std::vector<std::string>& domains) {
  maskers_.reserve(master_keys.size());
  for (std::string_view key : master_keys) {
    maskers_.emplace_back(key, domains);
    for (size_t i = 0; i + 1 < maskers_.size(); ++i) {
      if (maskers_[i].key_id() == maskers_.back().key_id()) {
        std::fprintf(stderr, "sqs2pg: internal error: AesSivKeyRing given one key twice\n");
        std::abort();
      }
    }
  }
  if (maskers_.empty()) {
    std::fprintf(stderr, "sqs2pg: internal error: AesSivKeyRing given no key\n");
    std::abort();
  }
}

std::vector<std::string> AesSivKeyRing::key_ids() const {
  std::vector<std::string> ids;
  for (const AesSivMasker& m : maskers_) ids.push_back(m.key_id());
  return ids;
}

std::string_view AesSivKeyRing::KeyIdOf(std::string_view masked) {
  const size_t id_end = kPrefix.size() + kMaskKeyIdChars;
  if (!masked.starts_with(kPrefix) || masked.size() <= id_end || masked[id_end] != '.') return {};
  const std::string_view id = masked.substr(kPrefix.size(), kMaskKeyIdChars);
  for (char c : id) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return {};
  }
  return id;
}

Result<std::string> AesSivKeyRing::Unmask(size_t domain, std::string_view masked) {
  const std::string_view id = KeyIdOf(masked);
  for (AesSivMasker& masker : maskers_) {
    if (masker.key_id() == id) return masker.Unmask(domain, masked);
  }
  if (id.empty() || maskers_.size() == 1) return maskers_.front().Unmask(domain, masked);
  std::string ids;
  for (const AesSivMasker& m : maskers_) ids += (ids.empty() ? "" : ", ") + m.key_id();
  return FailedPreconditionError("masked with the key whose id is " + std::string(id) +
                                 ", which is none of the configured keys (ids " + ids + ")");
}

Result<std::string> AesSivKeyRing::Remask(size_t domain, std::string_view masked) {
  SQS2PG_ASSIGN_OR_RETURN(std::string value, Unmask(domain, masked));
  std::string remasked = maskers_.front().Mask(domain, value);
  OPENSSL_cleanse(value.data(), value.size());
  return remasked;
}

}  // namespace sqs2pg::transform
