#include <openssl/crypto.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <utility>
#include <vector>

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

Result<std::string> ResolveMaskDomain(const MaskDomainArgs& args) {
  if (args.field && args.domain) {
    return InvalidArgumentError("give --field or --domain, not both");
  }
  if (args.field) {
    if (!transform::ParseMaskField(*args.field)) {
      return InvalidArgumentError(
          "--field must be ip or device_id (for any other mask domain, use --domain)");
    }
    return *args.field;  // the login fields are the domains of the same names
  }
  if (args.domain) {
    if (args.domain->empty()) return InvalidArgumentError("--domain must not be empty");
    for (unsigned char c : *args.domain) {
      if (c < 0x20 || c == 0x7f) {
        return InvalidArgumentError("--domain must not contain control characters");
      }
    }
    return *args.domain;
  }
  return InvalidArgumentError("--field ip|device_id or --domain DOMAIN is required");
}

int MaskCommand(const Settings& settings, const MaskDomainArgs& domain_args,
                const std::vector<std::string>& values) {
  Result<std::string> domain = ResolveMaskDomain(domain_args);
  if (!domain.ok()) {
    spdlog::error("mask: {}", domain.status().message());
    return 2;
  }
  Result<std::string> key = LoadMaskKey(settings);
  if (!key.ok()) {
    spdlog::error("{}", key.status().message());
    return MaskKeyExitCode(key.status());
  }
  transform::Masker masker(MaskSchemeSetting(settings), *key, {std::move(*domain)});
  OPENSSL_cleanse(key->data(), key->size());
  std::string masked;
  for (const std::string& value : values) {
    masker.MaskInto(0, value, &masked);
    std::printf("%s\n", masked.c_str());
  }
  return 0;
}

}  // namespace sqs2pg::cli
