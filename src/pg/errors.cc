#include "pg/errors.h"

#include <charconv>

namespace sqs2pg::pg {
namespace {

std::string_view Field(const PGresult* result, int code) {
  if (result == nullptr) return {};
  const char* v = PQresultErrorField(result, code);
  return v == nullptr ? std::string_view() : std::string_view(v);
}

// Keeps the first line, without trailing whitespace, at most 300 bytes.
std::string FirstLine(std::string_view text) {
  size_t end = text.find('\n');
  if (end == std::string_view::npos) end = text.size();
  text = text.substr(0, std::min<size_t>(end, 300));
  while (!text.empty() && (text.back() == ' ' || text.back() == '\r' || text.back() == '\t')) {
    text.remove_suffix(1);
  }
  return std::string(text);
}

// Whether the server's primary message can be shown. Data exceptions (22), integrity violations
// (23) and errors raised by user code (triggers, functions: 09, 27, 38, 39, P0) may quote row
// values; a few primary messages in those classes are known not to.
bool PrimaryMessageIsSafe(std::string_view sqlstate) {
  if (sqlstate.size() != 5) return false;
  // 22001 "value too long for type character varying(32)", 22P04 "row field count is 8, expected
  // 7", 23502 "null value in column ... violates not-null constraint", 23505 "duplicate key
  // value violates unique constraint ..." (the key itself is only in DETAIL).
  if (sqlstate == "22001" || sqlstate == "22P04" || sqlstate == "23502" || sqlstate == "23505") {
    return true;
  }
  std::string_view cls = sqlstate.substr(0, 2);
  for (std::string_view unsafe : {"22", "23", "09", "27", "38", "39", "P0"}) {
    if (cls == unsafe) return false;
  }
  return true;
}

std::optional<int64_t> CopyLine(std::string_view context) {
  // "COPY user_logins, line 3, column user_id" / "COPY user_logins, line 3". Only the number is
  // read; nothing else of CONTEXT leaves this function.
  if (context.rfind("COPY ", 0) != 0) return std::nullopt;
  size_t pos = context.find(", line ");
  if (pos == std::string_view::npos) return std::nullopt;
  const char* begin = context.data() + pos + 7;
  const char* end = context.data() + context.size();
  int64_t line = 0;
  auto [ptr, ec] = std::from_chars(begin, end, line);
  if (ec != std::errc() || ptr == begin || line <= 0) return std::nullopt;
  return line;
}

}  // namespace

StatusCode CodeForSqlState(std::string_view s) {
  if (s.size() != 5) return StatusCode::kUnavailable;  // no SQLSTATE: the connection failed
  std::string_view cls = s.substr(0, 2);
  if (cls == "08" || cls == "53" || s == "57P01" || s == "57P02" || s == "57P03" ||
      s == kSerializationFailure || s == kDeadlockDetected) {
    return StatusCode::kUnavailable;
  }
  if (s == "42P01" || s == "3D000" || s == "3F000") return StatusCode::kNotFound;
  if (s == "42501") return StatusCode::kPermissionDenied;
  if (cls == "28") return StatusCode::kUnauthenticated;
  // 22 data, 23 integrity, P0 a PL/pgSQL RAISE (typically a trigger refusing the row).
  if (cls == "22" || cls == "23" || cls == "P0") return StatusCode::kInvalidArgument;
  if (cls == "42" || cls == "55") return StatusCode::kFailedPrecondition;
  if (s == "57014") return StatusCode::kDeadlineExceeded;  // query_canceled (statement_timeout)
  return StatusCode::kInternal;
}

Status ErrorFromResult(const PGresult* result, const PGconn* conn, std::string_view operation,
                       PgErrorInfo* info) {
  std::string sqlstate(Field(result, PG_DIAG_SQLSTATE));
  if (info != nullptr) {
    info->sqlstate = sqlstate;
    info->copy_line = CopyLine(Field(result, PG_DIAG_CONTEXT));
    info->schema = std::string(Field(result, PG_DIAG_SCHEMA_NAME));
    info->table = std::string(Field(result, PG_DIAG_TABLE_NAME));
    info->constraint = std::string(Field(result, PG_DIAG_CONSTRAINT_NAME));
  }
  if (sqlstate.empty()) {
    // libpq generated the error itself (lost connection, protocol trouble): no server text.
    if (conn == nullptr || PQstatus(conn) == CONNECTION_BAD) {
      return ErrorFromConnection(conn, operation);
    }
    std::string m(operation);
    m += ": ";
    m += FirstLine(result != nullptr ? PQresultErrorMessage(result) : PQerrorMessage(conn));
    return InternalError(std::move(m));
  }
  std::string m(operation);
  m += ": SQLSTATE ";
  m += sqlstate;
  if (PrimaryMessageIsSafe(sqlstate)) {
    m += ": ";
    m += FirstLine(Field(result, PG_DIAG_MESSAGE_PRIMARY));
  } else {
    m += " (server message withheld: it may quote row values)";
  }
  auto add = [&m](std::string_view label, std::string_view value) {
    if (value.empty()) return;
    m += "; ";
    m += label;
    m += ' ';
    m += FirstLine(value);
  };
  add("table", Field(result, PG_DIAG_TABLE_NAME));
  add("column", Field(result, PG_DIAG_COLUMN_NAME));
  add("constraint", Field(result, PG_DIAG_CONSTRAINT_NAME));
  StatusCode code = CodeForSqlState(sqlstate);
  if (conn != nullptr && PQstatus(conn) == CONNECTION_BAD) code = StatusCode::kUnavailable;
  return Status(code, std::move(m));
}

Status ErrorFromConnection(const PGconn* conn, std::string_view operation) {
  std::string m(operation);
  m += ": ";
  std::string detail = conn == nullptr ? "out of memory" : FirstLine(PQerrorMessage(conn));
  m += detail.empty() ? "connection failed" : detail;
  return UnavailableError(std::move(m));
}

}  // namespace sqs2pg::pg
