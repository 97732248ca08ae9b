#include "transform/flatten.h"

#include <simdjson.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <new>
#include <string>

namespace sqs2pg::transform {
namespace {

namespace od = simdjson::ondemand;

// Below this many fields a pairwise duplicate scan beats sorting (typical events have ~6).
constexpr size_t kPairwiseDuplicateLimit = 24;

bool IsJsonSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view TrimRight(std::string_view s) {
  while (!s.empty() && IsJsonSpace(s.back())) s.remove_suffix(1);
  return s;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Keys come from the body, and a producer may key a map by a value ({"10.1.2.3": ...}). Only
// identifier-like keys are named in a rejection; anything else is reported without a field.
std::string_view ReportableKey(std::string_view key) {
  if (key.empty() || IsDigit(key[0])) return {};
  for (char c : key) {
    bool ok = IsDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    if (!ok) return {};
  }
  return key;
}

// RFC 8259 number grammar. simdjson on-demand only looks at a number when asked to convert it,
// and we keep numbers as text, so "12abc" or "01" would otherwise pass unnoticed.
bool IsJsonNumber(std::string_view s) {
  size_t i = 0, n = s.size();
  if (i < n && s[i] == '-') ++i;
  if (i >= n) return false;
  if (s[i] == '0') {
    ++i;
  } else if (IsDigit(s[i])) {
    while (i < n && IsDigit(s[i])) ++i;
  } else {
    return false;
  }
  if (i < n && s[i] == '.') {
    ++i;
    if (i >= n || !IsDigit(s[i])) return false;
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

// Validates a scalar token of the given type; strings are unescaped into *unescaped.
template <typename V>
bool ValidScalar(V& v, od::json_type type, std::string_view token, std::string_view* unescaped) {
  switch (type) {
    case od::json_type::string:
      return !v.get_string().get(*unescaped);
    case od::json_type::number:
      return IsJsonNumber(token);
    case od::json_type::boolean:
      return token == "true" || token == "false";
    case od::json_type::null:
      return token == "null";
    default:
      return false;
  }
}

}  // namespace

class Flattener::Impl {
 public:
  explicit Impl(FlattenOptions options) : options_(options) {}
  bool Flatten(std::string_view body, Rejection* rejection);

  std::vector<std::pair<std::string_view, FlatValue>> fields;

 private:
  // One flattened field; keys live in keys_ by offset because the arena may reallocate.
  struct Entry {
    uint32_t key_offset;
    uint32_t key_length;
    FlatValue value;
  };

  bool Fail(RejectReason reason, std::string_view field = {}) {
    rejection_->Set(reason, ReportableKey(field));
    return false;
  }
  bool CopyPadded(std::string_view body);
  bool WalkObject(od::object object, int depth);
  bool WalkArray(od::array array, int depth);
  // descend_arrays: records each element under prefix_ + index, like an object's members.
  bool WalkArrayElements(od::array array, int depth);
  // Records the value under prefix_ (already extended by the member's segment).
  bool Record(od::value value, od::json_type type, int depth);
  bool CheckValue(od::value value, int depth);
  bool TopLevelNotObject(od::json_type type, std::string_view body);
  bool EndOfContainer(const char* start, std::string_view* text);
  void Publish();
  bool CheckDuplicates();

  const FlattenOptions options_;
  od::parser parser_;
  od::document doc_;
  std::unique_ptr<char[]> padded_;
  size_t padded_capacity_ = 0;
  std::string prefix_;  // flattened key of the object being walked, with its trailing '_'
  std::string keys_;    // arena of flattened keys
  std::vector<Entry> entries_;
  std::vector<uint32_t> order_;  // scratch for the sorted duplicate check
  Rejection* rejection_ = nullptr;
};

bool Flattener::Impl::CopyPadded(std::string_view body) {
  size_t need = body.size() + simdjson::SIMDJSON_PADDING;
  if (need > padded_capacity_) {
    size_t capacity = std::max(need, padded_capacity_ * 2);
    padded_.reset(new (std::nothrow) char[capacity]);
    padded_capacity_ = padded_ ? capacity : 0;
    if (!padded_) return false;
  }
  std::memcpy(padded_.get(), body.data(), body.size());
  std::memset(padded_.get() + body.size(), 0, simdjson::SIMDJSON_PADDING);
  return true;
}

bool Flattener::Impl::Flatten(std::string_view body, Rejection* rejection) {
  rejection_ = rejection;
  fields.clear();
  entries_.clear();
  keys_.clear();
  prefix_.clear();

  if (std::all_of(body.begin(), body.end(), IsJsonSpace)) return Fail(RejectReason::kEmptyBody);
  if (!simdjson::validate_utf8(body.data(), body.size())) return Fail(RejectReason::kInvalidUtf8);
  // Bodies beyond 4 GiB cannot arrive from SQS; treat allocation failure as unparseable.
  if (!CopyPadded(body)) return Fail(RejectReason::kInvalidJson);
  std::string_view padded(padded_.get(), body.size());

  if (parser_.iterate(padded_.get(), body.size(), padded_capacity_).get(doc_)) {
    return Fail(RejectReason::kInvalidJson);
  }
  od::json_type type;
  if (doc_.type().get(type)) return Fail(RejectReason::kInvalidJson);
  if (type != od::json_type::object) return TopLevelNotObject(type, padded);

  od::object root;
  if (doc_.get_object().get(root)) return Fail(RejectReason::kInvalidJson);
  if (!WalkObject(root, 1)) return false;
  // Anything after the closing brace (a second document, a stray '}') is trailing data.
  const char* after;
  if (doc_.current_location().get(after) != simdjson::OUT_OF_BOUNDS) {
    return Fail(RejectReason::kInvalidJson);
  }
  Publish();
  if (!CheckDuplicates()) {
    fields.clear();
    return false;
  }
  return true;
}

bool Flattener::Impl::WalkObject(od::object object, int depth) {
  for (auto field : object) {
    std::string_view key;
    if (field.unescaped_key().get(key)) return Fail(RejectReason::kInvalidJson);
    od::value value;
    od::json_type type;
    if (field.value().get(value) || value.type().get(type)) {
      return Fail(RejectReason::kInvalidJson);
    }
    size_t prefix_length = prefix_.size();
    prefix_.append(key);
    if (!Record(value, type, depth)) return false;
    prefix_.resize(prefix_length);
  }
  return true;
}

bool Flattener::Impl::Record(od::value value, od::json_type type, int depth) {
  if (keys_.size() + prefix_.size() > UINT32_MAX) return Fail(RejectReason::kInvalidJson);
  size_t index = entries_.size();
  entries_.push_back(Entry{static_cast<uint32_t>(keys_.size()),
                           static_cast<uint32_t>(prefix_.size()), FlatValue{}});
  keys_.append(prefix_);

  std::string_view token = value.raw_json_token();
  FlatValue flat{};
  if (type == od::json_type::object || type == od::json_type::array) {
    if (depth + 1 > Flattener::kMaxDepth) return Fail(RejectReason::kTooDeep, prefix_);
    const char* start = token.data();
    if (type == od::json_type::object) {
      od::object child;
      if (value.get_object().get(child)) return Fail(RejectReason::kInvalidJson);
      prefix_.push_back(options_.separator);
      if (!WalkObject(child, depth + 1)) return false;
      flat.kind = ValueKind::kObject;
    } else {
      od::array child;
      if (value.get_array().get(child)) return Fail(RejectReason::kInvalidJson);
      if (!(options_.descend_arrays ? WalkArrayElements(child, depth + 1)
                                    : WalkArray(child, depth + 1))) {
        return false;
      }
      flat.kind = ValueKind::kArray;
    }
    if (!EndOfContainer(start, &flat.text)) return Fail(RejectReason::kInvalidJson);
  } else {
    token = TrimRight(token);
    std::string_view unescaped;
    if (!ValidScalar(value, type, token, &unescaped)) return Fail(RejectReason::kInvalidJson);
    switch (type) {
      case od::json_type::string:
        flat = {ValueKind::kString, unescaped};  // lives in the parser's string buffer
        break;
      case od::json_type::number:
        flat = {ValueKind::kNumber, token};
        break;
      case od::json_type::boolean:
        flat = {ValueKind::kBool, token};
        break;
      default:
        flat = {ValueKind::kNull, token};
        break;
    }
  }
  entries_[index].value = flat;
  return true;
}

bool Flattener::Impl::WalkArrayElements(od::array array, int depth) {
  const size_t prefix_length = prefix_.size();
  prefix_.push_back(options_.separator);
  size_t i = 0;
  char digits[24];
  for (auto element : array) {
    od::value value;
    od::json_type type;
    if (element.get(value) || value.type().get(type)) return Fail(RejectReason::kInvalidJson);
    prefix_.resize(prefix_length + 1);
    const int n = std::snprintf(digits, sizeof(digits), "%zu", i++);
    prefix_.append(digits, static_cast<size_t>(n));
    if (!Record(value, type, depth)) return false;
  }
  prefix_.resize(prefix_length);
  return true;
}

bool Flattener::Impl::WalkArray(od::array array, int depth) {
  for (auto element : array) {
    od::value value;
    if (element.get(value)) return Fail(RejectReason::kInvalidJson);
    if (!CheckValue(value, depth)) return false;
  }
  return true;
}

// Validates a value inside an array (`depth` counts the containers around it); nothing is kept.
bool Flattener::Impl::CheckValue(od::value value, int depth) {
  od::json_type type;
  if (value.type().get(type)) return Fail(RejectReason::kInvalidJson);
  if (type == od::json_type::object || type == od::json_type::array) {
    if (depth + 1 > Flattener::kMaxDepth) {
      return Fail(RejectReason::kTooDeep, prefix_);  // the key of the enclosing array
    }
    if (type == od::json_type::array) {
      od::array child;
      if (value.get_array().get(child)) return Fail(RejectReason::kInvalidJson);
      return WalkArray(child, depth + 1);
    }
    od::object child;
    if (value.get_object().get(child)) return Fail(RejectReason::kInvalidJson);
    for (auto field : child) {
      std::string_view key;
      od::value member;
      if (field.unescaped_key().get(key) || field.value().get(member)) {
        return Fail(RejectReason::kInvalidJson);
      }
      if (!CheckValue(member, depth + 1)) return false;
    }
    return true;
  }
  std::string_view unescaped;
  if (!ValidScalar(value, type, TrimRight(value.raw_json_token()), &unescaped)) {
    return Fail(RejectReason::kInvalidJson);
  }
  return true;
}

// After a container has been consumed, the iterator sits on the next structural character
// (',' or '}' of the enclosing object), which ends the container's raw text.
bool Flattener::Impl::EndOfContainer(const char* start, std::string_view* text) {
  const char* end;
  if (doc_.current_location().get(end) || end < start) return false;
  *text = TrimRight(std::string_view(start, static_cast<size_t>(end - start)));
  return true;
}

bool Flattener::Impl::TopLevelNotObject(od::json_type type, std::string_view body) {
  if (type == od::json_type::array) {
    od::array array;
    if (doc_.get_array().get(array)) return Fail(RejectReason::kInvalidJson);
    if (!WalkArray(array, 1)) return false;
    const char* after;
    if (doc_.current_location().get(after) != simdjson::OUT_OF_BOUNDS) {
      return Fail(RejectReason::kInvalidJson);
    }
    return Fail(RejectReason::kNotAnObject);
  }
  // A scalar's token runs up to the next structural character, so it reaches the end of the
  // body exactly when nothing follows it.
  std::string_view token = doc_.raw_json_token();
  if (token.data() + token.size() != body.data() + body.size()) {
    return Fail(RejectReason::kInvalidJson);
  }
  std::string_view unescaped;
  if (!ValidScalar(doc_, type, TrimRight(token), &unescaped)) {
    return Fail(RejectReason::kInvalidJson);
  }
  return Fail(RejectReason::kNotAnObject);
}

void Flattener::Impl::Publish() {
  fields.reserve(entries_.size());
  for (const Entry& e : entries_) {
    fields.emplace_back(std::string_view(keys_.data() + e.key_offset, e.key_length), e.value);
  }
}

bool Flattener::Impl::CheckDuplicates() {
  size_t n = fields.size();
  if (n <= kPairwiseDuplicateLimit) {
    for (size_t i = 1; i < n; ++i) {
      for (size_t j = 0; j < i; ++j) {
        if (fields[i].first == fields[j].first) {
          return Fail(RejectReason::kDuplicateKey, fields[i].first);
        }
      }
    }
    return true;
  }
  order_.resize(n);
  for (size_t i = 0; i < n; ++i) order_[i] = static_cast<uint32_t>(i);
  // Stable, so the reported key is the same for the same body.
  std::stable_sort(order_.begin(), order_.end(),
                   [&](uint32_t a, uint32_t b) { return fields[a].first < fields[b].first; });
  for (size_t i = 1; i < n; ++i) {
    if (fields[order_[i]].first == fields[order_[i - 1]].first) {
      return Fail(RejectReason::kDuplicateKey, fields[order_[i]].first);
    }
  }
  return true;
}

Flattener::Flattener() : Flattener(FlattenOptions{}) {}
Flattener::Flattener(FlattenOptions options)
    : options_(options), impl_(std::make_unique<Impl>(options)) {}
Flattener::Flattener(const Flattener& other)
    : options_(other.options_), impl_(std::make_unique<Impl>(other.options_)) {}
Flattener& Flattener::operator=(const Flattener& other) {
  if (this != &other) {
    options_ = other.options_;
    impl_ = std::make_unique<Impl>(options_);
  }
  return *this;
}
Flattener::Flattener(Flattener&&) noexcept = default;
Flattener& Flattener::operator=(Flattener&&) noexcept = default;
Flattener::~Flattener() = default;

bool Flattener::Flatten(std::string_view body, Rejection* rejection) {
  if (!impl_) impl_ = std::make_unique<Impl>(options_);  // a moved-from one is usable again
  return impl_->Flatten(body, rejection);
}

const std::vector<std::pair<std::string_view, FlatValue>>& Flattener::fields() const {
  static const std::vector<std::pair<std::string_view, FlatValue>> kNone;
  return impl_ ? impl_->fields : kNone;
}

const FlatValue* Flattener::Find(std::string_view key) const {
  for (const auto& [name, value] : fields()) {
    if (name == key) return &value;
  }
  return nullptr;
}

}  // namespace sqs2pg::transform
