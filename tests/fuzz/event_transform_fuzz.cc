// libFuzzer target: each input is one SQS message body for transform::RowTransformer::Transform
// with the built-in login mapping (mapping/default_mapping.h), the one sqs2pg runs without
// --mapping.
//
// The mapping is compiled as sqs2pg compiles it for the standard user_logins table (user_id
// varchar(128), device_type varchar(32), masked_ip and masked_device_id varchar(256), locale
// varchar(32), app_version integer, create_date date; login_mapping_test_support.h), masking with
// the fixed test key of the mutation test; every body is sent at 2021-01-01T00:00:00Z.
// Invariants (a violation aborts, so libFuzzer reports it and saves the input):
//  1. Transform returns true with fields, or false with a Rejection whose reason is one of those
//     named in rejection.h. The same body transformed again gives the same outcome.
//  2. Rejections name columns and keys, never values. The field is empty for empty_body,
//     invalid_utf8, invalid_json and not_an_object; the label of a login column ("masked_ip
//     (path ip)") for the column-level reasons, one the reason can come from; "sns" or
//     "eventbridge" for bad_envelope; a decode error name for bad_encoding; for duplicate_key
//     and too_deep empty or an identifier-like key (never text taken from a value).
//  3. The JSON verdict agrees with simdjson's DOM parser for a body read as JSON (its first
//     non-space character is '{'): it is rejected as empty_body, invalid_utf8 or invalid_json
//     exactly when the DOM parser refuses it (not checked for too_deep, which stops reading
//     early, nor for an envelope, whose inner event is judged on its own). Numbers are judged by
//     the JSON grammar alone: 1e400 or a 30-digit integer is valid JSON that the DOM parser
//     cannot hold.
//  4. A reference model built on the DOM predicts the outcome: body encoding (strict base64 when
//     the body does not start with '{', unless it is not base64 and starts like another JSON
//     value: then the JSON rules; gzip is not modelled), flattening with '_' (nesting
//     depth, duplicate keys), the SNS / EventBridge envelope (a broken one is bad_envelope; the
//     inner message is decoded and parsed by the same rules), then the mapping's columns in
//     order: a required value absent or null is missing_field, a non-string wrong_type, then
//     nul_character and too_long for stored text, invalid_version for app_version; locale is
//     optional. The same reason and field, or the same row. One known departure from
//     flatten.h, accepted either way: a top-level array nested deeper than Flattener::kMaxDepth
//     is rejected as too_deep, where the documented order says not_an_object.
//  5. Rows: seven well-formed fields; masked_ip and masked_device_id are 64 lowercase hex chars,
//     equal to a separate Masker's masks of the event's ip and device_id in the domains "ip" and
//     "device_id"; user_id, device_type and locale are valid UTF-8 without U+0000 and fit their
//     columns in code points; app_version is MAJOR*1000000 + MINOR*1000 + PATCH, computed here
//     independently; create_date is the UTC day of the sent timestamp.
#include <simdjson.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "transform/flatten.h"
#include "transform/login_mapping_test_support.h"
#include "transform/masker.h"
#include "transform/rejection.h"
#include "transform/row_transformer.h"

