#include "transform/convert/time_parse.h"

#include "transform/convert/numeric_encoder.h"

namespace sqs2pg::transform {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// n ASCII digits at text[at..] as a number; false if any is not a digit or text is too short.
bool Digits(std::string_view text, size_t at, size_t n, unsigned* out) {
  if (text.size() < at + n) return false;
  unsigned v = 0;
  for (size_t i = at; i < at + n; ++i) {
    if (!IsDigit(text[i])) return false;
    v = v * 10 + static_cast<unsigned>(text[i] - '0');
  }
  *out = v;
  return true;
}

bool IsLeapYear(unsigned y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned DaysInMonth(unsigned y, unsigned m) {
  static constexpr unsigned kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeapYear(y) ? 29 : kDays[m - 1];
}

// "YYYY-MM-DD" at the start of text (exactly 10 characters).
bool ParseDatePart(std::string_view text, int64_t* days) {
  unsigned y = 0, m = 0, d = 0;
  if (!Digits(text, 0, 4, &y) || text[4] != '-' || !Digits(text, 5, 2, &m) || text[7] != '-' ||
      !Digits(text, 8, 2, &d)) {
    return false;
  }
  if (y < 1 || m < 1 || m > 12 || d < 1 || d > DaysInMonth(y, m)) return false;
  *days = DaysFromCivil(y, m, d);
  return true;
}

// Fraction digits -> microseconds, rounded half to even on the digits past the sixth (the result
// may be 1000000 when .9999995 rounds up).
int64_t FractionMicros(std::string_view digits) {
  int64_t us = 0;
  for (size_t i = 0; i < 6; ++i) us = us * 10 + (i < digits.size() ? digits[i] - '0' : 0);
  if (digits.size() > 6) {
    const int r = digits[6] - '0';
    bool more = false;
    for (size_t i = 7; i < digits.size() && !more; ++i) more = digits[i] != '0';
    if (r > 5 || (r == 5 && (more || (us & 1) != 0))) ++us;
  }
  return us;
}

char* Put2(char* p, unsigned v) {
  p[0] = static_cast<char>('0' + v / 10);
  p[1] = static_cast<char>('0' + v % 10);
  return p + 2;
}

}  // namespace

int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);                 // [0, 399]
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;  // [0, 365]
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;            // [0, 146096]
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t z, int64_t* year, unsigned* month, unsigned* day) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);                    // [0, 146096]
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;  // [0, 399]
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);                // [0, 365]
  const unsigned mp = (5 * doy + 2) / 153;                                     // [0, 11]
  *day = doy - (153 * mp + 2) / 5 + 1;
  *month = mp < 10 ? mp + 3 : mp - 9;
  *year = static_cast<int64_t>(yoe) + era * 400 + (*month <= 2);
}

std::optional<int32_t> ParseIsoDate(std::string_view text) {
  int64_t days = 0;
  if (text.size() != 10 || !ParseDatePart(text, &days)) return std::nullopt;
  return static_cast<int32_t>(days);
}

