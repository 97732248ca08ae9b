#include "aws/credential_common.h"

#include <simdjson.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <memory>
#include <optional>

namespace sqs2pg::aws {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

}  // namespace

Result<std::chrono::system_clock::time_point> ParseIso8601Utc(std::string_view s) {
  using namespace std::chrono;
  const Status bad =
      InvalidArgumentError("not an ISO 8601 timestamp (expected YYYY-MM-DDThh:mm:ssZ)");
  size_t i = 0;
  auto digits = [&](size_t n, int& out) {
    if (i + n > s.size()) return false;
    out = 0;
    for (size_t k = 0; k < n; ++k) {
      if (!IsDigit(s[i + k])) return false;
      out = out * 10 + (s[i + k] - '0');
    }
    i += n;
    return true;
  };
  auto expect = [&](char c) {
    if (i < s.size() && s[i] == c) {
      ++i;
      return true;
    }
    return false;
  };
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!digits(4, year) || !expect('-') || !digits(2, month) || !expect('-') || !digits(2, day)) {
    return bad;
  }
  if (!expect('T') && !expect('t') && !expect(' ')) return bad;
  if (!digits(2, hour) || !expect(':') || !digits(2, minute) || !expect(':') ||
      !digits(2, second)) {
    return bad;
  }
  nanoseconds fraction{0};
  if (expect('.')) {
    size_t n = 0;
    int64_t value = 0;
    while (i < s.size() && IsDigit(s[i])) {
      if (n < 9) {
        value = value * 10 + (s[i] - '0');
        ++n;
      }
      ++i;
    }
    if (n == 0) return bad;
    for (size_t k = n; k < 9; ++k) value *= 10;
    fraction = nanoseconds(value);
  }
  minutes offset{0};
  if (i < s.size()) {
    if (s[i] == 'Z' || s[i] == 'z') {
      ++i;
    } else if (s[i] == '+' || s[i] == '-') {
      const int sign = s[i] == '+' ? 1 : -1;
      ++i;
      int oh = 0, om = 0;
      if (!digits(2, oh)) return bad;
      expect(':');
      if (!digits(2, om) || oh > 23 || om > 59) return bad;
      offset = minutes(sign * (oh * 60 + om));
    } else {
      return bad;
    }
  }
  if (i != s.size()) return bad;
  const year_month_day ymd{std::chrono::year(year),
                           std::chrono::month(static_cast<unsigned>(month)),
                           std::chrono::day(static_cast<unsigned>(day))};
  if (!ymd.ok() || hour > 23 || minute > 59 || second > 60) return bad;
  if (second == 60) second = 59;  // a leap second: close enough for an expiry
  const sys_time<nanoseconds> t =
      sys_days(ymd) + hours(hour) + minutes(minute) + seconds(second) + fraction - offset;
  return time_point_cast<system_clock::duration>(t);
}

std::string FormatIso8601Utc(std::chrono::system_clock::time_point t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

Result<std::string> ReadSmallFile(const std::string& path, std::string_view what,
                                  size_t max_bytes) {
  const std::string prefix = std::string(what) + " " + path;
  std::unique_ptr<std::FILE, FileCloser> f(std::fopen(path.c_str(), "rb"));
  if (!f) {
    const int err = errno;
    if (err == ENOENT || err == ENOTDIR) return NotFoundError(prefix + " does not exist");
    return InvalidArgumentError("cannot open " + prefix + ": " + std::strerror(err));
  }
  std::string out;
  char buf[8192];
  while (true) {
    const size_t n = std::fread(buf, 1, sizeof(buf), f.get());
    out.append(buf, n);
    if (out.size() > max_bytes) {
      return InvalidArgumentError(prefix + " is larger than " + std::to_string(max_bytes) +
                                  " bytes");
    }
    if (n < sizeof(buf)) {
      if (std::ferror(f.get())) {
        const int err = errno;
        return InvalidArgumentError("cannot read " + prefix + ": " + std::strerror(err));
      }
      break;
    }
  }
  return out;
}

std::string_view TrimAsciiWhitespace(std::string_view s) {
  constexpr std::string_view kSpace = " \t\r\n\v\f";
  const size_t begin = s.find_first_not_of(kSpace);
  if (begin == std::string_view::npos) return {};
  const size_t end = s.find_last_not_of(kSpace);
  return s.substr(begin, end - begin + 1);
}

Status CredentialHttpError(std::string_view what, long http_status) {
  std::string message = std::string(what) + ": HTTP " + std::to_string(http_status);
  if (http_status == 408 || http_status == 429 || (http_status >= 500 && http_status <= 599)) {
    return UnavailableError(std::move(message));
  }
  if (http_status == 401 || http_status == 403) return PermissionDeniedError(std::move(message));
  return InvalidArgumentError(std::move(message));
}

Result<Credentials> ParseCredentialsJson(std::string_view body, std::string_view what) {
  auto malformed = [&](std::string_view detail) {
    return InternalError(std::string(what) + ": malformed credentials response (" +
                         std::string(detail) + ")");
  };
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(body.data(), body.size()).get(doc) != simdjson::SUCCESS) {
    return malformed("not JSON");
  }
  simdjson::dom::object obj;
  if (doc.get_object().get(obj) != simdjson::SUCCESS) return malformed("not a JSON object");

  // A string member, or nullopt if absent; sets *wrong_type if present but not a string.
  auto member = [&](const char* name, bool* wrong_type) -> std::optional<std::string_view> {
    simdjson::dom::element e;
    if (obj[name].get(e) != simdjson::SUCCESS) return std::nullopt;
    std::string_view v;
    if (e.get_string().get(v) != simdjson::SUCCESS) {
      *wrong_type = true;
      return std::nullopt;
    }
    return v;
  };
  bool wrong_type = false;
  if (std::optional<std::string_view> code = member("Code", &wrong_type);
      code && *code != "Success") {
    std::string safe;
    for (char c : code->substr(0, 64)) {
      safe.push_back(std::isalnum(static_cast<unsigned char>(c)) ? c : '?');
    }
    return FailedPreconditionError(std::string(what) + ": credentials not available (Code " + safe +
                                   ")");
  }
  std::optional<std::string_view> key_id = member("AccessKeyId", &wrong_type);
  std::optional<std::string_view> secret = member("SecretAccessKey", &wrong_type);
  std::optional<std::string_view> token = member("Token", &wrong_type);
  std::optional<std::string_view> expiration = member("Expiration", &wrong_type);
  if (wrong_type) return malformed("a member is not a string");
  if (!key_id || key_id->empty()) return malformed("no AccessKeyId");
  if (!secret || secret->empty()) return malformed("no SecretAccessKey");
  Credentials c;
  c.access_key_id = std::string(*key_id);
  c.secret_access_key = std::string(*secret);
  if (token) c.session_token = std::string(*token);
  if (expiration) {
    Result<std::chrono::system_clock::time_point> t = ParseIso8601Utc(*expiration);
    if (!t.ok()) return malformed("Expiration is not an ISO 8601 timestamp");
    c.expiration = *t;
  }
  return c;
}

std::string PercentEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
  return out;
}

std::string ScrubSecrets(std::string text, std::initializer_list<std::string_view> secrets) {
  constexpr std::string_view kRedacted = "<redacted>";
  for (std::string_view secret : secrets) {
    if (secret.empty()) continue;
    for (size_t pos = text.find(secret); pos != std::string::npos;
         pos = text.find(secret, pos + kRedacted.size())) {
      text.replace(pos, secret.size(), kRedacted);
    }
  }
  return text;
}

}  // namespace sqs2pg::aws