namespace {

using sqs2pg::transform::FieldInt32;
using sqs2pg::transform::Fields;
using sqs2pg::transform::FieldUnixDays;
using sqs2pg::transform::Flattener;
using sqs2pg::transform::kAppVersion;
using sqs2pg::transform::kCreateDate;
using sqs2pg::transform::kDeviceType;
using sqs2pg::transform::kLocale;
using sqs2pg::transform::kLoginColumnCount;
using sqs2pg::transform::kMaskedDeviceId;
using sqs2pg::transform::kMaskedHexChars;
using sqs2pg::transform::kMaskedIp;
using sqs2pg::transform::kMaxRejectFieldBytes;
using sqs2pg::transform::kUserId;
using sqs2pg::transform::LoginTransformer;
using sqs2pg::transform::Masker;
using sqs2pg::transform::MaskScheme;
using sqs2pg::transform::MessageView;
using sqs2pg::transform::Rejection;
using sqs2pg::transform::RejectReason;
using sqs2pg::transform::RejectReasonName;
using sqs2pg::transform::RowTransformer;
using sqs2pg::transform::SplitFields;
using sqs2pg::transform::UserLoginsShape;
namespace dom = simdjson::dom;

constexpr int64_t kSentTimestampMs = 1609459200000;  // 2021-01-01T00:00:00Z
constexpr int32_t kSentDay = 18628;                  // days from 1970-01-01 to 2021-01-01
constexpr int kUserIdChars = 128;
constexpr int kDeviceTypeChars = 32;
constexpr int kLocaleChars = 32;
// Deeper than a body of up to 8192 bytes can nest, so the DOM parser does not refuse on depth.
constexpr size_t kDomMaxDepth = 4096;

// The labels of the login mapping's columns: a column-level rejection's field.
constexpr std::string_view kUserIdLabel = "user_id (path user_id)";
constexpr std::string_view kDeviceTypeLabel = "device_type (path device_type)";
constexpr std::string_view kIpLabel = "masked_ip (path ip)";
constexpr std::string_view kDeviceIdLabel = "masked_device_id (path device_id)";
constexpr std::string_view kLocaleLabel = "locale (path locale)";
constexpr std::string_view kAppVersionLabel = "app_version (path app_version)";

[[noreturn]] void Violated(const char* condition, int line, const std::string& detail) {
  std::fprintf(stderr, "event_transform_fuzz.cc:%d: invariant violated: %s%s%s\n", line, condition,
               detail.empty() ? "" : "\n  ", detail.c_str());
  std::abort();
}

// Aborts with the condition and `detail` (rejection text, field names; never the body, which
// libFuzzer saves anyway).
#define FUZZ_CHECK(condition, detail)                           \
  do {                                                          \
    if (!(condition)) Violated(#condition, __LINE__, (detail)); \
  } while (false)

std::string Describe(bool ok, const Rejection& rejection) {
  return ok ? std::string("row") : rejection.ToString();
}

const std::string& TestKey() {
  static const std::string key(32, '\x42');
  return key;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool IsIdentifier(std::string_view s) {
  if (s.empty() || IsDigit(s[0])) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return IsDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  });
}

bool IsLowerHex(std::string_view s, size_t length) {
  return s.size() == length && std::all_of(s.begin(), s.end(), [](char c) {
           return IsDigit(c) || (c >= 'a' && c <= 'f');
         });
}

size_t CodePoints(std::string_view s) {
  return static_cast<size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

bool Storable(std::string_view s, int max_chars) {
  return simdjson::validate_utf8(s.data(), s.size()) && s.find('\0') == std::string_view::npos &&
         CodePoints(s) <= static_cast<size_t>(max_chars);
}

// MAJOR[.MINOR[.PATCH]], each part 1-3 ASCII digits: written from app_version.h's contract, not
// from its code.
std::optional<int32_t> ReferenceVersion(std::string_view s) {
  int32_t parts[3] = {0, 0, 0};
  size_t i = 0;
  for (int part = 0;; ++part) {
    if (part == 3) return std::nullopt;
    size_t start = i;
    while (i < s.size() && IsDigit(s[i]) && i - start < 3) {
      parts[part] = parts[part] * 10 + (s[i] - '0');
      ++i;
    }
    if (i == start) return std::nullopt;
    if (i == s.size()) break;
    if (s[i] != '.') return std::nullopt;
    ++i;
  }
  return parts[0] * 1000000 + parts[1] * 1000 + parts[2];
}

// RFC 8259 number grammar.
bool IsJsonNumber(std::string_view s) {
  size_t i = 0, n = s.size();
  if (i < n && s[i] == '-') ++i;
  if (i >= n || !IsDigit(s[i])) return false;
  if (s[i] == '0') {
    ++i;
  } else {
    while (i < n && IsDigit(s[i])) ++i;
  }
  if (i < n && s[i] == '.') {
    if (++i >= n || !IsDigit(s[i])) return false;
    while (i < n && IsDigit(s[i])) ++i;
  }
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < n && (s[i] == '+' || s[i] == '-')) ++i;
    if (i >= n || !IsDigit(s[i])) return false;
    while (i < n && IsDigit(s[i])) ++i;
  }
  return i == n;
}