std::optional<int64_t> ParseIso8601Micros(std::string_view text) {
  int64_t days = 0;
  if (text.size() < 10 || !ParseDatePart(text, &days)) return std::nullopt;
  if (text.size() == 10) return days * kMicrosPerDay;
  const char sep = text[10];
  if (sep != 'T' && sep != 't' && sep != ' ') return std::nullopt;
  unsigned hh = 0, mm = 0, ss = 0;
  if (!Digits(text, 11, 2, &hh) || text.size() < 16 || text[13] != ':' ||
      !Digits(text, 14, 2, &mm)) {
    return std::nullopt;
  }
  size_t i = 16;
  int64_t frac_us = 0;
  bool frac_nonzero = false;
  if (i < text.size() && text[i] == ':') {
    if (!Digits(text, i + 1, 2, &ss)) return std::nullopt;
    i += 3;
    if (i < text.size() && text[i] == '.') {
      const size_t start = ++i;
      while (i < text.size() && IsDigit(text[i])) {
        frac_nonzero = frac_nonzero || text[i] != '0';
        ++i;
      }
      if (i == start) return std::nullopt;
      frac_us = FractionMicros(text.substr(start, i - start));
    }
  }
  if (mm > 59 || ss > 60) return std::nullopt;
  if (hh > 24 || (hh == 24 && (mm != 0 || ss != 0 || frac_nonzero))) return std::nullopt;
  int64_t offset_seconds = 0;
  if (i < text.size()) {
    const char c = text[i];
    if (c == 'Z' || c == 'z') {
      ++i;
    } else if (c == '+' || c == '-') {
      unsigned oh = 0, om = 0;
      if (!Digits(text, i + 1, 2, &oh)) return std::nullopt;
      i += 3;
      if (i < text.size() && text[i] == ':') {
        if (!Digits(text, i + 1, 2, &om)) return std::nullopt;
        i += 3;
      } else if (i < text.size()) {
        if (!Digits(text, i, 2, &om)) return std::nullopt;
        i += 2;
      }
      if (oh > 15 || om > 59) return std::nullopt;
      offset_seconds = (c == '-' ? -1 : 1) * static_cast<int64_t>(oh * 3600 + om * 60);
    } else {
      return std::nullopt;
    }
  }
  if (i != text.size()) return std::nullopt;
  const int64_t seconds = static_cast<int64_t>(hh) * 3600 + mm * 60 + ss - offset_seconds;
  return days * kMicrosPerDay + seconds * kMicrosPerSecond + frac_us;
}

ConvertError EpochSecondsToMicros(std::string_view number_text, int64_t* unix_micros) {
  DecimalText d;
  if (!ParseJsonNumber(number_text, &d)) return ConvertError::kInvalidValue;
  return DecimalToScaledInt64(d, 6, Rounding::kHalfEven, unix_micros);
}

ConvertError EpochMillisToMicros(std::string_view number_text, int64_t* unix_micros) {
  DecimalText d;
  if (!ParseJsonNumber(number_text, &d)) return ConvertError::kInvalidValue;
  int64_t ms = 0;
  if (ConvertError e = DecimalToScaledInt64(d, 0, Rounding::kExact, &ms);
      e != ConvertError::kNone) {
    return e;
  }
  if (__builtin_mul_overflow(ms, int64_t{1000}, unix_micros)) return ConvertError::kOutOfRange;
  return ConvertError::kNone;
}

size_t FormatIso8601(int64_t unix_micros, bool date_only, char buf[kIso8601MaxChars]) {
  const int64_t days = UnixDaysFromMicros(unix_micros);
  int64_t year = 0;
  unsigned month = 0, day = 0;
  CivilFromDays(days, &year, &month, &day);
  if (year < 1 || year > 9999) return 0;
  char* p = buf;
  p = Put2(p, static_cast<unsigned>(year / 100));
  p = Put2(p, static_cast<unsigned>(year % 100));
  *p++ = '-';
  p = Put2(p, month);
  *p++ = '-';
  p = Put2(p, day);
  if (date_only) return static_cast<size_t>(p - buf);
  int64_t in_day = unix_micros - days * kMicrosPerDay;  // [0, kMicrosPerDay)
  const auto us = static_cast<unsigned>(in_day % kMicrosPerSecond);
  in_day /= kMicrosPerSecond;
  *p++ = 'T';
  p = Put2(p, static_cast<unsigned>(in_day / 3600));
  *p++ = ':';
  p = Put2(p, static_cast<unsigned>(in_day / 60 % 60));
  *p++ = ':';
  p = Put2(p, static_cast<unsigned>(in_day % 60));
  *p++ = '.';
  p = Put2(p, us / 10000);
  p = Put2(p, us / 100 % 100);
  p = Put2(p, us % 100);
  *p++ = 'Z';
  return static_cast<size_t>(p - buf);
}

}  // namespace sqs2pg::transform
