// Helpers to pass lists as PostgreSQL array literals in text parameters, and to make free text
// storable in a text column.
//
// Contract:
//  - AppendArrayElement() appends one element of a one-dimensional array literal ("{...}"), quoted
//    and escaped, or NULL for std::nullopt; the caller writes the braces and commas.
//  - StorableText() returns `text` with NUL bytes and invalid UTF-8 sequences replaced by '?', so
//    that a free-text field (a reject detail, say) can never make a statement fail.
//  - Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sqs2pg::pg {

void AppendArrayElement(std::string* literal, std::optional<std::string_view> element);

std::string StorableText(std::string_view text);

}  // namespace sqs2pg::pg
