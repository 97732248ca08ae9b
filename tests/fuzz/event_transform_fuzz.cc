// libFuzzer target: each input is one SQS message body for transform::EventTransformer::Transform.
//
// The transformer is built as sqs2pg builds it for the standard user_logins table (user_id
// varchar(128), device_type varchar(32), masked_ip and masked_device_id varchar(256), locale
// varchar(32), app_version integer), with the fixed test key of event_mutation_test.cc; every
// body is sent at 2021-01-01T00:00:00Z. Invariants (a violation aborts, so libFuzzer reports it
// and saves the input):
//  1. Transform returns true with a row, or false with a Rejection whose reason is one of the
//     eleven named in rejection.h. The same body transformed again gives the same outcome.
//  2. Rejections name fields, never values. The field is empty for empty_body, invalid_utf8,
//     invalid_json and not_an_object; the name of the field checked for missing_field,
//     wrong_type, too_long, nul_character and invalid_version; for duplicate_key and too_deep it
//     is empty or an identifier-like key of at most 64 bytes, and (whenever the body is JSON)
//     one of the body's flattened keys: never text taken from a value.
//  3. The JSON verdict agrees with simdjson's DOM parser, as in the mutation test: the body is
//     rejected as empty_body, invalid_utf8 or invalid_json exactly when the DOM parser refuses it
//     (not checked for too_deep, which stops reading early). Numbers are judged by the JSON
//     grammar alone: 1e400 or a 30-digit integer is valid JSON that the DOM parser cannot hold.
//  4. A reference model built on the DOM (flatten with '_', nesting depth, duplicate keys, then
//     the documented checks in the documented order) predicts the outcome: the same reason and
//     field, or the same row. One known departure from flatten.h, accepted either way: a
//     top-level array nested deeper than Flattener::kMaxDepth is rejected as too_deep, where the
//     documented order (not_an_object before too_deep) says not_an_object.
//  5. Rows: masked_ip and masked_device_id are 64 lowercase hex chars, equal to a separate
//     Masker's mask of the body's ip and device_id; user_id, device_type and locale are valid
//     UTF-8 without U+0000 and fit their columns in code points; app_version_int is
//     MAJOR*1000000 + MINOR*1000 + PATCH of app_version_text, computed here independently;
//     create_date_days is the UTC day of the sent timestamp.
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

#include "transform/event_transformer.h"
#include "transform/flatten.h"
#include "transform/login_row.h"
#include "transform/masker.h"
#include "transform/rejection.h"
#include "transform/target_columns.h"

