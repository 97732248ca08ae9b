// Exact decimal conversions from JSON number text: to integers (optionally scaled by a power of
// ten, as for epoch seconds to microseconds), to float4/float8, and to PostgreSQL's binary
// numeric. The text is never round-tripped through a double except for float columns, where
// std::from_chars gives the correctly rounded nearest value.
//
// Contract:
//  - ParseJsonNumber() accepts exactly JSON's number grammar (RFC 8259):
//    -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?  -- no '+' sign, no leading zeros, no ".5",
//    "1.", spaces, "NaN" or "Infinity". Exponents beyond +-kMaxDecimalExponent saturate there
//    (any such value is out of range for every target anyway, or rounds to zero).
//  - Integers: a value is exact when it is integral in any notation: 12, 12.0, 1.2e1 and 1200e-2
//    are all 12; -0 is 0. A nonzero fraction (12.5, 1e-400) into an integer is kOutOfRange (the
//    issue's "a fraction into an integer"), as is any value beyond int64.
//  - Scaled integers with Rounding::kHalfEven round the digits below 10^-scale to the nearest,
//    ties to even, from the decimal digits themselves (so 0.0000005 s is 0 us, 0.0000015 s is 2 us,
//    as PostgreSQL's own timestamp input rounds).
//  - Floats: the nearest float8/float4 (std::from_chars). A nonzero value whose magnitude rounds
//    to infinity or to zero is kOutOfRange, as PostgreSQL's float8in/float4in refuse it; -0 stays
//    -0; subnormals are accepted.
//  - numeric: PostgreSQL's binary numeric (int16 ndigits, int16 weight, uint16 sign, uint16
//    dscale, ndigits base-10000 digits), built from the decimal digits. dscale is what
//    numeric_in would give the same text (fraction digits as written minus the exponent, at
//    least 0: "1.50" -> 2, "1.50e1" -> 1, "1.5E+10" -> 0, "1e-3" -> 3). With numeric(p,s) a
//    value is kOutOfRange when storing it would round (a nonzero digit below 10^-s) or when it
//    has a digit at or above 10^(p-s) (PostgreSQL's "numeric field overflow"); dscale is then
//    max(s, 0), as the server would set. Unconstrained, a value beyond numeric's storage range
//    (a digit at 10^131072 or above, or dscale above 16383) is kOutOfRange.
//  - Encoders append exactly one COPY field (int32 length + payload) or nothing with the error.
//    No allocation once *out has grown. Pure functions: thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "transform/convert/pg_type.h"

namespace sqs2pg::transform {

inline constexpr int64_t kMaxDecimalExponent = 1000000000;

// A JSON number split into its parts, not yet converted. Its value is
//   (-1 if negative) * 0.D * 10^point(),  D = int_digits followed by frac_digits.
struct DecimalText {
  bool negative = false;
  std::string_view int_digits;   // "0", or digits without a leading zero
  std::string_view frac_digits;  // the digits after '.', possibly empty
  int64_t exponent = 0;          // saturated at +-kMaxDecimalExponent

  size_t digit_count() const { return int_digits.size() + frac_digits.size(); }
  int digit(size_t i) const {
    return (i < int_digits.size() ? int_digits[i] : frac_digits[i - int_digits.size()]) - '0';
  }
  // The number of digits of D before the decimal point, after applying the exponent.
  int64_t point() const { return static_cast<int64_t>(int_digits.size()) + exponent; }
};

// True with *out filled if text is exactly a JSON number; *out then views into text.
bool ParseJsonNumber(std::string_view text, DecimalText* out);

enum class Rounding { kExact, kHalfEven };

// value * 10^scale (scale >= 0) as an int64. kOutOfRange if it does not fit, or, with kExact,
// if it is not integral.
ConvertError DecimalToScaledInt64(const DecimalText& d, int scale, Rounding rounding, int64_t* out);

// The nearest double / float from number text already checked by ParseJsonNumber.
ConvertError JsonNumberToFloat8(std::string_view number_text, double* out);
ConvertError JsonNumberToFloat4(std::string_view number_text, float* out);

// True if PostgreSQL's numeric_in accepts this number unconstrained (its storage range). jsonb
// stores numbers as numeric, so a jsonb document needs this of every number in it.
bool FitsUnconstrainedNumeric(const DecimalText& d);

// One binary numeric field. precision < 1 means unconstrained (scale is then ignored).
ConvertError AppendNumericField(const DecimalText& d, int precision, int scale, std::string* out);
ConvertError AppendNumericField(int64_t value, int precision, int scale, std::string* out);

}  // namespace sqs2pg::transform
