// What may be said about a PostgreSQL connection string: for messages, the `config` and `check`
// output and start-up warnings.
//
// Contract:
//  - Input is what Connection::Open accepts: a URI ("postgresql://...") or a key=value string.
//    Parsing is libpq's own (PQconninfoParse), so a string is read exactly as a connection would
//    read it; no hand-written grammar can disagree with libpq about where a password ends.
//  - Nothing returned ever holds a password: the connection string is never echoed, not even
//    redacted, and no keyword ending in "password" (password, sslpassword) is ever shown. libpq's
//    own parse error text is discarded (it may quote the string).
//  - Errors are not values here: an unparseable string yields a placeholder description, no
//    password and no warning (Connection::Open reports it as kInvalidArgument).
//  - Thread-safety: plain functions over libpq's thread-safe parser; UnverifiedRemoteServer() also
//    reads the PG* environment variables (via PQconndefaults), as libpq does when connecting.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sqs2pg::pg {

// Host, hostaddr, port, dbname and user of `conninfo` as "host=db port=5432 dbname=x user=app"
// (only those given), "libpq defaults" when none is given, "<unparseable connection string>" when
// libpq cannot parse it. A value that itself looks like a connection string is shown as "?". A
// URI that libpq misreads (a password with an unencoded '/' or '@' spills into host, port or
// dbname) or a non-numeric port yields a placeholder that says so.
std::string RedactConninfo(std::string_view conninfo);

// True when libpq would read `conninfo` otherwise than meant, with pieces of a password in fields
// that are shown in messages (libpq's own errors quote a bad port or an unknown host name): a URI
// whose user part holds an unencoded '/' or '@' (libpq ends it at the first of either, so
// "u:Pa5s/w0rd@h/db" reads as host "u", port "Pa5s", dbname "w0rd@h/db"), or a non-numeric port.
// Such a string cannot connect as meant; callers refuse it before connecting. A URI's dbname with
// a literal '@' counts too: percent-encoding it (%40) means the same to libpq.
bool ConninfoMisread(std::string_view conninfo);

// True when `conninfo` sets a keyword ending in "password" (a URI's user:password@ included) to a
// non-empty value, or is a URI that libpq misreads (see above), which holds one all the same.
bool ConninfoHasPassword(std::string_view conninfo);

// A server that gets the password (or the data) without its identity being checked: a host that
// is not this machine, reached with an sslmode weaker than verify-full.
struct UnverifiedServer {
  std::string host;     // the first such host (name, or hostaddr when no name is given)
  std::string sslmode;  // the effective sslmode ("prefer" when nothing sets one)
};

// The decision itself. `hosts` and `hostaddrs` are libpq's comma-separated lists (either may be
// empty); `sslmode` empty means libpq's default, prefer. Local means a Unix socket (no host, or a
// path), "localhost", or a loopback address (127.0.0.0/8, ::1).
std::optional<UnverifiedServer> UnverifiedRemoteHost(std::string_view hosts,
                                                     std::string_view hostaddrs,
                                                     std::string_view sslmode);

// UnverifiedRemoteHost() over `conninfo`, with what it leaves out taken from libpq's defaults
// (PGHOST, PGHOSTADDR, PGSSLMODE, ...). Empty `conninfo`: the defaults alone.
std::optional<UnverifiedServer> UnverifiedRemoteServer(const std::string& conninfo);

// The warning for `server`: names the host and the sslmode, and what to use instead.
std::string UnverifiedServerWarning(const UnverifiedServer& server);

}  // namespace sqs2pg::pg
