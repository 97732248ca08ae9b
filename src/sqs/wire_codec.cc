#include "sqs/wire_codec.h"

#include "sqs/json_codec.h"
#include "sqs/query_codec.h"

namespace sqs2pg::sqs {

const WireCodec kJsonCodec = {
    "json",
    json_codec::kContentType,
    true,
    &json_codec::EncodeReceiveMessage,
    &json_codec::EncodeDeleteMessageBatch,
    &json_codec::EncodeSendMessageBatch,
    &json_codec::EncodeChangeMessageVisibilityBatch,
    &json_codec::EncodeGetQueueAttributes,
    &json_codec::EncodeCreateQueue,
    &json_codec::EncodeGetQueueUrl,
    &json_codec::DecodeReceiveMessage,
    &json_codec::DecodeBatchResult,
    &json_codec::DecodeGetQueueAttributes,
    &json_codec::DecodeQueueUrl,
    &json_codec::DecodeError,
};

const WireCodec kQueryCodec = {
    "query",
    query_codec::kContentType,
    false,
    &query_codec::EncodeReceiveMessage,
    &query_codec::EncodeDeleteMessageBatch,
    &query_codec::EncodeSendMessageBatch,
    &query_codec::EncodeChangeMessageVisibilityBatch,
    &query_codec::EncodeGetQueueAttributes,
    &query_codec::EncodeCreateQueue,
    &query_codec::EncodeGetQueueUrl,
    &query_codec::DecodeReceiveMessage,
    &query_codec::DecodeBatchResult,
    &query_codec::DecodeGetQueueAttributes,
    &query_codec::DecodeQueueUrl,
    &query_codec::DecodeError,
};

bool LooksLikeQueryOnlyServer(const aws::HttpResponse& response) {
  const std::string& body = response.body;
  if (body.find("Operation detection failed") != std::string::npos ||
      body.find("Missing Action") != std::string::npos) {
    return true;
  }
  // A Query error document answering a JSON request (not any XML or HTML: proxies send those).
  if (body.find("<ErrorResponse") != std::string::npos) return true;
  const ErrorInfo error = json_codec::DecodeError(response);
  for (std::string_view code :
       {"InvalidAction", "MissingAction", "UnknownOperation", "UnknownOperationException"}) {
    if (error.code == code || error.query_code == code) return true;
  }
  return false;
}

}  // namespace sqs2pg::sqs
