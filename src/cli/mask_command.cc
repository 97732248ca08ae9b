#include <openssl/crypto.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstdlib>
#include <optional>

#include "cli/commands.h"
#include "transform/masker.h"

namespace sqs2pg::cli {

transform::MaskScheme MaskSchemeSetting(const Settings& settings) {
  std::optional<transform::MaskScheme> scheme = transform::ParseMaskScheme(settings.mask);
  if (!scheme) {
    std::fprintf(stderr, "sqs2pg: internal error: --mask was not validated\n");
    std::abort();
  }
  return *scheme;
}

int MaskCommand(const Settings& settings, const std::string& field,
                const std::vector<std::string>& values) {
  std::optional<transform::MaskField> mask_field = transform::ParseMaskField(field);
  if (!mask_field) {
    spdlog::error("mask: --field must be ip or device_id");
    return 2;
  }
  Result<std::string> key = LoadMaskKey(settings);
  if (!key.ok()) {
    spdlog::error("{}", key.status().message());
    return 2;
  }
  transform::Masker masker(MaskSchemeSetting(settings), *key);
  OPENSSL_cleanse(key->data(), key->size());
  std::string masked;
  for (const std::string& value : values) {
    masker.MaskInto(*mask_field, value, &masked);
    std::printf("%s\n", masked.c_str());
  }
  return 0;
}

}  // namespace sqs2pg::cli
