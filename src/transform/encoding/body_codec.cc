#include "transform/encoding/body_codec.h"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <new>
#include <utility>

namespace sqs2pg::transform::encoding {
namespace {

constexpr uint8_t kInvalid = 0x80;

// The value of each base64 character, or kInvalid ('=' included: padding is checked apart).
constexpr std::array<uint8_t, 256> kBase64Values = [] {
  std::array<uint8_t, 256> values{};
  values.fill(kInvalid);
  constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (uint8_t i = 0; i < 64; ++i) values[static_cast<unsigned char>(kAlphabet[i])] = i;
  return values;
}();

inline uint8_t Value(char c) { return kBase64Values[static_cast<unsigned char>(c)]; }

// The number of bytes `in` decodes to; -1 when its length or padding is malformed (the characters
// themselves are checked while decoding).
long long DecodedSize(std::string_view in) {
  if (in.size() % 4 != 0) return -1;
  if (in.empty()) return 0;
  size_t padding = 0;
  if (in.back() == '=') padding = in[in.size() - 2] == '=' ? 2 : 1;
  return static_cast<long long>(in.size() / 4 * 3 - padding);
}

// Decodes `len` characters (a multiple of 4) at `in` into `out`. Only when `final` may the last
// quad carry padding; returns the bytes written, or -1 on any invalid character or padding.
long long DecodeQuads(const char* in, size_t len, bool final, uint8_t* out) {
  const size_t unpadded = final && len > 0 ? len - 4 : len;
  uint8_t* o = out;
  for (size_t i = 0; i < unpadded; i += 4) {
    const uint32_t a = Value(in[i]), b = Value(in[i + 1]), c = Value(in[i + 2]),
                   d = Value(in[i + 3]);
    if (((a | b | c | d) & kInvalid) != 0) return -1;
    const uint32_t v = a << 18 | b << 12 | c << 6 | d;
    o[0] = static_cast<uint8_t>(v >> 16);
    o[1] = static_cast<uint8_t>(v >> 8);
    o[2] = static_cast<uint8_t>(v);
    o += 3;
  }
  if (unpadded == len) return o - out;
  const char* q = in + unpadded;
  const uint32_t a = Value(q[0]), b = Value(q[1]);
  if (((a | b) & kInvalid) != 0) return -1;
  if (q[3] == '=') {
    if (q[2] == '=') {  // "xx==": one byte; the low 4 bits of the second character are unused
      if ((b & 0x0F) != 0) return -1;
      *o++ = static_cast<uint8_t>(a << 2 | b >> 4);
      return o - out;
    }
    const uint32_t c = Value(q[2]);  // "xxx=": two bytes; the low 2 bits of the third are unused
    if ((c & kInvalid) != 0 || (c & 0x03) != 0) return -1;
    const uint32_t v = a << 18 | b << 12 | c << 6;
    *o++ = static_cast<uint8_t>(v >> 16);
    *o++ = static_cast<uint8_t>(v >> 8);
    return o - out;
  }
  const uint32_t c = Value(q[2]), d = Value(q[3]);
  if (((c | d) & kInvalid) != 0) return -1;
  const uint32_t v = a << 18 | b << 12 | c << 6 | d;
  *o++ = static_cast<uint8_t>(v >> 16);
  *o++ = static_cast<uint8_t>(v >> 8);
  *o++ = static_cast<uint8_t>(v);
  return o - out;
}

// A source of compressed bytes for the inflater: Next() yields the next chunk, empty at the end.
// failed() after an empty chunk means the input itself was bad (only base64 can be).
class RawSource {
 public:
  explicit RawSource(std::string_view in) : in_(in) {}
  std::string_view Next() { return std::exchange(in_, {}); }
  bool failed() const { return false; }

