#include "transform/row_transformer.h"

#include <charconv>
#include <cstring>

#include "transform/encoding/body_codec.h"
#include "transform/mapping/column_value.h"

namespace sqs2pg::transform {
namespace {

using mapping::AttributeKind;
using mapping::ColumnValueReason;
using mapping::CompiledColumn;
using mapping::Envelope;
using mapping::SourceKind;
using mapping::ValueRef;

JsonKind KindOf(ValueKind k) {
  switch (k) {
    case ValueKind::kString:
      return JsonKind::kString;
    case ValueKind::kNull:
      return JsonKind::kNull;
    case ValueKind::kNumber:
      return JsonKind::kNumber;
    case ValueKind::kBool:
      return JsonKind::kBool;
    case ValueKind::kArray:
      return JsonKind::kArray;
    case ValueKind::kObject:
      return JsonKind::kObject;
  }
  return JsonKind::kNull;
}

RejectReason ReasonOf(ColumnValueReason r) {
  switch (r) {
    case ColumnValueReason::kWrongType:
      return RejectReason::kWrongType;
    case ColumnValueReason::kOutOfRange:
      return RejectReason::kOutOfRange;
    case ColumnValueReason::kTooLong:
      return RejectReason::kTooLong;
    case ColumnValueReason::kNulCharacter:
      return RejectReason::kNulCharacter;
    case ColumnValueReason::kInvalidVersion:
      return RejectReason::kInvalidVersion;
    case ColumnValueReason::kNone:
    case ColumnValueReason::kInvalidValue:
      break;
  }
  return RejectReason::kInvalidValue;
}

void AppendNull(std::string* out) {
  static constexpr char kNull[4] = {'\xff', '\xff', '\xff', '\xff'};  // int32 -1
  out->append(kNull, sizeof(kNull));
}

// A string-valued member of the top level, or nullptr.
const FlatValue* StringMember(const Flattener& f, std::string_view key) {
  const FlatValue* v = f.Find(key);
  return v != nullptr && v->kind == ValueKind::kString ? v : nullptr;
}

// Whether `body` starts (after JSON whitespace) like a JSON value other than an object.
bool LooksLikeJson(std::string_view body) {
  for (char c : body) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') continue;
    return c == '[' || c == '"' || c == '-' || (c >= '0' && c <= '9') || c == 't' || c == 'f' ||
           c == 'n';
  }
  return false;
}

bool IsIdentifierLike(std::string_view key) {
  if (key.empty() || (key[0] >= '0' && key[0] <= '9')) return false;
  for (char c : key) {
    const bool ok =
        (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

RowTransformer::RowTransformer(std::shared_ptr<const mapping::CompiledMapping> mapping,
                               Masker masker)
    : mapping_(std::move(mapping)),
      masker_(std::move(masker)),
      outer_(mapping_->flatten),
      inner_(mapping_->flatten) {}

bool RowTransformer::Parse(std::string_view body, Flattener* into, std::string* scratch,
                           Rejection* rejection) {
  encoding::DecodedBody decoded = encoding::DecodeBody(body, mapping_->body_encoding, scratch);
  if (!decoded.ok() && mapping_->body_encoding == encoding::BodyEncoding::kAuto &&
      decoded.error == encoding::DecodeError::kBadBase64 && LooksLikeJson(body)) {
    // Not base64, and it starts the way a JSON array, string, number or literal does: it never
    // claimed an encoding, so the JSON stage says what is wrong with it (not_an_object,
    // invalid_json), as without a mapping.
    return into->Flatten(body, rejection);
  }
  if (!decoded.ok()) {
    rejection->Set(RejectReason::kBadEncoding, encoding::DecodeErrorName(decoded.error));
    return false;
  }
  return into->Flatten(decoded.text, rejection);
}

bool RowTransformer::Unwrap(Flattener** event, Rejection* rejection) {
  const Envelope envelope = mapping_->envelope;
  if (envelope == Envelope::kNone) return true;
  if (envelope == Envelope::kAuto || envelope == Envelope::kSns) {
    const FlatValue* type = StringMember(outer_, "Type");
    const bool sns =
        type != nullptr && type->text == "Notification" && outer_.Find("TopicArn") != nullptr;
    if (sns) {
      const FlatValue* message = StringMember(outer_, "Message");
      const FlatValue* topic = StringMember(outer_, "TopicArn");
      if (message == nullptr || topic == nullptr) {
        rejection->Set(RejectReason::kBadEnvelope, "sns");
        return false;
      }
      sns_unwrapped_ = true;
      sns_topic_arn_ = topic->text;
      if (const FlatValue* id = StringMember(outer_, "MessageId")) sns_message_id_ = id->text;
      if (const FlatValue* at = StringMember(outer_, "Timestamp")) sns_timestamp_ = at->text;
      if (!Parse(message->text, &inner_, &inner_scratch_, rejection)) return false;
      *event = &inner_;
      return true;
    }
    if (envelope == Envelope::kSns) {
      rejection->Set(RejectReason::kBadEnvelope, "sns");
      return false;
    }
  }
  const bool eventbridge = outer_.Find("detail-type") != nullptr &&
                           outer_.Find("source") != nullptr && outer_.Find("detail") != nullptr;
  if (!eventbridge) {
    if (envelope == Envelope::kEventBridge) {
      rejection->Set(RejectReason::kBadEnvelope, "eventbridge");
      return false;
    }
    return true;
  }
  const FlatValue* detail = outer_.Find("detail");
  if (detail->kind != ValueKind::kObject || StringMember(outer_, "detail-type") == nullptr ||
      StringMember(outer_, "source") == nullptr) {
    rejection->Set(RejectReason::kBadEnvelope, "eventbridge");
    return false;
  }
  // The detail is valid JSON (it was parsed as part of the body): parse it as the event.
  if (!inner_.Flatten(detail->text, rejection)) return false;
  *event = &inner_;
  return true;
}

bool RowTransformer::Columns(const MessageView& message, const Flattener& event,
                             std::string* fields, Rejection* rejection) {
  char digits[24];
  for (const CompiledColumn& column : mapping_->columns) {
    ValueRef value;
    bool present = true;
    switch (column.source) {
      case SourceKind::kValue:
        fields->append(column.constant_field);
        continue;
      case SourceKind::kPath: {
        const FlatValue* v = event.Find(column.lookup);
        present = v != nullptr && v->kind != ValueKind::kNull;
        if (present) value = ValueRef{KindOf(v->kind), v->text};
        break;
      }
      case SourceKind::kAttribute: {
        std::string_view text;
        switch (column.attribute) {
          case AttributeKind::kMessageId:
            text = message.message_id;
            break;
          case AttributeKind::kSentTimestamp: {
            auto [end, ec] =
                std::to_chars(digits, digits + sizeof(digits), message.sent_timestamp_ms);
            text = std::string_view(digits, static_cast<size_t>(end - digits));
            value.epoch_millis = true;
            break;
          }
          case AttributeKind::kReceiveCount: {
            auto [end, ec] = std::to_chars(digits, digits + sizeof(digits), message.receive_count);
            text = std::string_view(digits, static_cast<size_t>(end - digits));
            break;
          }
          case AttributeKind::kSenderId:
            text = message.sender_id;
            break;
          case AttributeKind::kSnsTopicArn:
            text = sns_topic_arn_;
            break;
          case AttributeKind::kSnsMessageId:
            text = sns_message_id_;
            break;
          case AttributeKind::kSnsTimestamp:
            text = sns_timestamp_;
            break;
          case AttributeKind::kMessageAttribute:
            if (message.attributes != nullptr) {
              auto it = message.attributes->find(column.attribute_name);
              if (it != message.attributes->end()) text = it->second;
            }
            break;
        }
        present = !text.empty();
        value.kind = JsonKind::kString;
        value.text = text;
        break;
      }
    }
    if (!present) {
      if (column.required) {
        rejection->Set(RejectReason::kMissingField, column.label);
        return false;
      }
      AppendNull(fields);
      continue;
    }
    mapping::ColumnValueError error =
        mapping::EncodeColumnValue(column, value, &masker_, fields, &value_scratch_);
    if (error.reason != ColumnValueReason::kNone) {
      rejection->Set(ReasonOf(error.reason), column.label);
      return false;
    }
  }
  return true;
}

bool RowTransformer::UnknownFields(const Flattener& event, Rejection* rejection) {
  const mapping::CompiledMapping& m = *mapping_;
  const char separator = m.flatten.separator;
  for (const auto& [name, value] : event.fields()) {
    bool known = false;
    if (!m.flattened) {
      if (name.find(separator) != std::string_view::npos) continue;  // not top-level
      for (const std::string& top : m.known_top_level) {
        if (name == top) {
          known = true;
          break;
        }
      }
    } else {
      if (value.kind == ValueKind::kObject) continue;  // its members decide
      for (const CompiledColumn& column : m.columns) {
        const std::string_view lookup = column.lookup;
        if (column.source != SourceKind::kPath) continue;
        // The field itself, or a member of an array or object a column takes whole.
        if (name == lookup || (name.size() > lookup.size() && name.starts_with(lookup) &&
                               name[lookup.size()] == separator)) {
          known = true;
          break;
        }
      }
    }
    if (known) continue;
    if (m.unknown_fields == mapping::UnknownFields::kReject) {
      rejection->Set(RejectReason::kUnknownField, IsIdentifierLike(name) ? name : "");
      return false;
    }
    unknown_.push_back(name);
  }
  return true;
}

bool RowTransformer::Transform(const MessageView& message, std::string* fields,
                               Rejection* rejection) {
  fields->clear();
  unknown_.clear();
  sns_unwrapped_ = false;
  sns_topic_arn_ = sns_message_id_ = sns_timestamp_ = {};
  if (!Parse(message.body, &outer_, &body_scratch_, rejection)) return false;
  Flattener* event = &outer_;
  if (!Unwrap(&event, rejection)) return false;
  if (!Columns(message, *event, fields, rejection)) return false;
  if (mapping_->unknown_fields != mapping::UnknownFields::kIgnore) {
    return UnknownFields(*event, rejection);
  }
  return true;
}

}  // namespace sqs2pg::transform
