// Settings: every knob of the command line, with its environment fallback, and the factories that
// turn settings into working parts (SQS client, mask key).
//
// Contract:
//  - Precedence: command-line flag > environment variable > default.
//  - Secrets never come from flags (they would show in `ps`): the mask key comes from where
//    --mask-key names (a file, a variable, Secrets Manager, SSM or KMS; keys/key_uri.h), or the
//    older --mask-key-file or SQS2PG_MASK_KEY; AWS credentials from the credential chain.
//  - Errors are Status values; the factories fail only on bad configuration (callers exit 2).
//  - Thread-safety: plain data; the factories may be called from one thread at start-up.
#pragma once

#include <CLI/CLI.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "aws/credentials.h"
#include "base/status.h"
#include "keys/key_ring.h"
#include "keys/key_uri.h"
#include "sqs/sqs_client.h"
#include "transform/aes_siv_key_ring.h"
#include "transform/mapping/mapping_spec.h"

namespace sqs2pg::cli {

struct Settings {
  std::string queue_url;
  std::string dlq_url;
  std::string database_url;  // libpq URI or conninfo; empty = libpq defaults and PG* variables
  std::string table = "user_logins";
  // --table or SQS2PG_TABLE was given (not the config file, not the default): it then wins over a
  // mapping file's `table`.
  bool table_explicit = false;
  std::string endpoint_url;
  std::string region;
  std::string ca_bundle;
  std::string mask_key_file;
  // --mask-key URIs (keys/key_uri.h), the current key first, then older keys.
  std::vector<std::string> mask_key;
  std::string mask = "hmac-sha256";  // masking scheme: hmac-sha256 or aes-siv
  std::string log_level = "info";
  std::string log_format = "text";  // text or json
  std::string metrics_addr;         // HOST:PORT for /metrics, /healthz, /readyz; empty: off
  std::string receivers = "auto";   // "auto" (scaled between the two below) or a fixed count
  int receivers_min = 1;
  int receivers_max = 64;
  int writers = 2;  // database connections committing batches at once (1 for a FIFO queue)
  int batch_size = 2000;
  // Receivers hold off while the bodies held add up to this (64 MiB: with the copies a body goes
  // through, well inside the 256 MiB the deploy manifests give a replica).
  int64_t max_held_bytes = int64_t{64} << 20;
  int batch_delay_ms = 20;  // short: what is held in flight waits for no one (see README)
  int visibility_timeout = 60;
  int wait_time = -1;  // -1: 20 s for run, 2 s for drain (so an empty queue is noticed quickly)
  int db_retry_timeout = 60;
  int sqs_retry_timeout = 60;
  int max_attempts = 3;
  std::string sqs_protocol = "auto";  // auto, json or query
  int shutdown_timeout = 20;
  int ledger_prune_interval = 3600;      // 0: never prune
  int ledger_keep = 0;                   // 0: the queue's retention period plus one day
  std::string cpu_scheduling = "batch";  // batch or normal (ops/cpu_scheduling.h)
  std::string mapping;  // mapping file (transform/mapping/mapping_spec.h); empty: the built-in one
};

// Registers the options shared by all subcommands on `app` (they are accepted before or after the
// subcommand name).
void AddCommonOptions(CLI::App& app, Settings& settings);

// The mask key sources in force, current first: the --mask-key URIs (SQS2PG_MASK_KEY_URI, config
// key mask-key; several given as repeated flags or separated by commas); else --mask-key-file F
// (SQS2PG_MASK_KEY_FILE) as file:F; else env:SQS2PG_MASK_KEY when `mask_key_variable_set`.
// kInvalidArgument for a URI that does not parse or for --mask-key together with
// --mask-key-file; kFailedPrecondition "no masking key: ..." when nothing is set.
Result<std::vector<keys::KeyUri>> MaskKeyUris(const Settings& settings, bool mask_key_variable_set);

// Loads the current master key (the first source only: a loader needs no older key, nor the
// permission to read one). SQS2PG_MASK_KEY is taken out of the environment either way (see
// TakeEnvironmentSecret in cli/secrets.h), so the first call consumes it, and so is any env:VAR
// read. Errors name the source, never key bytes (keys/key_ring.h). The caller owns the key and
// should OPENSSL_cleanse it once the maskers are keyed.
Result<std::string> LoadMaskKey(const Settings& settings);
// Loads every key: the current one and the older ones (for check, unmask and remask).
Result<keys::KeyRing> LoadMaskKeyRing(const Settings& settings);
// An aes-siv masker for each key LoadMaskKeyRing() loads (the current one first), keyed for
// `domains`; the raw keys are wiped before it returns. Errors: LoadMaskKeyRing's.
Result<transform::AesSivKeyRing> LoadAesSivKeyRing(const Settings& settings,
                                                   const std::vector<std::string>& domains);
// The exit code for a failure to load a key: 2 for configuration (kInvalidArgument,
// kFailedPrecondition: no key, a malformed key or URI, an unreadable file), else 1 (a service that
// refused, could not be reached or has no such secret).
int MaskKeyExitCode(const Status& status);

// The mapping in force: the file --mapping (SQS2PG_MAPPING, config key `mapping`) names, parsed
// and checked (transform/mapping/mapping_spec.h), or the built-in login mapping when none is named.
// Errors: kInvalidArgument "FILE:LINE: ..." naming the key, never a value (callers exit 2).
Result<transform::mapping::MappingSpec> LoadMapping(const Settings& settings);

// The SQS client and how its endpoint, region and credentials were chosen.
struct SqsSetup {
  std::unique_ptr<sqs::SqsClient> client;
  std::string endpoint;
  std::string region;
  std::string endpoint_source;  // sqs::ResolvedEndpoint::url_source, e.g. "AWS_ENDPOINT_URL"
  std::string region_source;    // sqs::ResolvedEndpoint::region_source, e.g. "the queue URL"
  // The default credential chain (credential_chain.h), shared with `client`.
  std::shared_ptr<aws::CredentialsProvider> credentials;
  // The chain's Name() after its first GetCredentials(): the source that answered
  // ("environment", "shared credentials file (profile prod)", "container", ...), or
  // aws::kUnresolvedChainName when no source is configured.
  std::string credentials_source;
  // The outcome of that first GetCredentials(): OK, or the chain's error (kNotFound "no AWS
  // credentials found; tried: ..." listing every source, or the chosen source's failure). Never
  // holds a secret.
  Status credentials_status;
  // When the credentials fetched then expire (temporary credentials only).
  std::optional<std::chrono::system_clock::time_point> credentials_expiration;
};

// Builds the SQS client from `settings` and `env` (the process environment in the product; tests
// inject one):
//  - endpoint and region by sqs::ResolveEndpoint (endpoint.h): --endpoint-url,
//    AWS_ENDPOINT_URL_SQS, AWS_ENDPOINT_URL, the region's; --region, AWS_REGION,
//    AWS_DEFAULT_REGION, the queue URL, the profile's `region`, us-east-1;
//  - credentials by aws::MakeDefaultCredentialChain over `env`: environment, shared files, web
//    identity, container, EC2 instance metadata. STS, the container endpoint and IMDS are reached
//    through the same curl transport as SQS (so --ca-bundle / AWS_CA_BUNDLE and the proxy
//    variables apply to them too).
// The chain is asked once here, so that credentials_source names the source for logs and
// `sqs2pg check`; that is the only network I/O (none for environment or file credentials; at most
// about a second for unreachable instance metadata off EC2). A credentials failure does not fail
// MakeSqsClient: it is left in credentials_status, and every SQS call reports it too (a chain that
// found nothing walks again on the next call, so a source that appears later is still used).
// Errors: kInvalidArgument for a malformed endpoint or region setting (callers exit 2).
Result<SqsSetup> MakeSqsClient(const Settings& settings, const aws::EnvGetter& env);
Result<SqsSetup> MakeSqsClient(const Settings& settings);  // with aws::ProcessEnv()

}  // namespace sqs2pg::cli
