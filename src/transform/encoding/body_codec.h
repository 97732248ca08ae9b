// Body encodings: the bytes of an SQS message body (or of an envelope's inner message) turned into
// the JSON text the mapping reads. Producers base64 their events, or gzip then base64 them, to
// stay under SQS's size limit; `body_encoding` in the mapping file says which (mapping_spec.h).
//
// Contract:
//  - DecodeBase64() is strict RFC 4648 section 4 base64: the standard alphabet (A-Z a-z 0-9 + /),
//    a length that is a multiple of 4, '=' padding required and only at the end, no whitespace or
//    line breaks, and no bits set in the unused low bits of the last character before the padding
//    (so every byte string has exactly one accepted encoding). The empty string decodes to nothing.
//  - Gunzip() inflates exactly one gzip member (RFC 1952; zlib from Debian). The header, the CRC-32
//    and the length trailer are checked; a truncated member, any byte after the member (a second,
//    concatenated member included) and output beyond `max_bytes` fail. Output is written into
//    *out, which grows to at most `max_bytes` bytes: a gzip bomb stops as soon as the cap is
//    reached, having allocated no more than the cap.
//  - DecodeBody() applies a BodyEncoding:
//      kJson:       the body as is;
//      kBase64:     DecodeBase64;
//      kGzipBase64: DecodeBase64, then Gunzip (the decoded bytes must start with 1f 8b);
//      kAuto:       a body whose first non-space character is '{' is JSON as is; a body that is
//                   empty or only JSON whitespace is also passed on as is (the JSON stage rejects
//                   it as empty_body, as without a mapping); anything else must be base64, and the
//                   decoded bytes are gunzipped when they start with the gzip magic 1f 8b.
//    The JSON paths copy nothing: `text` is a view of `body`. Every other success is a view of
//    *scratch. The JSON path checks one character, so it costs nothing measurable.
//  - Failure is a DecodeError; each of them is the reject reason bad_encoding for the message.
//    DecodeErrorName() gives a stable snake_case detail. No message here ever holds body bytes.
//  - Memory: *scratch belongs to the caller and its capacity is reused, so decoding does not
//    allocate once it has seen bodies as large (base64 is decoded straight into it; for gzip,
//    base64 is decoded in fixed-size chunks on the stack straight into the inflater). The zlib
//    inflate state (about 40 KiB) is kept per thread and reset between calls.
//  - Thread-safety: plain functions; concurrent calls are safe with distinct scratch strings.
//  - Errors never escape as exceptions, except std::bad_alloc from growing *scratch.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace sqs2pg::transform::encoding {

enum class BodyEncoding { kAuto, kJson, kBase64, kGzipBase64 };

// "auto", "json", "base64", "gzip+base64": the words of the mapping file.
std::string_view BodyEncodingName(BodyEncoding encoding);
// The encoding a word names; nullopt for any other text.
std::optional<BodyEncoding> ParseBodyEncoding(std::string_view name);

// The most bytes a decoded body may have (the 1 MiB per message).
inline constexpr size_t kDefaultMaxDecodedBytes = size_t{1} << 20;

enum class DecodeError {
  kNone,
  kBadBase64,     // not strict base64: alphabet, length, padding, whitespace, trailing bits
  kNotGzip,       // gzip+base64: the decoded bytes do not start with the gzip magic
  kBadGzip,       // a broken gzip header or deflate stream, or a truncated member
  kBadChecksum,   // the member's CRC-32 or length trailer does not match its data
  kTrailingData,  // bytes after the gzip member (a second member included)
  kTooLarge,      // the decoded data would exceed the cap
};

// "bad_base64", "not_gzip", "bad_gzip", "bad_checksum", "trailing_data", "too_large" ("ok" for
// kNone).
std::string_view DecodeErrorName(DecodeError error);

// Decodes `in` into *out (its previous contents replaced). kTooLarge when the decoded size would
// exceed `max_bytes` (checked before anything is written).
DecodeError DecodeBase64(std::string_view in, std::string* out,
                         size_t max_bytes = kDefaultMaxDecodedBytes);

// Inflates the single gzip member `in` into *out (its previous contents replaced).
DecodeError Gunzip(std::string_view in, std::string* out,
                   size_t max_bytes = kDefaultMaxDecodedBytes);

struct DecodedBody {
  DecodeError error = DecodeError::kNone;
  // The JSON text (when ok()): a view of the body, or of the scratch string. Valid while both
  // live and the scratch string is not modified.
  std::string_view text;

  bool ok() const { return error == DecodeError::kNone; }
};

DecodedBody DecodeBody(std::string_view body, BodyEncoding encoding, std::string* scratch,
                       size_t max_bytes = kDefaultMaxDecodedBytes);

}  // namespace sqs2pg::transform::encoding
