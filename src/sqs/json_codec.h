// The AWS JSON 1.0 wire format of SQS: request bodies in, response bodies out.
//
// Contract:
//  - Pure functions, no I/O, no logging; thread-safe. SqsClient owns signing, transport, retries
//    and error mapping; a Query/XML codec can sit beside this one with the same shapes.
//  - Requests go as `POST /` with Content-Type kContentType and X-Amz-Target Target(op); QueueUrl
//    is a body field.
//  - Encode* returns kInvalidArgument if a string is not valid UTF-8 (JSON cannot carry it
//    unaltered); the message names the entry id at most, never a body or receipt handle.
//  - Decode* parse a 2xx response body (simdjson, error codes only; no exception escapes) and
//    return kInternal "malformed response: ..." if it does not have the documented shape. An empty
//    body counts as "{}". Missing optional fields take their zero values.
//  - DecodeError never fails: it fills what it can find in the JSON body (__type after '#',
//    message/Message), the x-amzn-query-error header ("Code;Sender") and, for servers that answer
//    in XML, <Code>/<Message>.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "aws/http_transport.h"
#include "base/status.h"
#include "sqs/sqs_errors.h"
#include "sqs/types.h"

namespace sqs2pg::sqs::json_codec {

inline constexpr std::string_view kContentType = "application/x-amz-json-1.0";

// "AmazonSQS.<operation>", the X-Amz-Target header value.
std::string Target(std::string_view operation);

Result<std::string> EncodeReceiveMessage(std::string_view queue_url, const ReceiveRequest& r);
Result<std::string> EncodeDeleteMessageBatch(std::string_view queue_url,
                                             const std::vector<DeleteEntry>& entries);
Result<std::string> EncodeSendMessageBatch(std::string_view queue_url,
                                           const std::vector<SendEntry>& entries);
Result<std::string> EncodeChangeMessageVisibilityBatch(std::string_view queue_url,
                                                       const std::vector<VisibilityEntry>& entries);
Result<std::string> EncodeGetQueueAttributes(std::string_view queue_url,
                                             const std::vector<std::string>& names);
Result<std::string> EncodeCreateQueue(std::string_view name,
                                      const std::map<std::string, std::string>& attributes);
Result<std::string> EncodeGetQueueUrl(std::string_view name);

// Defined in types.h (shared with query_codec); kept here so existing callers need no change.
using ReceivedMessage = sqs::ReceivedMessage;

Result<std::vector<ReceivedMessage>> DecodeReceiveMessage(std::string_view body);
// The Failed entries of a *Batch response (Successful entries are implied by absence).
Result<std::vector<BatchFailure>> DecodeBatchResult(std::string_view body);
Result<std::map<std::string, std::string>> DecodeGetQueueAttributes(std::string_view body);
// QueueUrl of a CreateQueue or GetQueueUrl response.
Result<std::string> DecodeQueueUrl(std::string_view body);

ErrorInfo DecodeError(const aws::HttpResponse& response);

}  // namespace sqs2pg::sqs::json_codec
