#include "pg/text_array.h"

#include <cstdint>

namespace sqs2pg::pg {

void AppendArrayElement(std::string* literal, std::optional<std::string_view> element) {
  if (!element.has_value()) {
    literal->append("NULL");
    return;
  }
  literal->push_back('"');
  for (char c : *element) {
    if (c == '"' || c == '\\') literal->push_back('\\');
    literal->push_back(c);
  }
  literal->push_back('"');
}

std::string StorableText(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    auto b = static_cast<unsigned char>(text[i]);
    size_t len = 0;
    uint32_t cp = 0;
    if (b < 0x80) {
      len = 1;
      cp = b;
    } else if ((b & 0xe0) == 0xc0) {
      len = 2;
      cp = b & 0x1f;
    } else if ((b & 0xf0) == 0xe0) {
      len = 3;
      cp = b & 0x0f;
    } else if ((b & 0xf8) == 0xf0) {
      len = 4;
      cp = b & 0x07;
    }
    bool valid = len > 0 && i + len <= text.size();
    for (size_t k = 1; valid && k < len; ++k) {
      auto c = static_cast<unsigned char>(text[i + k]);
      valid = (c & 0xc0) == 0x80;
      cp = (cp << 6) | (c & 0x3f);
    }
    // Reject overlong forms, surrogates and values past U+10FFFF, as PostgreSQL does.
    if (valid) {
      static constexpr uint32_t kMin[5] = {0, 0, 0x80, 0x800, 0x10000};
      valid = cp >= kMin[len] && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff) && cp != 0;
    }
    if (valid) {
      out.append(text.substr(i, len));
      i += len;
    } else {
      out.push_back('?');
      i += 1;
    }
  }
  return out;
}

}  // namespace sqs2pg::pg
