#include "keys/key_uri.h"

#include <array>
#include <utility>

namespace sqs2pg::keys {
namespace {

constexpr std::string_view kForms =
    "file:PATH, env:VAR, aws-secretsmanager:NAME_OR_ARN[#STAGE], aws-ssm:NAME or aws-kms:PATH";

constexpr std::array<KeySourceKind, 5> kKinds = {KeySourceKind::kFile, KeySourceKind::kEnv,
                                                 KeySourceKind::kSecretsManager,
                                                 KeySourceKind::kSsm, KeySourceKind::kKms};

bool HasControl(std::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

bool SafeToName(std::string_view scheme) {
  if (scheme.empty() || scheme.size() > 32) return false;
  for (char c : scheme) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

bool IsVariableName(std::string_view name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
  for (char c : name) {
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
      return false;
    }
  }
  return true;
}

Status Invalid(std::string message) { return InvalidArgumentError("--mask-key: " + message); }

}  // namespace

std::string_view KeySourceScheme(KeySourceKind kind) {
  switch (kind) {
    case KeySourceKind::kFile:
      return "file";
    case KeySourceKind::kEnv:
      return "env";
    case KeySourceKind::kSecretsManager:
      return "aws-secretsmanager";
    case KeySourceKind::kSsm:
      return "aws-ssm";
    case KeySourceKind::kKms:
      return "aws-kms";
  }
  return "unknown";
}

std::string KeyUri::Describe() const {
  std::string out = std::string(KeySourceScheme(kind)) + " " + argument;
  if (!version_stage.empty()) out += "#" + version_stage;
  return out;
}

Result<KeyUri> ParseKeyUri(std::string_view text) {
  const size_t colon = text.find(':');
  if (colon == std::string_view::npos) {
    return Invalid(std::string("expected ") + std::string(kForms) +
                   " (a key itself never goes on the command line)");
  }
  const std::string_view scheme = text.substr(0, colon);
  std::string_view argument = text.substr(colon + 1);
  KeyUri uri;
  bool known = false;
  for (KeySourceKind kind : kKinds) {
    if (scheme == KeySourceScheme(kind)) {
      uri.kind = kind;
      known = true;
    }
  }
  if (!known) {
    if (scheme == "base64") {
      return Invalid("that is a key, not where to find one; put it in a file (file:PATH) or use " +
                     std::string(kForms));
    }
    return Invalid((SafeToName(scheme) ? "unknown scheme '" + std::string(scheme) + "'"
                                       : std::string("unknown scheme")) +
                   "; expected " + std::string(kForms));
  }
  const std::string label(scheme);
  if (uri.kind == KeySourceKind::kSecretsManager) {
    // '#' cannot occur in a secret's name or ARN.
    if (const size_t hash = argument.rfind('#'); hash != std::string_view::npos) {
      uri.version_stage = std::string(argument.substr(hash + 1));
      argument = argument.substr(0, hash);
      if (uri.version_stage.empty()) return Invalid(label + ": empty version stage after '#'");
    }
  }
  if (argument.empty()) return Invalid(label + ": nothing after '" + label + ":'");
  if (HasControl(argument) || HasControl(uri.version_stage)) {
    return Invalid(label + ": contains control characters");
  }
  if (uri.kind == KeySourceKind::kEnv && !IsVariableName(argument)) {
    return Invalid("env: not a variable name (letters, digits and '_', not starting with a digit)");
  }
  uri.argument = std::string(argument);
  return uri;
}

}  // namespace sqs2pg::keys