 private:
  std::string_view in_;
};

// Base64 decoded in chunks into a buffer of its own, so gzip+base64 needs no second heap buffer.
class Base64Source {
 public:
  explicit Base64Source(std::string_view in) : in_(in) {}
  std::string_view Next() {
    if (failed_ || in_.empty()) return {};
    const size_t take = std::min(in_.size(), kChunkChars);
    const bool final = take == in_.size();
    const long long n = DecodeQuads(in_.data(), take, final, buffer_.data());
    in_.remove_prefix(take);
    if (n < 0) {
      failed_ = true;
      return {};
    }
    return {reinterpret_cast<const char*>(buffer_.data()), static_cast<size_t>(n)};
  }
  bool failed() const { return failed_; }

 private:
  static constexpr size_t kChunkChars = 4096;  // a multiple of 4
  std::string_view in_;
  bool failed_ = false;
  std::array<uint8_t, kChunkChars / 4 * 3> buffer_;
};

// One inflater per thread, reset per call: inflateInit2 allocates about 40 KiB, which a per-call
// init would allocate and free for every gzip body.
class Inflater {
 public:
  Inflater() {
    std::memset(&stream_, 0, sizeof stream_);
    // 16 + 15: gzip wrapper only (no zlib or raw deflate), the largest window.
    ready_ = inflateInit2(&stream_, 16 + MAX_WBITS) == Z_OK;
  }
  ~Inflater() {
    if (ready_) inflateEnd(&stream_);
  }
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;

  // The reset stream, or nullptr if zlib could not allocate its state.
  z_stream* Reset() {
    if (!ready_ || inflateReset(&stream_) != Z_OK) return nullptr;
    // inflateReset keeps the buffer pointers, which still point into the last call's input when
    // that call stopped early (too large, corrupt).
    stream_.next_in = nullptr;
    stream_.avail_in = 0;
    stream_.next_out = nullptr;
    stream_.avail_out = 0;
    return &stream_;
  }

