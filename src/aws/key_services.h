// The three calls that fetch a masking key from AWS: Secrets Manager GetSecretValue, SSM
// GetParameter (with decryption) and KMS Decrypt, each over an AwsJsonClient (json_client.h).
//
// Contract:
//  - Make*Client() build the client for one service from its endpoint (service_endpoint.h: the
//    service ids "Secrets Manager", "SSM" and "KMS", so AWS_ENDPOINT_URL_SECRETS_MANAGER,
//    AWS_ENDPOINT_URL_SSM and AWS_ENDPOINT_URL_KMS, then AWS_ENDPOINT_URL) and set the service's
//    not-found codes (ResourceNotFoundException; ParameterNotFound and ParameterVersionNotFound;
//    NotFoundException).
//  - GetSecretString(): the SecretString of the secret's version in `version_stage`.
//    kFailedPrecondition if the secret holds only a SecretBinary.
//  - GetSecureStringParameter(): the decrypted Value of a SecureString parameter.
//    kFailedPrecondition for a String or StringList parameter (the value is stored unencrypted).
//  - KmsDecrypt(): the Plaintext bytes for a ciphertext blob given in base64, as KMS takes it in
//    JSON. kInvalidArgument, before any call, if the text is not base64.
//  - A 2xx answer that is not the expected JSON is kInternal ("malformed ... response").
//  - Secrets: the answer's body, the JSON parser's copies of it and the returned value are the
//    only copies made here; the first two are wiped before returning (the caller owns and must
//    wipe the value). No message quotes a response body or a value.
//  - Thread-safety: as AwsJsonClient.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "aws/credentials.h"
#include "aws/http_transport.h"
#include "aws/json_client.h"
#include "aws/service_endpoint.h"
#include "base/clock.h"
#include "base/status.h"

namespace sqs2pg::aws {

// What every key-service client is made from.
struct KeyServiceSettings {
  EnvGetter env;
  std::string region_flag;  // --region
  int max_attempts = 3;
  std::shared_ptr<HttpTransport> transport;
  std::shared_ptr<CredentialsProvider> credentials;
  Clock* clock = &SystemClock();
};

// `resource`: an ARN (its region counts as the resource's, see service_endpoint.h) or a name.
Result<std::unique_ptr<AwsJsonClient>> MakeSecretsManagerClient(const KeyServiceSettings& s,
                                                                std::string_view resource);
Result<std::unique_ptr<AwsJsonClient>> MakeSsmClient(const KeyServiceSettings& s,
                                                     std::string_view resource);
Result<std::unique_ptr<AwsJsonClient>> MakeKmsClient(const KeyServiceSettings& s);

Result<std::string> GetSecretString(AwsJsonClient& client, std::string_view secret_id,
                                    std::string_view version_stage);
Result<std::string> GetSecureStringParameter(AwsJsonClient& client, std::string_view name);
// `resource` names the blob for messages (its file).
Result<std::string> KmsDecrypt(AwsJsonClient& client, std::string_view ciphertext_base64,
                               std::string_view resource);

}  // namespace sqs2pg::aws
