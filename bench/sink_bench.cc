// The sink alone: rows/s of sqs2pg's exactly-once pg::Sink::WriteBatch (ledger keys + rows in one
// transaction) next to raw COPY binary of the same rows into a table of the same shape (no ledger),
// on the same PostgreSQL, in the same run, interleaved chunk by chunk so that all modes see the
// same machine load. Target: WriteBatch >= 40 % of raw COPY.
//
//   SQS2PG_BENCH_DATABASE_URL=postgresql://... build/sink_bench [--rows 200000]
//       [--rows-per-batch 2000] [--chunk-batches 10] [--writers 2] [--prefill-keys 0]
//       [--schema sink_bench]
//
// The database comes from SQS2PG_BENCH_DATABASE_URL, else DATABASE_URL (bench/run.sh sets both).
// It (re)creates the schema --schema with two tables in the assignment's user_logins shape:
// `user_logins`, written by pg::Sinks (which add their ledger beside it), and `raw_logins`, written
// by plain COPY on one connection. Rows are real transform output (synthetic events through the
// built-in login mapping compiled against the table, masked), message ids fresh random UUIDs, as
// SQS's are; the ids are made outside the timed part. Modes:
//   sink             --writers Sinks (as `sqs2pg --writers`, default 2), each on its own connection
//                    and thread, commit the chunk's batches at once (batch i by writer i % N)
//   sink_one_writer  one Sink commits the same number of batches one after the other
//   copy             raw COPY binary, one connection: the yardstick
//   ledger_keys_alone  COPY of as many fresh keys into a table shaped like the ledger
//                    (`ledger_keys`, keyed on sent time and id): what the ledger costs by itself
//   ledger_keys_by_id_alone  the same into a ledger keyed on the id alone (`ledger_keys_by_id`,
//                    the shape before 2026-11-30), whose inserts land at random in its B-tree
// Each batch is one transaction in every mode (a Sink: BEGIN, COPY keys, COPY rows, COMMIT; raw:
// one COPY, which commits on its own), so each pays one commit (fsync) per batch; all time the
// COPY-binary encoding. Per mode it also reports the WAL written, the CPU time of the PostgreSQL
// backends serving it (from /proc, when the server runs on this machine) and of this process, per
// row. With --prefill-keys N, a second phase first fills the ledgers with N keys sent over the
// last 14 days (VACUUM ANALYZE, CHECKPOINT) and measures again: what a long-running deployment's
// ledger costs.
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
#include "pg/message_key.h"
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

struct Options {
  int64_t rows = 200000;
  int rows_per_batch = 2000;
  int chunk_batches = 10;  // even, so that two writers get as many batches each
  int64_t prefill_keys = 0;
  int writers = 2;  // sink connections writing batches at once (sqs2pg --writers, default 2)
  std::string schema = "sink_bench";
};

// Batches in the pool (reused with fresh ids); a chunk is at most this many, so that the writers
// of the sink mode never share a batch.
constexpr int kDistinctBatches = 10;

