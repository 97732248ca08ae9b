#include "aws/sigv4.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <map>

#include "aws/hashing.h"
#include "aws/url.h"

namespace sqs2pg::aws {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

// Trims, and collapses each inner run of whitespace to one space (the SigV4 "Trimall").
std::string TrimAll(std::string_view v) {
  std::string out;
  bool pending_space = false;
  for (char c : v) {
    if (IsSpace(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes %XX escapes; a '%' not followed by two hex digits stays literal. '+' stays '+': SigV4
// treats query strings as RFC 3986, not as HTML forms.
std::string PercentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      const int hi = HexValue(s[i + 1]);
      const int lo = HexValue(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

}  // namespace

std::string UriEncode(std::string_view s, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' ||
        (keep_slash && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
  return out;
}

std::string CanonicalUri(std::string_view path) {
  if (path.empty()) return "/";
  // Remove "." and ".." and empty segments, the way botocore's remove_dot_segments does.
  std::vector<std::string_view> segments;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    std::string_view seg = path.substr(start, slash - start);
    if (seg == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!seg.empty() && seg != ".") {
      segments.push_back(seg);
    }
    start = slash + 1;
  }
  std::string out;
  if (path.front() == '/') out.push_back('/');
  for (size_t i = 0; i < segments.size(); ++i) {
    if (i > 0) out.push_back('/');
    out += UriEncode(segments[i], /*keep_slash=*/false);
  }
  if (path.back() == '/' && !segments.empty()) out.push_back('/');
  if (out.empty()) out.push_back('/');  // (not `out = "/"`: GCC 12 misfires -Wrestrict on it)
  return out;
}

std::string CanonicalQueryString(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> params;
  size_t start = 0;
  while (start <= query.size() && !query.empty()) {
    size_t amp = query.find('&', start);
    if (amp == std::string_view::npos) amp = query.size();
    std::string_view pair = query.substr(start, amp - start);
    if (!pair.empty()) {
      const size_t eq = pair.find('=');
      std::string_view key = pair.substr(0, eq);
      std::string_view value =
          eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
      params.emplace_back(UriEncode(PercentDecode(key), false),
                          UriEncode(PercentDecode(value), false));
    }
    start = amp + 1;
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [key, value] : params) {
    if (!out.empty()) out.push_back('&');
    out += key;
    out.push_back('=');
    out += value;
  }
  return out;
}

CanonicalForm CanonicalRequest(std::string_view method, std::string_view url,
                               const HeaderList& headers_to_sign, std::string_view payload_hash) {
  std::string path = "/";
  std::string query;
  if (Result<ParsedUrl> parsed = ParseUrl(url); parsed.ok()) {
    path = std::move(parsed->path);
    query = std::move(parsed->query);
  }

  // Sorted by lower-case name; repeated headers keep their order and join with ','.
  std::map<std::string, std::string> canonical;
  for (const auto& [name, value] : headers_to_sign) {
    std::string key = Lower(TrimAll(name));
    auto [it, inserted] = canonical.emplace(key, TrimAll(value));
    if (!inserted) {
      it->second.push_back(',');
      it->second += TrimAll(value);
    }
  }

  CanonicalForm out;
  std::string& r = out.request;
  for (char c : method) r.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  r.push_back('\n');
  r += CanonicalUri(path);
  r.push_back('\n');
  r += CanonicalQueryString(query);
  r.push_back('\n');
  for (const auto& [name, value] : canonical) {
    r += name;
    r.push_back(':');
    r += value;
    r.push_back('\n');
    if (!out.signed_headers.empty()) out.signed_headers.push_back(';');
    out.signed_headers += name;
  }
  r.push_back('\n');
  r += out.signed_headers;
  r.push_back('\n');
  r += payload_hash;
  return out;
}

std::string StringToSign(std::string_view amz_date, std::string_view credential_scope,
                         std::string_view canonical_request) {
  std::string out(kAlgorithm);
  out.push_back('\n');
  out += amz_date;
  out.push_back('\n');
  out += credential_scope;
  out.push_back('\n');
  out += Sha256Hex(canonical_request);
  return out;
}

std::string DeriveSigningKey(std::string_view secret_access_key, std::string_view date,
                             std::string_view region, std::string_view service) {
  std::string secret = "AWS4";
  secret += secret_access_key;
  std::string k = HmacSha256(secret, date);
  k = HmacSha256(k, region);
  k = HmacSha256(k, service);
  return HmacSha256(k, "aws4_request");
}

namespace {

// The signing key depends only on the secret, the day, the region and the service, so each
// thread keeps the last one it derived: four HMACs saved on nearly every request. The copy of the
// secret is cleansed when replaced and at thread exit.
struct SigningKeyCache {
  std::string secret, date, region, service, key;
  ~SigningKeyCache() { Forget(); }
  void Forget() {
    OPENSSL_cleanse(secret.data(), secret.size());
    OPENSSL_cleanse(key.data(), key.size());
  }
};

const std::string& CachedSigningKey(std::string_view secret_access_key, std::string_view date,
                                    std::string_view region, std::string_view service) {
  thread_local SigningKeyCache cache;
  if (cache.key.empty() || cache.secret != secret_access_key || cache.date != date ||
      cache.region != region || cache.service != service) {
    cache.Forget();
    cache.secret = secret_access_key;
    cache.date = date;
    cache.region = region;
    cache.service = service;
    cache.key = DeriveSigningKey(secret_access_key, date, region, service);
  }
  return cache.key;
}

}  // namespace

std::string CredentialScope(std::string_view date, std::string_view region,
                            std::string_view service) {
  std::string out(date);
  out.push_back('/');
  out += region;
  out.push_back('/');
  out += service;
  out += "/aws4_request";
  return out;
}

std::string FormatAmzDate(std::chrono::system_clock::time_point time) {
  const std::time_t t = std::chrono::system_clock::to_time_t(time);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  const size_t n = std::strftime(buf, sizeof(buf), "%Y%m%dT%H%M%SZ", &tm);
  return std::string(buf, n);
}

HeaderList SignRequest(const SigningInput& input, const Credentials& credentials) {
  const std::string amz_date = FormatAmzDate(input.time);
  const std::string date = amz_date.substr(0, 8);

  HeaderList to_sign;
  bool have_host = false;
  std::string payload_hash;
  for (const auto& [name, value] : input.headers) {
    const std::string lname = Lower(TrimAll(name));
    if (lname == "x-amz-date" || lname == "x-amz-security-token" || lname == "authorization") {
      continue;  // replaced below
    }
    if (lname == "host") {
      have_host = true;
    } else if (lname == "x-amz-content-sha256") {
      payload_hash = TrimAll(value);
    } else if (lname != "content-type" && !lname.starts_with("x-amz-")) {
      continue;  // unsigned: proxies and clients may rewrite other headers
    }
    to_sign.emplace_back(lname, value);
  }
  if (!have_host) {
    Result<ParsedUrl> parsed = ParseUrl(input.url);
    to_sign.emplace_back("host", parsed.ok() ? HostHeaderValue(*parsed) : std::string());
  }
  to_sign.emplace_back("x-amz-date", amz_date);
  if (!credentials.session_token.empty()) {
    to_sign.emplace_back("x-amz-security-token", credentials.session_token);
  }
  if (payload_hash.empty()) payload_hash = Sha256Hex(input.body);

  const CanonicalForm canonical = CanonicalRequest(input.method, input.url, to_sign, payload_hash);
  const std::string scope = CredentialScope(date, input.region, input.service);
  const std::string string_to_sign = StringToSign(amz_date, scope, canonical.request);
  const std::string& key =
      CachedSigningKey(credentials.secret_access_key, date, input.region, input.service);
  const std::string signature = HexEncode(HmacSha256(key, string_to_sign));

  HeaderList out;
  out.emplace_back("X-Amz-Date", amz_date);
  if (!credentials.session_token.empty()) {
    out.emplace_back("X-Amz-Security-Token", credentials.session_token);
  }
  std::string authorization(kAlgorithm);
  authorization += " Credential=";
  authorization += credentials.access_key_id;
  authorization.push_back('/');
  authorization += scope;
  authorization += ", SignedHeaders=";
  authorization += canonical.signed_headers;
  authorization += ", Signature=";
  authorization += signature;
  out.emplace_back("Authorization", std::move(authorization));
  return out;
}

}  // namespace sqs2pg::aws
