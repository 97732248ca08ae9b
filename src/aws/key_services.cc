#include "aws/key_services.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <simdjson.h>

#include <utility>

#include "aws/json_writer.h"
#include "aws/secret_json.h"

namespace sqs2pg::aws {
namespace {

struct ServiceIds {
  const char* service_id;
  const char* endpoint_prefix;  // also the SigV4 signing name and the IAM prefix
  const char* target_prefix;
  std::vector<std::string> not_found_codes;
};

Result<std::unique_ptr<AwsJsonClient>> MakeClient(const KeyServiceSettings& s,
                                                  const ServiceIds& ids,
                                                  std::string_view resource) {
  ServiceEndpointRequest request;
  request.service_id = ids.service_id;
  request.endpoint_prefix = ids.endpoint_prefix;
  request.region_flag = s.region_flag;
  request.region_hint = RegionFromArn(resource);
  request.region_hint_source = "the ARN";
  Result<ServiceEndpoint> endpoint = ResolveServiceEndpoint(request, s.env);
  if (!endpoint.ok()) return endpoint.status().WithContext(ids.service_id);
  AwsJsonClient::Options options;
  options.endpoint_url = endpoint->url;
  options.region = endpoint->region;
  options.signing_name = ids.endpoint_prefix;
  options.target_prefix = ids.target_prefix;
  options.not_found_codes = ids.not_found_codes;
  options.max_attempts = s.max_attempts;
  return std::make_unique<AwsJsonClient>(std::move(options), s.transport, s.credentials, *s.clock);
}

Status Malformed(std::string_view operation, std::string_view what) {
  return InternalError("malformed " + std::string(operation) + " response (" + std::string(what) +
                       ")");
}

// Standard base64 (RFC 4648 section 4, '=' padding required): the characters and the length.
bool IsBase64(std::string_view text) {
  if (text.empty() || text.size() % 4 != 0) return false;
  size_t pad = 0;
  while (pad < 2 && text[text.size() - 1 - pad] == '=') ++pad;
  for (size_t i = 0; i < text.size() - pad; ++i) {
    const char c = text[i];
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '+' || c == '/';
    if (!ok) return false;
  }
  return true;
}

// Decodes standard base64 (IsBase64 must hold) into a string the caller wipes.
std::string DecodeBase64(std::string_view text) {
  std::string out(text.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  size_t size = n < 0 ? 0 : static_cast<size_t>(n);
  // EVP_DecodeBlock counts the padding as zero bytes.
  if (text.ends_with("==")) {
    size -= 2;
  } else if (text.ends_with("=")) {
    size -= 1;
  }
  OPENSSL_cleanse(out.data() + size, out.size() - size);
  out.resize(size);
  return out;
}

}  // namespace

Result<std::unique_ptr<AwsJsonClient>> MakeSecretsManagerClient(const KeyServiceSettings& s,
                                                                std::string_view resource) {
  return MakeClient(
      s, {"Secrets Manager", "secretsmanager", "secretsmanager", {"ResourceNotFoundException"}},
      resource);
}

Result<std::unique_ptr<AwsJsonClient>> MakeSsmClient(const KeyServiceSettings& s,
                                                     std::string_view resource) {
  return MakeClient(
      s, {"SSM", "ssm", "AmazonSSM", {"ParameterNotFound", "ParameterVersionNotFound"}}, resource);
}

Result<std::unique_ptr<AwsJsonClient>> MakeKmsClient(const KeyServiceSettings& s) {
  return MakeClient(s, {"KMS", "kms", "TrentService", {"NotFoundException"}}, "");
}

Result<std::string> GetSecretString(AwsJsonClient& client, std::string_view secret_id,
                                    std::string_view version_stage) {
  constexpr std::string_view kOp = "GetSecretValue";
  JsonWriter request;
  request.BeginObject().Key("SecretId").String(secret_id);
  if (!version_stage.empty()) request.Key("VersionStage").String(version_stage);
  request.EndObject();
  SQS2PG_ASSIGN_OR_RETURN(std::string body, client.Call(kOp, request.Take(), secret_id));
  SecretJson json(body);
  OPENSSL_cleanse(body.data(), body.size());
  simdjson::dom::object root;
  if (!json.Root(&root)) return Malformed(kOp, "not a JSON object");
  std::string_view value;
  if (root["SecretString"].get_string().get(value) == simdjson::SUCCESS) return std::string(value);
  if (root["SecretBinary"].error() == simdjson::SUCCESS) {
    return FailedPreconditionError(
        std::string(kOp) +
        ": the secret holds binary data (SecretBinary); store the key as text (SecretString)");
  }
  return Malformed(kOp, "no SecretString");
}

Result<std::string> GetSecureStringParameter(AwsJsonClient& client, std::string_view name) {
  constexpr std::string_view kOp = "GetParameter";
  JsonWriter request;
  request.BeginObject().Key("Name").String(name).Key("WithDecryption").Bool(true).EndObject();
  SQS2PG_ASSIGN_OR_RETURN(std::string body, client.Call(kOp, request.Take(), name));
  SecretJson json(body);
  OPENSSL_cleanse(body.data(), body.size());
  simdjson::dom::object root;
  simdjson::dom::object parameter;
  if (!json.Root(&root) || root["Parameter"].get_object().get(parameter) != simdjson::SUCCESS) {
    return Malformed(kOp, "no Parameter object");
  }
  std::string_view type;
  std::string_view value;
  if (parameter["Type"].get_string().get(type) != simdjson::SUCCESS ||
      parameter["Value"].get_string().get(value) != simdjson::SUCCESS) {
    return Malformed(kOp, "no Type or Value");
  }
  if (type != "SecureString") {
    return FailedPreconditionError(
        std::string(kOp) + ": a " +
        std::string(type == "String" || type == "StringList" ? type : "non-SecureString") +
        " parameter is stored unencrypted; store the key as a SecureString");
  }
  return std::string(value);
}

Result<std::string> KmsDecrypt(AwsJsonClient& client, std::string_view ciphertext_base64,
                               std::string_view resource) {
  constexpr std::string_view kOp = "Decrypt";
  if (!IsBase64(ciphertext_base64)) {
    return InvalidArgumentError(
        std::string(resource) +
        ": not a base64 ciphertext blob (write it as `aws kms generate-data-key ... --query "
        "CiphertextBlob --output text` prints it)");
  }
  JsonWriter request;
  request.BeginObject().Key("CiphertextBlob").String(ciphertext_base64).EndObject();
  SQS2PG_ASSIGN_OR_RETURN(std::string body, client.Call(kOp, request.Take(), resource));
  SecretJson json(body);
  OPENSSL_cleanse(body.data(), body.size());
  simdjson::dom::object root;
  std::string_view plaintext;
  if (!json.Root(&root) || root["Plaintext"].get_string().get(plaintext) != simdjson::SUCCESS) {
    return Malformed(kOp, "no Plaintext");
  }
  if (!IsBase64(plaintext)) return Malformed(kOp, "Plaintext is not base64");
  return DecodeBase64(plaintext);
}

}  // namespace sqs2pg::aws