namespace {

using sqs2pg::transform::EventTransformer;
using sqs2pg::transform::Flattener;
using sqs2pg::transform::kMaskedHexChars;
using sqs2pg::transform::kMaxRejectFieldBytes;
using sqs2pg::transform::LoginRow;
using sqs2pg::transform::Masker;
using sqs2pg::transform::MaskField;
using sqs2pg::transform::Rejection;
using sqs2pg::transform::RejectReason;
using sqs2pg::transform::RejectReasonName;
using sqs2pg::transform::TargetColumns;
using sqs2pg::transform::VersionColumnType;
namespace dom = simdjson::dom;

constexpr int64_t kSentTimestampMs = 1609459200000;  // 2021-01-01T00:00:00Z
constexpr int32_t kSentDay = 18628;                  // days from 1970-01-01 to 2021-01-01
constexpr int kUserIdChars = 128;
constexpr int kDeviceTypeChars = 32;
constexpr int kLocaleChars = 32;
// Deeper than a body of up to 8192 bytes can nest, so the DOM parser does not refuse on depth.
constexpr size_t kDomMaxDepth = 4096;

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

TargetColumns UserLoginsColumns() {
  TargetColumns columns;
  columns.user_id_max_chars = kUserIdChars;
  columns.device_type_max_chars = kDeviceTypeChars;
  columns.masked_ip_max_chars = 256;
  columns.masked_device_id_max_chars = 256;
  columns.locale_max_chars = kLocaleChars;
  columns.app_version_type = VersionColumnType::kInteger;
  return columns;
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
  std::vector<std::string> fields;    // the rejection's field is one of these
  // For a row: the strings the body holds (views into the DOM parser's document).
  std::string_view user_id, device_type, ip, device_id, app_version;
  std::optional<std::string_view> locale;
};

void Expect(Expected* e, RejectReason reason, std::string_view field = {}) {
  e->reasons.push_back(reason);
  e->fields.emplace_back(field);
}

// The field a rejection names for a key taken from the body.
std::string Reportable(std::string_view key) {
  if (!IsIdentifier(key)) return {};
  return std::string(key.substr(0, kMaxRejectFieldBytes));  // ASCII: no sequence to split
}

Expected Model(dom::element root) {
  Expected e;
  e.known = true;
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
  auto reject = [&](RejectReason reason, std::string_view name) {
    Expect(&e, reason, name);
    return false;
  };
  // A required string: missing_field, wrong_type, then (when stored as text) NUL and length.
  auto required = [&](std::string_view name, int max_chars, std::string_view* out) {
    const dom::element* v = find(name);
    if (v == nullptr) return reject(RejectReason::kMissingField, name);
    if (!v->is_string()) return reject(RejectReason::kWrongType, name);
    *out = std::string_view(*v);
    if (max_chars < 0) return true;
    if (out->find('\0') != std::string_view::npos) return reject(RejectReason::kNulCharacter, name);
    if (CodePoints(*out) > static_cast<size_t>(max_chars)) {
      return reject(RejectReason::kTooLong, name);
    }
    return true;
  };
  if (!required("user_id", kUserIdChars, &e.user_id) ||
      !required("device_type", kDeviceTypeChars, &e.device_type) || !required("ip", -1, &e.ip) ||
      !required("device_id", -1, &e.device_id) || !required("app_version", -1, &e.app_version)) {
    return e;
  }
  if (!ReferenceVersion(e.app_version)) {
    Expect(&e, RejectReason::kInvalidVersion, "app_version");
    return e;
  }
  const dom::element* locale = find("locale");
  if (locale != nullptr && !locale->is_null()) {
    if (!locale->is_string()) {
      Expect(&e, RejectReason::kWrongType, "locale");
      return e;
    }
    std::string_view text(*locale);
    if (text.find('\0') != std::string_view::npos) {
      Expect(&e, RejectReason::kNulCharacter, "locale");
      return e;
    }
    if (CodePoints(text) > static_cast<size_t>(kLocaleChars)) {
      Expect(&e, RejectReason::kTooLong, "locale");
      return e;
    }
    e.locale = text;
  }
  e.row = true;
  return e;
}

// ---- Checks ----------------------------------------------------------------------------------

// Invariant 2, for every body: which fields each reason may name.
void CheckRejectionShape(const Rejection& rejection) {
  const std::string& field = rejection.field;
  std::string text = rejection.ToString();
  FUZZ_CHECK(RejectReasonName(rejection.reason) != "unknown", text);
  FUZZ_CHECK(field.size() <= kMaxRejectFieldBytes, text);
  switch (rejection.reason) {
    case RejectReason::kEmptyBody:
    case RejectReason::kInvalidUtf8:
    case RejectReason::kInvalidJson:
    case RejectReason::kNotAnObject:
      FUZZ_CHECK(field.empty(), text);
      break;
    case RejectReason::kMissingField:
      FUZZ_CHECK(field == "user_id" || field == "device_type" || field == "ip" ||
                     field == "device_id" || field == "app_version",
                 text);
      break;
    case RejectReason::kWrongType:
      FUZZ_CHECK(field == "user_id" || field == "device_type" || field == "ip" ||
                     field == "device_id" || field == "app_version" || field == "locale",
                 text);
      break;
    case RejectReason::kTooLong:  // with these columns: masks always fit, app_version is integer
    case RejectReason::kNulCharacter:
      FUZZ_CHECK(field == "user_id" || field == "device_type" || field == "locale", text);
      break;
    case RejectReason::kInvalidVersion:
      FUZZ_CHECK(field == "app_version", text);
      break;
    case RejectReason::kDuplicateKey:
    case RejectReason::kTooDeep:
      FUZZ_CHECK(field.empty() || IsIdentifier(field), text);
      break;
  }
}

// Invariant 5, for every row.
void CheckRowShape(const LoginRow& row) {
  FUZZ_CHECK(IsLowerHex(row.masked_ip, kMaskedHexChars), "masked_ip");
  FUZZ_CHECK(IsLowerHex(row.masked_device_id, kMaskedHexChars), "masked_device_id");
  FUZZ_CHECK(Storable(row.user_id, kUserIdChars), "user_id");
  FUZZ_CHECK(Storable(row.device_type, kDeviceTypeChars), "device_type");
  FUZZ_CHECK(!row.locale || Storable(*row.locale, kLocaleChars), "locale");
  std::optional<int32_t> version = ReferenceVersion(row.app_version_text);
  FUZZ_CHECK(version.has_value(), "app_version_text");
  FUZZ_CHECK(row.app_version_int == *version, "app_version_int");
  FUZZ_CHECK(row.create_date_days == kSentDay, "create_date_days");
}

bool SameRow(const LoginRow& a, const LoginRow& b) {
  return a.user_id == b.user_id && a.device_type == b.device_type && a.masked_ip == b.masked_ip &&
         a.masked_device_id == b.masked_device_id && a.locale == b.locale &&
         a.app_version_int == b.app_version_int && a.app_version_text == b.app_version_text &&
         a.create_date_days == b.create_date_days;
}

struct State {
  EventTransformer transformer{UserLoginsColumns(), Masker(TestKey())};
  Masker reference_masker{TestKey()};
  dom::parser parser;
  LoginRow row, again_row;
  Rejection rejection, again_rejection;

