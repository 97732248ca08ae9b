#include "aws/url.h"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace sqs2pg::aws {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

Result<ParsedUrl> ParseUrl(std::string_view url) {
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos || scheme_end == 0) {
    return InvalidArgumentError("URL has no scheme (expected scheme://host)");
  }
  ParsedUrl out;
  out.scheme = Lower(url.substr(0, scheme_end));
  std::string_view rest = url.substr(scheme_end + 3);

  // The fragment never reaches the server.
  if (size_t hash = rest.find('#'); hash != std::string_view::npos) rest = rest.substr(0, hash);

  const size_t authority_end = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, authority_end);
  std::string_view path_and_query =
      authority_end == std::string_view::npos ? std::string_view() : rest.substr(authority_end);

  if (size_t at = authority.rfind('@'); at != std::string_view::npos) {
    authority = authority.substr(at + 1);
  }
  std::string_view host;
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos)
      return InvalidArgumentError("URL has a malformed IPv6 host");
    host = authority.substr(0, close + 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return InvalidArgumentError("URL has a malformed IPv6 host");
      port = after.substr(1);
    }
  } else {
    const size_t colon = authority.rfind(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (host.empty()) return InvalidArgumentError("URL has no host");
  out.host = Lower(host);
  if (!port.empty()) {
    int value = 0;
    auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || ptr != port.data() + port.size() || value <= 0 || value > 65535) {
      return InvalidArgumentError("URL has an invalid port");
    }
    out.port = value;
  }

  const size_t q = path_and_query.find('?');
  out.path = std::string(path_and_query.substr(0, q));
  if (q != std::string_view::npos) out.query = std::string(path_and_query.substr(q + 1));
  if (out.path.empty()) out.path.push_back('/');  // (not `= "/"`: GCC 12 misfires -Wrestrict)
  return out;
}

std::string HostHeaderValue(const ParsedUrl& url) {
  if (!url.port) return url.host;
  const bool default_port =
      (url.scheme == "http" && *url.port == 80) || (url.scheme == "https" && *url.port == 443);
  if (default_port) return url.host;
  return url.host + ":" + std::to_string(*url.port);
}

}  // namespace sqs2pg::aws
