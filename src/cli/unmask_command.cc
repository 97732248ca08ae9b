#include <openssl/crypto.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <optional>

#include "cli/commands.h"
#include "transform/aes_siv_masker.h"

namespace sqs2pg::cli {

int UnmaskCommand(const Settings& settings, const std::string& field,
                  const std::vector<std::string>& masks) {
  std::optional<transform::MaskField> mask_field = transform::ParseMaskField(field);
  if (!mask_field) {
    spdlog::error("unmask: --field must be ip or device_id");
    return 2;
  }
  Result<std::string> key = LoadMaskKey(settings);
  if (!key.ok()) {
    spdlog::error("{}", key.status().message());
    return 2;
  }
  // Unmasking reads the scheme from each mask ("s1." is aes-siv), whatever --mask says.
  transform::AesSivMasker unmasker(*key);
  OPENSSL_cleanse(key->data(), key->size());

  // Decrypt everything first: a wrong key or one altered mask must not leave a partial answer.
  std::vector<std::string> originals;
  originals.reserve(masks.size());
  int failures = 0;
  for (size_t i = 0; i < masks.size(); ++i) {
    Result<std::string> original = unmasker.Unmask(*mask_field, masks[i]);
    if (!original.ok()) {
      // The position, never the mask or anything decrypted from it.
      spdlog::error("unmask: value {} of {}: {}", i + 1, masks.size(), original.status().message());
      ++failures;
      continue;
    }
    originals.push_back(std::move(*original));
  }
  const auto wipe = [&originals] {
    for (std::string& s : originals) OPENSSL_cleanse(s.data(), s.size());
  };
  if (failures > 0) {
    wipe();
    spdlog::error("unmask: {} of {} value(s) failed; nothing printed", failures, masks.size());
    return 1;
  }
  for (const std::string& original : originals) {
    std::fwrite(original.data(), 1, original.size(), stdout);
    std::fputc('\n', stdout);
  }
  wipe();
  if (std::fflush(stdout) != 0) {
    spdlog::error("unmask: could not write to stdout");
    return 1;
  }
  return 0;
}

}  // namespace sqs2pg::cli
