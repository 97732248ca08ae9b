// RedactConninfo(), declared in pg/connection.h.
#include <libpq-fe.h>

#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>
#include <vector>

#include "pg/connection.h"

namespace sqs2pg::pg {
namespace {

constexpr std::string_view kMask = "***";
constexpr std::string_view kUnparseable = "<unparseable connection string>";

struct Span {
  size_t begin;
  size_t end;
};

std::string PercentDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

bool IsUri(std::string_view s) {
  return s.rfind("postgresql://", 0) == 0 || s.rfind("postgres://", 0) == 0;
}

// Password spans of a URI, following libpq's parser: the user part ends at the first '@' or '/';
// "password" may also appear among the query parameters.
std::vector<Span> UriPasswordSpans(std::string_view s) {
  std::vector<Span> spans;
  size_t start = s.find("://") + 3;
  size_t p = start;
  while (p < s.size() && s[p] != '@' && s[p] != '/') ++p;
  if (p < s.size() && s[p] == '@') {
    size_t colon = s.find(':', start);
    if (colon != std::string_view::npos && colon < p) spans.push_back({colon + 1, p});
  }
  size_t q = s.find('?', start);
  if (q == std::string_view::npos) return spans;
  size_t i = q + 1;
  while (i <= s.size()) {
    size_t amp = s.find('&', i);
    if (amp == std::string_view::npos) amp = s.size();
    std::string_view param = s.substr(i, amp - i);
    size_t eq = param.find('=');
    if (eq != std::string_view::npos && PercentDecode(param.substr(0, eq)) == "password") {
      spans.push_back({i + eq + 1, amp});
    }
    i = amp + 1;
  }
  return spans;
}

// Password value spans of a key=value string (values may be single-quoted, with backslash
// escapes). Returns false when the string does not follow the grammar.
bool KeyValuePasswordSpans(std::string_view s, std::vector<Span>* spans) {
  size_t i = 0;
  auto skip_space = [&] {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  };
  while (true) {
    skip_space();
    if (i >= s.size()) return true;
    size_t key_begin = i;
    while (i < s.size() && s[i] != '=' && !std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    std::string_view key = s.substr(key_begin, i - key_begin);
    skip_space();
    if (i >= s.size() || s[i] != '=') return false;
    ++i;
    skip_space();
    size_t value_begin = i;
    if (i < s.size() && s[i] == '\'') {
      ++i;
      while (i < s.size() && s[i] != '\'') i += (s[i] == '\\') ? 2 : 1;
      if (i >= s.size()) return false;
      ++i;
    } else {
      while (i < s.size() && !std::isspace(static_cast<unsigned char>(s[i]))) {
        i += (s[i] == '\\') ? 2 : 1;
      }
      i = std::min(i, s.size());
    }
    if (key == "password") spans->push_back({value_begin, i});
  }
}

// True when libpq reads no password other than the mask from `text`.
bool HasNoPassword(const std::string& text) {
  char* err = nullptr;
  PQconninfoOption* options = PQconninfoParse(text.c_str(), &err);
  if (err != nullptr) PQfreemem(err);
  if (options == nullptr) return false;
  bool clean = true;
  for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    if (std::string_view(o->keyword) == "password" && o->val != nullptr && *o->val != '\0' &&
        std::string_view(o->val) != kMask) {
      clean = false;
    }
  }
  PQconninfoFree(options);
  return clean;
}

}  // namespace

std::string RedactConninfo(std::string_view conninfo) {
  std::vector<Span> spans;
  if (IsUri(conninfo)) {
    spans = UriPasswordSpans(conninfo);
  } else if (!KeyValuePasswordSpans(conninfo, &spans)) {
    return std::string(kUnparseable);
  }
  std::string out;
  size_t at = 0;
  for (const Span& span : spans) {
    out.append(conninfo.substr(at, span.begin - at));
    out.append(kMask);
    at = span.end;
  }
  out.append(conninfo.substr(at));
  // Belt and braces: never hand back something libpq would read a real password from.
  if (!HasNoPassword(out)) return std::string(kUnparseable);
  return out;
}

}  // namespace sqs2pg::pg
