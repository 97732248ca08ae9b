#include <fmt/format.h>

#include <cstdio>

#include "cli/commands.h"
#include "cli/error_hints.h"
#include "pg/sink.h"

namespace sqs2pg::cli {
namespace {

void Report(bool ok, std::string_view what, std::string_view detail) {
  std::fputs(fmt::format("[{}] {:<12} {}\n", ok ? " ok " : "FAIL", what, detail).c_str(), stdout);
}

}  // namespace

int CheckCommand(const Settings& settings) {
  bool all_ok = true;
  auto report = [&](bool ok, std::string_view what, std::string_view detail) {
    all_ok = all_ok && ok;
    Report(ok, what, detail);
  };

  Result<std::string> key = LoadMaskKey(settings);
  report(key.ok(), "mask key",
         key.ok() ? fmt::format("{} bytes", key->size()) : key.status().message());

  Result<SqsSetup> sqs = MakeSqsClient(settings);
  if (!sqs.ok()) {
    report(false, "sqs", sqs.status().message());
  } else {
    report(true, "endpoint", fmt::format("{} (region {})", sqs->endpoint, sqs->region));
    report(true, "credentials", fmt::format("source: {}", sqs->credentials_source));
    if (settings.queue_url.empty()) {
      report(false, "queue", "--queue-url (or SQS2PG_QUEUE_URL) is not set");
    } else {
      auto attributes = sqs->client->GetQueueAttributes(
          settings.queue_url,
          {"ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"});
      if (attributes.ok()) {
        report(true, "queue",
               fmt::format("{} reachable: ~{} visible, ~{} in flight", settings.queue_url,
                           (*attributes)["ApproximateNumberOfMessages"],
                           (*attributes)["ApproximateNumberOfMessagesNotVisible"]));
        report(true, "protocol", std::string(sqs->client->protocol()));
      } else {
        report(false, "queue", DescribeWithHint(attributes.status()));
      }
    }
    if (!settings.dlq_url.empty()) {
      auto dlq = sqs->client->GetQueueAttributes(settings.dlq_url, {"QueueArn"});
      report(dlq.ok(), "dlq",
             dlq.ok() ? settings.dlq_url + " reachable" : DescribeWithHint(dlq.status()));
    }
  }

  Result<std::unique_ptr<pg::Sink>> sink = pg::Sink::Open(settings.database_url, settings.table);
  if (sink.ok()) {
    const auto& columns = (*sink)->columns();
    report(true, "database", "connected; ledger and rejects tables present");
    report(true, "schema",
           fmt::format("{}: all columns present (app_version {})", settings.table,
                       columns.app_version_type == transform::VersionColumnType::kInteger
                           ? "integer: versions are encoded as M*1000000+m*1000+p"
                           : "text: versions stored as sent"));
  } else {
    report(false, "database", sink.status().ToString());
  }
  return all_ok ? 0 : 1;
}

}  // namespace sqs2pg::cli
