#include "sqs/json_codec.h"

#include <simdjson.h>

#include <charconv>
#include <cstdint>

#include "aws/json_client.h"
#include "aws/json_writer.h"

namespace sqs2pg::sqs::json_codec {
namespace {

using simdjson::SUCCESS;
using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

constexpr size_t kMaxBatchEntries = 10;

Status Malformed(std::string_view what) {
  return InternalError("malformed response: " + std::string(what));
}

Result<std::string> Finish(aws::JsonWriter& w) {
  if (!w.utf8_ok())
    return InvalidArgumentError("request contains a string that is not valid UTF-8");
  return w.Take();
}

Status CheckBatchSize(size_t n) {
  if (n == 0) return InvalidArgumentError("a batch needs at least one entry");
  if (n > kMaxBatchEntries) return InvalidArgumentError("a batch takes at most 10 entries");
  return Status::Ok();
}

bool IsBlank(std::string_view s) {
  for (char c : s) {
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') return false;
  }
  return true;
}

// Each thread's parser, reused: a parser sizes its buffers to the largest document it has seen, so
// a new one per response allocated (and freed) about ten times the body's size on every call.
// The objects it returns are valid until the thread's next parse; every Decode* copies what it
// keeps before returning.
simdjson::dom::parser& ThreadParser() {
  thread_local simdjson::dom::parser parser;
  return parser;
}

// Parses `body` into `parser` and returns its top-level object ("" parses as {}).
Result<object> ParseObject(simdjson::dom::parser& parser, std::string_view body) {
  static constexpr std::string_view kEmpty = "{}";
  if (IsBlank(body)) body = kEmpty;
  element doc;
  if (auto err = parser.parse(body.data(), body.size()).get(doc); err != SUCCESS) {
    return Malformed(simdjson::error_message(err));
  }
  object obj;
  if (doc.get(obj) != SUCCESS) return Malformed("top level is not an object");
  return obj;
}

// Copies the string field `key` into *out. Absent -> false; present but not a string -> false and
// *wrong_type = true.
bool GetString(const object& o, std::string_view key, std::string* out, bool* wrong_type) {
  element e;
  if (o[key].get(e) != SUCCESS) return false;
  std::string_view sv;
  if (e.get(sv) != SUCCESS) {
    *wrong_type = true;
    return false;
  }
  *out = std::string(sv);
  return true;
}

// A system attribute value: SQS sends numbers as strings; some emulators send JSON numbers.
bool GetInt64(const element& e, int64_t* out) {
  std::string_view sv;
  if (e.get(sv) == SUCCESS) {
    auto [ptr, ec] = std::from_chars(sv.data(), sv.data() + sv.size(), *out);
    return ec == std::errc() && ptr == sv.data() + sv.size();
  }
  return e.get(*out) == SUCCESS;
}

}  // namespace

std::string Target(std::string_view operation) {
  std::string out = "AmazonSQS.";
  out += operation;
  return out;
}

Result<std::string> EncodeReceiveMessage(std::string_view queue_url, const ReceiveRequest& r) {
  aws::JsonWriter w;
  w.BeginObject();
  w.Key("QueueUrl").String(queue_url);
  w.Key("MaxNumberOfMessages").Int(r.max_messages);
  w.Key("WaitTimeSeconds").Int(r.wait_time_seconds);
  if (r.visibility_timeout) w.Key("VisibilityTimeout").Int(*r.visibility_timeout);
  // Both spellings: AttributeNames is deprecated, but some emulators read only one of the two.
  for (std::string_view key : {"MessageSystemAttributeNames", "AttributeNames"}) {
    w.Key(key)
        .BeginArray()
        .String("SentTimestamp")
        .String("ApproximateReceiveCount")
        .String("MessageGroupId");
    if (r.sender_id) w.String("SenderId");
    w.EndArray();
  }
  if (r.message_attributes) w.Key("MessageAttributeNames").BeginArray().String("All").EndArray();
  w.EndObject();
  return Finish(w);
}

Result<std::string> EncodeDeleteMessageBatch(std::string_view queue_url,
                                             const std::vector<DeleteEntry>& entries) {
  SQS2PG_RETURN_IF_ERROR(CheckBatchSize(entries.size()));
  aws::JsonWriter w;
  w.BeginObject();
  w.Key("QueueUrl").String(queue_url);
  w.Key("Entries").BeginArray();
  for (const DeleteEntry& e : entries) {
    w.BeginObject()
        .Key("Id")
        .String(e.id)
        .Key("ReceiptHandle")
        .String(e.receipt_handle)
        .EndObject();
  }
  w.EndArray().EndObject();
  return Finish(w);
}

Result<std::string> EncodeSendMessageBatch(std::string_view queue_url,
                                           const std::vector<SendEntry>& entries) {
  SQS2PG_RETURN_IF_ERROR(CheckBatchSize(entries.size()));
  aws::JsonWriter w;
  w.BeginObject();
  w.Key("QueueUrl").String(queue_url);
  w.Key("Entries").BeginArray();
  for (const SendEntry& e : entries) {
    if (!aws::IsValidUtf8(e.body)) {
      return InvalidArgumentError("entry " + e.id.substr(0, 80) +
                                  ": message body is not valid UTF-8");
    }
    w.BeginObject();
    w.Key("Id").String(e.id);
    w.Key("MessageBody").String(e.body);
    if (!e.message_group_id.empty()) w.Key("MessageGroupId").String(e.message_group_id);
    if (!e.deduplication_id.empty()) w.Key("MessageDeduplicationId").String(e.deduplication_id);
    if (!e.string_attributes.empty()) {
      w.Key("MessageAttributes").BeginObject();
      for (const auto& [name, value] : e.string_attributes) {
        w.Key(name).BeginObject();
        w.Key("DataType").String("String");
        w.Key("StringValue").String(value);
        w.EndObject();
      }
      w.EndObject();
    }
    w.EndObject();
  }
  w.EndArray().EndObject();
  return Finish(w);
}

Result<std::string> EncodeChangeMessageVisibilityBatch(
    std::string_view queue_url, const std::vector<VisibilityEntry>& entries) {
  SQS2PG_RETURN_IF_ERROR(CheckBatchSize(entries.size()));
  aws::JsonWriter w;
  w.BeginObject();
  w.Key("QueueUrl").String(queue_url);
  w.Key("Entries").BeginArray();
  for (const VisibilityEntry& e : entries) {
    w.BeginObject();
    w.Key("Id").String(e.id);
    w.Key("ReceiptHandle").String(e.receipt_handle);
    w.Key("VisibilityTimeout").Int(e.visibility_timeout);
    w.EndObject();
  }
  w.EndArray().EndObject();
  return Finish(w);
}

Result<std::string> EncodeGetQueueAttributes(std::string_view queue_url,
                                             const std::vector<std::string>& names) {
  aws::JsonWriter w;
  w.BeginObject();
  w.Key("QueueUrl").String(queue_url);
  w.Key("AttributeNames").BeginArray();
  for (const std::string& n : names) w.String(n);
  w.EndArray().EndObject();
  return Finish(w);
}

Result<std::string> EncodeCreateQueue(std::string_view name,
                                      const std::map<std::string, std::string>& attributes) {
  aws::JsonWriter w;
  w.BeginObject();
  w.Key("QueueName").String(name);
  if (!attributes.empty()) {
    w.Key("Attributes").BeginObject();
    for (const auto& [k, v] : attributes) w.Key(k).String(v);
    w.EndObject();
  }
  w.EndObject();
  return Finish(w);
}

Result<std::string> EncodeGetQueueUrl(std::string_view name) {
  aws::JsonWriter w;
  w.BeginObject().Key("QueueName").String(name).EndObject();
  return Finish(w);
}

Result<std::vector<ReceivedMessage>> DecodeReceiveMessage(std::string_view body) {
  simdjson::dom::parser& parser = ThreadParser();
  SQS2PG_ASSIGN_OR_RETURN(object root, ParseObject(parser, body));
  std::vector<ReceivedMessage> out;
  element messages_el;
  if (root["Messages"].get(messages_el) != SUCCESS) return out;  // an empty receive is {}
  if (messages_el.is_null()) return out;
  array messages;
  if (messages_el.get(messages) != SUCCESS) return Malformed("Messages is not an array");
  for (element m_el : messages) {
    object m;
    if (m_el.get(m) != SUCCESS) return Malformed("a message is not an object");
    ReceivedMessage rm;
    bool wrong_type = false;
    if (!GetString(m, "MessageId", &rm.message.message_id, &wrong_type) ||
        !GetString(m, "ReceiptHandle", &rm.message.receipt_handle, &wrong_type) ||
        !GetString(m, "Body", &rm.message.body, &wrong_type)) {
      return Malformed("a message lacks MessageId, ReceiptHandle or Body");
    }
    GetString(m, "MD5OfBody", &rm.md5_of_body, &wrong_type);
    if (wrong_type) return Malformed("MD5OfBody is not a string");

    object attributes;
    if (m["Attributes"].get(attributes) == SUCCESS) {
      element v;
      int64_t n = 0;
      if (attributes["SentTimestamp"].get(v) == SUCCESS && GetInt64(v, &n)) {
        rm.message.sent_timestamp_ms = n;
      }
      if (attributes["ApproximateReceiveCount"].get(v) == SUCCESS && GetInt64(v, &n) && n >= 0 &&
          n <= INT32_MAX) {
        rm.message.receive_count = static_cast<int>(n);
      }
      std::string_view group;
      if (attributes["MessageGroupId"].get(group) == SUCCESS) {
        rm.message.message_group_id = std::string(group);
      }
      std::string_view sender;
      if (attributes["SenderId"].get(sender) == SUCCESS) rm.message.sender_id = std::string(sender);
    }
    object message_attributes;
    if (m["MessageAttributes"].get(message_attributes) == SUCCESS) {
      for (auto field : message_attributes) {
        object attribute;
        std::string_view value;
        if (field.value.get(attribute) == SUCCESS &&
            attribute["StringValue"].get(value) == SUCCESS) {
          rm.message.message_attributes.emplace(std::string(field.key), std::string(value));
        }
      }
    }
    out.push_back(std::move(rm));
  }
  return out;
}

Result<std::vector<BatchFailure>> DecodeBatchResult(std::string_view body) {
  simdjson::dom::parser& parser = ThreadParser();
  SQS2PG_ASSIGN_OR_RETURN(object root, ParseObject(parser, body));
  std::vector<BatchFailure> out;
  element failed_el;
  if (root["Failed"].get(failed_el) != SUCCESS || failed_el.is_null()) return out;
  array failed;
  if (failed_el.get(failed) != SUCCESS) return Malformed("Failed is not an array");
  for (element f_el : failed) {
    object f;
    if (f_el.get(f) != SUCCESS) return Malformed("a Failed entry is not an object");
    BatchFailure bf;
    bool wrong_type = false;
    if (!GetString(f, "Id", &bf.id, &wrong_type)) return Malformed("a Failed entry lacks Id");
    GetString(f, "Code", &bf.code, &wrong_type);
    GetString(f, "Message", &bf.message, &wrong_type);
    if (wrong_type) return Malformed("a Failed entry has a non-string field");
    bool sender_fault = false;
    if (f["SenderFault"].get(sender_fault) == SUCCESS) bf.sender_fault = sender_fault;
    out.push_back(std::move(bf));
  }
  return out;
}

Result<std::map<std::string, std::string>> DecodeGetQueueAttributes(std::string_view body) {
  simdjson::dom::parser& parser = ThreadParser();
  SQS2PG_ASSIGN_OR_RETURN(object root, ParseObject(parser, body));
  std::map<std::string, std::string> out;
  element attrs_el;
  if (root["Attributes"].get(attrs_el) != SUCCESS || attrs_el.is_null()) return out;
  object attrs;
  if (attrs_el.get(attrs) != SUCCESS) return Malformed("Attributes is not an object");
  for (auto field : attrs) {
    std::string_view v;
    if (field.value.get(v) != SUCCESS) return Malformed("an attribute value is not a string");
    out.emplace(std::string(field.key), std::string(v));
  }
  return out;
}

Result<std::string> DecodeQueueUrl(std::string_view body) {
  simdjson::dom::parser& parser = ThreadParser();
  SQS2PG_ASSIGN_OR_RETURN(object root, ParseObject(parser, body));
  std::string url;
  bool wrong_type = false;
  if (!GetString(root, "QueueUrl", &url, &wrong_type) || url.empty()) {
    return Malformed("no QueueUrl");
  }
  return url;
}

ErrorInfo DecodeError(const aws::HttpResponse& response) {
  ErrorInfo info;
  if (const std::string* q = response.Header("x-amzn-query-error")) {
    std::string_view v = *q;
    const size_t semi = v.find(';');
    info.query_code = std::string(v.substr(0, semi));
    info.sender_fault = semi != std::string_view::npos && v.substr(semi + 1) == "Sender";
  }

  // The code and message: the JSON body's, an XML body's, or the x-amzn-errortype header's.
  aws::AwsErrorInfo error = aws::DecodeAwsError(response);
  info.code = std::move(error.code);
  info.message = std::move(error.message);
  return info;
}

}  // namespace sqs2pg::sqs::json_codec
