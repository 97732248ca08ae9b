#include <openssl/crypto.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <vector>

#include "cli/commands.h"
#include "cli/error_hints.h"
#include "cli/mapped_target.h"
#include "cli/signals.h"
#include "ops/cpu_scheduling.h"
#include "ops/dependency_monitor.h"
#include "ops/metrics.h"
#include "ops/metrics_server.h"
#include "ops/progress.h"
#include "ops/run_stats.h"
#include "pg/conninfo_redact.h"
#include "pg/ledger_pruner.h"
#include "pg/sink.h"
#include "pipeline/pipeline.h"
#include "transform/masker.h"
#include "transform/row_transformer.h"

namespace sqs2pg::cli {
namespace {

constexpr std::chrono::seconds kLedgerKeepMargin{86400};
constexpr std::chrono::seconds kMaxRetention{14 * 86400};  // SQS's upper bound

// How long a ledger key must be kept: --ledger-keep, else the queue's retention plus a margin.
std::chrono::seconds LedgerKeep(const Settings& settings, sqs::SqsClient& client) {
  if (settings.ledger_keep > 0) return std::chrono::seconds(settings.ledger_keep);
  auto attributes = client.GetQueueAttributes(settings.queue_url, {"MessageRetentionPeriod"});
  if (attributes.ok()) {
    auto it = attributes->find("MessageRetentionPeriod");
    if (it != attributes->end()) {
      const long long retention = std::strtoll(it->second.c_str(), nullptr, 10);
      if (retention > 0) return std::chrono::seconds(retention) + kLedgerKeepMargin;
    }
  }
  spdlog::warn("queue retention unknown; keeping ledger keys for the longest possible retention");
  return kMaxRetention + kLedgerKeepMargin;
}

// How often /readyz's dependencies are checked, and a failing one retried.
constexpr std::chrono::seconds kDependencyCheckPeriod{2};
// How often a reachable SQS is checked again (and the queue depth gauge refreshed): SQS bills each
// GetQueueAttributes, and an idle replica's budget is two requests per 20 s, one of them its long
// poll (issue 16). Depth-based alerts wait minutes, so 20 s is fresh enough.
constexpr std::chrono::seconds kSqsCheckPeriod{20};

// Probes for /readyz: SQS through the queue's attributes (which also feed the depth gauge), and
// PostgreSQL through a connection of its own, reopened after a failure.
std::vector<ops::Probe> ReadinessProbes(const Settings& settings, sqs::SqsClient& client,
                                        ops::Metrics& metrics) {
  auto connection = std::make_shared<std::optional<pg::Connection>>();
  return {
      {"postgresql",
       [&settings, connection]() -> Status {
         if (!connection->has_value()) {
           Result<pg::Connection> opened = pg::Connection::Open(settings.database_url);
           if (!opened.ok()) return opened.status();
           connection->emplace(std::move(opened).value());
         }
         Status status = (*connection)->Exec("SELECT 1");
         if (!status.ok()) connection->reset();
         return status;
       }},
      {"sqs",
       [&settings, &client, &metrics]() -> Status {
         SQS2PG_ASSIGN_OR_RETURN(sqs::QueueCounts counts,
                                 client.GetQueueCounts(settings.queue_url));
         metrics.SetQueueDepth(counts.visible, counts.in_flight);
         return Status::Ok();
       },
       kSqsCheckPeriod},
  };
}

}  // namespace

int ConsumeCommand(const Settings& settings, bool stop_when_empty) {
  const char* command = stop_when_empty ? "drain" : "run";
  if (settings.queue_url.empty()) {
    spdlog::error("{}: --queue-url (or SQS2PG_QUEUE_URL) is required", command);
    return 2;
  }
  Result<std::string> key = LoadMaskKey(settings);
  if (!key.ok()) {
    spdlog::error("{}", key.status().message());
    return MaskKeyExitCode(key.status());
  }
  // A broken mapping file is a configuration error before anything is touched.
  if (Result<transform::mapping::MappingSpec> mapping = LoadMapping(settings); !mapping.ok()) {
    spdlog::error("{}", mapping.status().message());
    return 2;
  }
  Result<SqsSetup> sqs = MakeSqsClient(settings);
  if (!sqs.ok()) {
    spdlog::error("{}", sqs.status().message());
    return 2;
  }
  // A DLQ that does not exist (or that we may not use) would only show once a reject needs it,
  // after rows were committed; say so before consuming anything. A passing failure (SQS
  // unreachable for now) is left to the pipeline's retries.
  if (!settings.dlq_url.empty()) {
    auto dlq = sqs->client->GetQueueAttributes(settings.dlq_url, {"QueueArn"});
    if (!dlq.ok() && !dlq.status().IsRetryable()) {
      spdlog::error("{}: --dlq-url {}: {}", command, settings.dlq_url,
                    DescribeWithHint(dlq.status()));
      return 1;
    }
  }
  // One connection per writer. A FIFO queue gets one writer: a group's messages from one receive
  // could otherwise be committed by two writers in either order.
  const bool fifo = sqs::IsFifoQueueUrl(settings.queue_url);
  const int writer_count = fifo ? 1 : settings.writers;
  if (fifo && settings.writers > 1) {
    spdlog::info("FIFO queue: committing with one writer to keep each message group in order");
  }
  if (pg::ConninfoMisread(settings.database_url)) {
    // Refused before connecting: libpq's own error would quote the misplaced password pieces.
    spdlog::error("database: {}", pg::RedactConninfo(settings.database_url));
    return 2;
  }
  // The mapping compiled against the table: a mapping that does not fit is a configuration error.
  const transform::MaskScheme scheme = MaskSchemeSetting(settings);
  Result<MappedTarget> mapped = [&]() -> Result<MappedTarget> {
    Result<pg::Connection> conn = pg::Connection::Open(settings.database_url);
    if (!conn.ok()) {
      return conn.status().WithContext("PostgreSQL at " +
                                       (settings.database_url.empty()
                                            ? std::string("libpq defaults")
                                            : pg::RedactConninfo(settings.database_url)));
    }
    return PrepareMappedTarget(settings, *conn, scheme);
  }();
  if (!mapped.ok()) {
    spdlog::error("{}: {}",
                  mapped.status().code() == StatusCode::kInvalidArgument ? "mapping" : "database",
                  mapped.status().message());
    return mapped.status().code() == StatusCode::kInvalidArgument ? 2 : 1;
  }
  for (const std::string& warning : mapped->mapping->warnings) spdlog::warn("{}", warning);
  std::vector<std::unique_ptr<pg::Sink>> sinks;
  for (int i = 0; i < writer_count; ++i) {
    Result<std::unique_ptr<pg::Sink>> sink =
        pg::Sink::Open(settings.database_url, mapped->table, mapped->Layout());
    if (!sink.ok()) {
      spdlog::error("database: {}", sink.status().message());
      return 1;
    }
    sinks.push_back(std::move(sink).value());
  }
  const pg::Sink& first_sink = *sinks.front();
  if (auto unverified = pg::UnverifiedRemoteServer(settings.database_url)) {
    spdlog::warn("{}", pg::UnverifiedServerWarning(*unverified));
  }
  spdlog::info("{}: queue {} via {} ({}), table {}, mapping {}, credentials from {}", command,
               settings.queue_url, sqs->endpoint, sqs->region, mapped->target.shape.display_name,
               settings.mapping.empty() ? std::string("built-in login mapping") : settings.mapping,
               sqs->credentials_source);

  pipeline::PipelineOptions options;
  options.queue_url = settings.queue_url;
  options.dlq_url = settings.dlq_url;
  options.drain = stop_when_empty;
  options.receivers_auto = settings.receivers == "auto";
  options.receivers = options.receivers_auto ? 2 : std::stoi(settings.receivers);
  options.receivers_min = settings.receivers_min;
  options.receivers_max = std::max(settings.receivers_min, settings.receivers_max);
  // Deletes keep pace with receives: one DeleteMessageBatch per 10 messages, like a receive, so
  // as many calls in flight (at 20 ms per call, 4 deleters cap a drain at 2,000 msg/s). With
  // auto receivers the pipeline adds deleters as it adds receivers.
  options.deleters = std::max(4, options.receivers);
  options.max_batch_messages = static_cast<size_t>(settings.batch_size);
  options.max_held_bytes = static_cast<size_t>(settings.max_held_bytes);
  options.max_batch_delay = std::chrono::milliseconds(settings.batch_delay_ms);
  options.visibility_timeout_seconds = settings.visibility_timeout;
  options.wait_time_seconds =
      settings.wait_time >= 0 ? settings.wait_time : (stop_when_empty ? 0 : 20);
  options.db_retry_timeout = std::chrono::seconds(settings.db_retry_timeout);
  options.sqs_retry_timeout = std::chrono::seconds(settings.sqs_retry_timeout);
  options.shutdown_timeout = std::chrono::seconds(settings.shutdown_timeout);
  options.receive_message_attributes = mapped->mapping->needs_message_attributes;
  options.receive_sender_id = mapped->mapping->needs_sender_id;

  ops::RunStats stats;
  std::optional<pg::LedgerPruner> pruner;
  if (settings.ledger_prune_interval > 0) {
    pruner.emplace(
        settings.database_url, first_sink.target().schema, LedgerKeep(settings, *sqs->client),
        std::chrono::seconds(settings.ledger_prune_interval), &stats.ledger_prune_failures);
    pruner->Start();
  }

  // Metrics and probes (--metrics-addr): the pipeline and the SQS client feed them.
  std::optional<ops::Metrics> metrics;
  std::optional<ops::MetricsServer> metrics_server;
  std::optional<ops::DependencyMonitor> monitor;
  if (!settings.metrics_addr.empty()) {
    metrics.emplace(stats);
    metrics_server.emplace(*metrics);
    Status listening = metrics_server->Start(settings.metrics_addr);
    if (!listening.ok()) {
      spdlog::error("{}", listening.message());
      return listening.code() == StatusCode::kInvalidArgument ? 2 : 1;
    }
    ops::Metrics* m = &*metrics;
    sqs->client->SetRequestObserver(
        [m](std::string_view operation, std::string_view outcome, double seconds) {
          m->ObserveSqsRequest(operation, outcome, seconds);
        });
    options.metrics = m;
    monitor.emplace(*m, ReadinessProbes(settings, *sqs->client, *m), kDependencyCheckPeriod);
    monitor->Start();
  }
  // A live progress line only for a person watching a drain (stderr is a terminal).
  std::optional<ops::ProgressLine> progress;
  if (stop_when_empty && settings.log_format == "text" && ops::ShouldShowProgress(stderr)) {
    auto counts = sqs->client->GetQueueCounts(settings.queue_url);
    progress.emplace(stats, counts.ok() ? counts->visible + counts->in_flight : -1,
                     ops::StderrStatusLine());
    progress->Start();
  }

  // On every thread started so far (pruner, metrics, monitor, progress) and, by inheritance, on the
  // pipeline's (see ops/cpu_scheduling.h).
  if (std::optional<ops::CpuScheduling> policy = ops::ParseCpuScheduling(settings.cpu_scheduling)) {
    Status applied = ops::ApplyCpuScheduling(*policy);
    if (!applied.ok()) {
      spdlog::warn("--cpu-scheduling {}: not applied to every thread ({}); the others keep theirs",
                   settings.cpu_scheduling, applied.message());
    }
  }
  transform::Masker masker(scheme, *key, mapped->mapping->mask_domains);
  OPENSSL_cleanse(key->data(), key->size());  // the masker holds its own keyed state
  // "ip and device_id", "customer.email", "a, b and c": the domains masked, never a value.
  const std::vector<std::string>& masked = mapped->mapping->mask_domains;
  std::string domains = masked.empty() ? std::string("nothing") : masked.front();
  for (size_t i = 1; i < masked.size(); ++i) {
    domains += (i + 1 == masked.size() ? " and " : ", ") + masked[i];
  }
  spdlog::info("masking {} with {} (key id {})", domains,
               transform::MaskSchemeName(masker.scheme()), masker.key_id());
  std::vector<pipeline::WriterParts> writers;
  writers.reserve(sinks.size());
  for (auto& sink : sinks) {
    writers.push_back({sink.get(), transform::RowTransformer(mapped->mapping, masker)});
  }
  pipeline::Pipeline pipeline(options, *sqs->client, std::move(writers), stats, StopRequested());
  Status status = pipeline.Run();
  if (progress) progress->Stop();
  if (monitor) monitor->Stop();
  if (pruner) pruner->Stop();
  if (metrics_server) metrics_server->Stop();
  if (settings.log_format == "json") {
    spdlog::info("summary: {}", stats.SummaryLine());
  } else {
    std::fputs(stats.Summary().c_str(), stderr);
  }
  if (!status.ok()) {
    spdlog::error("{} failed: {}", command, DescribeWithHint(status));
    return 1;
  }
  return 0;
}

}  // namespace sqs2pg::cli
