// The sink alone: rows/s of sqs2pg's exactly-once pg::Sink::WriteBatch (ledger keys + rows in one
// transaction) next to raw COPY binary of the same rows into a table of the same shape (no ledger),
// on the same PostgreSQL, in the same run, interleaved chunk by chunk so that all modes see the
// same machine load; with the ledger holding 0, 10 M and 50 M keys (issue 15: the cost must stay
// flat). Targets: WriteBatch >= 40 % of raw COPY; at 50 M keys >= 0.9 of the rate at 0 keys; a
// prune of a day's keys in under a second, leaving no dead tuples.
//
//   SQS2PG_BENCH_DATABASE_URL=postgresql://... build/sink_bench [--rows 200000]
//       [--rows-per-batch 2000] [--chunk-batches 10] [--writers 2]
//       [--ledger-keys 0,10000000,50000000] [--ledger-keep 432000] [--schema sink_bench]
//
// The database comes from SQS2PG_BENCH_DATABASE_URL, else DATABASE_URL (bench/run.sh sets both).
// It (re)creates the schema --schema with two tables in the assignment's user_logins shape:
// `user_logins`, written by pg::Sinks (which create their sidecar ledger beside it, through the
// real DDL of src/pg/sidecar.sql), and `raw_logins`, written by plain COPY on one connection. Rows
// are real transform output (synthetic events through the built-in login mapping compiled against
// the table, masked), message ids fresh random UUIDs sent "now", as SQS's are; the ids are made
// outside the timed part. Modes:
//   sink             --writers Sinks (as `sqs2pg --writers`, default 2), each on its own connection
//                    and thread, commit the chunk's batches at once (batch i by writer i % N)
//   sink_one_writer  one Sink commits the same number of batches one after the other
//   copy             raw COPY binary, one connection: the yardstick
// Each batch is one transaction in every mode (a Sink: BEGIN, COPY keys, COPY rows, COMMIT; raw:
// one COPY, which commits on its own), so each pays one commit (fsync) per batch; all time the
// COPY-binary encoding. Per mode it also reports the WAL written, the CPU time of the PostgreSQL
// backends serving it (from /proc, when the server runs on this machine) and of this process, per
// row.
//
// Ledger levels (--ledger-keys, measured in that order): for each, the ledger is emptied
// (TRUNCATE) and filled with SQL (generate_series) with that many keys, their sent times spread
// evenly, in order, from the start of the oldest day of the keep window (--ledger-keep, default
// 5 days: SQS's default retention of 4 days plus the day sqs2pg adds, i.e. what `--ledger-keep`
// resolves to on such a queue) up to now, into the day partitions that sqs2pg's own maintenance
// (pg::MaintainLedger, as pg::LedgerPruner runs it at start) made for that window; then VACUUM
// ANALYZE and CHECKPOINT, and the modes are measured. Each level reports the ledger's size on disk
// (pg_total_relation_size of every partition) per million keys. After the last level, a prune:
// pg::MaintainLedger with the keep window one day shorter drops the oldest day's partition (a
// whole day of keys), timed; then the dead tuples left in the ledger's partitions
// (pg_stat_user_tables.n_dead_tup) are reported.
//
// Prints one JSON object on stdout; progress on stderr. Exits 1 on any database error.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "cli/mapped_target.h"
#include "cli/synthetic_events.h"
#include "pg/connection.h"
#include "pg/copy_binary.h"
#include "pg/ledger_pruner.h"
#include "pg/schema.h"
#include "pg/sink.h"
#include "transform/mapping/compiled_mapping.h"
#include "transform/mapping/default_mapping.h"
#include "transform/mask_scheme.h"
#include "transform/masker.h"
#include "transform/rejection.h"
#include "transform/row_transformer.h"

