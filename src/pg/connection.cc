#include "pg/connection.h"

#include <algorithm>
#include <charconv>
#include <cstdlib>

namespace sqs2pg::pg {
namespace {

constexpr size_t kCopyChunkBytes = 1 << 20;

void DiscardNotice(void* /*arg*/, const PGresult* /*result*/) {}

// Whether the parsed conninfo sets `keyword` to a non-empty value.
bool ConninfoSets(const std::string& conninfo, const char* keyword) {
  char* err = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &err);
  if (err != nullptr) PQfreemem(err);
  if (options == nullptr) return false;
  bool found = false;
  for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    if (std::string_view(o->keyword) == keyword && o->val != nullptr && *o->val != '\0') {
      found = true;
    }
  }
  PQconninfoFree(options);
  return found;
}

}  // namespace

PgResult& PgResult::operator=(PgResult&& other) noexcept {
  if (this != &other) {
    if (result_ != nullptr) PQclear(result_);
    result_ = other.result_;
    other.result_ = nullptr;
  }
  return *this;
}

PgResult::~PgResult() {
  if (result_ != nullptr) PQclear(result_);
}

std::string_view PgResult::Get(int row, int column) const {
  if (IsNull(row, column)) return {};
  return std::string_view(PQgetvalue(result_, row, column),
                          static_cast<size_t>(PQgetlength(result_, row, column)));
}