// The body with every grammatical number outside strings replaced by 0, for the DOM parser, which
// refuses numbers that do not fit a double or a 64-bit integer. Strings and structure are kept, so
// validity and the flattened keys and string values are unchanged.
std::string WithSmallNumbers(std::string_view body) {
  std::string out;
  out.reserve(body.size());
  bool in_string = false;
  for (size_t i = 0; i < body.size();) {
    char c = body[i];
    if (in_string) {
      out.push_back(c);
      if (c == '\\' && i + 1 < body.size()) out.push_back(body[++i]);
      if (c == '"') in_string = false;
      ++i;
      continue;
    }
    if (c == '"') in_string = true;
    if (c == '-' || IsDigit(c)) {
      size_t end = i;
      while (end < body.size() && (IsDigit(body[end]) || body[end] == '-' || body[end] == '+' ||
                                   body[end] == '.' || body[end] == 'e' || body[end] == 'E')) {
        ++end;
      }
      std::string_view token = body.substr(i, end - i);
      out.append(IsJsonNumber(token) ? std::string_view("0") : token);
      i = end;
      continue;
    }
    out.push_back(c);
    ++i;
  }
  return out;
}

bool IsJsonSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// body_encoding = "auto": JSON when the first non-space character is '{' or there is none.
bool ReadAsJson(std::string_view body) {
  for (char c : body) {
    if (!IsJsonSpace(c)) return c == '{';
  }
  return true;
}

// A body that is not base64 but starts (after JSON whitespace) like a JSON value other than an
// object -- '[', '"', '-', a digit, 't', 'f' or 'n' -- is judged by the JSON rules
// (row_transformer.cc), not rejected as bad_encoding.
bool StartsLikeJsonValue(std::string_view body) {
  for (char c : body) {
    if (IsJsonSpace(c)) continue;
    return c == '[' || c == '"' || c == '-' || (c >= '0' && c <= '9') || c == 't' || c == 'f' ||
           c == 'n';
  }
  return false;
}

// Strict RFC 4648 base64 (body_codec.h's contract, written independently): the standard
// alphabet, a multiple of 4, '=' padding only at the end, no unused bits set.
std::optional<std::string> StrictBase64(std::string_view in) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  if (in.size() % 4 != 0) return std::nullopt;
  std::string out;
  for (size_t i = 0; i < in.size(); i += 4) {
    const bool last = i + 4 == in.size();
    int v[4];
    int pad = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = in[i + k];
      if (c == '=' && last && k >= 2) {
        v[k] = 0;
        ++pad;
        continue;
      }
      if (pad > 0) return std::nullopt;  // a character after padding
      v[k] = value(c);
      if (v[k] < 0) return std::nullopt;
    }
    const uint32_t bits = (v[0] << 18) | (v[1] << 12) | (v[2] << 6) | v[3];
    if (pad == 2 && (bits & 0xFFFF) != 0) return std::nullopt;
    if (pad == 1 && (bits & 0xFF) != 0) return std::nullopt;
    out.push_back(static_cast<char>(bits >> 16));
    if (pad < 2) out.push_back(static_cast<char>((bits >> 8) & 0xFF));
    if (pad < 1) out.push_back(static_cast<char>(bits & 0xFF));
  }
  return out;
}

// ---- The reference model ---------------------------------------------------------------------

struct RefField {
  std::string key;  // flattened
  dom::element value;
};

struct Reference {
  int depth = 0;  // deepest container, the top level counting 1
  // Key of the first container (document order) nested deeper than kMaxDepth, or nullopt.
  std::optional<std::string> too_deep_key;
  std::vector<RefField> fields;  // flattened, document order
};

void NoteDepth(int depth, const std::string& owner, Reference* ref) {
  ref->depth = std::max(ref->depth, depth);
  if (depth > Flattener::kMaxDepth && !ref->too_deep_key) ref->too_deep_key = owner;
}

// A container inside an array (or an array member's value): only its depth matters.
void WalkContainer(dom::element e, int depth, const std::string& owner, Reference* ref) {
  if (e.is_array()) {
    NoteDepth(depth, owner, ref);
    for (dom::element child : dom::array(e)) WalkContainer(child, depth + 1, owner, ref);
  } else if (e.is_object()) {
    NoteDepth(depth, owner, ref);
    for (dom::key_value_pair field : dom::object(e)) {
      WalkContainer(field.value, depth + 1, owner, ref);
    }
  }
}

