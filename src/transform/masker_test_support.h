// Helpers shared by the masking tests (masker_test.cc, aes_siv_masker_test.cc): a fixed test key
// and hex conversion. Test-only; header-only.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace sqs2pg::transform {

// The 32 bytes 0x00, 0x01, ..., 0x1f: the master key the tests mask with.
inline std::string KeyBytes0To31() {
  std::string key;
  for (int i = 0; i < 32; ++i) key.push_back(static_cast<char>(i));
  return key;
}

// Lower-case hex of `n` bytes.
inline std::string Hex(const unsigned char* p, size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out.push_back(kHex[p[i] >> 4]);
    out.push_back(kHex[p[i] & 0xF]);
  }
  return out;
}

// The bytes a hex string spells (an odd trailing digit is ignored).
inline std::string FromHex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

}  // namespace sqs2pg::transform
