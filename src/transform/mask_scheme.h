// The vocabulary shared by the maskers: which mask domain a value belongs to, which masking
// scheme is in use, how to tell the schemes' outputs apart, and the key id that names a master key.
//
// Contract:
//  - A mask domain is a string (a mapping column's mask_domain, by default its path) that names
//    the key a value is masked under: the maskers derive one key per domain, and use the domain
//    in key derivation labels and as AES-SIV associated data. The same domain gives the same
//    masks (linkable across columns and streams); different domains never do.
//  - MaskField names the login event's two personal-data fields, which are the domains "ip" and
//    "device_id" (MaskFieldName); kLoginMaskDomains lists them in MaskField order, so a masker
//    built with them has kIp as domain 0 and kDeviceId as domain 1.
//  - MaskScheme: kHmacSha256 ("hmac-sha256", one-way; the default) or kAesSiv ("aes-siv",
//    deterministic authenticated encryption that a key holder can reverse). Parse* accept exactly
//    those names and return nullopt for anything else.
//  - The schemes' outputs cannot be confused: an hmac-sha256 mask is exactly 64 lowercase hex
//    digits; an aes-siv mask starts with "s1." and contains dots. DetectMaskScheme looks only at
//    that shape (it does not verify anything).
//  - MaskKeyId: the first 8 lowercase hex digits of HMAC-SHA256(master_key, "sqs2pg key id"). It
//    identifies a master key (so masks can name the key that made them, and keys can be rotated)
//    without revealing it: 32 bits of a PRF output on a label used for nothing else.
//  - Pure functions; thread-safe. Failure of OpenSSL itself aborts with a message.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace sqs2pg::transform {

enum class MaskField { kIp, kDeviceId };

// "ip", "device_id".
std::string_view MaskFieldName(MaskField f);
std::optional<MaskField> ParseMaskField(std::string_view name);

// The domains of the login mapping, in MaskField order: {"ip", "device_id"}.
inline constexpr std::array<std::string_view, 2> kLoginMaskDomains = {"ip", "device_id"};

enum class MaskScheme { kHmacSha256, kAesSiv };

// "hmac-sha256", "aes-siv".
std::string_view MaskSchemeName(MaskScheme s);
std::optional<MaskScheme> ParseMaskScheme(std::string_view name);

// The scheme whose output `masked` looks like, or nullopt if it looks like neither.
std::optional<MaskScheme> DetectMaskScheme(std::string_view masked);

inline constexpr size_t kMaskKeyIdChars = 8;

// 8 lowercase hex digits naming `master_key` (see above).
std::string MaskKeyId(std::string_view master_key);

}  // namespace sqs2pg::transform