 private:
  z_stream stream_;
  bool ready_ = false;
};

// Makes *out exactly `size` bytes long with a capacity of at most max(size, its old capacity),
// keeping its first `keep` bytes. std::string's own growth doubles the capacity, which would
// overshoot the cap, so a larger buffer is allocated to the exact size here.
void ResizeExactly(std::string* out, size_t size, size_t keep) {
  if (size > out->capacity()) {
    std::string grown;
    grown.reserve(size);  // from the inline buffer: exactly `size`
    grown.assign(out->data(), keep);
    out->swap(grown);
  }
  out->resize(size);
}

// The smallest gzip member: a 10-byte header, an empty deflate block, the 8-byte trailer.
constexpr size_t kMinGzipMember = 18;

// The size the member's trailer declares (ISIZE: the length modulo 2^32), from its last 4 bytes.
size_t DeclaredSize(const uint8_t* last4) {
  return static_cast<size_t>(last4[0]) | static_cast<size_t>(last4[1]) << 8 |
         static_cast<size_t>(last4[2]) << 16 | static_cast<size_t>(last4[3]) << 24;
}

// Inflates the member that `source` yields into *out. `declared` is the size the trailer claims
// (0 when unknown): the buffer is sized to it at once, so an honest member is inflated with one
// allocation at most and no copy. A trailer that understates the size (a lie, or a member of 4 GiB
// or more) costs one exact reallocation to the cap; one that overstates it is corrected when the
// member ends.
template <typename Source>
DecodeError InflateFrom(Source& source, size_t declared, std::string* out, size_t max_bytes) {
  thread_local Inflater inflater;
  z_stream* zs = inflater.Reset();
  if (zs == nullptr) throw std::bad_alloc();
  ResizeExactly(out, std::min(max_bytes, std::max<size_t>(declared, 256)), 0);
  size_t produced = 0;
  bool input_done = false;
  for (;;) {
    if (zs->avail_in == 0 && !input_done) {
      const std::string_view chunk = source.Next();
      if (source.failed()) return DecodeError::kBadBase64;
      input_done = chunk.empty();
      zs->next_in = reinterpret_cast<Bytef*>(const_cast<char*>(chunk.data()));
      zs->avail_in = static_cast<uInt>(chunk.size());
    }
    unsigned char probe = 0;
    const bool at_cap = produced == max_bytes;
    if (!at_cap && produced == out->size()) ResizeExactly(out, max_bytes, produced);
    if (at_cap) {
      // Full: one more byte of output would exceed the cap, so it goes to a throwaway byte.
      zs->next_out = &probe;
      zs->avail_out = 1;
    } else {
      zs->next_out = reinterpret_cast<Bytef*>(out->data() + produced);
      zs->avail_out = static_cast<uInt>(out->size() - produced);
    }
    const int rc = inflate(zs, Z_NO_FLUSH);
    if (at_cap) {
      if (zs->avail_out == 0) return DecodeError::kTooLarge;
    } else {
      produced = reinterpret_cast<char*>(zs->next_out) - out->data();
    }
    if (rc == Z_STREAM_END) break;
    if (rc == Z_OK) continue;
    if (rc == Z_BUF_ERROR) {
      // No progress was possible: out of input (truncated) or out of room (grown above).
      if (zs->avail_in == 0 && input_done) return DecodeError::kBadGzip;
      continue;
    }
    if (rc == Z_MEM_ERROR) throw std::bad_alloc();
    // Z_DATA_ERROR (Z_NEED_DICT and Z_STREAM_ERROR cannot occur for gzip): zlib says which check
    // failed only in its message, a fixed English text.
    const char* msg = zs->msg != nullptr ? zs->msg : "";
    if (std::strcmp(msg, "incorrect data check") == 0 ||
        std::strcmp(msg, "incorrect length check") == 0) {
      return DecodeError::kBadChecksum;
    }
    return DecodeError::kBadGzip;
  }
  out->resize(produced);
  if (zs->avail_in != 0) return DecodeError::kTrailingData;
  if (!input_done) {
    if (!source.Next().empty()) return DecodeError::kTrailingData;
    if (source.failed()) return DecodeError::kBadBase64;
  }
  return DecodeError::kNone;
}

constexpr unsigned char kGzipMagic0 = 0x1f;
constexpr unsigned char kGzipMagic1 = 0x8b;

enum class Magic { kGzip, kOther, kNotBase64 };

// Whether the base64 text `in` decodes to bytes starting with the gzip magic, judged by its first
// quad (the rest is checked while decoding).
Magic LeadingMagic(std::string_view in) {
  if (in.size() < 4) return in.empty() ? Magic::kOther : Magic::kNotBase64;
  uint8_t first[3];
  const long long n = DecodeQuads(in.data(), 4, in.size() == 4, first);
  if (n < 0) return Magic::kNotBase64;
  return n >= 2 && first[0] == kGzipMagic0 && first[1] == kGzipMagic1 ? Magic::kGzip
                                                                      : Magic::kOther;
}

DecodedBody Fail(DecodeError error) { return DecodedBody{error, {}}; }

DecodedBody GunzipBase64(std::string_view body, std::string* scratch, size_t max_bytes) {
  if (DecodedSize(body) < 0) return Fail(DecodeError::kBadBase64);
  // The trailer's last 4 bytes come from the last two quads (4 to 6 bytes).
  size_t declared = 0;
  if (DecodedSize(body) >= static_cast<long long>(kMinGzipMember)) {
    uint8_t tail[6];
    const long long n = DecodeQuads(body.data() + body.size() - 8, 8, /*final=*/true, tail);
    if (n < 4) return Fail(DecodeError::kBadBase64);
    declared = DeclaredSize(tail + n - 4);
  }
  Base64Source source(body);
  const DecodeError error = InflateFrom(source, declared, scratch, max_bytes);
  if (error != DecodeError::kNone) return Fail(error);
  return DecodedBody{DecodeError::kNone, *scratch};
}

}  // namespace

std::string_view BodyEncodingName(BodyEncoding encoding) {
  switch (encoding) {
    case BodyEncoding::kAuto:
      return "auto";
    case BodyEncoding::kJson:
      return "json";
    case BodyEncoding::kBase64:
      return "base64";
    case BodyEncoding::kGzipBase64:
      return "gzip+base64";
  }
  return "auto";
}

std::optional<BodyEncoding> ParseBodyEncoding(std::string_view name) {
  for (BodyEncoding e : {BodyEncoding::kAuto, BodyEncoding::kJson, BodyEncoding::kBase64,
                         BodyEncoding::kGzipBase64}) {
    if (name == BodyEncodingName(e)) return e;
  }
  return std::nullopt;
}

std::string_view DecodeErrorName(DecodeError error) {
  switch (error) {
    case DecodeError::kNone:
      return "ok";
    case DecodeError::kBadBase64:
      return "bad_base64";
    case DecodeError::kNotGzip:
      return "not_gzip";
    case DecodeError::kBadGzip:
      return "bad_gzip";
    case DecodeError::kBadChecksum:
      return "bad_checksum";
    case DecodeError::kTrailingData:
      return "trailing_data";
    case DecodeError::kTooLarge:
      return "too_large";
  }
  return "bad_gzip";
}

DecodeError DecodeBase64(std::string_view in, std::string* out, size_t max_bytes) {
  const long long size = DecodedSize(in);
  if (size < 0) return DecodeError::kBadBase64;
  if (static_cast<unsigned long long>(size) > max_bytes) return DecodeError::kTooLarge;
  out->resize(static_cast<size_t>(size));
  const long long n =
      DecodeQuads(in.data(), in.size(), /*final=*/true, reinterpret_cast<uint8_t*>(out->data()));
  if (n != size) {
    out->clear();
    return DecodeError::kBadBase64;
  }
  return DecodeError::kNone;
}

DecodeError Gunzip(std::string_view in, std::string* out, size_t max_bytes) {
  const size_t declared =
      in.size() >= kMinGzipMember
          ? DeclaredSize(reinterpret_cast<const uint8_t*>(in.data() + in.size() - 4))
          : 0;
  RawSource source(in);
  return InflateFrom(source, declared, out, max_bytes);
}

DecodedBody DecodeBody(std::string_view body, BodyEncoding encoding, std::string* scratch,
                       size_t max_bytes) {
  switch (encoding) {
    case BodyEncoding::kJson:
      return DecodedBody{DecodeError::kNone, body};
    case BodyEncoding::kBase64:
      break;
    case BodyEncoding::kGzipBase64:
      if (DecodedSize(body) < 0) return Fail(DecodeError::kBadBase64);
      switch (LeadingMagic(body)) {
        case Magic::kGzip:
          return GunzipBase64(body, scratch, max_bytes);
        case Magic::kOther:
          return Fail(DecodeError::kNotGzip);
        case Magic::kNotBase64:
          return Fail(DecodeError::kBadBase64);
      }
      return Fail(DecodeError::kBadBase64);
    case BodyEncoding::kAuto: {
      // The first non-space character decides; JSON's whitespace is space, tab, LF and CR.
      size_t i = 0;
      while (i < body.size() &&
             (body[i] == ' ' || body[i] == '\n' || body[i] == '\r' || body[i] == '\t')) {
        ++i;
      }
      if (i == body.size() || body[i] == '{') return DecodedBody{DecodeError::kNone, body};
      if (LeadingMagic(body) == Magic::kGzip) return GunzipBase64(body, scratch, max_bytes);
      break;
    }
  }
  const DecodeError error = DecodeBase64(body, scratch, max_bytes);
  if (error != DecodeError::kNone) return Fail(error);
  return DecodedBody{DecodeError::kNone, *scratch};
}

}  // namespace sqs2pg::transform::encoding