void WalkObject(dom::object object, int depth, std::string* prefix, Reference* ref) {
  for (dom::key_value_pair field : object) {
    size_t length = prefix->size();
    prefix->append(field.key);
    ref->fields.push_back({*prefix, field.value});
    if (field.value.is_object()) {
      NoteDepth(depth + 1, *prefix, ref);
      prefix->push_back('_');
      WalkObject(dom::object(field.value), depth + 1, prefix, ref);
    } else if (field.value.is_array()) {
      WalkContainer(field.value, depth + 1, *prefix, ref);
    }
    prefix->resize(length);
  }
}

// What Transform should do with a body, when the model knows.
struct Expected {
  bool known = false;
  bool row = false;
  std::vector<RejectReason> reasons;  // any one of these
  std::vector<std::string> fields;    // the rejection's field is the one of the same index
  // Also too_deep with any field: the flattener stops at the depth limit before it would see
  // the syntax error the DOM parser found.
  bool or_too_deep = false;
  // For a row: the strings the event holds.
  std::string user_id, device_type, ip, device_id, app_version;
  std::optional<std::string> locale;
};

void Expect(Expected* e, RejectReason reason, std::string_view field = {}) {
  e->known = true;
  e->reasons.push_back(reason);
  e->fields.emplace_back(field);
}

// The field a rejection names for a key taken from the body.
std::string Reportable(std::string_view key) {
  if (!IsIdentifier(key)) return {};
  return std::string(key.substr(0, kMaxRejectFieldBytes));  // ASCII: no sequence to split
}

class Model {
 public:
  Model() {
    if (outer_.allocate(4096, kDomMaxDepth) != simdjson::SUCCESS ||
        inner_.allocate(4096, kDomMaxDepth) != simdjson::SUCCESS) {
      std::abort();
    }
  }

  // The expected outcome of a whole SQS body.
  Expected Body(std::string_view body) { return Decoded(body, outer_, /*outer=*/true); }

 private:
  // Step 1 (encoding) and on, for a body or an SNS message.
  Expected Decoded(std::string_view body, dom::parser& parser, bool outer) {
    Expected e;
    if (ReadAsJson(body)) return Json(body, parser, outer);
    std::optional<std::string> decoded = StrictBase64(body);
    if (!decoded && StartsLikeJsonValue(body)) {
      return Json(body, parser, outer);  // never claimed an encoding: the JSON rules judge it
    }
    if (!decoded) {
      Expect(&e, RejectReason::kBadEncoding, "bad_base64");
      return e;
    }
    if (decoded->size() >= 2 && static_cast<unsigned char>((*decoded)[0]) == 0x1f &&
        static_cast<unsigned char>((*decoded)[1]) == 0x8b) {
      return e;  // gzip: not modelled
    }
    std::string text = std::move(*decoded);
    return Json(text, parser, outer);
  }