enum Mode { kSink, kSinkOneWriter, kCopy, kKeys, kKeysById, kModes };
constexpr const char* kModeNames[kModes] = {"sink", "sink_one_writer", "copy", "ledger_keys_alone",
                                            "ledger_keys_by_id_alone"};

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
                       s + ".raw_logins (LIKE " + s + ".user_logins); " +
                       // The ledger's shape (src/pg/sidecar.sql), for the keys alone; and the
                       // shape of ledgers made before 2026-11-30, keyed on the id alone.
                       "CREATE TABLE " + s +
                       ".ledger_keys (sent_at timestamptz NOT NULL, message_key uuid NOT NULL, "
                       "committed_at timestamptz NOT NULL DEFAULT now(), "
                       "PRIMARY KEY (sent_at, message_key)); "
                       "CREATE INDEX ON " +
                       s + ".ledger_keys USING brin (committed_at); CREATE TABLE " + s +
                       ".ledger_keys_by_id (message_key uuid PRIMARY KEY, "
                       "committed_at timestamptz NOT NULL DEFAULT now()); "
                       "CREATE INDEX ON " +
                       s + ".ledger_keys_by_id USING brin (committed_at)"));
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
    // sinks_[0 .. writers) write mode kSink; the last one, alone, kSinkOneWriter.
    for (int w = 0; w <= options_.writers; ++w) {
      const char* name = w < options_.writers ? "sink_bench_sink" : "sink_bench_sink_one_writer";
      Result<std::unique_ptr<pg::Sink>> sink =
          pg::Sink::Open(WithApplicationName(conninfo_, name), s + ".user_logins", layout);
      if (!sink.ok()) Die("opening the sink", sink.status());
      sinks_.push_back(std::move(sink).value());
    }
    for (int m : {kCopy, kKeys, kKeysById}) {
      Result<pg::Connection> c = pg::Connection::Open(
          WithApplicationName(conninfo_, std::string("sink_bench_") + kModeNames[m]));
      if (!c.ok()) Die("connecting", c.status());
      conns_[m].emplace(std::move(c).value());
    }
    std::string columns;
    for (const std::string& c : layout.columns) columns += (columns.empty() ? "" : ", ") + c;
    field_count_ = static_cast<int16_t>(layout.columns.size());
    copy_sql_ = "COPY " + s + ".raw_logins (" + columns + ") FROM STDIN (FORMAT binary)";
    keys_sql_ = "COPY " + s + ".ledger_keys (sent_at, message_key) FROM STDIN (FORMAT binary)";
    keys_by_id_sql_ = "COPY " + s + ".ledger_keys_by_id (message_key) FROM STDIN (FORMAT binary)";
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
    warmup_rows_ = static_cast<int64_t>(batches_[0].size());
  }

  PhaseResult Measure(const char* phase) {
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
                 "with one writer %.0f rows/s (%.2f), raw COPY %.0f rows/s, ledger keys alone "
                 "%.0f keys/s\n",
                 phase, static_cast<long long>(result.rows), options_.writers,
                 result.rows_per_s(kSink), result.ratio(), result.rows_per_s(kSinkOneWriter),
                 result.ratio(kSinkOneWriter), result.rows_per_s(kCopy), result.rows_per_s(kKeys));
    total_rows_ += result.rows;
    return result;
  }

  // Fills the ledger with `keys` random keys, as a long-running deployment's would be.
  double Prefill(int64_t keys) {
    std::fprintf(stderr, "sink_bench: pre-filling the ledger with %lld keys\n",
                 static_cast<long long>(keys));
    const auto t0 = Clock::now();
    // Keys sent over the last 14 days (SQS's longest retention), as a ledger kept for the
    // redelivery window holds them.
    for (const char* table : {"sqs2pg_ledger", "ledger_keys", "ledger_keys_by_id"}) {
      const std::string t = options_.schema + "." + table;
      const bool by_id = std::string_view(table) == "ledger_keys_by_id";
      Check(
          "pre-filling the ledger",
          admin_->Exec("INSERT INTO " + t +
                       (by_id ? std::string(" (message_key) SELECT ")
                              : std::string(" (sent_at, message_key) SELECT now() - random() * "
                                            "interval '14 days', ")) +
                       "gen_random_uuid() FROM generate_series(1, " + std::to_string(keys) + ")"));
      Check("vacuuming the ledger", admin_->Exec("VACUUM ANALYZE " + t));
    }
    Check("checkpoint", admin_->Exec("CHECKPOINT"));
    return Seconds(Clock::now() - t0);
  }

  int64_t Count(const std::string& table) {
    Result<pg::PgResult> r = admin_->Query("SELECT count(*) FROM " + options_.schema + "." + table);
    if (!r.ok()) Die("counting " + table, r.status());
    return r->GetInt(0, 0);
  }

  // Every table holds every row written: user_logins twice (both sink modes write it), and the
  // ledger one key per sink row (plus the prefill).
  void Verify(int64_t prefill) {
    const int64_t expected = warmup_rows_ + total_rows_;
    const int64_t sink_rows = Count("user_logins"), raw_rows = Count("raw_logins");
    const int64_t keys = Count("sqs2pg_ledger"), keys_alone = Count("ledger_keys");
    const int64_t keys_by_id = Count("ledger_keys_by_id");
    if (sink_rows != 2 * expected || raw_rows != expected || keys != 2 * expected + prefill ||
        keys_alone != expected + prefill || keys_by_id != expected + prefill) {
      std::fprintf(stderr,
                   "sink_bench: FAILED: expected %lld rows per mode and %lld ledger keys, found "
                   "%lld (both sink modes), %lld (raw), %lld keys (sink), %lld keys (alone)\n",
                   static_cast<long long>(expected), static_cast<long long>(2 * expected + prefill),
                   static_cast<long long>(sink_rows), static_cast<long long>(raw_rows),
                   static_cast<long long>(keys), static_cast<long long>(keys_alone));
      std::exit(1);
    }
  }

  void DropSchema() { (void)admin_->Exec("DROP SCHEMA IF EXISTS " + options_.schema + " CASCADE"); }

  std::string ServerVersion() {
    Result<pg::PgResult> r = admin_->Query("SHOW server_version");
    return r.ok() ? std::string(r->Get(0, 0)) : std::string();
  }

 private:
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
      case kCopy:
        return WriteRawBatch(batch);
      default:
        return WriteKeysBatch(mode, batch);
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
    Check("raw COPY", conns_[kCopy]->CopyIn(copy_sql_, encoder_.data()));
    return Seconds(Clock::now() - t0);
  }

  // What the sink's fast path does for the ledger alone: fresh keys, sorted, in one COPY; into
  // the ledger's shape (kKeys: sent time, then id) or the shape before 2026-11-30 (kKeysById: the
  // id alone, so inserts land at random in the B-tree).
  double WriteKeysBatch(Mode mode, std::vector<pg::PendingRow>& batch) {
    const bool timed = mode == kKeys;
    FreshIds(batch);  // not timed
    const auto t0 = Clock::now();
    keys_.clear();
    for (const auto& p : batch) {
      keys_.emplace_back(timed ? pg::PgTimestampFromUnixMillis(p.sent_timestamp_ms) : 0,
                         pg::MessageKey(p.message_id));
    }
    std::sort(keys_.begin(), keys_.end());
    encoder_.Begin();
    for (const auto& [sent_at, key] : keys_) {
      if (timed) {
        encoder_.AppendTimedLedgerKey(sent_at, key);
      } else {
        // One uuid field: the id-only shape, kept here for comparison only.
        std::string field("\0\0\0\x10", 4);
        field.append(reinterpret_cast<const char*>(key.data()), key.size());
        encoder_.AppendTuple(1, field);
      }
    }
    encoder_.Finish();
    Check("COPY of ledger keys",
          conns_[mode]->CopyIn(timed ? keys_sql_ : keys_by_id_sql_, encoder_.data()));
    return Seconds(Clock::now() - t0);
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
  std::optional<pg::Connection> conns_[kModes];  // kCopy and the keys modes; sinks have their own
  std::vector<int> backend_pids_[kModes];
  std::shared_ptr<const transform::mapping::CompiledMapping> mapping_;
  std::vector<std::unique_ptr<pg::Sink>> sinks_;
  int16_t field_count_ = 0;  // of the raw COPY's tuples: the mapped columns
  std::string copy_sql_;
  std::string keys_sql_;
  std::vector<std::pair<int64_t, pg::MessageKeyBytes>> keys_;  // (sent_at or 0, key)
  std::string keys_by_id_sql_;
  pg::CopyBinaryEncoder encoder_;
  std::vector<std::vector<pg::PendingRow>> batches_;
  UuidSource uuids_;
  int64_t warmup_rows_ = 0;
  int64_t total_rows_ = 0;
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
                "\"one_writer_ratio\": %.4f}",
                r.rows_per_s(kSink), r.rows_per_s(kCopy), r.ratio(), r.ratio(kSinkOneWriter));
  return out + buf;
}

