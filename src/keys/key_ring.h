// KeyRing: the masking keys in force, loaded from their sources (key_uri.h). The first key masks;
// the others are older keys, kept so that `unmask` and `remask` can read masks made before a
// rotation (aes-siv masks name their key by its id).
//
// Contract:
//  - LoadKey() fetches one key:
//      file:PATH    KeySourceIo::read_secret_file, then transform::ParseMaskKey (hex, or
//                   base64:...); warns when the file is readable by group or others;
//      env:VAR      KeySourceIo::take_env (which takes the variable out of the environment), then
//                   ParseMaskKey;
//      aws-secretsmanager:ID[#STAGE]
//                   GetSecretValue (aws/key_services.h) for the stage (AWSCURRENT by default); the
//                   SecretString is the key as text, or a JSON object whose string field mask_key
//                   is;
//      aws-ssm:NAME GetParameter with decryption of a SecureString; its value is the key as text;
//      aws-kms:PATH the file's base64 ciphertext blob, decrypted by KMS Decrypt; the plaintext is
//                   the key's raw bytes, at least transform::kMinMaskKeyBytes of them.
//    Every error is prefixed with KeyUri::Describe() ("aws-ssm /sqs2pg/mask-key: ..."), keeps the
//    code of its cause (kPermissionDenied, kNotFound, kUnavailable, kUnauthenticated from the
//    services; kInvalidArgument for a key text that is not a key, a JSON secret without mask_key, a
//    blob that is not base64 or a plaintext too short; kFailedPrecondition for a file or variable
//    that cannot be read, a binary secret or a parameter that is not a SecureString), and never
//    quotes a key, a secret's text or any part of them.
//  - KeyRing::Load() loads the sources in order and stops at the first failure. Two sources that
//    give the same key (the same key id) are kInvalidArgument naming both. An empty list is
//    kFailedPrecondition.
//  - Secrets: the text a key was read from is wiped once parsed; MaskKey wipes its bytes when
//    destroyed. Nothing here logs a key or writes one anywhere.
//  - Thread-safety: loading runs at start-up, from one thread. A loaded KeyRing is immutable.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "aws/key_services.h"
#include "base/status.h"
#include "keys/key_uri.h"

namespace sqs2pg::keys {

// One master key. Move-only; wipes its bytes when destroyed.
struct MaskKey {
  std::string bytes;   // the raw key
  std::string id;      // transform::MaskKeyId(bytes)
  std::string source;  // KeyUri::Describe()

  MaskKey() = default;
  MaskKey(MaskKey&&) noexcept = default;
  MaskKey& operator=(MaskKey&& other) noexcept;
  MaskKey(const MaskKey&) = delete;
  MaskKey& operator=(const MaskKey&) = delete;
  ~MaskKey();
};

// How the sources are reached; injected so that tests need neither a real environment nor AWS.
struct KeySourceIo {
  // Returns a variable's value and takes it out of the environment; nullopt when unset or empty.
  std::function<std::optional<std::string>(const std::string&)> take_env;
  // Reads a whole file holding a secret; kFailedPrecondition naming the path when it cannot.
  std::function<Result<std::string>(const std::string&)> read_secret_file;
  // The aws-* sources' clients are made from this (endpoints, region, credentials, transport).
  aws::KeyServiceSettings aws;
};

Result<MaskKey> LoadKey(const KeyUri& uri, const KeySourceIo& io);

class KeyRing {
 public:
  static Result<KeyRing> Load(const std::vector<KeyUri>& uris, const KeySourceIo& io);

  const MaskKey& current() const { return keys_.front(); }
  // The current key first, then the older ones in the order given.
  const std::vector<MaskKey>& keys() const { return keys_; }
  // Moves the current key out (the ring is used up).
  MaskKey TakeCurrent() && { return std::move(keys_.front()); }

 private:
  std::vector<MaskKey> keys_;
};

// Parses a Secrets Manager secret's text: the key as text, or a JSON object (text starting with
// '{' after whitespace) whose string field mask_key holds it. Exposed for tests.
Result<std::string> ParseSecretKeyText(std::string_view text);

}  // namespace sqs2pg::keys
