#include "transform/convert/numeric_encoder.h"

#include <algorithm>
#include <charconv>
#include <limits>
#include <system_error>

#include "transform/convert/wire.h"

namespace sqs2pg::transform {
namespace {

// PostgreSQL numeric's limits (numeric.c): the weight (base-10000 exponent of the first digit)
// is an int16, and the display scale at most NUMERIC_DSCALE_MAX.
constexpr int64_t kNumericWeightMax = 32767;
constexpr int64_t kNumericDscaleMax = 0x3FFF;
constexpr uint16_t kNumericPos = 0x0000;
constexpr uint16_t kNumericNeg = 0x4000;

constexpr uint64_t kPow10[19] = {1ULL,
                                 10ULL,
                                 100ULL,
                                 1000ULL,
                                 10000ULL,
                                 100000ULL,
                                 1000000ULL,
                                 10000000ULL,
                                 100000000ULL,
                                 1000000000ULL,
                                 10000000000ULL,
                                 100000000000ULL,
                                 1000000000000ULL,
                                 10000000000000ULL,
                                 100000000000000ULL,
                                 1000000000000000ULL,
                                 10000000000000000ULL,
                                 100000000000000000ULL,
                                 1000000000000000000ULL};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

int64_t FloorDiv4(int64_t a) { return a >= 0 ? a / 4 : -((-a + 3) / 4); }

// The first and last nonzero digit of D; false when the value is zero.
bool SignificantRange(const DecimalText& d, size_t* lo, size_t* hi) {
  const size_t n = d.digit_count();
  size_t i = 0;
  while (i < n && d.digit(i) == 0) ++i;
  if (i == n) return false;
  size_t j = n - 1;
  while (d.digit(j) == 0) --j;
  *lo = i;
  *hi = j;
  return true;
}

struct NumericLayout {
  bool zero = true;
  size_t lo = 0, hi = 0;  // significant digits of D
  int64_t point = 0;
  int64_t weight = 0;      // base-10000 exponent of the first digit group
  int64_t last_group = 0;  // ... and of the last
  int64_t dscale = 0;
  uint16_t sign = kNumericPos;