int Main(int argc, char** argv) {
  Options options;
  bool keep = false;
  CLI::App app{"sqs2pg sink benchmark: Sink::WriteBatch next to raw COPY binary"};
  app.add_option("--rows", options.rows, "Rows per mode and phase")->check(CLI::PositiveNumber);
  app.add_option("--rows-per-batch", options.rows_per_batch, "Rows per transaction")
      ->check(CLI::PositiveNumber);
  app.add_option("--chunk-batches", options.chunk_batches, "Batches per mode before switching")
      ->check(CLI::Range(1, kDistinctBatches));
  app.add_option("--prefill-keys", options.prefill_keys,
                 "Then pre-fill the ledger with this many keys and measure again (0: skip)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--writers", options.writers,
                 "Sink connections writing batches at once (sqs2pg --writers)")
      ->check(CLI::Range(1, 16));
  app.add_option("--schema", options.schema, "Scratch schema (dropped and re-created)");
  app.add_flag("--keep", keep, "Keep the scratch schema afterwards");
  CLI11_PARSE(app, argc, argv);

  const char* url = std::getenv("SQS2PG_BENCH_DATABASE_URL");
  if (url == nullptr || *url == '\0') url = std::getenv("DATABASE_URL");
  if (url == nullptr || *url == '\0') {
    std::fprintf(stderr, "sink_bench: set SQS2PG_BENCH_DATABASE_URL or DATABASE_URL\n");
    return 2;
  }

  SinkBench bench(options, url);
  bench.Setup();
  bench.WarmUp();
  const PhaseResult fresh = bench.Measure("fresh ledger");
  std::string prefilled = "null";
  if (options.prefill_keys > 0) {
    const int64_t ledger_before = bench.Count("sqs2pg_ledger");  // the fresh phase's keys
    const double prefill_s = bench.Prefill(options.prefill_keys);
    const PhaseResult r = bench.Measure("pre-filled ledger");
    prefilled = PhaseJson(r);
    prefilled.pop_back();  // re-open the object to add the prefill's figures
    prefilled +=
        ", \"ledger_keys_at_start\": " + std::to_string(ledger_before + options.prefill_keys) +
        ", \"prefill_seconds\": " + std::to_string(prefill_s) + "}";
  }
  bench.Verify(options.prefill_keys);
  const std::string version = bench.ServerVersion();
  if (!keep) bench.DropSchema();

  std::printf(
      "{\"rows_per_batch\": %d, \"chunk_batches\": %d, \"writers\": %d, \"postgresql\": \"%s\", "
      "\"fresh\": %s, \"prefilled\": %s}\n",
      options.rows_per_batch, options.chunk_batches, options.writers, version.c_str(),
      PhaseJson(fresh).c_str(), prefilled.c_str());
  return 0;
}

}  // namespace
}  // namespace sqs2pg::bench

int main(int argc, char** argv) { return sqs2pg::bench::Main(argc, argv); }
