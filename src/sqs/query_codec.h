// The legacy AWS Query wire format of SQS (form-encoded requests, XML responses): the same shapes
// as json_codec, so the client can speak either protocol (LocalStack before 3.0 knows only this).
//
// Contract:
//  - Pure functions, no I/O, no logging; thread-safe. SqsClient owns signing, transport, retries
//    and error mapping.
//  - Requests go as `POST /` to the endpoint with Content-Type kContentType and no X-Amz-Target.
//    The body is `Action=<op>&Version=2012-11-05[&QueueUrl=...]&<op's parameters>`, every name
//    and value percent-encoded (RFC 3986 unreserved characters as is, every other byte %XX in
//    upper-case hex; a space is %20, never '+'). QueueUrl is a parameter, as in the JSON codec.
//  - ReceiveMessage asks for SentTimestamp, ApproximateReceiveCount and MessageGroupId under both
//    AttributeName.N (deprecated; the only one LocalStack 2.x and local-aws-sqs read) and
//    MessageSystemAttributeName.N, and for MessageAttributeName.1=All.
//  - Encode* returns kInvalidArgument for an empty batch or one over 10 entries, and if a string is
//    not valid UTF-8 (as the JSON codec does; SQS could not store it unaltered). The message names
//    the entry id at most, never a body or receipt handle.
//  - Decode* parse a 2xx response body with pugixml (no exception escapes; no DTD or entity
//    expansion) and return kInternal "malformed response: ..." if it is not XML of the documented
//    shape; the message never quotes the body. Element names match without namespace prefixes. A
//    blank body counts as an empty result (as "{}" does for JSON), as does a response element
//    without its <...Result>. Missing optional fields take their zero values. Text is taken as
//    sent: character references (&#xD;) and raw carriage returns survive (no end-of-line
//    normalisation), and whitespace-only bodies are kept. Identifiers, numbers, codes, queue URLs
//    and queue or system attribute values are trimmed of surrounding whitespace (emulators
//    pretty-print their XML); message bodies and message attribute values are not.
//  - Some emulators (local-aws-sqs 2.0.2, behind scripts/emulator/old-localstack.mjs) write '<' and
//    '&' in <Body> and <StringValue> unescaped. When a ReceiveMessage response does not parse, or a
//    <Body> contains markup, the decoder escapes such characters inside those elements (each taken
//    to end at the first closing tag that is followed by a tag that can follow it) and parses
//    again. The client's MD5OfBody check catches a body this guess got wrong: with such a server a
//    body holding literal entity text ("&amp;") cannot be told from an escaped '&' and fails it,
//    and a body holding "</Body>" followed by such a tag makes the whole response malformed.
//  - DecodeError never fails: it fills what it can find in an XML body
//    (<ErrorResponse><Error><Type/><Code/><Message/></Error>; Type "Sender" sets sender_fault),
//    in a JSON body (as json_codec::DecodeError, e.g. a LocalStack "Operation detection failed"
//    answer to a JSON request), and in the x-amzn-query-error header ("Code;Sender").
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aws/http_transport.h"
#include "base/status.h"
#include "sqs/sqs_errors.h"
#include "sqs/types.h"

namespace sqs2pg::sqs::query_codec {

inline constexpr std::string_view kContentType = "application/x-www-form-urlencoded; charset=utf-8";
inline constexpr std::string_view kApiVersion = "2012-11-05";

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

using ReceivedMessage = sqs::ReceivedMessage;

Result<std::vector<ReceivedMessage>> DecodeReceiveMessage(std::string_view body);
// The BatchResultErrorEntry elements of a *Batch response (successes are implied by absence).
Result<std::vector<BatchFailure>> DecodeBatchResult(std::string_view body);
Result<std::map<std::string, std::string>> DecodeGetQueueAttributes(std::string_view body);
// QueueUrl of a CreateQueue or GetQueueUrl response.
Result<std::string> DecodeQueueUrl(std::string_view body);

ErrorInfo DecodeError(const aws::HttpResponse& response);

// "x=1&y=%20" -> {{"x","1"},{"y"," "}}, in order; kInvalidArgument for a bad %-escape. The
// inverse of the encoders, for tests and for fakes that serve Query requests.
Result<std::vector<std::pair<std::string, std::string>>> ParseForm(std::string_view body);

}  // namespace sqs2pg::sqs::query_codec
