#include "pg/ledger_pruner.h"

#include <spdlog/spdlog.h>

#include "pg/sidecar.h"
#include "pg/sidecar_ddl.h"

namespace sqs2pg::pg {
namespace {

// One chunk: $1 is `keep` in seconds, $2 the chunk size; answers the number of keys deleted.
std::string PruneLedgerSql(const std::string& schema, LedgerKeying keying) {
  const std::string ledger = QuoteIdent(schema) + "." + kLedgerTable;
  // Rows are deleted by their whole primary key, so each is found through the key's B-tree. By
  // message_key alone (the second key column) every chunk would scan the whole ledger.
  const std::string key =
      keying == LedgerKeying::kSentAtAndMessageId ? "sent_at, message_key" : "message_key";
  const std::string match =
      keying == LedgerKeying::kSentAtAndMessageId
          ? "l.sent_at = doomed.sent_at AND l.message_key = doomed.message_key"
          : "l.message_key = doomed.message_key";
  return "WITH doomed AS (SELECT " + key + " FROM " + ledger +
         " WHERE committed_at < now() - make_interval(secs => $1::double precision)"
         " LIMIT $2 FOR UPDATE SKIP LOCKED),"
         " gone AS (DELETE FROM " +
         ledger + " l USING doomed WHERE " + match +
         " RETURNING 1)"
         " SELECT count(*) FROM gone";
}

}  // namespace

Result<int64_t> PruneLedger(Connection& conn, const std::string& schema, std::chrono::seconds keep,
                            int chunk) {
  // Read each time: a DBA may have replaced the ledger since the last pass.
  Result<LedgerKeying> keying = DescribeLedgerKeying(conn, schema);
  if (!keying.ok()) return keying.status().WithContext("pruning the ledger");
  const std::string sql = PruneLedgerSql(schema, *keying);
  const std::vector<std::string> params = {std::to_string(keep.count()), std::to_string(chunk)};
  int64_t total = 0;
  while (true) {
    Result<PgResult> result = conn.Query(sql, params);
    if (!result.ok()) return result.status().WithContext("pruning the ledger");
    const int64_t deleted = result->GetInt(0, 0);
    total += deleted;
    if (deleted < chunk) return total;
  }
}

LedgerPruner::LedgerPruner(std::string conninfo, std::string schema, std::chrono::seconds keep,
                           std::chrono::seconds interval)
    : conninfo_(std::move(conninfo)),
      schema_(std::move(schema)),
      keep_(keep),
      interval_(interval) {}

LedgerPruner::~LedgerPruner() { Stop(); }

void LedgerPruner::Start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { Loop(); });
}

void LedgerPruner::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void LedgerPruner::Loop() {
  while (true) {
    PassOnce();
    std::unique_lock<std::mutex> lock(mu_);
    if (wake_.wait_for(lock, interval_, [this] { return stopping_; })) return;
  }
}

void LedgerPruner::PassOnce() {
  if (!conn_ || conn_->IsBroken()) {
    Result<Connection> conn = Connection::Open(conninfo_);
    if (!conn.ok()) {
      spdlog::warn("ledger pruning skipped, retrying in {} s: {}", interval_.count(),
                   conn.status().message());
      if (failures_ != nullptr) ++*failures_;
      return;
    }
    conn_.emplace(std::move(conn).value());
  }
  Result<int64_t> deleted = PruneLedger(*conn_, schema_, keep_);
  if (!deleted.ok()) {
    spdlog::warn("ledger pruning failed, retrying in {} s: {}", interval_.count(),
                 deleted.status().ToString());
    if (failures_ != nullptr) ++*failures_;
    return;
  }
  pruned_ += *deleted;
  if (*deleted > 0) {
    spdlog::info("pruned {} ledger key(s) older than {} s", *deleted, keep_.count());
  }
}

}  // namespace sqs2pg::pg
