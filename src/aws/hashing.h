// Digests for SigV4 and MD5OfBody checks, on OpenSSL 3 digests fetched once per process.
//
// Contract:
//  - Hex output is lower case. HmacSha256() returns the raw 32-byte MAC in a std::string.
//  - These cannot fail for the algorithms used here on a working OpenSSL; if OpenSSL reports a
//    failure anyway (e.g. MD5 disabled by a FIPS-only configuration) the process aborts rather
//    than signing or verifying with garbage.
//  - Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace sqs2pg::aws {

std::string HexEncode(std::string_view bytes);
std::string Sha256Hex(std::string_view data);
std::string HmacSha256(std::string_view key, std::string_view data);
std::string Md5Hex(std::string_view data);

}  // namespace sqs2pg::aws
