// KeyUri: where a masking key comes from, as --mask-key (SQS2PG_MASK_KEY_URI, config key
// mask-key) names it.
//
// Contract:
//  - ParseKeyUri() accepts exactly these forms (nothing may follow the scheme but its argument):
//      file:PATH                         a file holding the key as text (hex, or base64:...)
//      env:VAR                           an environment variable holding it
//      ([A-Za-z_][A-Za-z0-9_]*) aws-secretsmanager:NAME_OR_ARN[#VERSION_STAGE]
//                                        a Secrets Manager secret (stage default AWSCURRENT) whose
//                                        SecretString is the key as text, or a JSON object with the
//                                        key as text in its field mask_key
//      aws-ssm:NAME                      an SSM SecureString parameter (/path/name, or an ARN)
//      aws-kms:PATH                      a file holding a KMS ciphertext blob in base64, whose
//                                        plaintext is the key's raw bytes
//    Every argument must be non-empty and free of control characters.
//  - Errors are kInvalidArgument. They never quote the text given, which may be a key pasted where
//    a URI belongs; only a scheme made of [a-z0-9-] (at most 32 characters) is named.
//  - Describe(): "<scheme> <argument>" ("aws-secretsmanager sqs2pg/mask-key", with "#STAGE" when a
//    stage was given), for `check`, logs and messages: a URI names a key, it is not one.
//  - Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace sqs2pg::keys {

enum class KeySourceKind { kFile, kEnv, kSecretsManager, kSsm, kKms };

inline constexpr std::string_view kDefaultVersionStage = "AWSCURRENT";

struct KeyUri {
  KeySourceKind kind = KeySourceKind::kFile;
  std::string argument;       // the path, variable, secret id or parameter name
  std::string version_stage;  // aws-secretsmanager only: as given after '#', or "" (AWSCURRENT)

  std::string Describe() const;
};

// "file", "env", "aws-secretsmanager", "aws-ssm", "aws-kms".
std::string_view KeySourceScheme(KeySourceKind kind);

Result<KeyUri> ParseKeyUri(std::string_view text);

}  // namespace sqs2pg::keys
