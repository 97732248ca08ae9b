// Mapping SQS error responses to Status, independent of the wire protocol that carried them.
//
// Contract:
//  - ErrorInfo is what a codec extracted from an error response: the modern code (JSON __type
//    after '#', or a Query <Code>), the legacy code from x-amzn-query-error, and the server's
//    message. Any field may be empty.
//  - StatusFromError() returns a non-OK Status whose message is
//    "<operation>: <code>: <server message, at most 200 characters>" ("HTTP <status>" stands in
//    for a missing code). The server's message never contains our bodies, receipt handles or
//    secrets, so it is safe to keep.
//  - Codes: as aws/errors.h classifies them (the service's not-found codes, AccessDenied,
//    credentials, throttling and server faults, the service's precondition codes, then the HTTP
//    status), with SQS's own: QueueDoesNotExist /
//    AWS.SimpleQueueService.NonExistentQueue -> kNotFound; QueueDeletedRecently, QueueNameExists,
//    UnsupportedOperation and the Kms* codes of server-side encryption (other than KmsThrottled and
//    KmsAccessDenied) -> kFailedPrecondition. The modern code decides first, then the legacy one,
//    then the HTTP status.
//  - Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "aws/json_client.h"
#include "base/status.h"

namespace sqs2pg::sqs {

struct ErrorInfo {
  std::string code;        // e.g. "QueueDoesNotExist"
  std::string query_code;  // e.g. "AWS.SimpleQueueService.NonExistentQueue"
  std::string message;
  bool sender_fault = false;
};

Status StatusFromError(std::string_view operation, long http_status, const ErrorInfo& error);

// At most `max_chars` UTF-8 characters of `s`, cut on a character boundary (aws/json_client.h).
using aws::TruncateUtf8;

}  // namespace sqs2pg::sqs