  State() {
    if (parser.allocate(4096, kDomMaxDepth) != simdjson::SUCCESS) std::abort();
  }
};

bool JsonLevel(RejectReason r) {
  return r == RejectReason::kEmptyBody || r == RejectReason::kInvalidUtf8 ||
         r == RejectReason::kInvalidJson;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static State* state = new State();  // never destroyed: outlives libFuzzer's exit handlers
  State& s = *state;
  std::string_view body(reinterpret_cast<const char*>(data), size);

  // 1. A row or a named rejection, the same one every time.
  bool ok = s.transformer.Transform(body, kSentTimestampMs, &s.row, &s.rejection);
  bool again = s.transformer.Transform(body, kSentTimestampMs, &s.again_row, &s.again_rejection);
  std::string outcome = Describe(ok, s.rejection);
  FUZZ_CHECK(again == ok, outcome + " then " + Describe(again, s.again_rejection));
  if (ok) {
    CheckRowShape(s.row);
    FUZZ_CHECK(SameRow(s.row, s.again_row), "a different row the second time");
  } else {
    CheckRejectionShape(s.rejection);
    FUZZ_CHECK(s.again_rejection.reason == s.rejection.reason &&
                   s.again_rejection.field == s.rejection.field,
               outcome + " then " + s.again_rejection.ToString());
  }

  // 3. The JSON verdict, against the DOM parser (grammatical numbers made small first). The DOM
  // copies its input, so its strings outlive `small`.
  dom::element root;
  simdjson::error_code error = s.parser.parse(body.data(), body.size()).get(root);
  if (error == simdjson::NUMBER_ERROR || error == simdjson::NUMBER_OUT_OF_RANGE) {
    std::string small = WithSmallNumbers(body);
    error = s.parser.parse(small.data(), small.size()).get(root);
  }
  if (error == simdjson::DEPTH_ERROR) return 0;  // only past -max_len=8192
  bool too_deep = !ok && s.rejection.reason == RejectReason::kTooDeep;
  bool json_level = !ok && JsonLevel(s.rejection.reason);
  if (!too_deep) {
    FUZZ_CHECK((error == simdjson::SUCCESS) == !json_level,
               outcome + "; simdjson DOM: " + simdjson::error_message(error));
  }
  if (error != simdjson::SUCCESS) return 0;

  // 4. The reference model's prediction.
  Expected e = Model(root);
  if (e.row) {
    FUZZ_CHECK(ok, "the model expects a row, got " + outcome);
    FUZZ_CHECK(s.row.user_id == e.user_id, "user_id");
    FUZZ_CHECK(s.row.device_type == e.device_type, "device_type");
    FUZZ_CHECK(s.row.app_version_text == e.app_version, "app_version_text");
    FUZZ_CHECK(s.row.locale == e.locale, "locale");
    FUZZ_CHECK(s.row.masked_ip == s.reference_masker.Mask(MaskField::kIp, e.ip), "masked_ip");
    FUZZ_CHECK(s.row.masked_device_id == s.reference_masker.Mask(MaskField::kDeviceId, e.device_id),
               "masked_device_id");
    return 0;
  }
  std::string expected;
  for (size_t i = 0; i < e.reasons.size(); ++i) {
    Rejection r;
    r.reason = e.reasons[i];
    r.field = e.fields[i];
    expected += (i == 0 ? "" : " or ") + r.ToString();
  }
  FUZZ_CHECK(!ok, "got a row, the model expects " + expected);
  bool matched = false;
  for (size_t i = 0; i < e.reasons.size(); ++i) {
    matched |= s.rejection.reason == e.reasons[i] && s.rejection.field == e.fields[i];
  }
  FUZZ_CHECK(matched, "got " + outcome + ", the model expects " + expected);
  return 0;
}