  // Step 2 (JSON and flattening) and on.
  Expected Json(std::string_view text, dom::parser& parser, bool outer) {
    Expected e;
    dom::element root;
    simdjson::error_code error = parser.parse(text.data(), text.size()).get(root);
    if (error == simdjson::NUMBER_ERROR || error == simdjson::NUMBER_OUT_OF_RANGE) {
      std::string small = WithSmallNumbers(text);
      error = parser.parse(small.data(), small.size()).get(root);
    }
    if (error == simdjson::DEPTH_ERROR) return e;
    if (error != simdjson::SUCCESS) {
      Expect(&e, RejectReason::kEmptyBody);
      Expect(&e, RejectReason::kInvalidUtf8);
      Expect(&e, RejectReason::kInvalidJson);
      e.or_too_deep = true;
      return e;
    }
    Reference ref;
    std::string prefix;
    if (!root.is_object()) {
      WalkContainer(root, 1, prefix, &ref);
      Expect(&e, RejectReason::kNotAnObject);
      if (ref.too_deep_key) Expect(&e, RejectReason::kTooDeep);  // see invariant 4
      return e;
    }
    NoteDepth(1, prefix, &ref);
    WalkObject(dom::object(root), 1, &prefix, &ref);
    if (ref.too_deep_key) {
      Expect(&e, RejectReason::kTooDeep, Reportable(*ref.too_deep_key));
      return e;
    }
    std::unordered_map<std::string_view, const RefField*> by_key;
    for (const RefField& f : ref.fields) {
      if (!by_key.emplace(f.key, &f).second) {
        Expect(&e, RejectReason::kDuplicateKey, Reportable(f.key));
      }
    }
    if (!e.reasons.empty()) return e;
    auto find = [&](std::string_view name) -> const dom::element* {
      auto it = by_key.find(name);
      return it == by_key.end() ? nullptr : &it->second->value;
    };
    if (!outer) return Event(find);

    // Step 3: the envelope (envelope = "auto").
    const dom::element* type = find("Type");
    if (type != nullptr && type->is_string() && std::string_view(*type) == "Notification" &&
        find("TopicArn") != nullptr) {
      const dom::element* message = find("Message");
      if (message == nullptr || !message->is_string() || !find("TopicArn")->is_string()) {
        Expect(&e, RejectReason::kBadEnvelope, "sns");
        return e;
      }
      const std::string inner{std::string_view(*message)};  // outlives the outer document
      return Decoded(inner, inner_, /*outer=*/false);
    }
    const dom::element* detail = find("detail");
    if (find("detail-type") != nullptr && find("source") != nullptr && detail != nullptr) {
      if (!detail->is_object() || !find("detail-type")->is_string() ||
          !find("source")->is_string()) {
        Expect(&e, RejectReason::kBadEnvelope, "eventbridge");
        return e;
      }
      // The detail flattened on its own: its keys without the "detail_" prefix.
      std::unordered_map<std::string_view, const RefField*> inner_by_key;
      Reference inner_ref;
      std::string inner_prefix;
      WalkObject(dom::object(*detail), 1, &inner_prefix, &inner_ref);
      for (const RefField& f : inner_ref.fields) inner_by_key.emplace(f.key, &f);
      return Event([&](std::string_view name) -> const dom::element* {
        auto it = inner_by_key.find(name);
        return it == inner_by_key.end() ? nullptr : &it->second->value;
      });
    }
    return Event(find);
  }

  // Step 4: the login mapping's columns, in order.
  template <typename Find>
  Expected Event(const Find& find) {
    Expected e;
    auto reject = [&](RejectReason reason, std::string_view label) {
      Expect(&e, reason, label);
      return false;
    };
    // A string value: missing_field (required) or SQL NULL when absent or null, wrong_type for
    // another kind, then (when stored as text) NUL and length.
    auto value = [&](std::string_view name, std::string_view label, bool required, int max_chars,
                     std::optional<std::string>* out) {
      const dom::element* v = find(name);
      if (v == nullptr || v->is_null()) {
        return required ? reject(RejectReason::kMissingField, label) : true;
      }
      if (!v->is_string()) return reject(RejectReason::kWrongType, label);
      std::string_view text(*v);
      if (max_chars >= 0) {
        if (text.find('\0') != std::string_view::npos) {
          return reject(RejectReason::kNulCharacter, label);
        }
        if (CodePoints(text) > static_cast<size_t>(max_chars)) {
          return reject(RejectReason::kTooLong, label);
        }
      }
      *out = std::string(text);
      return true;
    };
    std::optional<std::string> user_id, device_type, ip, device_id, app_version;
    if (!value("user_id", kUserIdLabel, true, kUserIdChars, &user_id) ||
        !value("device_type", kDeviceTypeLabel, true, kDeviceTypeChars, &device_type) ||
        !value("ip", kIpLabel, true, -1, &ip) ||
        !value("device_id", kDeviceIdLabel, true, -1, &device_id) ||
        !value("locale", kLocaleLabel, false, kLocaleChars, &e.locale) ||
        !value("app_version", kAppVersionLabel, true, -1, &app_version)) {
      return e;
    }
    if (!ReferenceVersion(*app_version)) {
      Expect(&e, RejectReason::kInvalidVersion, kAppVersionLabel);
      return e;
    }
    e.known = e.row = true;
    e.user_id = *user_id;
    e.device_type = *device_type;
    e.ip = *ip;
    e.device_id = *device_id;
    e.app_version = *app_version;
    return e;
  }

  dom::parser outer_;
  dom::parser inner_;
};

// ---- Checks ----------------------------------------------------------------------------------