namespace sqs2pg::bench {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int64_t kDaySeconds = 86400;

struct Options {
  int64_t rows = 200000;
  int rows_per_batch = 2000;
  int chunk_batches = 10;  // even, so that two writers get as many batches each
  std::vector<int64_t> ledger_keys = {0, 10000000, 50000000};
  // SQS's default retention (4 days) plus the day sqs2pg adds (src/cli/consume_command.cc).
  int64_t ledger_keep_seconds = 5 * kDaySeconds;
  int writers = 2;  // sink connections writing batches at once (sqs2pg --writers, default 2)
  std::string schema = "sink_bench";
};

// Batches in the pool (reused with fresh ids); a chunk is at most this many, so that the writers
// of the sink mode never share a batch.
constexpr int kDistinctBatches = 10;
// Keys per INSERT of the ledger fill (one transaction each; progress is printed after each).
constexpr int64_t kFillChunk = 2000000;

enum Mode { kSink, kSinkOneWriter, kCopy, kModes };
constexpr const char* kModeNames[kModes] = {"sink", "sink_one_writer", "copy"};

// What one mode cost over a phase: wall time of its batches (only what is timed), the WAL the
// server wrote meanwhile, and the CPU time of this thread and of the server backend serving it.
struct ModeCost {
  double seconds = 0;
  int64_t wal_bytes = 0;
  double client_cpu_seconds = 0;
  double server_cpu_seconds = -1;  // < 0: unknown (the server is not on this machine)
};

struct PhaseResult {
  int64_t rows = 0;
  ModeCost cost[kModes];
  double rows_per_s(Mode m) const { return cost[m].seconds > 0 ? rows / cost[m].seconds : 0; }
  double ratio(Mode m = kSink) const {
    return rows_per_s(kCopy) > 0 ? rows_per_s(m) / rows_per_s(kCopy) : 0;
  }
};

// The ledger as it stood before a phase: its keys, partitions and size on disk.
struct LedgerState {
  int64_t keys = 0;
  int64_t default_partition_keys = 0;
  int partitions = 0;  // day partitions (the DEFAULT one aside)
  int64_t bytes = 0;   // pg_total_relation_size of every partition (heap, index, TOAST, maps)
  double fill_seconds = 0;
};

struct PruneResult {
  int64_t keys = 0;  // in the partition dropped
  double seconds = 0;
  int dropped = 0;
  int busy = 0;
  int64_t bytes_before = 0;
  int64_t bytes_after = 0;
  int64_t dead_tuples_after = -1;  // summed over the ledger's partitions; -1: unknown
};

[[noreturn]] void Die(const std::string& what, const Status& status) {
  std::fprintf(stderr, "sink_bench: %s: %s\n", what.c_str(), status.ToString().c_str());
  std::exit(1);
}

void Check(const std::string& what, const Status& status) {
  if (!status.ok()) Die(what, status);
}

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// CPU time of this process, all threads (the sink mode writes from several).
double ClientCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// utime + stime of a process, from /proc/<pid>/stat; < 0 if it cannot be read (another machine).
double ProcessCpuSeconds(int pid) {
  if (pid <= 0) return -1;
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t end_of_name = stat.rfind(')');
  if (end_of_name == std::string::npos || end_of_name + 2 > stat.size()) return -1;
  std::istringstream fields(stat.substr(end_of_name + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  // After the name: state is field 3; utime and stime are fields 14 and 15 (clock ticks).
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// The conninfo with an application_name, so the bench can find each connection's backend.
std::string WithApplicationName(const std::string& conninfo, const std::string& name) {
  if (conninfo.find("://") != std::string::npos) {
    return conninfo + (conninfo.find('?') == std::string::npos ? "?" : "&") +
           "application_name=" + name;
  }
  return conninfo + " application_name=" + name;
}

// A random (version 4) UUID in canonical form, like an SQS MessageId.
class UuidSource {
 public:
  UuidSource() : rng_(std::random_device{}()) {}
  std::string Next() {
    uint64_t hi = rng_(), lo = rng_();
    hi = (hi & ~0xf000ULL) | 0x4000ULL;            // version 4
    lo = (lo & ~(0xcULL << 60)) | (0x8ULL << 60);  // RFC 4122 variant
    char out[37];
    std::snprintf(out, sizeof(out), "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                  static_cast<unsigned>((hi >> 16) & 0xffff), static_cast<unsigned>(hi & 0xffff),
                  static_cast<unsigned>(lo >> 48),
                  static_cast<unsigned long long>(lo & 0xffffffffffffULL));
    return out;
  }

 private:
  std::mt19937_64 rng_;
};

class SinkBench {
 public:
  SinkBench(Options options, std::string conninfo)
      : options_(std::move(options)), conninfo_(std::move(conninfo)) {}

  void Setup() {
    Result<pg::Connection> admin = pg::Connection::Open(conninfo_);
    if (!admin.ok()) Die("connecting", admin.status());
    admin_.emplace(std::move(admin).value());
    const std::string& s = options_.schema;
    Check("creating the schema",
          admin_->Exec("DROP SCHEMA IF EXISTS " + s + " CASCADE; CREATE SCHEMA " + s +
                       "; CREATE TABLE " + s +
                       ".user_logins(user_id varchar(128), device_type varchar(32), "
                       "masked_ip varchar(256), masked_device_id varchar(256), "
                       "locale varchar(32), app_version integer, create_date date); "
                       "CREATE TABLE " +
                       s + ".raw_logins (LIKE " + s + ".user_logins)"));
    // The built-in login mapping compiled against the table, as `sqs2pg drain` does at start-up.
    Result<pg::TargetTable> target = pg::DescribeTarget(*admin_, s + ".user_logins");
    if (!target.ok()) Die("describing the table", target.status());
    Result<transform::mapping::CompiledMapping> compiled =
        transform::mapping::CompileMapping(transform::mapping::DefaultMapping(), target->shape,
                                           cli::MinMaskChars(transform::MaskScheme::kHmacSha256));
    if (!compiled.ok()) Die("compiling the login mapping", compiled.status());
    mapping_ =
        std::make_shared<const transform::mapping::CompiledMapping>(std::move(compiled).value());
    pg::RowLayout layout;
    layout.columns = mapping_->ColumnNames();
    // sinks_[0 .. writers) write mode kSink; the last one, alone, kSinkOneWriter. The first one
    // creates the sidecar ledger (src/pg/sidecar.sql), as sqs2pg's first Sink does.
    for (int w = 0; w <= options_.writers; ++w) {
      const char* name = w < options_.writers ? "sink_bench_sink" : "sink_bench_sink_one_writer";
      Result<std::unique_ptr<pg::Sink>> sink =
          pg::Sink::Open(WithApplicationName(conninfo_, name), s + ".user_logins", layout);
      if (!sink.ok()) Die("opening the sink", sink.status());
      sinks_.push_back(std::move(sink).value());
    }
    // The day partitions of the keep window, as sqs2pg's LedgerPruner makes them at start.
    Result<pg::LedgerMaintenance> made =
        pg::MaintainLedger(*admin_, s, KeepWindow(), pg::LedgerDaysAhead(KeepWindow()));
    if (!made.ok()) Die("making the ledger's partitions", made.status());
    Result<pg::Connection> c =
        pg::Connection::Open(WithApplicationName(conninfo_, "sink_bench_copy"));
    if (!c.ok()) Die("connecting", c.status());
    copy_conn_.emplace(std::move(c).value());
    std::string columns;
    for (const std::string& col : layout.columns) columns += (columns.empty() ? "" : ", ") + col;
    field_count_ = static_cast<int16_t>(layout.columns.size());
    copy_sql_ = "COPY " + s + ".raw_logins (" + columns + ") FROM STDIN (FORMAT binary)";
    for (int m = 0; m < kModes; ++m) {
      Result<pg::PgResult> r =
          admin_->Query("SELECT pid FROM pg_stat_activity WHERE application_name = $1",
                        {std::string("sink_bench_") + kModeNames[m]});
      for (int i = 0; r.ok() && i < r->rows(); ++i) {
        backend_pids_[m].push_back(static_cast<int>(r->GetInt(i, 0)));
      }
    }
    MakeBatches();
  }

  // One batch of each kind, not timed: connections, catalog caches and buffers warm up.
  void WarmUp() {
    for (int m = 0; m < kModes; ++m) Write(static_cast<Mode>(m), batches_[0]);
  }

  PhaseResult Measure(const std::string& phase) {
    PhaseResult result;
    const int64_t batches = (options_.rows + options_.rows_per_batch - 1) / options_.rows_per_batch;
    int64_t done = 0;
    int64_t chunk = 0;
    while (done < batches) {
      const int64_t n = std::min<int64_t>(options_.chunk_batches, batches - done);
      // Rotate which mode goes first, so none always follows another's checkpoint or autovacuum
      // work.
      for (int pass = 0; pass < kModes; ++pass) {
        const Mode mode = static_cast<Mode>((pass + chunk) % kModes);
        ModeCost& cost = result.cost[mode];
        const int64_t lsn0 = WalPosition();
        const double client0 = ClientCpuSeconds();
        const double server0 = BackendCpuSeconds(mode);
        if (mode == kSink) {
          cost.seconds += WriteSinkConcurrently(done, n);
        } else {
          for (int64_t b = 0; b < n; ++b) {
            cost.seconds += Write(mode, batches_[(done + b) % batches_.size()]);
          }
        }
        const double server1 = BackendCpuSeconds(mode);
        cost.client_cpu_seconds += ClientCpuSeconds() - client0;
        cost.wal_bytes += WalPosition() - lsn0;
        if (server0 >= 0 && server1 >= 0) {
          cost.server_cpu_seconds = std::max(0.0, cost.server_cpu_seconds) + (server1 - server0);
        }
      }
      for (int64_t b = 0; b < n; ++b) {
        result.rows += static_cast<int64_t>(batches_[(done + b) % batches_.size()].size());
      }
      ++chunk;
      done += n;
    }
    std::fprintf(stderr,
                 "sink_bench: %s: %lld rows: WriteBatch with %d writers %.0f rows/s (%.2f of raw), "
                 "with one writer %.0f rows/s (%.2f), raw COPY %.0f rows/s\n",
                 phase.c_str(), static_cast<long long>(result.rows), options_.writers,
                 result.rows_per_s(kSink), result.ratio(), result.rows_per_s(kSinkOneWriter),
                 result.ratio(kSinkOneWriter), result.rows_per_s(kCopy));
    return result;
  }

  // Empties the ledger and fills it with `keys` keys, sent at even steps, in order, from the start
  // of the keep window's oldest day up to now, as a long-running deployment's ledger holds them.
  LedgerState Fill(int64_t keys) {
    const std::string ledger = options_.schema + ".sqs2pg_ledger";
    Check("emptying the ledger", admin_->Exec("TRUNCATE " + ledger));
    const auto t0 = Clock::now();
    if (keys > 0) {
      std::fprintf(stderr, "sink_bench: filling the ledger with %lld keys over %lld days\n",
                   static_cast<long long>(keys),
                   static_cast<long long>(options_.ledger_keep_seconds / kDaySeconds));
      // The window's first instant: midnight UTC of the day of now() - keep, the oldest day
      // partition sqs2pg keeps. Fixed once, so that every chunk continues where the last ended.
      Result<pg::PgResult> window = admin_->Query(
          "SELECT extract(epoch FROM date_trunc('day', (now() - $1::interval) AT TIME ZONE 'UTC') "
          "AT TIME ZONE 'UTC')::float8, extract(epoch FROM now())::float8",
          {std::to_string(options_.ledger_keep_seconds) + " seconds"});
      if (!window.ok()) Die("reading the keep window", window.status());
      const std::string from(window->Get(0, 0));
      const double span = std::stod(std::string(window->Get(0, 1))) - std::stod(from);
      // Key i (0-based) was sent at from + i * step; committed a second later.
      const std::string step = std::to_string(span / static_cast<double>(keys));
      for (int64_t first = 0; first < keys; first += kFillChunk) {
        const int64_t last = std::min(keys, first + kFillChunk) - 1;
        Check(
            "filling the ledger",
            admin_->Exec("INSERT INTO " + ledger +
                         " (sent_at, message_key, committed_at) SELECT t, gen_random_uuid(), t + "
                         "interval '1 second' FROM (SELECT to_timestamp(" +
                         from + " + i * " + step + ") AS t FROM generate_series(" +
                         std::to_string(first) + ", " + std::to_string(last) + ") AS i) AS keys"));
        std::fprintf(stderr, "sink_bench:   %lld of %lld keys (%.0f s)\n",
                     static_cast<long long>(last + 1), static_cast<long long>(keys),
                     Seconds(Clock::now() - t0));
      }
    }
    Check("vacuuming the ledger", admin_->Exec("VACUUM ANALYZE " + ledger));
    Check("checkpoint", admin_->Exec("CHECKPOINT"));
    LedgerState state = Ledger();
    state.fill_seconds = Seconds(Clock::now() - t0);
    if (state.keys != keys) {
      std::fprintf(stderr, "sink_bench: FAILED: the ledger holds %lld keys, expected %lld\n",
                   static_cast<long long>(state.keys), static_cast<long long>(keys));
      std::exit(1);
    }
    return state;
  }

  // Drops the oldest day of the keep window, as sqs2pg's pruner does once that day has passed:
  // MaintainLedger with the window one day shorter.
  PruneResult Prune() {
    PruneResult result;
    Result<pg::PgResult> oldest = OnLedger(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = $1::regclass AND c.relname ~ '^sqs2pg_ledger_p[0-9]{8}$' "
        "ORDER BY 1 LIMIT 1");
    if (!oldest.ok() || oldest->rows() == 0) Die("finding the oldest day", oldest.status());
    const std::string partition = options_.schema + "." + std::string(oldest->Get(0, 0));
    result.keys = Count(partition);
    result.bytes_before = LedgerBytes();
    const std::chrono::seconds shorter(options_.ledger_keep_seconds - kDaySeconds);
    std::fprintf(stderr, "sink_bench: pruning %s (%lld keys)\n", partition.c_str(),
                 static_cast<long long>(result.keys));
    const auto t0 = Clock::now();
    Result<pg::LedgerMaintenance> m =
        pg::MaintainLedger(*admin_, options_.schema, shorter, pg::LedgerDaysAhead(KeepWindow()));
    result.seconds = Seconds(Clock::now() - t0);
    if (!m.ok()) Die("pruning the ledger", m.status());
    result.dropped = m->dropped;
    result.busy = m->busy;
    result.bytes_after = LedgerBytes();
    // Statistics reach pg_stat_user_tables within a second of a backend's transaction end.
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    Result<pg::PgResult> dead = OnLedger(
        "SELECT coalesce(sum(s.n_dead_tup), 0)::int8 FROM pg_partition_tree($1::regclass) p "
        "JOIN pg_stat_user_tables s ON s.relid = p.relid WHERE p.isleaf");
    if (dead.ok()) result.dead_tuples_after = dead->GetInt(0, 0);
    std::fprintf(stderr,
                 "sink_bench: pruned %d day partition(s) of %lld keys in %.3f s; %lld dead tuples "
                 "left in the ledger\n",
                 result.dropped, static_cast<long long>(result.keys), result.seconds,
                 static_cast<long long>(result.dead_tuples_after));
    return result;
  }

  int64_t LedgerBytes() { return Ledger(/*count_keys=*/false).bytes; }

  LedgerState Ledger(bool count_keys = true) {
    LedgerState state;
    Result<pg::PgResult> r = OnLedger(
        "SELECT coalesce(sum(pg_total_relation_size(relid)), 0)::int8, "
        "count(*) FILTER (WHERE relid::regclass::text ~ 'sqs2pg_ledger_p[0-9]{8}$')::int8 "
        "FROM pg_partition_tree($1::regclass) WHERE isleaf");
    if (!r.ok()) Die("sizing the ledger", r.status());
    state.bytes = r->GetInt(0, 0);
    state.partitions = static_cast<int>(r->GetInt(0, 1));
    if (count_keys) {
      state.keys = Count("sqs2pg_ledger");
      state.default_partition_keys = Count("sqs2pg_ledger_default");
    }
    return state;
  }

  int64_t Count(const std::string& table) {
    const std::string qualified =
        table.find('.') == std::string::npos ? options_.schema + "." + table : table;
    Result<pg::PgResult> r = admin_->Query("SELECT count(*) FROM " + qualified);
    if (!r.ok()) Die("counting " + table, r.status());
    return r->GetInt(0, 0);
  }

  // Every table holds every row written: user_logins twice (both sink modes write it, as do the
  // warm-ups), raw_logins once.
  void Verify() {
    const int64_t sink_rows = Count("user_logins"), raw_rows = Count("raw_logins");
    if (sink_rows != 2 * copied_rows_ || raw_rows != copied_rows_) {
      std::fprintf(stderr,
                   "sink_bench: FAILED: expected %lld rows per mode, found %lld (both sink modes "
                   "together) and %lld (raw)\n",
                   static_cast<long long>(copied_rows_), static_cast<long long>(sink_rows),
                   static_cast<long long>(raw_rows));
      std::exit(1);
    }
  }

  void DropSchema() { (void)admin_->Exec("DROP SCHEMA IF EXISTS " + options_.schema + " CASCADE"); }

  std::string ServerVersion() {
    Result<pg::PgResult> r = admin_->Query("SHOW server_version");
    return r.ok() ? std::string(r->Get(0, 0)) : std::string();
  }

 private:
  // A query whose $1 is the ledger (schema-qualified).
  Result<pg::PgResult> OnLedger(const std::string& sql) {
    return admin_->Query(sql, {options_.schema + ".sqs2pg_ledger"});
  }

  std::chrono::seconds KeepWindow() const {
    return std::chrono::seconds(options_.ledger_keep_seconds);
  }

  // A pool of distinct batches of transformed rows, reused with fresh message ids.
  void MakeBatches() {
    const size_t n = static_cast<size_t>(options_.rows_per_batch);
    transform::RowTransformer transformer(
        mapping_, transform::Masker(transform::MaskScheme::kHmacSha256, std::string(32, '\x5a'),
                                    mapping_->mask_domains));
    cli::SyntheticEvents events(n * kDistinctBatches, 0.0, 42);
    transform::Rejection rejection;
    transform::MessageView message;
    message.sent_timestamp_ms = 1700000000000;
    message.receive_count = 1;
    batches_.resize(kDistinctBatches);
    for (auto& batch : batches_) {
      while (batch.size() < n) {
        const std::string body = events.Next();
        message.body = body;
        pg::PendingRow p;
        if (transformer.Transform(message, &p.fields, &rejection)) {
          batch.push_back(std::move(p));
        }
      }
    }
  }

  int64_t WalPosition() {
    Result<pg::PgResult> r =
        admin_->Query("SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0')::int8");
    if (!r.ok()) Die("reading the WAL position", r.status());
    return r->GetInt(0, 0);
  }

  // CPU time of the backends serving `mode`; < 0 if unknown.
  double BackendCpuSeconds(Mode mode) const {
    if (backend_pids_[mode].empty()) return -1;
    double total = 0;
    for (int pid : backend_pids_[mode]) {
      const double s = ProcessCpuSeconds(pid);
      if (s < 0) return -1;
      total += s;
    }
    return total;
  }

  // Batches [done, done + n) of the pool, written by the --writers sinks at once (batch i by
  // sink i % writers, each in its own thread, as sqs2pg's writers do); returns the wall time.
  double WriteSinkConcurrently(int64_t done, int64_t n) {
    std::vector<std::vector<pg::PendingRow>*> chunk;
    for (int64_t b = 0; b < n; ++b) chunk.push_back(&batches_[(done + b) % batches_.size()]);
    return WriteSinkConcurrently(chunk);
  }

  double WriteSinkConcurrently(const std::vector<std::vector<pg::PendingRow>*>& chunk) {
    const auto n = static_cast<int64_t>(chunk.size());
    for (auto* batch : chunk) {
      FreshIds(*batch);
    }
    const auto t0 = Clock::now();
    std::vector<std::thread> threads;
    const auto writers = static_cast<size_t>(options_.writers);
    for (size_t w = 0; w < writers; ++w) {
      threads.emplace_back([this, w, writers, n, &chunk] {
        for (int64_t b = static_cast<int64_t>(w); b < n; b += static_cast<int64_t>(writers)) {
          WriteWithSink(*sinks_[w], *chunk[static_cast<size_t>(b)]);
        }
      });
    }
    for (auto& t : threads) t.join();
    return Seconds(Clock::now() - t0);
  }

  static void WriteWithSink(pg::Sink& sink, const std::vector<pg::PendingRow>& batch) {
    Result<pg::BatchOutcome> r = sink.WriteBatch(batch, {});
    if (!r.ok()) Die("WriteBatch", r.status());
    if (r->inserted != static_cast<int>(batch.size())) {
      std::fprintf(stderr, "sink_bench: FAILED: WriteBatch inserted %d of %zu\n", r->inserted,
                   batch.size());
      std::exit(1);
    }
  }

  double Write(Mode mode, std::vector<pg::PendingRow>& batch) {
    switch (mode) {
      case kSink:
        return WriteSinkConcurrently({&batch});
      case kSinkOneWriter:
        return WriteSinkBatch(batch);
      default:
        return WriteRawBatch(batch);
    }
  }

  double WriteSinkBatch(std::vector<pg::PendingRow>& batch) {
    FreshIds(batch);  // not timed
    const auto t0 = Clock::now();
    WriteWithSink(*sinks_.back(), batch);
    return Seconds(Clock::now() - t0);
  }

  double WriteRawBatch(const std::vector<pg::PendingRow>& batch) {
    const auto t0 = Clock::now();
    encoder_.Begin();
    for (const auto& p : batch) encoder_.AppendTuple(field_count_, p.fields);
    encoder_.Finish();
    Check("raw COPY", copy_conn_->CopyIn(copy_sql_, encoder_.data()));
    const double seconds = Seconds(Clock::now() - t0);
    copied_rows_ += static_cast<int64_t>(batch.size());
    return seconds;
  }

  // Fresh random message ids, sent "now" (one millisecond apart, the last one now), as a
  // queue's newest messages are.
  void FreshIds(std::vector<pg::PendingRow>& batch) {
    const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
    for (size_t i = 0; i < batch.size(); ++i) {
      batch[i].message_id = uuids_.Next();
      batch[i].sent_timestamp_ms = now_ms - static_cast<int64_t>(batch.size() - i);
    }
  }

  Options options_;
  std::string conninfo_;
  std::optional<pg::Connection> admin_;
  std::optional<pg::Connection> copy_conn_;  // raw COPY's; sinks have their own
  std::vector<int> backend_pids_[kModes];
  std::shared_ptr<const transform::mapping::CompiledMapping> mapping_;
  std::vector<std::unique_ptr<pg::Sink>> sinks_;
  int16_t field_count_ = 0;  // of the raw COPY's tuples: the mapped columns
  std::string copy_sql_;
  pg::CopyBinaryEncoder encoder_;
  std::vector<std::vector<pg::PendingRow>> batches_;
  UuidSource uuids_;
  int64_t copied_rows_ = 0;  // by raw COPY; each sink mode wrote as many
};

std::string PhaseJson(const PhaseResult& r) {
  const double rows = static_cast<double>(std::max<int64_t>(1, r.rows));
  std::string out = "{\"rows\": " + std::to_string(r.rows);
  char buf[512];
  for (int m = 0; m < kModes; ++m) {
    const ModeCost& c = r.cost[m];
    std::string server = "null";
    if (c.server_cpu_seconds >= 0) {
      std::snprintf(buf, sizeof(buf), "%.3f", c.server_cpu_seconds / rows * 1e6);
      server = buf;
    }
    std::snprintf(buf, sizeof(buf),
                  ", \"%s\": {\"seconds\": %.4f, \"rows_per_s\": %.0f, "
                  "\"wal_bytes_per_row\": %.1f, \"server_cpu_us_per_row\": %s, "
                  "\"client_cpu_us_per_row\": %.3f}",
                  kModeNames[m], c.seconds, r.rows_per_s(static_cast<Mode>(m)),
                  static_cast<double>(c.wal_bytes) / rows, server.c_str(),
                  c.client_cpu_seconds / rows * 1e6);
    out += buf;
  }
  std::snprintf(buf, sizeof(buf),
                ", \"sink_rows_per_s\": %.0f, \"copy_rows_per_s\": %.0f, \"ratio\": %.4f, "
                "\"one_writer_ratio\": %.4f",
                r.rows_per_s(kSink), r.rows_per_s(kCopy), r.ratio(), r.ratio(kSinkOneWriter));
  return out + buf;
}

std::string LevelJson(int64_t keys, const LedgerState& ledger, const PhaseResult& r) {
  char buf[512];
  std::snprintf(buf, sizeof(buf),
                ", \"ledger_keys\": %lld, \"fill_seconds\": %.1f, \"ledger_bytes\": %lld, "
                "\"ledger_bytes_per_million_keys\": %s, \"day_partitions\": %d, "
                "\"default_partition_keys\": %lld}",
                static_cast<long long>(keys), ledger.fill_seconds,
                static_cast<long long>(ledger.bytes),
                keys > 0 ? std::to_string(static_cast<int64_t>(static_cast<double>(ledger.bytes) /
                                                               static_cast<double>(keys) * 1e6))
                               .c_str()
                         : "null",
                ledger.partitions, static_cast<long long>(ledger.default_partition_keys));
  return PhaseJson(r) + buf;
}

std::string PruneJson(const PruneResult& p) {
  char buf[512];
  std::snprintf(buf, sizeof(buf),
                "{\"keys\": %lld, \"seconds\": %.4f, \"dropped_partitions\": %d, \"busy\": %d, "
                "\"ledger_bytes_before\": %lld, \"ledger_bytes_after\": %lld, "
                "\"dead_tuples_after\": %lld}",
                static_cast<long long>(p.keys), p.seconds, p.dropped, p.busy,
                static_cast<long long>(p.bytes_before), static_cast<long long>(p.bytes_after),
                static_cast<long long>(p.dead_tuples_after));
  return buf;
}

int Main(int argc, char** argv) {
  Options options;
  bool keep = false;
  std::string levels = "0,10000000,50000000";
  CLI::App app{"sqs2pg sink benchmark: Sink::WriteBatch next to raw COPY binary"};
  app.add_option("--rows", options.rows, "Rows per mode and ledger level")
      ->check(CLI::PositiveNumber);
  app.add_option("--rows-per-batch", options.rows_per_batch, "Rows per transaction")
      ->check(CLI::PositiveNumber);
  app.add_option("--chunk-batches", options.chunk_batches, "Batches per mode before switching")
      ->check(CLI::Range(1, kDistinctBatches));
  app.add_option("--ledger-keys", levels,
                 "Keys in the ledger for each measurement, comma- or space-separated, in order");
  app.add_option("--ledger-keep", options.ledger_keep_seconds,
                 "Keep window of the ledger in seconds (the fill spreads keys over it)")
      ->check(CLI::Range(int64_t{2} * kDaySeconds, int64_t{365} * kDaySeconds));
  app.add_option("--writers", options.writers,
                 "Sink connections writing batches at once (sqs2pg --writers)")
      ->check(CLI::Range(1, 16));
  app.add_option("--schema", options.schema, "Scratch schema (dropped and re-created)");
  app.add_flag("--keep", keep, "Keep the scratch schema afterwards");
  CLI11_PARSE(app, argc, argv);
  options.ledger_keys.clear();
  std::replace(levels.begin(), levels.end(), ',', ' ');
  std::istringstream level_words(levels);
  for (std::string word; level_words >> word;) {
    char* end = nullptr;
    const long long n = std::strtoll(word.c_str(), &end, 10);
    if (*end != '\0' || n < 0) {
      std::fprintf(stderr, "sink_bench: --ledger-keys: not a count: %s\n", word.c_str());
      return 2;
    }
    options.ledger_keys.push_back(n);
  }
  if (options.ledger_keys.empty()) options.ledger_keys.push_back(0);

  const char* url = std::getenv("SQS2PG_BENCH_DATABASE_URL");
  if (url == nullptr || *url == '\0') url = std::getenv("DATABASE_URL");
  if (url == nullptr || *url == '\0') {
    std::fprintf(stderr, "sink_bench: set SQS2PG_BENCH_DATABASE_URL or DATABASE_URL\n");
    return 2;
  }

  SinkBench bench(options, url);
  bench.Setup();
  bench.WarmUp();
  std::string level_json;
  for (int64_t keys : options.ledger_keys) {
    const LedgerState ledger = bench.Fill(keys);
    const PhaseResult r = bench.Measure("ledger of " + std::to_string(keys) + " keys");
    level_json += (level_json.empty() ? "" : ", ") + LevelJson(keys, ledger, r);
  }
  std::string prune = "null";
  if (options.ledger_keys.back() > 0) {
    prune = PruneJson(bench.Prune());
  }
  bench.Verify();
  const std::string version = bench.ServerVersion();
  if (!keep) bench.DropSchema();

  std::printf(
      "{\"rows_per_batch\": %d, \"chunk_batches\": %d, \"writers\": %d, \"postgresql\": \"%s\", "
      "\"ledger_keep_seconds\": %lld, \"levels\": [%s], \"prune\": %s}\n",
      options.rows_per_batch, options.chunk_batches, options.writers, version.c_str(),
      static_cast<long long>(options.ledger_keep_seconds), level_json.c_str(), prune.c_str());
  return 0;
}

}  // namespace
}  // namespace sqs2pg::bench

int main(int argc, char** argv) { return sqs2pg::bench::Main(argc, argv); }
