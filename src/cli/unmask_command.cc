#include <openssl/crypto.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "cli/commands.h"

namespace sqs2pg::cli {

int UnmaskCommand(const Settings& settings, const MaskDomainArgs& domain_args,
                  const std::vector<std::string>& masks) {
  Result<std::string> domain = ResolveMaskDomain(domain_args);
  if (!domain.ok()) {
    spdlog::error("unmask: {}", domain.status().message());
    return 2;
  }
  // Unmasking reads the scheme from each mask ("s1." is aes-siv), whatever --mask says, and the
  // key from the key id each mask carries.
  Result<transform::AesSivKeyRing> unmasker =
      LoadAesSivKeyRing(settings, std::vector<std::string>{std::move(*domain)});
  if (!unmasker.ok()) {
    spdlog::error("{}", unmasker.status().message());
    return MaskKeyExitCode(unmasker.status());
  }

  // Decrypt everything first: a wrong key or one altered mask must not leave a partial answer.
  std::vector<std::string> originals;
  originals.reserve(masks.size());
  int failures = 0;
  for (size_t i = 0; i < masks.size(); ++i) {
    Result<std::string> original = unmasker->Unmask(0, masks[i]);
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
