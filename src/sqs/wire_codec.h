// WireCodec: the two wire protocols of SQS behind one table of functions, so that SqsClient can
// switch protocols mid-run without duplicating each operation.
//
//  - kJsonCodec: AWS JSON 1.0 (json_codec.h); what AWS and current emulators speak, preferred.
//  - kQueryCodec: the legacy Query protocol (query_codec.h); what LocalStack before 3.0 speaks.
//  - LooksLikeQueryOnlyServer(): whether an error answer to a JSON request shows that the server
//    speaks only Query: LocalStack 2.x's HTTP 500 "Operation detection failed. Missing Action in
//    request for query-protocol service", a Query <ErrorResponse> document, or an unknown-action
//    code. A plain 5xx, an HTML error page or any ordinary SQS error does not.
// Pure data and functions; thread-safe.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "aws/http_transport.h"
#include "base/status.h"
#include "sqs/sqs_errors.h"
#include "sqs/types.h"

namespace sqs2pg::sqs {

struct WireCodec {
  std::string_view name;          // "json" or "query"
  std::string_view content_type;  // of requests
  bool sends_target_header;       // X-Amz-Target: AmazonSQS.<operation> (JSON only)

  Result<std::string> (*encode_receive)(std::string_view, const ReceiveRequest&);
  Result<std::string> (*encode_delete_batch)(std::string_view, const std::vector<DeleteEntry>&);
  Result<std::string> (*encode_send_batch)(std::string_view, const std::vector<SendEntry>&);
  Result<std::string> (*encode_visibility_batch)(std::string_view,
                                                 const std::vector<VisibilityEntry>&);
  Result<std::string> (*encode_get_queue_attributes)(std::string_view,
                                                     const std::vector<std::string>&);
  Result<std::string> (*encode_create_queue)(std::string_view,
                                             const std::map<std::string, std::string>&);
  Result<std::string> (*encode_get_queue_url)(std::string_view);

  Result<std::vector<ReceivedMessage>> (*decode_receive)(std::string_view);
  Result<std::vector<BatchFailure>> (*decode_batch_result)(std::string_view);
  Result<std::map<std::string, std::string>> (*decode_queue_attributes)(std::string_view);
  Result<std::string> (*decode_queue_url)(std::string_view);
  ErrorInfo (*decode_error)(const aws::HttpResponse&);
};

extern const WireCodec kJsonCodec;
extern const WireCodec kQueryCodec;

bool LooksLikeQueryOnlyServer(const aws::HttpResponse& response);

}  // namespace sqs2pg::sqs
