#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "cli/commands.h"
#include "cli/mapped_target.h"
#include "cli/signals.h"
#include "pg/conninfo_redact.h"
#include "pg/remask.h"

namespace sqs2pg::cli {
namespace {

// How many values of each column are looked at to tell hmac-sha256 masks from aes-siv ones.
constexpr int kSchemeSample = 100;

// Why hmac-sha256 masks cannot be remasked, and what an operator can do instead.
std::string HmacRefusal(const std::string& column) {
  return fmt::format(
      "remask: column {} holds hmac-sha256 masks, which are one-way: a mask under the new key "
      "can only be computed from the raw value, and sqs2pg keeps no raw value, so they cannot be "
      "remasked. After an hmac key rotation, masks of one value made before and after it no longer "
      "match. Either keep the old key as the current one (rotate an hmac key only when it is "
      "compromised), or accept the break: record when the key changed and its key ids, compare "
      "masks only within one key's rows, and look a value up under each key (sqs2pg --mask-key "
      "OLD_URI mask ...); only re-loading the original events with the new key converts old rows "
      "(see docs/masking.md)",
      column);
}

// The mask domain of each column, from the mapping in force.
Result<std::vector<std::string>> ColumnDomains(const transform::mapping::MappingSpec& spec,
                                               const std::vector<std::string>& columns) {
  std::vector<std::string> domains;
  for (const std::string& name : columns) {
    const transform::mapping::ColumnSpec* column = spec.FindColumn(name);
    if (column == nullptr || column->transform != transform::mapping::Transform::kMask) {
      std::string masked;
      for (const auto& c : spec.columns) {
        if (c.transform == transform::mapping::Transform::kMask) {
          masked += (masked.empty() ? "" : ", ") + c.name;
        }
      }
      return InvalidArgumentError(fmt::format(
          "remask: --column {} is not a masked column of the mapping in force ({}); its masked "
          "columns: {}",
          name, spec.file_name.empty() ? "the built-in login mapping" : spec.file_name,
          masked.empty() ? "none" : masked));
    }
    domains.emplace_back(column->MaskDomain());
  }
  return domains;
}

// kInvalidArgument (HmacRefusal) if a sample of a column's values holds an hmac-sha256 mask.
Status CheckNoHmacMasks(pg::Connection& conn, const pg::RemaskTarget& target,
                        const std::vector<std::string>& columns) {
  for (size_t i = 0; i < columns.size(); ++i) {
    SQS2PG_ASSIGN_OR_RETURN(std::vector<std::string> sample,
                            pg::SampleValues(conn, target.table, target.columns[i], kSchemeSample));
    for (const std::string& value : sample) {
      if (transform::DetectMaskScheme(value) == transform::MaskScheme::kHmacSha256) {
        return InvalidArgumentError(HmacRefusal(columns[i]));
      }
    }
  }
  return Status::Ok();
}

// The summary line on stdout.
void PrintSummary(const std::string& table, const std::string& key_id,
                  const pg::RemaskStats& stats) {
  std::string line = fmt::format("remask: {}: {} masks in {} rows rewritten to key id {} in {} {}",
                                 table, stats.masks, stats.rows, key_id, stats.transactions,
                                 stats.transactions == 1 ? "transaction" : "transactions");
  if (stats.failed > 0) {
    line += fmt::format("; {} could not be read and were left as they were (first: {})",
                        stats.failed, stats.first_failure);
  }
  std::fputs((line + "\n").c_str(), stdout);
  std::fflush(stdout);
}

}  // namespace

int RemaskCommand(const Settings& settings, const std::vector<std::string>& columns) {
  Result<transform::mapping::MappingSpec> spec = LoadMapping(settings);
  if (!spec.ok()) {
    spdlog::error("{}", spec.status().message());
    return 2;
  }
  Result<std::vector<std::string>> domains = ColumnDomains(*spec, columns);
  if (!domains.ok()) {
    spdlog::error("{}", domains.status().message());
    return 2;
  }
  Result<transform::AesSivKeyRing> ring = LoadAesSivKeyRing(settings, *domains);
  if (!ring.ok()) {
    spdlog::error("{}", ring.status().message());
    return MaskKeyExitCode(ring.status());
  }
  if (ring->key_ids().size() < 2) {
    spdlog::error(
        "remask: only one key is configured; give the new key first and the older ones after it "
        "(--mask-key NEW --mask-key OLD)");
    return 2;
  }
  std::vector<std::string> older = ring->key_ids();
  older.erase(older.begin());
  std::vector<std::string> prefixes;
  for (const std::string& id : older) prefixes.push_back("s1." + id + ".");

  if (pg::ConninfoMisread(settings.database_url)) {
    spdlog::error("database: {}", pg::RedactConninfo(settings.database_url));
    return 2;
  }
  Result<pg::Connection> conn = pg::Connection::Open(settings.database_url);
  if (!conn.ok()) {
    spdlog::error("remask: {}", conn.status().message());
    return 1;
  }
  const std::string table = ChooseTable(settings, *spec);
  Result<pg::RemaskTarget> target = pg::ResolveRemaskTarget(*conn, table, columns);
  if (!target.ok()) {
    spdlog::error("remask: {}", target.status().message());
    return 1;
  }
  if (Status hmac = CheckNoHmacMasks(*conn, *target, columns); !hmac.ok()) {
    spdlog::error("{}", hmac.message());
    return hmac.code() == StatusCode::kInvalidArgument ? 2 : 1;
  }

  spdlog::info("remask: {} ({}): masks under key id {} -> key id {}, {} rows per transaction",
               target->table, fmt::join(columns, ", "), fmt::join(older, ", "),
               ring->current_key_id(), settings.batch_size);
  pg::RemaskRequest request;
  request.target = *target;
  request.prefixes = prefixes;
  request.batch_rows = settings.batch_size;
  request.stop = &StopRequested();
  pg::RemaskStats stats;
  const Status status = pg::Remask(
      *conn, request,
      [&](size_t column, std::string_view mask) { return ring->Remask(column, mask); }, &stats);
  PrintSummary(target->table, ring->current_key_id(), stats);
  if (!status.ok()) {
    spdlog::error("remask: {}{}", status.message(),
                  status.code() == StatusCode::kCancelled
                      ? ""
                      : "; what was committed stays; run it again to finish");
    return 1;
  }
  return stats.failed > 0 ? 1 : 0;
}

}  // namespace sqs2pg::cli
