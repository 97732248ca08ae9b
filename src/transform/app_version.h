// App version encoding: "MAJOR[.MINOR[.PATCH]]" <-> MAJOR*1000000 + MINOR*1000 + PATCH.
//
// Contract:
//  - Accepted grammar: one to three parts separated by '.', each part 1-3 ASCII digits read as a
//    decimal integer 0..999. Leading zeros are allowed and do not change the value: "0.06" and
//    "0.6" both encode to 6000, while "0.60" encodes to 60000. Missing parts are 0 ("7" ->
//    7000000). Nothing else is accepted: no signs, spaces, empty parts, 4th part, or non-ASCII
//    digits. The encoding orders versions numerically (2.10.0 > 2.9.0), which text does not.
//  - Because leading zeros collapse, decoding is canonical rather than exact: LoginRow keeps the
//    original text beside the integer.
//  - Pure functions; thread-safe; no allocation in EncodeAppVersion.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sqs2pg::transform {

// "2.3.0" -> 2003000, "0.96" -> 96000, "3.7" -> 3007000, "7" -> 7000000; anything else -> nullopt.
std::optional<int32_t> EncodeAppVersion(std::string_view text);

// 2003000 -> "2.3.0" (always three parts). Values outside [0, 999999999] -> "" (not an encoding).
std::string DecodeAppVersion(int32_t encoded);

}  // namespace sqs2pg::transform
