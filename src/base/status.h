// Status and Result<T>: errors as values at module boundaries.
//
// Contract:
//  - A Status is either OK or carries a StatusCode and a human-readable message. Messages must
//  never
//    contain personal data (raw ip, device_id, message bodies) or secrets.
//  - Result<T> holds either a T or a non-OK Status. Accessing value() of an error Result aborts
//    (a programming error, not a runtime condition).
//  - StatusCode::kUnavailable marks transient faults that a caller may retry (network resets,
//    HTTP 5xx, throttling, a database that is down). Every other code is permanent for the request.
//  - Thread-safety: plain values; safe to copy and move between threads.
#pragma once

#include <cstdlib>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

namespace sqs2pg {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,     // bad input or configuration
  kNotFound,            // a queue, table or column that does not exist
  kPermissionDenied,    // authenticated but not allowed
  kUnauthenticated,     // bad signature, expired or missing credentials
  kFailedPrecondition,  // the world is not in the state the operation needs (e.g. schema mismatch)
  kUnavailable,         // transient: retry with backoff
  kDeadlineExceeded,    // gave up waiting
  kDataLoss,            // corruption detected (e.g. MD5OfBody mismatch)
  kCancelled,           // shutdown requested
  kInternal,            // a bug or an unexpected answer
};

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  bool IsRetryable() const { return code_ == StatusCode::kUnavailable; }

  // "UNAVAILABLE: connection refused", or "OK".
  std::string ToString() const;

  // Returns a copy whose message is "<context>: <message>".
  Status WithContext(std::string_view context) const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status InvalidArgumentError(std::string m) {
  return {StatusCode::kInvalidArgument, std::move(m)};
}
inline Status NotFoundError(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
inline Status PermissionDeniedError(std::string m) {
  return {StatusCode::kPermissionDenied, std::move(m)};
}
inline Status UnauthenticatedError(std::string m) {
  return {StatusCode::kUnauthenticated, std::move(m)};
}
inline Status FailedPreconditionError(std::string m) {
  return {StatusCode::kFailedPrecondition, std::move(m)};
}
inline Status UnavailableError(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
inline Status DeadlineExceededError(std::string m) {
  return {StatusCode::kDeadlineExceeded, std::move(m)};
}
inline Status DataLossError(std::string m) { return {StatusCode::kDataLoss, std::move(m)}; }
inline Status CancelledError(std::string m) { return {StatusCode::kCancelled, std::move(m)}; }
inline Status InternalError(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

template <typename T>
class [[nodiscard]] Result {
  static_assert(!std::is_same_v<T, Status>, "Result<Status> is meaningless");

 public:
  Result(T value) : v_(std::move(value)) {}        // NOLINT(google-explicit-constructor)
  Result(Status status) : v_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    if (std::get<Status>(v_).ok()) std::abort();   // an OK Status carries no value
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }

  T& value() & { return Checked(); }
  const T& value() const& { return const_cast<Result*>(this)->Checked(); }
  T&& value() && { return std::move(Checked()); }
  T& operator*() & { return Checked(); }
  const T& operator*() const& { return const_cast<Result*>(this)->Checked(); }
  T* operator->() { return &Checked(); }
  const T* operator->() const { return &const_cast<Result*>(this)->Checked(); }

 private:
  T& Checked() {
    if (!ok()) std::abort();
    return std::get<T>(v_);
  }
  std::variant<T, Status> v_;
};

}  // namespace sqs2pg

#define SQS2PG_CONCAT_INNER_(a, b) a##b
#define SQS2PG_CONCAT_(a, b) SQS2PG_CONCAT_INNER_(a, b)

// Returns from the enclosing function if `expr` (a Status) is not OK.
#define SQS2PG_RETURN_IF_ERROR(expr)                 \
  do {                                               \
    ::sqs2pg::Status sqs2pg_status_ = (expr);        \
    if (!sqs2pg_status_.ok()) return sqs2pg_status_; \
  } while (0)

// `SQS2PG_ASSIGN_OR_RETURN(auto x, Foo());` declares x from a Result or returns its Status.
#define SQS2PG_ASSIGN_OR_RETURN(lhs, expr) \
  SQS2PG_ASSIGN_OR_RETURN_IMPL_(SQS2PG_CONCAT_(sqs2pg_result_, __LINE__), lhs, expr)
#define SQS2PG_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                  \
  if (!tmp.ok()) return tmp.status();                 \
  lhs = std::move(tmp).value()
