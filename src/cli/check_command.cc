#include <fmt/format.h>

#include <chrono>
#include <cstdio>

#include "aws/credential_common.h"
#include "cli/commands.h"
#include "cli/error_hints.h"
#include "cli/mapped_target.h"
#include "pg/conninfo_redact.h"
#include "pg/partitions.h"
#include "pg/sink.h"

namespace sqs2pg::cli {
namespace {

void ReportLine(std::string_view label, std::string_view what, std::string_view detail) {
  std::fputs(fmt::format("[{}] {:<12} {}\n", label, what, detail).c_str(), stdout);
}

void Report(bool ok, std::string_view what, std::string_view detail) {
  ReportLine(ok ? " ok " : "FAIL", what, detail);
}

// "environment", or "container (temporary credentials, expiring 2024-03-14T10:00:00Z)". Never a
// key, a secret or a token.
std::string DescribeCredentials(const SqsSetup& sqs) {
  if (!sqs.credentials_expiration) return sqs.credentials_source;
  return fmt::format("{} (temporary credentials, expiring {})", sqs.credentials_source,
                     aws::FormatIso8601Utc(*sqs.credentials_expiration));
}

// The chain's error (which names every source tried, or the configured source that failed) and
// what to do about it.
std::string DescribeCredentialsFailure(const SqsSetup& sqs) {
  const Status& status = sqs.credentials_status;
  if (status.code() == StatusCode::kNotFound) {
    return status.ToString() +
           " (hint: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE with a profile "
           "in ~/.aws/credentials (AWS_SHARED_CREDENTIALS_FILE), or run with a role: EKS "
           "(AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN), ECS / EKS Pod Identity "
           "(AWS_CONTAINER_CREDENTIALS_*) or an EC2 instance profile)";
  }
  std::string_view hint;
  switch (status.code()) {
    case StatusCode::kUnavailable:
    case StatusCode::kDeadlineExceeded:
      hint =
          "did not answer: check that its endpoint is reachable (and the proxy variables and "
          "NO_PROXY); sqs2pg keeps retrying it";
      break;
    case StatusCode::kUnauthenticated:
    case StatusCode::kPermissionDenied:
      hint = "refused: check the role ARN, the role's trust policy and the token";
      break;
    default:
      hint =
          "is configured but unusable, and sqs2pg does not fall back to a later source: fix "
          "its settings or unset its variables";
      break;
  }
  return fmt::format("{} (hint: {} {})", status.ToString(), sqs.credentials_source, hint);
}

}  // namespace

int CheckCommand(const Settings& settings) {
  bool all_ok = true;
  auto report = [&](bool ok, std::string_view what, std::string_view detail) {
    all_ok = all_ok && ok;
    Report(ok, what, detail);
  };

  // Each key by its source and id, never its bytes: the current one, then the older ones.
  if (Result<keys::KeyRing> ring = LoadMaskKeyRing(settings); !ring.ok()) {
    report(false, "mask key", ring.status().message());
  } else {
    const transform::MaskScheme scheme = MaskSchemeSetting(settings);
    for (const keys::MaskKey& key : ring->keys()) {
      const bool current = &key == &ring->current();
      report(
          true, current ? "mask key" : "older key",
          fmt::format("{}, key id {} ({} bytes); {}", key.source, key.id, key.bytes.size(),
                      !current ? std::string("for unmask and remask")
                               : fmt::format("masking {} ({})", transform::MaskSchemeName(scheme),
                                             scheme == transform::MaskScheme::kAesSiv
                                                 ? "reversible with the key: sqs2pg unmask"
                                                 : "one-way")));
    }
  }

  Result<transform::mapping::MappingSpec> mapping = LoadMapping(settings);
  report(mapping.ok(), "mapping",
         mapping.ok()
             ? fmt::format("{}: {} columns",
                           settings.mapping.empty() ? "built-in login mapping" : settings.mapping,
                           mapping->columns.size())
             : mapping.status().message());

  Result<SqsSetup> sqs = MakeSqsClient(settings);
  if (!sqs.ok()) {
    report(false, "sqs", sqs.status().message());
  } else {
    report(true, "endpoint",
           fmt::format("{} (from {}), region {} ({})", sqs->endpoint, sqs->endpoint_source,
                       sqs->region,
                       sqs->region_source == "the default" ? sqs->region_source
                                                           : "from " + sqs->region_source));
    const bool credentials_ok = sqs->credentials_status.ok();
    report(credentials_ok, "credentials",
           credentials_ok ? DescribeCredentials(*sqs) : DescribeCredentialsFailure(*sqs));
    if (!credentials_ok) {
      report(false, "queue", "not checked: no usable AWS credentials");
    } else if (settings.queue_url.empty()) {
      report(false, "queue", "--queue-url (or SQS2PG_QUEUE_URL) is not set");
    } else {
      auto counts = sqs->client->GetQueueCounts(settings.queue_url);
      if (counts.ok()) {
        report(true, "queue",
               fmt::format("{} reachable: ~{} visible, ~{} in flight", settings.queue_url,
                           counts->visible, counts->in_flight));
        report(true, "protocol", std::string(sqs->client->protocol()));
      } else {
        report(false, "queue", DescribeWithHint(counts.status()));
      }
    }
    if (credentials_ok && !settings.dlq_url.empty()) {
      auto dlq = sqs->client->GetQueueAttributes(settings.dlq_url, {"QueueArn"});
      report(dlq.ok(), "dlq",
             dlq.ok() ? settings.dlq_url + " reachable" : DescribeWithHint(dlq.status()));
    }
  }

  if (pg::ConninfoMisread(settings.database_url)) {
    // libpq's own error would quote the misplaced pieces of the password.
    report(false, "database", "not connected: " + pg::RedactConninfo(settings.database_url));
    return 1;
  }
  Result<pg::Connection> conn = pg::Connection::Open(settings.database_url);
  if (!conn.ok()) {
    report(false, "database",
           conn.status()
               .WithContext("PostgreSQL at " + (settings.database_url.empty()
                                                    ? std::string("libpq defaults")
                                                    : pg::RedactConninfo(settings.database_url)))
               .ToString());
    return mapping.ok() ? 1 : 2;
  }
  // A warning, not a failure: the connection works, but whoever answers gets the password.
  if (auto unverified = pg::UnverifiedRemoteServer(settings.database_url)) {
    ReportLine("warn", "tls", pg::UnverifiedServerWarning(*unverified));
  }
  if (!mapping.ok()) return 2;  // a configuration error, as for drain and run
  Result<MappedTarget> mapped = PrepareMappedTarget(settings, *conn, MaskSchemeSetting(settings));
  if (!mapped.ok()) {
    report(false, "schema", mapped.status().ToString());
    return mapped.status().code() == StatusCode::kInvalidArgument ? 2 : 1;
  }
  report(true, "schema",
         fmt::format("{}: {} column(s) mapped", mapped->target.shape.display_name,
                     mapped->mapping->columns.size()));
  for (const std::string& line : DescribeMapping(*mapped->mapping)) {
    std::fputs(fmt::format("{:<20}{}\n", "", line).c_str(), stdout);
  }
  for (const std::string& warning : mapped->mapping->warnings)
    ReportLine("warn", "mapping", warning);
  if (mapped->target.partitioned) {
    // How many days ahead rows have a partition to go to (docs/partitioning.md).
    Result<pg::Partitions> parts = pg::ReadPartitions(*conn, mapped->target.qualified);
    if (!parts.ok()) {
      report(false, "partitions", parts.status().ToString());
    } else {
      Result<std::optional<bool>> has_rows = std::optional<bool>();
      if (!parts->default_partition.empty()) {
        has_rows = pg::DefaultHasRows(*conn, parts->default_partition);
      }
      const auto today = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
      const pg::CoverageReport coverage = pg::DescribeCoverage(
          *parts, today.time_since_epoch().count(), has_rows.ok() ? *has_rows : std::nullopt);
      ReportLine(coverage.warn ? "warn" : " ok ", "partitions", coverage.text);
    }
  }
  Result<std::unique_ptr<pg::Sink>> sink =
      pg::Sink::Open(settings.database_url, mapped->table, mapped->Layout());
  report(sink.ok(), "database",
         sink.ok() ? std::string("connected; ledger and rejects tables present")
                   : sink.status().ToString());
  return all_ok ? 0 : 1;
}

}  // namespace sqs2pg::cli
