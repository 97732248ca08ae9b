#include "sqs/query_codec.h"

#include <charconv>
#include <cstdint>
#include <optional>
#include <pugixml.hpp>

#include "aws/json_writer.h"
#include "sqs/json_codec.h"

namespace sqs2pg::sqs::query_codec {
namespace {

constexpr size_t kMaxBatchEntries = 10;

// pugixml's defaults without end-of-line normalisation (a body's "\r\n" or lone "\r" must stay as
// sent: MD5OfBody covers it) and with whitespace-only text kept (a body of "  " is a body). No
// DOCTYPE processing: pugixml never expands entities other than the five predefined ones and
// character references.
constexpr unsigned kParseOptions = pugi::parse_cdata | pugi::parse_escapes | pugi::parse_ws_pcdata;

Status Malformed(std::string_view what) {
  return InternalError("malformed response: " + std::string(what));
}

Status CheckBatchSize(size_t n) {
  if (n == 0) return InvalidArgumentError("a batch needs at least one entry");
  if (n > kMaxBatchEntries) return InvalidArgumentError("a batch takes at most 10 entries");
  return Status::Ok();
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

bool IsBlank(std::string_view s) {
  for (char c : s) {
    if (!IsSpace(c)) return false;
  }
  return true;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

bool EqualsIgnoreAsciiCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

bool ParseInt64(std::string_view s, int64_t* out) {
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && ptr == s.data() + s.size() && !s.empty();
}

// ---- Requests ----

bool IsUnreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '~';
}

void AppendPercentEncoded(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (IsUnreserved(c)) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
}

// Builds "Action=<op>&Version=2012-11-05&name=value...". Names are ours (ASCII); values are
// checked for UTF-8 validity.
class FormWriter {
 public:
  explicit FormWriter(std::string_view action) {
    Add("Action", action);
    Add("Version", kApiVersion);
  }

  FormWriter& Add(std::string_view name, std::string_view value) {
    if (!aws::IsValidUtf8(value)) utf8_ok_ = false;
    if (!out_.empty()) out_.push_back('&');
    AppendPercentEncoded(out_, name);
    out_.push_back('=');
    AppendPercentEncoded(out_, value);
    return *this;
  }
  FormWriter& AddInt(std::string_view name, int64_t value) {
    return Add(name, std::to_string(value));
  }

  Result<std::string> Finish() {
    if (!utf8_ok_) {
      return InvalidArgumentError("request contains a string that is not valid UTF-8");
    }
    return std::move(out_);
  }

 private:
  std::string out_;
  bool utf8_ok_ = true;
};

// "<list>.<n>." for the 1-based n-th member of a flattened Query list.
std::string Member(std::string_view list, size_t n) {
  std::string out(list);
  out += '.';
  out += std::to_string(n);
  out += '.';
  return out;
}

// ---- Responses ----

std::string_view LocalName(pugi::xml_node n) {
  std::string_view name = n.name();
  const size_t colon = name.find(':');
  return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

// The first child element of `parent` with this local name, or a null node.
pugi::xml_node Child(pugi::xml_node parent, std::string_view local) {
  for (pugi::xml_node c = parent.first_child(); c; c = c.next_sibling()) {
    if (c.type() == pugi::node_element && LocalName(c) == local) return c;
  }
  return {};
}

template <typename F>
void ForEachChild(pugi::xml_node parent, std::string_view local, F&& f) {
  for (pugi::xml_node c = parent.first_child(); c; c = c.next_sibling()) {
    if (c.type() == pugi::node_element && LocalName(c) == local) f(c);
  }
}

// All character data directly inside `n` (text and CDATA sections, concatenated), as sent.
std::string Text(pugi::xml_node n) {
  std::string out;
  for (pugi::xml_node c = n.first_child(); c; c = c.next_sibling()) {
    if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) out += c.value();
  }
  return out;
}

std::string TrimmedText(pugi::xml_node n) { return std::string(Trim(Text(n))); }

bool Parse(std::string_view body, pugi::xml_document& doc, std::string* error) {
  const pugi::xml_parse_result r =
      doc.load_buffer(body.data(), body.size(), kParseOptions, pugi::encoding_auto);
  if (r) return true;
  *error = std::string("not well-formed XML (") + r.description() + ")";
  return false;
}

Status ParseOrMalformed(std::string_view body, pugi::xml_document& doc) {
  std::string error;
  if (!Parse(body, doc, &error)) return Malformed(error);
  return Status::Ok();
}

// The <...Result> element of a <...Response> document, or a null node if the response has none
// (some servers leave it out of an empty answer).
Result<pugi::xml_node> FindResult(const pugi::xml_document& doc) {
  const pugi::xml_node root = doc.document_element();
  const std::string_view name = LocalName(root);
  if (name == "ErrorResponse") return Malformed("an ErrorResponse in a success");
  if (!name.ends_with("Response")) return Malformed("the root element is not a ...Response");
  for (pugi::xml_node c = root.first_child(); c; c = c.next_sibling()) {
    if (c.type() == pugi::node_element && LocalName(c).ends_with("Result")) return c;
  }
  return pugi::xml_node();
}

// True if `s` (starting at '&') begins a predefined entity or character reference.
bool StartsReference(std::string_view s) {
  const size_t semi = s.find(';');
  if (semi == std::string_view::npos || semi > 12) return false;
  const std::string_view name = s.substr(1, semi - 1);
  if (name == "lt" || name == "gt" || name == "amp" || name == "quot" || name == "apos") {
    return true;
  }
  if (name.size() < 2 || name[0] != '#') return false;
  const bool hex = name[1] == 'x';
  const std::string_view digits = name.substr(hex ? 2 : 1);
  if (digits.empty()) return false;
  for (char c : digits) {
    const bool ok =
        (c >= '0' && c <= '9') || (hex && ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')));
    if (!ok) return false;
  }
  return true;
}

// A text-only element whose content some emulators do not escape, and the tags that can follow
// its closing tag in a ReceiveMessage response.
struct TextElement {
  std::string_view open;
  std::string_view close;
  std::vector<std::string_view> followers;
};

const std::vector<TextElement>& TextElements() {
  static const std::vector<TextElement> elements = {
      {"<Body>",
       "</Body>",
       {"<Attribute>", "<MessageAttribute>", "<MD5OfMessageAttributes>", "<MD5OfBody>",
        "<MessageId>", "<ReceiptHandle>", "</Message>"}},
      {"<StringValue>", "</StringValue>", {"<DataType>", "<BinaryValue>", "</Value>"}},
  };
  return elements;
}

// Where the content of `e` that starts at `from` ends: the first closing tag followed (after
// whitespace) by one of e.followers.
size_t FindContentEnd(std::string_view xml, size_t from, const TextElement& e) {
  for (size_t at = xml.find(e.close, from); at != std::string_view::npos;
       at = xml.find(e.close, at + 1)) {
    size_t next = at + e.close.size();
    while (next < xml.size() && IsSpace(xml[next])) ++next;
    const std::string_view rest = xml.substr(next);
    for (std::string_view f : e.followers) {
      if (rest.starts_with(f)) return at;
    }
  }
  return std::string_view::npos;
}

// `xml` with '<', and '&' that starts no reference, escaped inside every <Body> and <StringValue>;
// nullopt if one of them has no recognisable end.
std::optional<std::string> EscapeStrayMarkup(std::string_view xml) {
  std::string out;
  out.reserve(xml.size() + 256);
  size_t pos = 0;
  for (;;) {
    const TextElement* element = nullptr;
    size_t start = std::string_view::npos;
    for (const TextElement& e : TextElements()) {
      const size_t at = xml.find(e.open, pos);
      if (at < start) {
        start = at;
        element = &e;
      }
    }
    if (element == nullptr) {
      out.append(xml.substr(pos));
      return out;
    }
    const size_t content = start + element->open.size();
    out.append(xml.substr(pos, content - pos));
    const size_t end = FindContentEnd(xml, content, *element);
    if (end == std::string_view::npos) return std::nullopt;
    for (size_t i = content; i < end; ++i) {
      if (xml[i] == '<') {
        out += "&lt;";
      } else if (xml[i] == '&' && !StartsReference(xml.substr(i, end - i))) {
        out += "&amp;";
      } else {
        out.push_back(xml[i]);
      }
    }
    pos = end;
  }
}

// True if a <Body> or <StringValue> holds an element: markup that was not escaped.
bool HasMarkupInText(const pugi::xml_document& doc) {
  return static_cast<bool>(doc.find_node([](pugi::xml_node n) {
    if (n.type() != pugi::node_element) return false;
    const std::string_view name = LocalName(n);
    if (name != "Body" && name != "StringValue") return false;
    for (pugi::xml_node c = n.first_child(); c; c = c.next_sibling()) {
      if (c.type() == pugi::node_element) return true;
    }
    return false;
  }));
}

Result<ReceivedMessage> DecodeMessage(pugi::xml_node m) {
  const pugi::xml_node id = Child(m, "MessageId");
  const pugi::xml_node handle = Child(m, "ReceiptHandle");
  const pugi::xml_node body = Child(m, "Body");
  if (!id || !handle || !body) return Malformed("a message lacks MessageId, ReceiptHandle or Body");
  ReceivedMessage rm;
  rm.message.message_id = TrimmedText(id);
  rm.message.receipt_handle = TrimmedText(handle);
  rm.message.body = Text(body);
  rm.md5_of_body = TrimmedText(Child(m, "MD5OfBody"));
  bool utf8_ok = aws::IsValidUtf8(rm.message.message_id) &&
                 aws::IsValidUtf8(rm.message.receipt_handle) && aws::IsValidUtf8(rm.message.body) &&
                 aws::IsValidUtf8(rm.md5_of_body);

  ForEachChild(m, "Attribute", [&](pugi::xml_node a) {
    const std::string name = TrimmedText(Child(a, "Name"));
    const std::string value = TrimmedText(Child(a, "Value"));
    int64_t n = 0;
    if (name == "SentTimestamp" && ParseInt64(value, &n)) {
      rm.message.sent_timestamp_ms = n;
    } else if (name == "ApproximateReceiveCount" && ParseInt64(value, &n) && n >= 0 &&
               n <= INT32_MAX) {
      rm.message.receive_count = static_cast<int>(n);
    } else if (name == "MessageGroupId") {
      utf8_ok = utf8_ok && aws::IsValidUtf8(value);
      rm.message.message_group_id = value;
    } else if (name == "SenderId") {
      utf8_ok = utf8_ok && aws::IsValidUtf8(value);
      rm.message.sender_id = value;
    }
  });
  // As in the JSON codec: every attribute with a StringValue (String and Number types, custom
  // suffixes included); Binary ones have none and are dropped.
  ForEachChild(m, "MessageAttribute", [&](pugi::xml_node a) {
    const pugi::xml_node name = Child(a, "Name");
    const pugi::xml_node value = Child(Child(a, "Value"), "StringValue");
    if (!name || !value) return;
    std::string key = TrimmedText(name);
    std::string text = Text(value);
    utf8_ok = utf8_ok && aws::IsValidUtf8(key) && aws::IsValidUtf8(text);
    rm.message.message_attributes.emplace(std::move(key), std::move(text));
  });
  if (!utf8_ok) return Malformed("a message is not valid UTF-8");
  return rm;
}

}  // namespace

Result<std::string> EncodeReceiveMessage(std::string_view queue_url, const ReceiveRequest& r) {
  FormWriter w("ReceiveMessage");
  w.Add("QueueUrl", queue_url);
  w.AddInt("MaxNumberOfMessages", r.max_messages);
  w.AddInt("WaitTimeSeconds", r.wait_time_seconds);
  if (r.visibility_timeout) w.AddInt("VisibilityTimeout", *r.visibility_timeout);
  // Both spellings: AttributeName.N is deprecated, but LocalStack 2.x and local-aws-sqs read only
  // it; current servers read either.
  for (std::string_view list : {"AttributeName", "MessageSystemAttributeName"}) {
    size_t n = 0;
    for (std::string_view name :
         {"SentTimestamp", "ApproximateReceiveCount", "MessageGroupId", "SenderId"}) {
      if (name == "SenderId" && !r.sender_id) continue;
      std::string key(list);
      key += '.';
      key += std::to_string(++n);
      w.Add(key, name);
    }
  }
  if (r.message_attributes) w.Add("MessageAttributeName.1", "All");
  return w.Finish();
}

Result<std::string> EncodeDeleteMessageBatch(std::string_view queue_url,
                                             const std::vector<DeleteEntry>& entries) {
  SQS2PG_RETURN_IF_ERROR(CheckBatchSize(entries.size()));
  FormWriter w("DeleteMessageBatch");
  w.Add("QueueUrl", queue_url);
  for (size_t i = 0; i < entries.size(); ++i) {
    const std::string p = Member("DeleteMessageBatchRequestEntry", i + 1);
    w.Add(p + "Id", entries[i].id);
    w.Add(p + "ReceiptHandle", entries[i].receipt_handle);
  }
  return w.Finish();
}

Result<std::string> EncodeSendMessageBatch(std::string_view queue_url,
                                           const std::vector<SendEntry>& entries) {
  SQS2PG_RETURN_IF_ERROR(CheckBatchSize(entries.size()));
  FormWriter w("SendMessageBatch");
  w.Add("QueueUrl", queue_url);
  for (size_t i = 0; i < entries.size(); ++i) {
    const SendEntry& e = entries[i];
    if (!aws::IsValidUtf8(e.body)) {
      return InvalidArgumentError("entry " + e.id.substr(0, 80) +
                                  ": message body is not valid UTF-8");
    }
    const std::string p = Member("SendMessageBatchRequestEntry", i + 1);
    w.Add(p + "Id", e.id);
    w.Add(p + "MessageBody", e.body);
    if (!e.message_group_id.empty()) w.Add(p + "MessageGroupId", e.message_group_id);
    if (!e.deduplication_id.empty()) w.Add(p + "MessageDeduplicationId", e.deduplication_id);
    for (size_t j = 0; j < e.string_attributes.size(); ++j) {
      const std::string a = Member(p + "MessageAttribute", j + 1);
      w.Add(a + "Name", e.string_attributes[j].first);
      w.Add(a + "Value.StringValue", e.string_attributes[j].second);
      w.Add(a + "Value.DataType", "String");
    }
  }
  return w.Finish();
}

Result<std::string> EncodeChangeMessageVisibilityBatch(
    std::string_view queue_url, const std::vector<VisibilityEntry>& entries) {
  SQS2PG_RETURN_IF_ERROR(CheckBatchSize(entries.size()));
  FormWriter w("ChangeMessageVisibilityBatch");
  w.Add("QueueUrl", queue_url);
  for (size_t i = 0; i < entries.size(); ++i) {
    const std::string p = Member("ChangeMessageVisibilityBatchRequestEntry", i + 1);
    w.Add(p + "Id", entries[i].id);
    w.Add(p + "ReceiptHandle", entries[i].receipt_handle);
    w.AddInt(p + "VisibilityTimeout", entries[i].visibility_timeout);
  }
  return w.Finish();
}

Result<std::string> EncodeGetQueueAttributes(std::string_view queue_url,
                                             const std::vector<std::string>& names) {
  FormWriter w("GetQueueAttributes");
  w.Add("QueueUrl", queue_url);
  for (size_t i = 0; i < names.size(); ++i) {
    w.Add("AttributeName." + std::to_string(i + 1), names[i]);
  }
  return w.Finish();
}

Result<std::string> EncodeCreateQueue(std::string_view name,
                                      const std::map<std::string, std::string>& attributes) {
  FormWriter w("CreateQueue");
  w.Add("QueueName", name);
  size_t n = 0;
  for (const auto& [k, v] : attributes) {
    const std::string p = Member("Attribute", ++n);
    w.Add(p + "Name", k);
    w.Add(p + "Value", v);
  }
  return w.Finish();
}

Result<std::string> EncodeGetQueueUrl(std::string_view name) {
  FormWriter w("GetQueueUrl");
  w.Add("QueueName", name);
  return w.Finish();
}

Result<std::vector<ReceivedMessage>> DecodeReceiveMessage(std::string_view body) {
  std::vector<ReceivedMessage> out;
  if (IsBlank(body)) return out;  // some emulators answer an empty receive with nothing at all
  pugi::xml_document doc;
  std::string error;
  const bool parsed = Parse(body, doc, &error);
  if (!parsed || HasMarkupInText(doc)) {
    // Perhaps a server that does not escape message bodies: escape them and try once more.
    const std::optional<std::string> repaired = EscapeStrayMarkup(body);
    std::string ignored;
    if (!repaired || !Parse(*repaired, doc, &ignored) || HasMarkupInText(doc)) {
      return Malformed(parsed ? "a message body contains unescaped markup" : error);
    }
  }
  SQS2PG_ASSIGN_OR_RETURN(const pugi::xml_node result, FindResult(doc));
  Status status = Status::Ok();
  ForEachChild(result, "Message", [&](pugi::xml_node m) {
    if (!status.ok()) return;
    Result<ReceivedMessage> rm = DecodeMessage(m);
    if (!rm.ok()) {
      status = rm.status();
      return;
    }
    out.push_back(std::move(*rm));
  });
  SQS2PG_RETURN_IF_ERROR(status);
  return out;
}

Result<std::vector<BatchFailure>> DecodeBatchResult(std::string_view body) {
  std::vector<BatchFailure> out;
  if (IsBlank(body)) return out;
  pugi::xml_document doc;
  SQS2PG_RETURN_IF_ERROR(ParseOrMalformed(body, doc));
  SQS2PG_ASSIGN_OR_RETURN(const pugi::xml_node result, FindResult(doc));
  bool lacks_id = false;
  ForEachChild(result, "BatchResultErrorEntry", [&](pugi::xml_node e) {
    const pugi::xml_node id = Child(e, "Id");
    if (!id) {
      lacks_id = true;
      return;
    }
    BatchFailure f;
    f.id = TrimmedText(id);
    f.code = TrimmedText(Child(e, "Code"));
    f.message = TrimmedText(Child(e, "Message"));
    f.sender_fault = EqualsIgnoreAsciiCase(TrimmedText(Child(e, "SenderFault")), "true");
    out.push_back(std::move(f));
  });
  if (lacks_id) return Malformed("a BatchResultErrorEntry lacks Id");
  return out;
}

Result<std::map<std::string, std::string>> DecodeGetQueueAttributes(std::string_view body) {
  std::map<std::string, std::string> out;
  if (IsBlank(body)) return out;
  pugi::xml_document doc;
  SQS2PG_RETURN_IF_ERROR(ParseOrMalformed(body, doc));
  SQS2PG_ASSIGN_OR_RETURN(const pugi::xml_node result, FindResult(doc));
  bool incomplete = false;
  ForEachChild(result, "Attribute", [&](pugi::xml_node a) {
    const pugi::xml_node name = Child(a, "Name");
    const pugi::xml_node value = Child(a, "Value");
    if (!name || !value) {
      incomplete = true;
      return;
    }
    out.emplace(TrimmedText(name), TrimmedText(value));
  });
  if (incomplete) return Malformed("an Attribute lacks Name or Value");
  return out;
}

Result<std::string> DecodeQueueUrl(std::string_view body) {
  if (IsBlank(body)) return Malformed("no QueueUrl");
  pugi::xml_document doc;
  SQS2PG_RETURN_IF_ERROR(ParseOrMalformed(body, doc));
  SQS2PG_ASSIGN_OR_RETURN(const pugi::xml_node result, FindResult(doc));
  std::string url = TrimmedText(Child(result, "QueueUrl"));
  if (url.empty()) return Malformed("no QueueUrl");
  return url;
}

ErrorInfo DecodeError(const aws::HttpResponse& response) {
  // The header, a JSON body, a crude <Code>/<Message> scan and x-amzn-errortype.
  ErrorInfo info = json_codec::DecodeError(response);
  if (!Trim(response.body).starts_with("<")) return info;
  pugi::xml_document doc;
  std::string ignored;
  if (!Parse(response.body, doc, &ignored)) return info;
  const pugi::xml_node error = doc.find_node(
      [](pugi::xml_node n) { return n.type() == pugi::node_element && LocalName(n) == "Error"; });
  if (!error) return info;
  if (const pugi::xml_node code = Child(error, "Code")) info.code = TrimmedText(code);
  pugi::xml_node message = Child(error, "Message");
  if (!message) message = Child(error, "message");
  if (message) info.message = TrimmedText(message);
  if (response.Header("x-amzn-query-error") == nullptr) {
    info.sender_fault = TrimmedText(Child(error, "Type")) == "Sender";
  }
  return info;
}

Result<std::vector<std::pair<std::string, std::string>>> ParseForm(std::string_view body) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  auto decode = [&](std::string_view s, std::string* out) {
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '+') {
        out->push_back(' ');
      } else if (s[i] != '%') {
        out->push_back(s[i]);
      } else {
        if (i + 2 >= s.size()) return false;
        const int hi = hex(s[i + 1]);
        const int lo = hex(s[i + 2]);
        if (hi < 0 || lo < 0) return false;
        out->push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
      }
    }
    return true;
  };
  std::vector<std::pair<std::string, std::string>> out;
  while (!body.empty()) {
    const size_t amp = body.find('&');
    const std::string_view pair = body.substr(0, amp);
    body = amp == std::string_view::npos ? std::string_view() : body.substr(amp + 1);
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    std::string name;
    std::string value;
    if (!decode(pair.substr(0, eq), &name) ||
        (eq != std::string_view::npos && !decode(pair.substr(eq + 1), &value))) {
      return InvalidArgumentError("malformed form body: bad percent-escape");
    }
    out.emplace_back(std::move(name), std::move(value));
  }
  return out;
}

}  // namespace sqs2pg::sqs::query_codec
