#include "cli/settings.h"

#include <openssl/crypto.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <utility>

#include "aws/credential_chain.h"
#include "aws/credentials.h"
#include "aws/http_transport.h"
#include "cli/secrets.h"
#include "sqs/endpoint.h"
#include "transform/mapping/default_mapping.h"

namespace sqs2pg::cli {

void AddCommonOptions(CLI::App& app, Settings& s) {
  app.add_option("--queue-url", s.queue_url, "SQS queue URL to consume")
      ->envname("SQS2PG_QUEUE_URL");
  app.add_option("--dlq-url", s.dlq_url,
                 "Queue that receives rejected messages (unchanged body, reason attribute); "
                 "without it rejects stay in the source queue for its redrive policy")
      ->envname("SQS2PG_DLQ_URL");
  app.add_option(
         "--database-url", s.database_url,
         "PostgreSQL URI or conninfo (the PG* variables and .pgpass also work); a remote server "
         "needs sslmode=verify-full, sslrootcert and channel_binding=require")
      ->envname("DATABASE_URL");
  app.add_option("--table", s.table, "Target table, optionally schema-qualified")
      ->envname("SQS2PG_TABLE")
      ->capture_default_str();
  app.add_option(
      "--endpoint-url", s.endpoint_url,
      "SQS endpoint (else AWS_ENDPOINT_URL_SQS, AWS_ENDPOINT_URL, the region's); never the "
      "queue URL's host");
  app.add_option("--region", s.region,
                 "AWS region (else AWS_REGION, AWS_DEFAULT_REGION, the queue URL, the AWS_PROFILE "
                 "profile's region in ~/.aws/config, us-east-1)");
  app.add_option("--ca-bundle", s.ca_bundle,
                 "PEM file of CA certificates for TLS to SQS and to the credential endpoints "
                 "(STS, container); default: the system store")
      ->envname("AWS_CA_BUNDLE");
  app.add_option("--mask-key", s.mask_key,
                 "Where the masking master key comes from: file:PATH, env:VAR, "
                 "aws-secretsmanager:NAME_OR_ARN[#STAGE], aws-ssm:NAME (a SecureString) or "
                 "aws-kms:PATH (a base64 KMS ciphertext blob). Repeat it (or separate with commas) "
                 "for older keys: the first masks, the others serve unmask and remask")
      ->envname("SQS2PG_MASK_KEY_URI")
      ->allow_extra_args(false)
      ->delimiter(',')
      ->take_all();
  app.add_option("--mask-key-file", s.mask_key_file,
                 "File holding the masking master key (hex, or base64: prefix; >= 32 bytes): "
                 "--mask-key file:PATH; else SQS2PG_MASK_KEY")
      ->envname("SQS2PG_MASK_KEY_FILE");
  app.add_option("--mask", s.mask,
                 "Masking of ip and device_id: hmac-sha256 (one-way keyed hash) or aes-siv "
                 "(deterministic encryption that key holders can reverse with `sqs2pg unmask`)")
      ->envname("SQS2PG_MASK")
      ->check(CLI::IsMember({"hmac-sha256", "aes-siv"}))
      ->capture_default_str();
  app.add_option("--log-level", s.log_level, "trace, debug, info, warn, error or off")
      ->envname("SQS2PG_LOG_LEVEL")
      ->capture_default_str();
  app.add_option("--log-format", s.log_format,
                 "text, or json (one object per line; the end-of-run summary becomes one "
                 "`summary: key=value ...` line)")
      ->envname("SQS2PG_LOG_FORMAT")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  app.add_option("--metrics-addr", s.metrics_addr,
                 "Serve Prometheus /metrics and the /healthz and /readyz probes on HOST:PORT "
                 "(e.g. 0.0.0.0:9464; port 0 picks a free one)")
      ->envname("SQS2PG_METRICS_ADDR");
  app.add_option("--receivers", s.receivers,
                 "Concurrent ReceiveMessage long polls: auto (start with 2, 4 under a backlog, "
                 "then double them while receives come back full, the writers keep up and each "
                 "doubling raises the receive rate; every 5 s at a plateau try half as many and "
                 "keep them if they do as well; take polls away when receives come back partly "
                 "filled or empty) or a fixed number 1-256")
      ->envname("SQS2PG_RECEIVERS")
      ->check(CLI::IsMember({"auto"}) | CLI::Range(1, 256))
      ->capture_default_str();
  app.add_option("--receivers-min", s.receivers_min, "With --receivers auto: the fewest polls")
      ->envname("SQS2PG_RECEIVERS_MIN")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  app.add_option("--receivers-max", s.receivers_max, "With --receivers auto: the most polls")
      ->envname("SQS2PG_RECEIVERS_MAX")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  app.add_option("--writers", s.writers,
                 "Database connections committing batches at once (a FIFO queue uses 1)")
      ->envname("SQS2PG_WRITERS")
      ->check(CLI::Range(1, 32))
      ->capture_default_str();
  app.add_option("--batch-size", s.batch_size, "Most messages committed in one transaction")
      ->envname("SQS2PG_BATCH_SIZE")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  app.add_option("--max-held-bytes", s.max_held_bytes,
                 "Stop receiving while the bodies held (received, not yet deleted) add up to this "
                 "many bytes; suffixes KiB, MiB, GiB (0: no byte bound). Keep it well under the "
                 "memory limit: a held body may be copied once or twice on its way")
      ->envname("SQS2PG_MAX_HELD_BYTES")
      ->transform(CLI::AsSizeValue(false))
      ->capture_default_str();
  app.add_option("--batch-delay-ms", s.batch_delay_ms, "Longest wait to fill a batch")
      ->check(CLI::Range(0, 60000))
      ->capture_default_str();
  app.add_option("--visibility-timeout", s.visibility_timeout,
                 "Seconds a received message stays invisible to other consumers")
      ->envname("SQS2PG_VISIBILITY_TIMEOUT")
      ->check(CLI::Range(1, 43200))
      ->capture_default_str();
  app.add_option("--wait-time", s.wait_time,
                 "Long-poll seconds (0-20); default 20 for run, 0 for drain (short polls, paced, "
                 "so that no "
                 "long poll outlives a drain)")
      ->check(CLI::Range(0, 20));
  app.add_option("--db-retry-timeout", s.db_retry_timeout,
                 "drain: seconds to keep retrying an unreachable database before exiting 1 (run "
                 "retries until stopped)")
      ->check(CLI::Range(0, 86400))
      ->capture_default_str();
  app.add_option(
         "--sqs-retry-timeout", s.sqs_retry_timeout,
         "drain: seconds to keep retrying when every ReceiveMessage fails (SQS "
         "unreachable, 5xx, throttled) before exiting 1, counted from the first failing call (run "
         "retries until stopped)")
      ->check(CLI::Range(0, 86400))
      ->capture_default_str();
  app.add_option("--shutdown-timeout", s.shutdown_timeout,
                 "On SIGTERM/SIGINT: seconds to finish the batch in hand before handing the rest "
                 "back to the queue")
      ->envname("SQS2PG_SHUTDOWN_TIMEOUT")
      ->check(CLI::Range(0, 3600))
      ->capture_default_str();
  app.add_option("--ledger-prune-interval", s.ledger_prune_interval,
                 "Seconds between ledger maintenance passes: day partitions made ahead, days past "
                 "--ledger-keep dropped (0: never)")
      ->envname("SQS2PG_LEDGER_PRUNE_INTERVAL")
      ->check(CLI::Range(0, 86400 * 7))
      ->capture_default_str();
  app.add_option("--ledger-keep", s.ledger_keep,
                 "Seconds a ledger key is kept; default (0): the queue's retention period plus "
                 "one day, the longest a redelivered copy can still arrive")
      ->envname("SQS2PG_LEDGER_KEEP")
      ->check(CLI::Range(0, 86400 * 365));
  app.add_option("--sqs-protocol", s.sqs_protocol,
                 "SQS wire protocol: auto (JSON, switching to Query for servers such as "
                 "LocalStack before 3.0 that speak only Query), json or query")
      ->envname("SQS2PG_SQS_PROTOCOL")
      ->check(CLI::IsMember({"auto", "json", "query"}))
      ->capture_default_str();
  app.add_option("--max-attempts", s.max_attempts, "Attempts per SQS request on transient errors")
      ->envname("AWS_MAX_ATTEMPTS")
      ->check(CLI::Range(1, 20))
      ->capture_default_str();
  app.add_option("--cpu-scheduling", s.cpu_scheduling,
                 "drain and run: Linux scheduling policy of sqs2pg's threads: batch (SCHED_BATCH: "
                 "same CPU share, but a thread woken by a reply does not preempt other processes, "
                 "e.g. a database or SQS emulator on the same host) or normal")
      ->envname("SQS2PG_CPU_SCHEDULING")
      ->check(CLI::IsMember({"batch", "normal"}))
      ->capture_default_str();
  app.add_option("--mapping", s.mapping,
                 "Mapping file (TOML): which event fields go into which columns; default: the "
                 "built-in login mapping (`sqs2pg mapping default` prints it)")
      ->envname("SQS2PG_MAPPING");
}

Result<std::vector<keys::KeyUri>> MaskKeyUris(const Settings& settings,
                                              bool mask_key_variable_set) {
  std::vector<keys::KeyUri> uris;
  if (!settings.mask_key.empty()) {
    if (!settings.mask_key_file.empty()) {
      return InvalidArgumentError(
          "give --mask-key or --mask-key-file (SQS2PG_MASK_KEY_URI or SQS2PG_MASK_KEY_FILE), not "
          "both; --mask-key file:PATH is the same as --mask-key-file PATH");
    }
    for (const std::string& text : settings.mask_key) {
      SQS2PG_ASSIGN_OR_RETURN(keys::KeyUri uri, keys::ParseKeyUri(text));
      uris.push_back(std::move(uri));
    }
  } else if (!settings.mask_key_file.empty()) {
    uris.push_back({keys::KeySourceKind::kFile, settings.mask_key_file, ""});
  } else if (mask_key_variable_set) {
    uris.push_back({keys::KeySourceKind::kEnv, "SQS2PG_MASK_KEY", ""});
  } else {
    return FailedPreconditionError(
        "no masking key: set --mask-key URI (file:PATH, env:VAR, aws-secretsmanager:NAME, "
        "aws-ssm:NAME or aws-kms:PATH), --mask-key-file FILE or SQS2PG_MASK_KEY (at least 32 "
        "bytes as hex, or base64:...; e.g. `openssl rand -hex 32 > key && chmod 600 key`). sqs2pg "
        "never stores ip or device_id unmasked and offers no unkeyed hash");
  }
  return uris;
}

namespace {

// Loads the first source only (`all` false) or every source, as a KeyRing.
Result<keys::KeyRing> LoadKeys(const Settings& settings, bool all) {
  // Taken out of the environment whether or not it is used: a key elsewhere does not make it
  // harmless.
  std::optional<std::string> legacy = TakeEnvironmentSecret("SQS2PG_MASK_KEY");
  Result<std::vector<keys::KeyUri>> uris = MaskKeyUris(settings, legacy.has_value());
  if (uris.ok() && !all) uris->resize(1);
  keys::KeySourceIo io;
  io.take_env = [&legacy](const std::string& name) -> std::optional<std::string> {
    if (name == "SQS2PG_MASK_KEY") return std::exchange(legacy, std::nullopt);
    return TakeEnvironmentSecret(name.c_str());
  };
  io.read_secret_file = ReadSecretFile;
  const bool remote =
      uris.ok() && std::any_of(uris->begin(), uris->end(), [](const auto& uri) {
        return uri.kind != keys::KeySourceKind::kFile && uri.kind != keys::KeySourceKind::kEnv;
      });
  if (remote) {
    // Their own transport and credential chain: the key is loaded before the SQS client exists.
    aws::CurlTransportOptions transport_options;
    transport_options.ca_bundle = settings.ca_bundle;
    io.aws.env = aws::ProcessEnv();
    io.aws.region_flag = settings.region;
    io.aws.max_attempts = settings.max_attempts;
    io.aws.transport = aws::MakeCurlTransport(transport_options);
    io.aws.credentials = aws::MakeDefaultCredentialChain(io.aws.env, io.aws.transport);
  }
  Result<keys::KeyRing> ring = uris.ok() ? keys::KeyRing::Load(*uris, io) : uris.status();
  if (legacy) OPENSSL_cleanse(legacy->data(), legacy->size());
  return ring;
}

}  // namespace

Result<std::string> LoadMaskKey(const Settings& settings) {
  SQS2PG_ASSIGN_OR_RETURN(keys::KeyRing ring, LoadKeys(settings, /*all=*/false));
  keys::MaskKey key = std::move(ring).TakeCurrent();
  return std::move(key.bytes);  // moved, not copied: no other copy is left behind
}

Result<keys::KeyRing> LoadMaskKeyRing(const Settings& settings) {
  return LoadKeys(settings, /*all=*/true);
}

Result<transform::AesSivKeyRing> LoadAesSivKeyRing(const Settings& settings,
                                                   const std::vector<std::string>& domains) {
  SQS2PG_ASSIGN_OR_RETURN(keys::KeyRing ring, LoadMaskKeyRing(settings));
  std::vector<std::string_view> key_bytes;
  for (const keys::MaskKey& key : ring.keys()) key_bytes.push_back(key.bytes);
  return transform::AesSivKeyRing(key_bytes, domains);  // `ring` wipes the keys as it goes
}

int MaskKeyExitCode(const Status& status) {
  return status.code() == StatusCode::kInvalidArgument ||
                 status.code() == StatusCode::kFailedPrecondition
             ? 2
             : 1;
}

Result<transform::mapping::MappingSpec> LoadMapping(const Settings& settings) {
  if (settings.mapping.empty()) return transform::mapping::DefaultMapping();
  return transform::mapping::LoadMappingFile(settings.mapping);
}

Result<SqsSetup> MakeSqsClient(const Settings& settings, const aws::EnvGetter& env) {
  SQS2PG_ASSIGN_OR_RETURN(
      sqs::ResolvedEndpoint endpoint,
      sqs::ResolveEndpoint({settings.endpoint_url, settings.region, settings.queue_url}, env));
  aws::CurlTransportOptions transport_options;
  transport_options.ca_bundle = settings.ca_bundle;
  // One transport (one TLS configuration, one connection pool) for SQS and the credential
  // endpoints alike.
  std::shared_ptr<aws::HttpTransport> transport = aws::MakeCurlTransport(transport_options);

  SqsSetup setup;
  setup.endpoint = endpoint.url;
  setup.region = endpoint.region;
  setup.endpoint_source = endpoint.url_source;
  setup.region_source = endpoint.region_source;
  setup.credentials = aws::MakeDefaultCredentialChain(env, transport);
  Result<aws::Credentials> credentials = setup.credentials->GetCredentials();
  if (credentials.ok()) {
    setup.credentials_expiration = credentials->expiration;
  } else {
    setup.credentials_status = credentials.status();
  }
  setup.credentials_source = std::string(setup.credentials->Name());

  sqs::SqsClient::Options options;
  options.endpoint_url = endpoint.url;
  options.region = endpoint.region;
  options.max_attempts = settings.max_attempts;
  options.protocol = settings.sqs_protocol == "json"    ? sqs::SqsClient::Options::Protocol::kJson
                     : settings.sqs_protocol == "query" ? sqs::SqsClient::Options::Protocol::kQuery
                                                        : sqs::SqsClient::Options::Protocol::kAuto;
  setup.client = std::make_unique<sqs::SqsClient>(options, std::move(transport), setup.credentials);
  return setup;
}

Result<SqsSetup> MakeSqsClient(const Settings& settings) {
  return MakeSqsClient(settings, aws::ProcessEnv());
}

}  // namespace sqs2pg::cli
