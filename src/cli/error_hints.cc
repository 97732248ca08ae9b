#include "cli/error_hints.h"

#include <string_view>
#include <utility>
#include <vector>

namespace sqs2pg::cli {
namespace {

// Codes from SQS and STS (JSON __type or Query <Code>) with what usually causes them.
const std::vector<std::pair<std::string_view, std::string_view>>& CodeHints() {
  static const std::vector<std::pair<std::string_view, std::string_view>> hints = {
      {"QueueDoesNotExist",
       "no such queue at this endpoint and region: check --queue-url, --region and --endpoint-url"},
      {"NonExistentQueue",
       "no such queue at this endpoint and region: check --queue-url, --region and --endpoint-url"},
      {"ExpiredToken", "the session token has expired: refresh the temporary credentials"},
      {"SignatureDoesNotMatch",
       "the secret key does not belong to the access key id, or the clock is far off"},
      {"InvalidClientTokenId", "the access key id is unknown to this endpoint or region"},
      {"UnrecognizedClient", "the access key id is unknown to this endpoint or region"},
      {"AccessDenied",
       "the credentials lack sqs:ReceiveMessage, sqs:DeleteMessage, sqs:ChangeMessageVisibility, "
       "sqs:GetQueueAttributes (and sqs:SendMessage on the DLQ) for this queue"},
      {"KMS", "the queue is encrypted with a KMS key these credentials may not use"},
  };
  return hints;
}

}  // namespace

std::string DescribeWithHint(const Status& status) {
  std::string text = status.ToString();
  for (const auto& [code, hint] : CodeHints()) {
    if (status.message().find(code) != std::string::npos) {
      return text + " (hint: " + std::string(hint) + ")";
    }
  }
  switch (status.code()) {
    case StatusCode::kUnauthenticated:
      return text + " (hint: no usable AWS credentials; see `sqs2pg check` for the source tried)";
    case StatusCode::kPermissionDenied:
      return text + " (hint: the credentials or database role lack a permission this needs)";
    default:
      return text;
  }
}

}  // namespace sqs2pg::cli
