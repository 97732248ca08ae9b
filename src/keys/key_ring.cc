#include "keys/key_ring.h"

#include <openssl/crypto.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <utility>

#include "aws/credential_common.h"
#include "aws/secret_json.h"
#include "transform/mask_key.h"
#include "transform/mask_scheme.h"

namespace sqs2pg::keys {
namespace {

void Wipe(std::string& s) {
  OPENSSL_cleanse(s.data(), s.size());
  s.clear();
}

// ParseMaskKey of `text`, which is wiped either way.
Result<std::string> ParseAndWipe(std::string& text) {
  Result<std::string> key = transform::ParseMaskKey(text);
  Wipe(text);
  return key;
}

Result<std::string> FromFile(const std::string& path, const KeySourceIo& io) {
  SQS2PG_ASSIGN_OR_RETURN(std::string text, io.read_secret_file(path));
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && (st.st_mode & 077) != 0) {
    spdlog::warn("mask key file {} is readable by group or others; chmod 600 it", path);
  }
  return ParseAndWipe(text);
}

Result<std::string> FromEnv(const std::string& name, const KeySourceIo& io) {
  std::optional<std::string> text = io.take_env(name);
  if (!text) return FailedPreconditionError("the variable is not set");
  return ParseAndWipe(*text);
}

Result<std::string> FromSecretsManager(const KeyUri& uri, const KeySourceIo& io) {
  SQS2PG_ASSIGN_OR_RETURN(auto client, aws::MakeSecretsManagerClient(io.aws, uri.argument));
  const std::string stage =
      uri.version_stage.empty() ? std::string(kDefaultVersionStage) : uri.version_stage;
  SQS2PG_ASSIGN_OR_RETURN(std::string text, aws::GetSecretString(*client, uri.argument, stage));
  Result<std::string> key = ParseSecretKeyText(text);
  Wipe(text);
  return key;
}

Result<std::string> FromSsm(const KeyUri& uri, const KeySourceIo& io) {
  SQS2PG_ASSIGN_OR_RETURN(auto client, aws::MakeSsmClient(io.aws, uri.argument));
  SQS2PG_ASSIGN_OR_RETURN(std::string text, aws::GetSecureStringParameter(*client, uri.argument));
  return ParseAndWipe(text);
}

Result<std::string> FromKms(const KeyUri& uri, const KeySourceIo& io) {
  // The blob is no secret by itself (only KMS can open it), so an ordinary small read will do.
  SQS2PG_ASSIGN_OR_RETURN(std::string blob, aws::ReadSmallFile(uri.argument, "ciphertext file"));
  SQS2PG_ASSIGN_OR_RETURN(auto client, aws::MakeKmsClient(io.aws));
  SQS2PG_ASSIGN_OR_RETURN(std::string key, aws::KmsDecrypt(*client, aws::TrimAsciiWhitespace(blob),
                                                           "the ciphertext in " + uri.argument));
  if (key.size() < transform::kMinMaskKeyBytes) {
    const size_t n = key.size();
    Wipe(key);
    return InvalidArgumentError("the plaintext is " + std::to_string(n) + " bytes; at least " +
                                std::to_string(transform::kMinMaskKeyBytes) +
                                " are required (aws kms generate-data-key --number-of-bytes 32)");
  }
  return key;
}

}  // namespace

MaskKey& MaskKey::operator=(MaskKey&& other) noexcept {
  if (this != &other) {
    Wipe(bytes);
    bytes = std::move(other.bytes);
    id = std::move(other.id);
    source = std::move(other.source);
  }
  return *this;
}

MaskKey::~MaskKey() { OPENSSL_cleanse(bytes.data(), bytes.size()); }

Result<std::string> ParseSecretKeyText(std::string_view text) {
  std::string_view trimmed = aws::TrimAsciiWhitespace(text);
  if (!trimmed.starts_with('{')) {
    Result<std::string> key = transform::ParseMaskKey(trimmed);
    if (!key.ok()) {
      return key.status().WithContext(
          "the secret is neither a key (hex, or base64:...) nor a JSON object with a mask_key "
          "field");
    }
    return key;
  }
  aws::SecretJson json(trimmed);
  simdjson::dom::object root;
  if (!json.Root(&root)) {
    return InvalidArgumentError("the secret starts with '{' but is not a JSON object");
  }
  std::string_view field;
  if (root["mask_key"].get_string().get(field) != simdjson::SUCCESS) {
    return InvalidArgumentError("the secret is a JSON object without a string field mask_key");
  }
  Result<std::string> key = transform::ParseMaskKey(field);
  if (!key.ok()) return key.status().WithContext("the secret's field mask_key");
  return key;
}

Result<MaskKey> LoadKey(const KeyUri& uri, const KeySourceIo& io) {
  Result<std::string> bytes = InternalError("unknown key source");
  switch (uri.kind) {
    case KeySourceKind::kFile:
      bytes = FromFile(uri.argument, io);
      break;
    case KeySourceKind::kEnv:
      bytes = FromEnv(uri.argument, io);
      break;
    case KeySourceKind::kSecretsManager:
      bytes = FromSecretsManager(uri, io);
      break;
    case KeySourceKind::kSsm:
      bytes = FromSsm(uri, io);
      break;
    case KeySourceKind::kKms:
      bytes = FromKms(uri, io);
      break;
  }
  if (!bytes.ok()) return bytes.status().WithContext(uri.Describe());
  MaskKey key;
  key.bytes = std::move(bytes).value();
  key.id = transform::MaskKeyId(key.bytes);
  key.source = uri.Describe();
  return key;
}

Result<KeyRing> KeyRing::Load(const std::vector<KeyUri>& uris, const KeySourceIo& io) {
  if (uris.empty()) return FailedPreconditionError("no mask key source");
  KeyRing ring;
  for (const KeyUri& uri : uris) {
    SQS2PG_ASSIGN_OR_RETURN(MaskKey key, LoadKey(uri, io));
    for (const MaskKey& earlier : ring.keys_) {
      if (earlier.id == key.id) {
        return InvalidArgumentError(earlier.source + " and " + key.source +
                                    " hold the same key (key id " + key.id +
                                    "); give each key once");
      }
    }
    ring.keys_.push_back(std::move(key));
  }
  return ring;
}

}  // namespace sqs2pg::keys
