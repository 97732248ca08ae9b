#include "pg/partitions.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>

#include "transform/convert/time_parse.h"

namespace sqs2pg::pg {
namespace {

using transform::kMicrosPerDay;
using transform::kPostgresEpochUnixDays;
using transform::kPostgresEpochUnixMicros;

std::optional<TimeKeyType> TimeKeyTypeOf(std::string_view typname) {
  if (typname == "date") return TimeKeyType::kDate;
  if (typname == "timestamp") return TimeKeyType::kTimestamp;
  if (typname == "timestamptz") return TimeKeyType::kTimestamptz;
  return std::nullopt;
}

std::string_view SqlType(TimeKeyType type) {
  switch (type) {
    case TimeKeyType::kDate:
      return "pg_catalog.date";
    case TimeKeyType::kTimestamp:
      return "pg_catalog.timestamp";
    case TimeKeyType::kTimestamptz:
      return "pg_catalog.timestamptz";
  }
  return "";
}

// SQL for the Unix epoch seconds, as text, of a range bound `expr` as pg_get_expr() prints it
// ('2026-12-06', MINVALUE, MAXVALUE): "-Infinity" and "Infinity" for the unbounded ends.
std::string EpochSql(std::string_view expr, TimeKeyType type) {
  return fmt::format(
      "CASE {0} WHEN 'MINVALUE' THEN '-Infinity' WHEN 'MAXVALUE' THEN 'Infinity' ELSE "
      "pg_catalog.date_part('epoch', pg_catalog.btrim({0}, '''')::{1})::text END",
      expr, SqlType(type));
}

std::optional<int64_t> MicrosFromEpochText(std::string_view text) {
  if (text == "Infinity") return kUnboundedAbove;
  if (text == "-Infinity") return kUnboundedBelow;
  double seconds = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
  if (ec != std::errc() || ptr != text.data() + text.size() || !std::isfinite(seconds)) {
    return std::nullopt;
  }
  return static_cast<int64_t>(std::llround(seconds * 1e6));
}

int64_t ReadBigEndian(std::string_view bytes) {
  uint64_t v = 0;
  for (char c : bytes) v = (v << 8) | static_cast<unsigned char>(c);
  if (bytes.size() == 4) return static_cast<int32_t>(static_cast<uint32_t>(v));
  return static_cast<int64_t>(v);
}

std::string DayText(int64_t unix_day) {
  int64_t year = 0;
  unsigned month = 0, day = 0;
  transform::CivilFromDays(unix_day, &year, &month, &day);
  return fmt::format("{:04}-{:02}-{:02}", year, month, day);
}

std::string Days(int64_t n) { return fmt::format("{} day{}", n, n == 1 ? "" : "s"); }

}  // namespace

Result<PartitionKey> ReadPartitionKey(Connection& conn, const std::string& table) {
  SQS2PG_ASSIGN_OR_RETURN(
      PgResult r,
      conn.Query("SELECT pg_catalog.pg_get_partkeydef(pt.partrelid), pt.partstrat = 'r' AND "
                 "pt.partnatts = 1 AND t.typnamespace = 'pg_catalog'::pg_catalog.regnamespace, "
                 "a.attname, t.typname "
                 "FROM pg_catalog.pg_partitioned_table pt "
                 "LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = pt.partrelid "
                 "AND a.attnum = pt.partattrs[0] "
                 "LEFT JOIN pg_catalog.pg_type t ON t.oid = a.atttypid "
                 "WHERE pt.partrelid = pg_catalog.to_regclass($1)",
                 {table}));
  if (r.rows() != 1) return FailedPreconditionError(table + " is not a partitioned table");
  PartitionKey key;
  key.definition = std::string(r.Get(0, 0));
  if (r.GetBool(0, 1)) {
    key.time_type = TimeKeyTypeOf(r.Get(0, 3));
    if (key.time_type) key.column = std::string(r.Get(0, 2));
  }
  return key;
}

Result<Partitions> ReadPartitions(Connection& conn, const std::string& table) {
  Partitions out;
  out.table = table;
  SQS2PG_ASSIGN_OR_RETURN(out.key, ReadPartitionKey(conn, table));
  const std::string lower = out.key.time_type ? EpochSql("b[1]", *out.key.time_type) : "NULL";
  const std::string upper = out.key.time_type ? EpochSql("b[2]", *out.key.time_type) : "NULL";
  // DateStyle ISO prints timestamptz bounds with numeric offsets, which read back exactly (the SQL
  // and Postgres styles print abbreviations such as IST, which may read back as another zone).
  SQS2PG_RETURN_IF_ERROR(conn.Exec("BEGIN READ ONLY; SET LOCAL DateStyle = ISO"));
  Result<PgResult> read = conn.Query(
      "SELECT pg_catalog.format('%I.%I', n.nspname, c.relname), "
      "pg_catalog.pg_get_expr(c.relpartbound, c.oid) = 'DEFAULT', " +
          lower + ", " + upper +
          " FROM pg_catalog.pg_inherits i "
          "JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid "
          "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
          "LEFT JOIN LATERAL pg_catalog.regexp_match("
          "pg_catalog.pg_get_expr(c.relpartbound, c.oid), "
          "'^FOR VALUES FROM \\((.*)\\) TO \\((.*)\\)$') b ON true "
          "WHERE i.inhparent = pg_catalog.to_regclass($1)",
      {table});
  SQS2PG_RETURN_IF_ERROR(conn.Exec(read.ok() ? "COMMIT" : "ROLLBACK"));
  SQS2PG_ASSIGN_OR_RETURN(PgResult r, std::move(read));
  for (int i = 0; i < r.rows(); ++i) {
    if (r.GetBool(i, 1)) {
      out.default_partition = std::string(r.Get(i, 0));
      continue;
    }
    ++out.count;
    if (!out.key.time_type) continue;
    std::optional<int64_t> lo = MicrosFromEpochText(r.Get(i, 2));
    std::optional<int64_t> hi = MicrosFromEpochText(r.Get(i, 3));
    if (lo && hi) out.ranges.push_back({*lo, *hi});
  }
  std::sort(out.ranges.begin(), out.ranges.end(),
            [](const TimeRange& a, const TimeRange& b) { return a.lower < b.lower; });
  return out;
}

Result<std::optional<bool>> DefaultHasRows(Connection& conn, const std::string& partition) {
  SQS2PG_ASSIGN_OR_RETURN(
      PgResult may,
      conn.Query("SELECT pg_catalog.has_table_privilege(pg_catalog.to_regclass($1), 'SELECT')",
                 {partition}));
  if (may.rows() != 1 || !may.GetBool(0, 0)) return std::optional<bool>();
  SQS2PG_ASSIGN_OR_RETURN(PgResult r,
                          conn.Query("SELECT EXISTS (SELECT 1 FROM ONLY " + partition + ")"));
  return std::optional<bool>(r.rows() == 1 && r.GetBool(0, 0));
}

DayCoverage CoverageFrom(std::vector<TimeRange> ranges, int64_t today) {
  std::sort(ranges.begin(), ranges.end(),
            [](const TimeRange& a, const TimeRange& b) { return a.lower < b.lower; });
  const int64_t start = today * kMicrosPerDay;
  DayCoverage out;
  out.until = start;
  for (const TimeRange& r : ranges) {
    if (r.upper <= out.until) continue;
    if (r.lower > out.until) break;  // a gap
    out.until = r.upper;
  }
  out.unbounded = out.until == kUnboundedAbove;
  if (!out.unbounded) out.days_ahead = (out.until - start) / kMicrosPerDay - 1;
  return out;
}

CoverageReport DescribeCoverage(const Partitions& p, int64_t today,
                                std::optional<bool> default_has_rows) {
  CoverageReport out;
  std::string text = fmt::format("{}: {}, {} partition{}", p.table, p.key.definition, p.count,
                                 p.count == 1 ? "" : "s");
  const std::string fallback =
      p.default_partition.empty()
          ? std::string("are refused (db_refused): there is no DEFAULT partition")
          : "go to the DEFAULT partition " + p.default_partition;
  if (!p.key.time_type) {
    text += p.default_partition.empty() ? ", no DEFAULT partition"
                                        : ", DEFAULT partition " + p.default_partition;
    text += "; not a range on one date or timestamp column: days ahead not counted";
  } else {
    const DayCoverage c = CoverageFrom(p.ranges, today);
    if (c.unbounded) {
      text += ", covered without end (a partition reaches MAXVALUE)";
    } else if (c.days_ahead < 0) {
      out.warn = true;
      text += fmt::format(", no partition for today ({}, UTC): today's rows {}", DayText(today),
                          fallback);
    } else if (c.days_ahead < kMinDaysAhead) {
      out.warn = true;
      text +=
          fmt::format(", only {} ahead (through {}, UTC; fewer than {}): rows for later days {}",
                      Days(c.days_ahead), DayText(today + c.days_ahead), kMinDaysAhead, fallback);
    } else {
      text += fmt::format(", {} ahead (through {}, UTC)", Days(c.days_ahead),
                          DayText(today + c.days_ahead));
    }
    if (out.warn) {
      text +=
          "; create partitions ahead (pg_partman: premake and partman.run_maintenance(), "
          "see docs/partitioning.md)";
    } else {
      text += p.default_partition.empty() ? ", no DEFAULT partition"
                                          : ", DEFAULT partition " + p.default_partition;
    }
  }
  if (default_has_rows.value_or(false)) {
    text +=
        "; the DEFAULT partition holds rows (no partition can be created over them: "
        "partman.check_default(), partman.partition_data_proc())";
  }
  out.text = std::move(text);
  return out;
}

bool Covers(const std::vector<TimeRange>& ranges, int64_t unix_micros) {
  return std::any_of(ranges.begin(), ranges.end(), [unix_micros](const TimeRange& r) {
    return r.lower <= unix_micros && unix_micros < r.upper;
  });
}

std::optional<int64_t> KeyValueMicros(std::string_view fields, size_t index, TimeKeyType type) {
  for (size_t i = 0;; ++i) {
    if (fields.size() < 4) return std::nullopt;
    const int64_t length = ReadBigEndian(fields.substr(0, 4));
    fields.remove_prefix(4);
    if (length < 0) {
      if (i == index) return std::nullopt;  // NULL
      continue;
    }
    if (static_cast<uint64_t>(length) > fields.size()) return std::nullopt;
    if (i < index) {
      fields.remove_prefix(static_cast<size_t>(length));
      continue;
    }
    const size_t width = type == TimeKeyType::kDate ? 4 : 8;
    if (static_cast<size_t>(length) != width) return std::nullopt;
    const int64_t v = ReadBigEndian(fields.substr(0, width));
    if (type == TimeKeyType::kDate) {
      // Past int64 microseconds (PostgreSQL's infinities are the int32 extremes): not a day.
      constexpr int64_t kMaxDays = std::numeric_limits<int64_t>::max() / kMicrosPerDay - 20000;
      if (v < -kMaxDays || v > kMaxDays) return std::nullopt;
      return (v + kPostgresEpochUnixDays) * kMicrosPerDay;
    }
    if (v == std::numeric_limits<int64_t>::min() || v == std::numeric_limits<int64_t>::max() ||
        v > std::numeric_limits<int64_t>::max() - kPostgresEpochUnixMicros) {
      return std::nullopt;
    }
    return v + kPostgresEpochUnixMicros;
  }
}

std::string DayRangeText(TimeKeyType type, int64_t unix_day) {
  const char* time = type == TimeKeyType::kDate        ? ""
                     : type == TimeKeyType::kTimestamp ? " 00:00:00"
                                                       : " 00:00:00+00";
  return fmt::format("[{}{}, {}{})", DayText(unix_day), time, DayText(unix_day + 1), time);
}

}  // namespace sqs2pg::pg