int64_t PgResult::GetInt(int row, int column) const {
  std::string_view text = Get(row, column);
  int64_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

Result<Connection> Connection::Open(const std::string& conninfo) {
  char* parse_error = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(conninfo.c_str(), &parse_error);
  if (parse_error != nullptr) PQfreemem(parse_error);  // may echo parts of the string: not shown
  if (parsed == nullptr) {
    return InvalidArgumentError("invalid PostgreSQL connection string (libpq cannot parse it)");
  }
  PQconninfoFree(parsed);

  // Entries before "dbname" are defaults the connection string may override; entries after it
  // are forced. See PQconnectdbParams and expand_dbname.
  std::vector<const char*> keys;
  std::vector<const char*> values;
  if (std::getenv("PGCONNECT_TIMEOUT") == nullptr && !ConninfoSets(conninfo, "connect_timeout")) {
    keys.push_back("connect_timeout");
    values.push_back("10");
  }
  keys.push_back("fallback_application_name");
  values.push_back("sqs2pg");
  keys.push_back("dbname");
  values.push_back(conninfo.c_str());
  keys.push_back("client_encoding");
  values.push_back("UTF8");
  keys.push_back(nullptr);
  values.push_back(nullptr);

  PGconn* conn = PQconnectdbParams(keys.data(), values.data(), /*expand_dbname=*/1);
  if (conn == nullptr) return UnavailableError("connecting to PostgreSQL: out of memory");
  if (PQstatus(conn) != CONNECTION_OK) {
    Status status = ErrorFromConnection(conn, "connecting to PostgreSQL");
    PQfinish(conn);
    return status;
  }
  PQsetNoticeReceiver(conn, DiscardNotice, nullptr);
  PQsetErrorVerbosity(conn, PQERRORS_TERSE);
  PQsetErrorContextVisibility(conn, PQSHOW_CONTEXT_NEVER);
  return Connection(conn);
}

Connection& Connection::operator=(Connection&& other) noexcept {
  if (this != &other) {
    if (conn_ != nullptr) PQfinish(conn_);
    conn_ = other.conn_;
    last_error_ = std::move(other.last_error_);
    last_command_tag_ = std::move(other.last_command_tag_);
    other.conn_ = nullptr;
  }
  return *this;
}

Connection::~Connection() {
  if (conn_ != nullptr) PQfinish(conn_);
}

PGTransactionStatusType Connection::TransactionStatus() const {
  return conn_ == nullptr ? PQTRANS_UNKNOWN : PQtransactionStatus(conn_);
}

Status Connection::Fail(const PGresult* result, std::string_view operation) {
  return ErrorFromResult(result, conn_, operation, &last_error_);
}

Status Connection::DrainResults(std::string_view operation) {
  Status first;
  while (PGresult* r = PQgetResult(conn_)) {
    PgResult owned(r);
    ExecStatusType st = PQresultStatus(r);
    if (first.ok() && st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_EMPTY_QUERY) {
      first = Fail(r, operation);
    }
    if (first.ok() && (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)) {
      last_command_tag_ = PQcmdStatus(r);
    }
    // A COPY that libpq still thinks is open (e.g. after an error on our side) is ended here so
    // the connection stays usable.
    if (st == PGRES_COPY_IN) PQputCopyEnd(conn_, "aborted by client");
    if (st == PGRES_COPY_OUT || st == PGRES_COPY_BOTH) break;
  }
  return first;
}

Status Connection::Exec(std::string_view sql) {
  last_error_ = {};
  last_command_tag_.clear();
  if (IsBroken()) return UnavailableError("PostgreSQL connection is broken");
  std::string text(sql);
  if (PQsendQuery(conn_, text.c_str()) == 0) return ErrorFromConnection(conn_, "sending query");
  Status status = DrainResults("executing statement");
  if (!status.ok()) last_command_tag_.clear();
  return status;
}

Status Connection::Commit() {
  SQS2PG_RETURN_IF_ERROR(Exec("COMMIT"));
  return CheckCommitTag(last_command_tag_, "COMMIT");
}

Status CheckCommitTag(std::string_view tag, std::string_view operation) {
  if (tag == "COMMIT") return Status::Ok();
  // The server rolled back instead (the transaction had failed before COMMIT). Whatever the
  // earlier error was, nothing of the transaction is in the database: safe to retry.
  std::string m(operation);
  m += ": the server answered ";
  m += tag.empty() ? std::string_view("no command tag") : tag;
  m += " instead of COMMIT: the transaction had already failed and was rolled back; nothing was "
       "committed";
  return UnavailableError(std::move(m));
}

Result<PgResult> Connection::Query(const std::string& sql, const std::vector<std::string>& params) {
  last_error_ = {};
  last_command_tag_.clear();
  if (IsBroken()) return UnavailableError("PostgreSQL connection is broken");
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const std::string& p : params) values.push_back(p.c_str());
  PgResult result(PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr,
                               values.data(), nullptr, nullptr, /*resultFormat=*/0));
  ExecStatusType st = result.get() == nullptr ? PGRES_FATAL_ERROR : PQresultStatus(result.get());
  if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) return Fail(result.get(), "query");
  return result;
}

Status Connection::CopyIn(const std::string& copy_sql, std::string_view data) {
  last_error_ = {};
  last_command_tag_.clear();
  if (IsBroken()) return UnavailableError("PostgreSQL connection is broken");
  {
    PgResult start(PQexec(conn_, copy_sql.c_str()));
    if (start.get() == nullptr || PQresultStatus(start.get()) != PGRES_COPY_IN) {
      Status status = Fail(start.get(), "starting COPY");
      // PQexec already collected every result; nothing is left to drain.
      return status;
    }
  }
  Status send_error;
  while (!data.empty()) {
    size_t n = std::min(data.size(), kCopyChunkBytes);
    if (PQputCopyData(conn_, data.data(), static_cast<int>(n)) != 1) {
      send_error = ErrorFromConnection(conn_, "sending COPY data");
      break;
    }
    data.remove_prefix(n);
  }
  if (send_error.ok()) {
    if (PQputCopyEnd(conn_, nullptr) != 1) send_error = ErrorFromConnection(conn_, "ending COPY");
  }
  // The server's verdict (e.g. a unique violation) arrives as the COPY's result.
  Status verdict = DrainResults("COPY");
  if (!verdict.ok()) return verdict;
  return send_error;
}

}  // namespace sqs2pg::pg
