// Binary COPY field writers shared by the convert encoders: big-endian integers, as
// "COPY ... FROM STDIN (FORMAT binary)" wants them (see pg/copy_binary.h).
//
// Contract:
//  - Reserve() grows *out by n bytes (one resize, so no allocation once *out has grown) and
//    returns where they start; the Put* functions store at a pointer and return the next one.
//  - A field is an int32 length followed by that many payload bytes; -1 as the length is NULL.
//  - Header-only, pure, thread-safe on distinct buffers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace sqs2pg::transform::wire {

inline char* Reserve(std::string* out, size_t n) {
  const size_t at = out->size();
  out->resize(at + n);
  return out->data() + at;
}

inline char* Put16(char* p, uint16_t v) {
  p[0] = static_cast<char>(v >> 8);
  p[1] = static_cast<char>(v);
  return p + 2;
}

inline char* Put32(char* p, uint32_t v) {
  p[0] = static_cast<char>(v >> 24);
  p[1] = static_cast<char>(v >> 16);
  p[2] = static_cast<char>(v >> 8);
  p[3] = static_cast<char>(v);
  return p + 4;
}

inline char* Put64(char* p, uint64_t v) {
  p = Put32(p, static_cast<uint32_t>(v >> 32));
  return Put32(p, static_cast<uint32_t>(v));
}

// One field: int32 length, then the bytes.
inline void AppendBytesField(std::string* out, std::string_view bytes) {
  char* p = Put32(Reserve(out, 4 + bytes.size()), static_cast<uint32_t>(bytes.size()));
  if (!bytes.empty()) std::memcpy(p, bytes.data(), bytes.size());
}

inline void AppendInt16Field(std::string* out, int16_t v) {
  Put16(Put32(Reserve(out, 6), 2), static_cast<uint16_t>(v));
}

inline void AppendInt32Field(std::string* out, int32_t v) {
  Put32(Put32(Reserve(out, 8), 4), static_cast<uint32_t>(v));
}

inline void AppendInt64Field(std::string* out, int64_t v) {
  Put64(Put32(Reserve(out, 12), 8), static_cast<uint64_t>(v));
}

}  // namespace sqs2pg::transform::wire