// Invariant 2, for every body: which fields each reason may name.
void CheckRejectionShape(const Rejection& rejection) {
  const std::string& f = rejection.field;
  const std::string text = rejection.ToString();
  FUZZ_CHECK(RejectReasonName(rejection.reason) != "unknown", text);
  FUZZ_CHECK(f.size() <= kMaxRejectFieldBytes, text);
  switch (rejection.reason) {
    case RejectReason::kEmptyBody:
    case RejectReason::kInvalidUtf8:
    case RejectReason::kInvalidJson:
    case RejectReason::kNotAnObject:
      FUZZ_CHECK(f.empty(), text);
      break;
    case RejectReason::kMissingField:
      FUZZ_CHECK(f == kUserIdLabel || f == kDeviceTypeLabel || f == kIpLabel ||
                     f == kDeviceIdLabel || f == kAppVersionLabel,
                 text);
      break;
    case RejectReason::kWrongType:
      FUZZ_CHECK(f == kUserIdLabel || f == kDeviceTypeLabel || f == kIpLabel ||
                     f == kDeviceIdLabel || f == kAppVersionLabel || f == kLocaleLabel,
                 text);
      break;
    case RejectReason::kTooLong:  // with these columns: masks always fit, app_version is integer
    case RejectReason::kNulCharacter:
      FUZZ_CHECK(f == kUserIdLabel || f == kDeviceTypeLabel || f == kLocaleLabel, text);
      break;
    case RejectReason::kInvalidVersion:
      FUZZ_CHECK(f == kAppVersionLabel, text);
      break;
    case RejectReason::kDuplicateKey:
    case RejectReason::kTooDeep:
      FUZZ_CHECK(f.empty() || IsIdentifier(f), text);
      break;
    case RejectReason::kBadEnvelope:
      FUZZ_CHECK(f == "sns" || f == "eventbridge", text);
      break;
    case RejectReason::kBadEncoding:
      FUZZ_CHECK(f == "bad_base64" || f == "not_gzip" || f == "bad_gzip" || f == "bad_checksum" ||
                     f == "trailing_data" || f == "too_large",
                 text);
      break;
    case RejectReason::kOutOfRange:    // no number column is fed by the event
    case RejectReason::kInvalidValue:  // nor a uuid, date, inet or timestamp
    case RejectReason::kUnknownField:  // unknown_fields = "ignore"
      FUZZ_CHECK(false, text);
      break;
  }
}

// Invariant 5, for every row.
void CheckRowShape(const Fields& row) {
  FUZZ_CHECK(row.size() == kLoginColumnCount, "field count");
  FUZZ_CHECK(row[kMaskedIp] && IsLowerHex(*row[kMaskedIp], kMaskedHexChars), "masked_ip");
  FUZZ_CHECK(row[kMaskedDeviceId] && IsLowerHex(*row[kMaskedDeviceId], kMaskedHexChars),
             "masked_device_id");
  FUZZ_CHECK(row[kUserId] && Storable(*row[kUserId], kUserIdChars), "user_id");
  FUZZ_CHECK(row[kDeviceType] && Storable(*row[kDeviceType], kDeviceTypeChars), "device_type");
  FUZZ_CHECK(!row[kLocale] || Storable(*row[kLocale], kLocaleChars), "locale");
  std::optional<int32_t> version = FieldInt32(row[kAppVersion]);
  FUZZ_CHECK(version.has_value() && *version >= 0 && *version <= 999999999, "app_version");
  FUZZ_CHECK(FieldUnixDays(row[kCreateDate]) == kSentDay, "create_date");
}

struct State {
  RowTransformer transformer =
      LoginTransformer(UserLoginsShape(), MaskScheme::kHmacSha256, TestKey());
  Masker reference_masker{MaskScheme::kHmacSha256, TestKey(), {"ip", "device_id"}};
  Model model;
  dom::parser parser;
  std::string fields, again_fields;
  Rejection rejection, again_rejection;

  State() {
    if (parser.allocate(4096, kDomMaxDepth) != simdjson::SUCCESS) std::abort();
  }
};

bool JsonLevel(RejectReason r) {
  return r == RejectReason::kEmptyBody || r == RejectReason::kInvalidUtf8 ||
         r == RejectReason::kInvalidJson;
}

