#include "pg/conninfo_redact.h"

#include <arpa/inet.h>
#include <libpq-fe.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <memory>
#include <vector>

namespace sqs2pg::pg {
namespace {

constexpr std::string_view kUnparseable = "<unparseable connection string>";
constexpr std::string_view kMisread =
    "<connection string that libpq misreads: percent-encode '@', '/', ':' and '?' in the user "
    "and password>";

struct OptionsDeleter {
  void operator()(PQconninfoOption* options) const { PQconninfoFree(options); }
};
using Options = std::unique_ptr<PQconninfoOption, OptionsDeleter>;

// libpq's reading of `conninfo`; null when it cannot parse it. The error text is dropped unread:
// it may quote the string, password included.
Options Parse(std::string_view conninfo) {
  char* error = nullptr;
  Options options(PQconninfoParse(std::string(conninfo).c_str(), &error));
  if (error != nullptr) PQfreemem(error);
  return options;
}

// A URI whose user part libpq does not read as meant, because the password holds an unencoded
// '/' or '@': libpq ends the user part at the first '/' or '@', so "u:Pa5s/w0rd@h/db" reads as host
// "u", port "Pa5s" and dbname "w0rd@h/db", and "u:Pa@ss@h" as password "Pa" and host "ss@h". The
// password's pieces then sit in fields that are otherwise safe to show, so none is shown.
bool MisreadUri(std::string_view conninfo) {
  if (!conninfo.starts_with("postgresql://") && !conninfo.starts_with("postgres://")) return false;
  std::string_view rest = conninfo.substr(conninfo.find("://") + 3);
  rest = rest.substr(0, rest.find('?'));
  const size_t at = rest.find('@');
  if (at == std::string_view::npos) return false;
  return rest.find('@', at + 1) != std::string_view::npos || rest.find('/') < at;
}

// libpq takes a port list of digits only; anything else there is a misplaced piece of the string
// (such as a password whose '@host' part was left out).
bool PlausiblePort(std::string_view port) {
  return port.find_first_not_of("0123456789,") == std::string_view::npos;
}

std::string_view Value(const PQconninfoOption& option) {
  return option.val == nullptr ? std::string_view() : std::string_view(option.val);
}

// The non-empty values of `options`, by keyword.
std::map<std::string, std::string, std::less<>> Values(const PQconninfoOption* options) {
  std::map<std::string, std::string, std::less<>> values;
  for (const PQconninfoOption* o = options; o != nullptr && o->keyword != nullptr; ++o) {
    if (!Value(*o).empty()) values.emplace(o->keyword, Value(*o));
  }
  return values;
}

// A value for "key=value" output: quoted when libpq would need quotes; "?" for one that looks
// like a nested connection string (dbname may be one, and it could hold a password).
std::string Shown(std::string_view value) {
  if (value.find('=') != std::string_view::npos || value.find("://") != std::string_view::npos) {
    return "?";
  }
  if (value.find_first_of(" \t\n\r'\\") == std::string_view::npos) return std::string(value);
  std::string out = "'";
  for (char c : value) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

std::vector<std::string_view> SplitList(std::string_view list) {
  std::vector<std::string_view> items;
  if (list.empty()) return items;
  size_t begin = 0;
  while (true) {
    const size_t comma = list.find(',', begin);
    items.push_back(list.substr(begin, comma == std::string_view::npos ? comma : comma - begin));
    if (comma == std::string_view::npos) return items;
    begin = comma + 1;
  }
}

bool IsLoopbackAddress(const std::string& text) {
  in_addr v4{};
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (inet_pton(AF_INET6, text.c_str(), &v6) != 1) return false;
  if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;
  return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
}

// A host entry that never leaves this machine: a Unix socket (libpq's default when empty, else a
// directory path or an abstract "@name"), localhost, or a loopback address.
bool IsLocal(std::string_view host) {
  if (host.empty() || host.front() == '/' || host.front() == '@') return true;
  std::string lower(host);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "localhost" || lower == "localhost.") return true;
  if (lower.size() > 2 && lower.front() == '[' && lower.back() == ']') {
    lower = lower.substr(1, lower.size() - 2);
  }
  return IsLoopbackAddress(lower);
}

}  // namespace

bool ConninfoMisread(std::string_view conninfo) {
  if (MisreadUri(conninfo)) return true;
  const Options options = Parse(conninfo);
  const auto values = Values(options.get());
  auto port = values.find(std::string_view("port"));
  return port != values.end() && !PlausiblePort(port->second);
}

std::string RedactConninfo(std::string_view conninfo) {
  const Options options = Parse(conninfo);
  if (options == nullptr) return std::string(kUnparseable);
  if (ConninfoMisread(conninfo)) return std::string(kMisread);
  const auto values = Values(options.get());
  std::string out;
  // An allow-list: whatever else the string holds (password, sslpassword, ...) is never shown.
  for (const char* keyword : {"host", "hostaddr", "port", "dbname", "user"}) {
    auto it = values.find(std::string_view(keyword));
    if (it == values.end()) continue;
    if (!out.empty()) out += ' ';
    out += keyword;
    out += '=';
    out += Shown(it->second);
  }
  return out.empty() ? "libpq defaults" : out;
}

bool ConninfoHasPassword(std::string_view conninfo) {
  if (MisreadUri(conninfo)) return true;  // libpq reads no password, but one is there
  const Options options = Parse(conninfo);
  for (const auto& [keyword, value] : Values(options.get())) {
    if (keyword.ends_with("password")) return true;
  }
  return false;
}

std::optional<UnverifiedServer> UnverifiedRemoteHost(std::string_view hosts,
                                                     std::string_view hostaddrs,
                                                     std::string_view sslmode) {
  if (sslmode == "verify-full") return std::nullopt;
  const std::vector<std::string_view> names = SplitList(hosts);
  const std::vector<std::string_view> addrs = SplitList(hostaddrs);
  // libpq pairs the lists by position; the name, when given, is what verify-full would check.
  for (size_t i = 0; i < std::max(names.size(), addrs.size()); ++i) {
    std::string_view host = i < names.size() ? names[i] : std::string_view();
    if (host.empty() && i < addrs.size()) host = addrs[i];
    if (!IsLocal(host)) {
      return UnverifiedServer{std::string(host),
                              sslmode.empty() ? std::string("prefer") : std::string(sslmode)};
    }
  }
  return std::nullopt;
}

std::optional<UnverifiedServer> UnverifiedRemoteServer(const std::string& conninfo) {
  const Options options = Parse(conninfo);
  if (options == nullptr) return std::nullopt;
  const Options defaults(PQconndefaults());
  auto values = Values(options.get());
  for (const auto& [keyword, value] : Values(defaults.get())) values.emplace(keyword, value);
  auto get = [&values](std::string_view keyword) -> std::string_view {
    auto it = values.find(keyword);
    return it == values.end() ? std::string_view() : std::string_view(it->second);
  };
  return UnverifiedRemoteHost(get("host"), get("hostaddr"), get("sslmode"));
}

std::string UnverifiedServerWarning(const UnverifiedServer& server) {
  return "PostgreSQL host " + server.host + " is reached with sslmode=" + server.sslmode +
         ", which does not verify the server: an impostor on the path would receive the "
         "password and the data. Use sslmode=verify-full with sslrootcert=FILE (the server's CA) "
         "and channel_binding=require";
}

}  // namespace sqs2pg::pg
