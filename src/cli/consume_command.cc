#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstdlib>
#include <optional>

#include "cli/commands.h"
#include "cli/error_hints.h"
#include "cli/signals.h"
#include "ops/run_stats.h"
#include "pg/ledger_pruner.h"
#include "pg/sink.h"
#include "pipeline/pipeline.h"
#include "transform/event_transformer.h"
#include "transform/masker.h"

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
    return 2;
  }
  Result<SqsSetup> sqs = MakeSqsClient(settings);
  if (!sqs.ok()) {
    spdlog::error("{}", sqs.status().message());
    return 2;
  }
  Result<std::unique_ptr<pg::Sink>> sink = pg::Sink::Open(settings.database_url, settings.table);
  if (!sink.ok()) {
    spdlog::error("database: {}", sink.status().message());
    return 1;
  }
  spdlog::info("{}: queue {} via {} ({}), table {}, credentials from {}", command,
               settings.queue_url, sqs->endpoint, sqs->region, settings.table,
               sqs->credentials_source);

  pipeline::PipelineOptions options;
  options.queue_url = settings.queue_url;
  options.dlq_url = settings.dlq_url;
  options.drain = stop_when_empty;
  options.receivers = settings.receivers;
  options.max_batch_messages = static_cast<size_t>(settings.batch_size);
  options.max_batch_delay = std::chrono::milliseconds(settings.batch_delay_ms);
  options.visibility_timeout_seconds = settings.visibility_timeout;
  options.wait_time_seconds =
      settings.wait_time >= 0 ? settings.wait_time : (stop_when_empty ? 2 : 20);
  options.db_retry_timeout = std::chrono::seconds(settings.db_retry_timeout);
  options.shutdown_timeout = std::chrono::seconds(settings.shutdown_timeout);

  std::optional<pg::LedgerPruner> pruner;
  if (settings.ledger_prune_interval > 0) {
    pruner.emplace(settings.database_url, (*sink)->target().schema,
                   LedgerKeep(settings, *sqs->client),
                   std::chrono::seconds(settings.ledger_prune_interval));
    pruner->Start();
  }

  ops::RunStats stats;
  transform::EventTransformer transformer((*sink)->columns(), transform::Masker(*key));
  pipeline::Pipeline pipeline(options, *sqs->client, **sink, std::move(transformer), stats,
                              StopRequested());
  Status status = pipeline.Run();
  if (pruner) pruner->Stop();
  std::fputs(stats.Summary().c_str(), stderr);
  if (!status.ok()) {
    spdlog::error("{} failed: {}", command, DescribeWithHint(status));
    return 1;
  }
  return 0;
}

}  // namespace sqs2pg::cli
