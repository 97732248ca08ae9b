#include "transform/app_version.h"

namespace sqs2pg::transform {

std::optional<int32_t> EncodeAppVersion(std::string_view text) {
  int32_t parts[3] = {0, 0, 0};
  int part = 0;
  int digits = 0;  // digits seen in the current part
  for (char c : text) {
    if (c >= '0' && c <= '9') {
      if (++digits > 3) return std::nullopt;
      parts[part] = parts[part] * 10 + (c - '0');
    } else if (c == '.') {
      if (digits == 0 || part == 2) return std::nullopt;  // empty part, or a 4th part
      ++part;
      digits = 0;
    } else {
      return std::nullopt;
    }
  }
  if (digits == 0) return std::nullopt;  // "", or a trailing '.'
  return parts[0] * 1000000 + parts[1] * 1000 + parts[2];
}

std::string DecodeAppVersion(int32_t encoded) {
  if (encoded < 0 || encoded > 999999999) return std::string();
  return std::to_string(encoded / 1000000) + "." + std::to_string(encoded / 1000 % 1000) + "." +
         std::to_string(encoded % 1000);
}

}  // namespace sqs2pg::transform
