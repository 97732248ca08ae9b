#include "pg/ledger_pruner.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "pg/sidecar_ddl.h"

namespace sqs2pg::pg {
namespace {

constexpr std::chrono::seconds kDay{86400};
constexpr std::chrono::seconds kBusyRetry{30};
constexpr int kMaxDaysAhead = 31;

}  // namespace

int LedgerDaysAhead(std::chrono::seconds keep) {
  const auto days = static_cast<int>(
      std::min<int64_t>((keep.count() + kDay.count() - 1) / kDay.count(), int64_t{kMaxDaysAhead}));
  return std::clamp(days, kLedgerDaysAhead, kMaxDaysAhead);
}

Result<LedgerMaintenance> MaintainLedger(Connection& conn, const std::string& schema,
                                         std::optional<std::chrono::seconds> keep, int ahead_days) {
  // Query() has no NULL parameter: an empty keep stands for none.
  const std::vector<std::string> params = {
      keep ? std::to_string(keep->count()) + " seconds" : std::string(),
      std::to_string(ahead_days)};
  Result<PgResult> r =
      conn.Query("SELECT created, dropped, pruned, busy FROM " + QuoteIdent(schema) +
                     ".sqs2pg_ledger_maintain(NULLIF($1::text, '')::interval, $2::integer)",
                 params);
  if (!r.ok()) return r.status().WithContext("maintaining the ledger's partitions");
  LedgerMaintenance m;
  m.created = static_cast<int>(r->GetInt(0, 0));
  m.dropped = static_cast<int>(r->GetInt(0, 1));
  m.pruned = r->GetInt(0, 2);
  m.busy = static_cast<int>(r->GetInt(0, 3));
  return m;
}

LedgerPruner::LedgerPruner(std::string conninfo, std::string schema, std::chrono::seconds keep,
                           std::chrono::seconds interval, std::atomic<uint64_t>* failures)
    : conninfo_(std::move(conninfo)),
      schema_(std::move(schema)),
      keep_(keep),
      interval_(interval),
      failures_(failures) {}

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
    const bool busy = PassOnce();
    std::unique_lock<std::mutex> lock(mu_);
    const std::chrono::seconds wait = busy ? std::min(interval_, kBusyRetry) : interval_;
    if (wake_.wait_for(lock, wait, [this] { return stopping_; })) return;
  }
}

bool LedgerPruner::PassOnce() {
  auto failed = [this](const Status& status) {
    if (failures_ != nullptr) failures_->fetch_add(1);
    spdlog::warn("ledger maintenance failed, retrying in {} s: {}", interval_.count(),
                 status.ToString());
  };
  if (!conn_ || conn_->IsBroken()) {
    Result<Connection> conn = Connection::Open(conninfo_);
    if (!conn.ok()) {
      failed(conn.status());
      return false;
    }
    conn_.emplace(std::move(conn).value());
  }
  Result<LedgerMaintenance> m = MaintainLedger(*conn_, schema_, keep_, LedgerDaysAhead(keep_));
  if (!m.ok()) {
    failed(m.status());
    return false;
  }
  dropped_ += m->dropped;
  if (m->created > 0 || m->dropped > 0 || m->pruned > 0) {
    spdlog::info(
        "ledger maintenance: {} day partition(s) made, {} older than {} s dropped, {} key(s) "
        "deleted from {}",
        m->created, m->dropped, keep_.count(), m->pruned, "sqs2pg_ledger_default");
  }
  if (m->busy > 0) {
    spdlog::info("ledger maintenance: {} step(s) skipped while the ledger was busy; retrying soon",
                 m->busy);
  }
  return m->busy > 0;
}

}  // namespace sqs2pg::pg