// An SNS notification or EventBridge event as RowTransformer recognises one (top-level keys).
bool LooksLikeEnvelope(dom::element root) {
  dom::object o;
  if (root.get(o) != simdjson::SUCCESS) return false;
  std::string_view type;
  if (o["Type"].get(type) == simdjson::SUCCESS && type == "Notification" &&
      o["TopicArn"].error() == simdjson::SUCCESS) {
    return true;
  }
  return o["detail-type"].error() == simdjson::SUCCESS &&
         o["source"].error() == simdjson::SUCCESS && o["detail"].error() == simdjson::SUCCESS;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static State* state = new State();  // never destroyed: outlives libFuzzer's exit handlers
  State& s = *state;
  std::string_view body(reinterpret_cast<const char*>(data), size);
  MessageView message;
  message.body = body;
  message.message_id = "00000000-0000-4000-8000-000000000000";
  message.sent_timestamp_ms = kSentTimestampMs;

  // 1. Fields or a named rejection, the same every time.
  const bool ok = s.transformer.Transform(message, &s.fields, &s.rejection);
  const bool again = s.transformer.Transform(message, &s.again_fields, &s.again_rejection);
  const std::string outcome = Describe(ok, s.rejection);
  FUZZ_CHECK(again == ok, outcome + " then " + Describe(again, s.again_rejection));
  std::optional<Fields> row;
  if (ok) {
    row = SplitFields(s.fields);
    FUZZ_CHECK(row.has_value(), "malformed fields");
    CheckRowShape(*row);
    FUZZ_CHECK(s.fields == s.again_fields, "different fields the second time");
  } else {
    CheckRejectionShape(s.rejection);
    FUZZ_CHECK(s.again_rejection.reason == s.rejection.reason &&
                   s.again_rejection.field == s.rejection.field,
               outcome + " then " + s.again_rejection.ToString());
  }

  // 3. The JSON verdict of a body read as JSON, against the DOM parser (grammatical numbers made
  // small first).
  if (ReadAsJson(body)) {
    dom::element root;
    simdjson::error_code error = s.parser.parse(body.data(), body.size()).get(root);
    if (error == simdjson::NUMBER_ERROR || error == simdjson::NUMBER_OUT_OF_RANGE) {
      std::string small = WithSmallNumbers(body);
      error = s.parser.parse(small.data(), small.size()).get(root);
    }
    if (error == simdjson::DEPTH_ERROR) return 0;  // only past -max_len=8192
    const bool too_deep = !ok && s.rejection.reason == RejectReason::kTooDeep;
    const bool json_level = !ok && JsonLevel(s.rejection.reason);
    if (!too_deep && (error != simdjson::SUCCESS || !LooksLikeEnvelope(root))) {
      FUZZ_CHECK((error == simdjson::SUCCESS) == !json_level,
                 outcome + "; simdjson DOM: " + simdjson::error_message(error));
    }
  }

  // 4. The reference model's prediction.
  Expected e = s.model.Body(body);
  if (!e.known) return 0;
  if (e.row) {
    FUZZ_CHECK(ok, "the model expects a row, got " + outcome);
    const Fields& r = *row;
    FUZZ_CHECK(r[kUserId] == e.user_id, "user_id");
    FUZZ_CHECK(r[kDeviceType] == e.device_type, "device_type");
    FUZZ_CHECK(r[kLocale] == e.locale, "locale");
    FUZZ_CHECK(FieldInt32(r[kAppVersion]) == ReferenceVersion(e.app_version), "app_version");
    FUZZ_CHECK(r[kMaskedIp] == s.reference_masker.Mask(0, e.ip), "masked_ip");
    FUZZ_CHECK(r[kMaskedDeviceId] == s.reference_masker.Mask(1, e.device_id), "masked_device_id");
    return 0;
  }
  std::string expected;
  for (size_t i = 0; i < e.reasons.size(); ++i) {
    Rejection r;
    r.reason = e.reasons[i];
    r.field = e.fields[i];
    expected += (i == 0 ? "" : " or ") + r.ToString();
  }
  if (e.or_too_deep) expected += " or too_deep";
  FUZZ_CHECK(!ok, "got a row, the model expects " + expected);
  bool matched = e.or_too_deep && s.rejection.reason == RejectReason::kTooDeep;
  for (size_t i = 0; i < e.reasons.size(); ++i) {
    matched |= s.rejection.reason == e.reasons[i] && s.rejection.field == e.fields[i];
  }
  FUZZ_CHECK(matched, "got " + outcome + ", the model expects " + expected);
  return 0;
}
