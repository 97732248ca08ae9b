// RowTransformer: one SQS message -> the binary COPY fields of one row of the mapped table, or a
// Rejection saying why not. The same code runs the built-in login mapping and any mapping file.
//
// Contract:
//  - Steps, in order (the first failure rejects the message):
//      1. body encoding (encoding/body_codec.h): bad_encoding;
//      2. JSON (Flatten: the mapping's flatten options): empty_body, invalid_utf8, invalid_json,
//         not_an_object, too_deep, duplicate_key;
//      3. envelope: an SNS notification (Type "Notification" with TopicArn and a string Message)
//         is unwrapped and its Message decoded and parsed by steps 1-2; an EventBridge event
//         (detail-type, source and an object detail) is replaced by its detail. With envelope
//         "auto" a body that looks like neither is the event itself; with "sns" or "eventbridge"
//         it must be one (bad_envelope); a broken one is bad_envelope either way;
//      4. every column, in the mapping's order: its source (path, attribute or constant), then
//         missing_field for a required column that is absent or null (SQL NULL otherwise), then
//         its transform and type (mapping/column_value.h);
//      5. unknown fields (mapping_spec.h): with "reject" the first one rejects (unknown_field);
//         with "count" unknown_fields() lists them for the caller to count.
//  - A rejection's field is the column's label, "masked_ip (path ip)", or for body-level reasons
//    a key of the body when it is identifier-like; never a value.
//  - On success *fields holds one binary COPY field per mapped column, in order (no field count:
//    the sink writes it), reusing the string's capacity. On rejection *fields is unspecified.
//  - Thread-safety: not thread-safe (it reuses its parsers, buffers and masker); one per writer
//    thread. Copies are independent.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "transform/flatten.h"
#include "transform/mapping/compiled_mapping.h"
#include "transform/masker.h"
#include "transform/rejection.h"

namespace sqs2pg::transform {

// What the transform reads of one SQS message.
struct MessageView {
  std::string_view body;
  std::string_view message_id;
  // SentTimestamp in Unix ms (the pipeline substitutes the receive time when SQS sent none).
  int64_t sent_timestamp_ms = 0;
  int receive_count = 0;
  std::string_view sender_id;                                      // empty: not known
  const std::map<std::string, std::string>* attributes = nullptr;  // message attributes
};

class RowTransformer {
 public:
  // `masker` must have been made with mapping->mask_domains, in that order.
  RowTransformer(std::shared_ptr<const mapping::CompiledMapping> mapping, Masker masker);

  bool Transform(const MessageView& message, std::string* fields, Rejection* rejection);

  // With unknown_fields = "count": the unknown fields of the last message transformed (views
  // into this transformer, valid until the next Transform()).
  const std::vector<std::string_view>& unknown_fields() const { return unknown_; }

  const mapping::CompiledMapping& mapping() const { return *mapping_; }
  const Masker& masker() const { return masker_; }

 private:
  // Step 3; *event is set to the flattener holding the event to map.
  bool Unwrap(Flattener** event, Rejection* rejection);
  bool Parse(std::string_view body, Flattener* into, std::string* scratch, Rejection* rejection);
  bool Columns(const MessageView& message, const Flattener& event, std::string* fields,
               Rejection* rejection);
  bool UnknownFields(const Flattener& event, Rejection* rejection);

  std::shared_ptr<const mapping::CompiledMapping> mapping_;
  Masker masker_;
  Flattener outer_;
  Flattener inner_;
  std::string body_scratch_;
  std::string inner_scratch_;
  std::string value_scratch_;
  // SNS attributes of the current message (views into outer_), empty when not unwrapped.
  std::string_view sns_topic_arn_;
  std::string_view sns_message_id_;
  std::string_view sns_timestamp_;
  bool sns_unwrapped_ = false;
  std::vector<std::string_view> unknown_;
};

}  // namespace sqs2pg::transform
