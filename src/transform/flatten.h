// Flattener: parses one JSON object (simdjson on-demand) and flattens it into "a_b" style fields.
//
// Contract:
//  - Flatten() accepts a top-level JSON object. Nested objects are descended into and their keys
//    joined with the separator (FlattenOptions; '_' by default): {"user":{"id":"x"}} yields
//    "user" (kObject) then "user_id" (kString). The object itself is kept as a kObject entry so
//    that a caller expecting a string under that name sees a wrong type rather than a missing
//    field. Arrays are leaves (kArray): their contents are validated but not flattened, unless
//    FlattenOptions::descend_arrays, which also yields each element under its decimal index as a
//    segment ({"a":[{"b":1}]} with separator '.': "a", "a.0", "a.0.b").
//  - Rejections, in the order checked: kEmptyBody (empty or whitespace only), kInvalidUtf8
//    (simdjson::validate_utf8 over the whole body), kInvalidJson (any syntax error, bad escape,
//    lone surrogate, bad literal or number, trailing data), kNotAnObject (valid JSON whose top
//    level is not an object), kTooDeep (more than kMaxDepth nested objects/arrays, counting the
//    top-level object), kDuplicateKey (a repeated key, or two keys equal after flattening). The
//    rejection's field is the flattened key for kTooDeep/kDuplicateKey when it is identifier-like
//    (see rejection.h), otherwise empty; it is never a value.
//  - Output: fields() in document order. FlatValue::text is the unescaped string for kString and
//    the raw JSON text (trailing whitespace trimmed) otherwise. All views stay valid until the
//    next Flatten() call or the Flattener's destruction; after a rejection fields() is empty.
//  - Memory: the padded input copy, simdjson's buffers and the key arena are reused between calls,
//    so a warmed-up Flattener does not allocate for bodies no larger than those seen before.
//  - Thread-safety: not thread-safe; use one per thread. Copying yields an independent Flattener
//    with fresh buffers (nothing is shared); the copy's fields() starts empty.
//  - Errors never escape as exceptions (simdjson is used through error codes only).
#pragma once

#include <memory>
#include <string_view>
#include <utility>
#include <vector>

#include "transform/rejection.h"

namespace sqs2pg::transform {

enum class ValueKind { kString, kNull, kNumber, kBool, kArray, kObject };

struct FlatValue {
  ValueKind kind;
  std::string_view text;  // unescaped string for kString; raw JSON otherwise
};

struct FlattenOptions {
  char separator = '_';
  bool descend_arrays = false;
};

class Flattener {
 public:
  // Nesting limit, counting the top-level object: bounds recursion (stack) and work per message.
  static constexpr int kMaxDepth = 32;

  Flattener();
  explicit Flattener(FlattenOptions options);
  Flattener(const Flattener& other);
  Flattener& operator=(const Flattener& other);
  Flattener(Flattener&& other) noexcept;
  Flattener& operator=(Flattener&& other) noexcept;
  ~Flattener();

  // True on success (fields() filled); false with *rejection filled otherwise.
  bool Flatten(std::string_view body, Rejection* rejection);

  const std::vector<std::pair<std::string_view, FlatValue>>& fields() const;  // document order
  const FlatValue* Find(std::string_view key) const;  // nullptr when absent; linear scan

 private:
  class Impl;  // keeps simdjson.h out of every includer
  FlattenOptions options_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sqs2pg::transform