  int64_t ndigits() const { return zero ? 0 : weight - last_group + 1; }
};

ConvertError PlanNumeric(const DecimalText& d, int precision, int scale, NumericLayout* l) {
  l->zero = !SignificantRange(d, &l->lo, &l->hi);
  l->point = d.point();
  if (precision >= 1) {
    l->dscale = scale > 0 ? scale : 0;
  } else {
    const int64_t written = static_cast<int64_t>(d.frac_digits.size()) - d.exponent;
    l->dscale = written > 0 ? written : 0;
  }
  if (l->dscale > kNumericDscaleMax) return ConvertError::kOutOfRange;
  if (l->zero) return ConvertError::kNone;
  // Decimal exponents of the highest and the lowest nonzero digit.
  const int64_t kmax = l->point - 1 - static_cast<int64_t>(l->lo);
  const int64_t kmin = l->point - 1 - static_cast<int64_t>(l->hi);
  if (precision >= 1) {
    if (kmin < -static_cast<int64_t>(scale)) return ConvertError::kOutOfRange;  // would round
    if (kmax >= static_cast<int64_t>(precision) - scale) return ConvertError::kOutOfRange;
  }
  l->weight = FloorDiv4(kmax);
  l->last_group = FloorDiv4(kmin);
  // kmin >= -dscale >= -16383 unconstrained, and >= -scale (at most 1000) constrained, so only
  // the top can overflow.
  if (l->weight > kNumericWeightMax) return ConvertError::kOutOfRange;
  l->sign = d.negative ? kNumericNeg : kNumericPos;
  return ConvertError::kNone;
}

}  // namespace

bool ParseJsonNumber(std::string_view text, DecimalText* out) {
  const size_t n = text.size();
  size_t i = 0;
  out->negative = false;
  out->frac_digits = {};
  out->exponent = 0;
  if (i < n && text[i] == '-') {
    out->negative = true;
    ++i;
  }
  const size_t int_start = i;
  if (i < n && text[i] == '0') {
    ++i;
  } else if (i < n && IsDigit(text[i])) {
    while (i < n && IsDigit(text[i])) ++i;
  } else {
    return false;
  }
  out->int_digits = text.substr(int_start, i - int_start);
  if (i < n && text[i] == '.') {
    const size_t frac_start = ++i;
    while (i < n && IsDigit(text[i])) ++i;
    if (i == frac_start) return false;
    out->frac_digits = text.substr(frac_start, i - frac_start);
  }
  if (i < n && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    bool negative_exponent = false;
    if (i < n && (text[i] == '+' || text[i] == '-')) negative_exponent = text[i++] == '-';
    const size_t exp_start = i;
    int64_t e = 0;
    while (i < n && IsDigit(text[i])) {
      if (e < kMaxDecimalExponent) e = e * 10 + (text[i] - '0');
      ++i;
    }
    if (i == exp_start) return false;
    if (e > kMaxDecimalExponent) e = kMaxDecimalExponent;
    out->exponent = negative_exponent ? -e : e;
  }
  return i == n;
}

ConvertError DecimalToScaledInt64(const DecimalText& d, int scale, Rounding rounding,
                                  int64_t* out) {
  size_t lo = 0, hi = 0;
  if (!SignificantRange(d, &lo, &hi)) {
    *out = 0;  // also -0
    return ConvertError::kNone;
  }
  // Index in D of the last digit at or above 10^0 once scaled (may be before lo or past hi).
  const int64_t last_int = d.point() - 1 + scale;
  const int64_t kmax = last_int - static_cast<int64_t>(lo);  // scaled exponent of the top digit
  if (kmax >= 19) return ConvertError::kOutOfRange;          // >= 10^19 > 2^63
  // Below 19 digits the magnitude fits a uint64 (10^19 - 1 < 2^64).
  uint64_t magnitude = 0;
  if (kmax >= 0) {
    const int64_t end = std::min<int64_t>(static_cast<int64_t>(hi), last_int);
    for (int64_t i = static_cast<int64_t>(lo); i <= end; ++i) {
      magnitude = magnitude * 10 + static_cast<uint64_t>(d.digit(static_cast<size_t>(i)));
    }
    magnitude *= kPow10[last_int - end];
  }
  if (static_cast<int64_t>(hi) > last_int) {  // nonzero digits below 10^0
    if (rounding == Rounding::kExact) return ConvertError::kOutOfRange;
    const int64_t first = last_int + 1;  // index of the 10^-1 digit
    const int r = first >= static_cast<int64_t>(lo) ? d.digit(static_cast<size_t>(first)) : 0;
    const bool more = static_cast<int64_t>(hi) > first;
    if (r > 5 || (r == 5 && (more || (magnitude & 1) != 0))) ++magnitude;
  }
  constexpr uint64_t kMaxPositive = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  if (magnitude > kMaxPositive + (d.negative ? 1 : 0)) return ConvertError::kOutOfRange;
  *out = d.negative ? static_cast<int64_t>(0 - magnitude) : static_cast<int64_t>(magnitude);
  return ConvertError::kNone;
}

namespace {

template <typename F>
ConvertError FromChars(std::string_view text, F* out) {
  F v{};
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  // libstdc++ reports result_out_of_range both when the value overflows to infinity and when a
  // nonzero value underflows to zero: exactly the values PostgreSQL's float input refuses.
  if (ec == std::errc::result_out_of_range) return ConvertError::kOutOfRange;
  if (ec != std::errc() || ptr != text.data() + text.size()) return ConvertError::kInvalidValue;
  *out = v;
  return ConvertError::kNone;
}

}  // namespace

ConvertError JsonNumberToFloat8(std::string_view number_text, double* out) {
  return FromChars(number_text, out);
}

ConvertError JsonNumberToFloat4(std::string_view number_text, float* out) {
  return FromChars(number_text, out);
}

bool FitsUnconstrainedNumeric(const DecimalText& d) {
  NumericLayout l;
  return PlanNumeric(d, -1, -1, &l) == ConvertError::kNone;
}

ConvertError AppendNumericField(const DecimalText& d, int precision, int scale, std::string* out) {
  NumericLayout l;
  if (ConvertError e = PlanNumeric(d, precision, scale, &l); e != ConvertError::kNone) return e;
  const int64_t ndigits = l.ndigits();
  const size_t payload = 8 + 2 * static_cast<size_t>(ndigits);
  char* p = wire::Reserve(out, 4 + payload);
  p = wire::Put32(p, static_cast<uint32_t>(payload));
  p = wire::Put16(p, static_cast<uint16_t>(ndigits));
  p = wire::Put16(p, static_cast<uint16_t>(static_cast<int16_t>(l.weight)));
  p = wire::Put16(p, l.sign);
  p = wire::Put16(p, static_cast<uint16_t>(l.dscale));
  if (l.zero) return ConvertError::kNone;
  // Digit i of D sits at 10^k, k = point - 1 - i, in base-10000 group floor(k / 4). Zero digits
  // add nothing; a jump over whole groups writes the finished group and zero groups.
  int64_t group = l.weight;
  uint32_t acc = 0;
  for (size_t i = l.lo; i <= l.hi; ++i) {
    const int dg = d.digit(i);
    if (dg == 0) continue;
    const int64_t k = l.point - 1 - static_cast<int64_t>(i);
    const int64_t g = FloorDiv4(k);
    while (g < group) {
      p = wire::Put16(p, static_cast<uint16_t>(acc));
      acc = 0;
      --group;
    }
    acc += static_cast<uint32_t>(dg) * static_cast<uint32_t>(kPow10[k - 4 * g]);
  }
  wire::Put16(p, static_cast<uint16_t>(acc));
  return ConvertError::kNone;
}

ConvertError AppendNumericField(int64_t value, int precision, int scale, std::string* out) {
  char buf[24];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), value);
  (void)ec;  // 24 bytes always hold an int64
  DecimalText d;
  ParseJsonNumber(std::string_view(buf, static_cast<size_t>(end - buf)), &d);
  return AppendNumericField(d, precision, scale, out);
}

}  // namespace sqs2pg::transform
