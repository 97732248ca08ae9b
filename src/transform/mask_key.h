// ParseMaskKey: turns the configured master masking key into raw key bytes.
//
// Contract:
//  - Input is hex digits (even count, either case), or standard base64 (RFC 4648 alphabet,
//    '=' padding optional) after a "base64:" prefix. Surrounding whitespace and newlines, as left
//    by `openssl rand -hex 32 > key`, are ignored; whitespace inside the key is not.
//  - The decoded key must be at least 32 bytes: HMAC-SHA256 gains nothing from longer keys and a
//    shorter one would make the masks guessable.
//  - Errors are kInvalidArgument. Their messages describe the problem (empty, odd length, bad
//    character, too short) but never echo any of the key text, not even the offending character.
//    Scratch bytes of a rejected key are cleansed before returning.
//  - Pure function; thread-safe. The caller owns the returned bytes and should cleanse them
//    (OPENSSL_cleanse) once a Masker has been built from them.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace sqs2pg::transform {

inline constexpr size_t kMinMaskKeyBytes = 32;

Result<std::string> ParseMaskKey(std::string_view text);

}  // namespace sqs2pg::transform
