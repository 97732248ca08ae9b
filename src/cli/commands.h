// The subcommands of the sqs2pg binary. Each returns the process exit code:
//   0  the work completed (rejected messages are an outcome, not a failure)
//   1  a runtime failure (a service unreachable past its deadline, a missing queue, ...)
//   2  bad usage or configuration (no mask key, a malformed flag value, ...)
// Each prints its own diagnostics to stderr; none prints personal data or secrets.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "cli/settings.h"
#include "transform/mask_scheme.h"

namespace sqs2pg::cli {

// drain (stop_when_empty) or run (until SIGINT/SIGTERM).
int ConsumeCommand(const Settings& settings, bool stop_when_empty);

// Checks configuration, credentials, queue, database, schema and the mask key, one line each.
int CheckCommand(const Settings& settings);

// The scheme --mask / SQS2PG_MASK names. The option parser admits only hmac-sha256 and aes-siv,
// so after parsing this cannot fail; any other text aborts (a programming error).
transform::MaskScheme MaskSchemeSetting(const Settings& settings);

// The mask domain `mask` and `unmask` work in: --field ip|device_id (the login fields, which are
// the domains "ip" and "device_id") or --domain D (any domain, e.g. a mapping column's
// mask_domain); exactly one of the two. Unset means the flag was not given.
struct MaskDomainArgs {
  std::optional<std::string> field;
  std::optional<std::string> domain;
};

// The domain `args` name, or kInvalidArgument (exit 2) if both or neither flag is given, --field
// is not ip or device_id, or --domain is empty or holds control characters (no mapping can name
// such a domain).
Result<std::string> ResolveMaskDomain(const MaskDomainArgs& args);

// Prints the mask of each value in the domain under the --mask scheme, one per line. A bad
// --field/--domain or no key: exit 2.
int MaskCommand(const Settings& settings, const MaskDomainArgs& domain,
                const std::vector<std::string>& values);

// Prints the original of each aes-siv mask of the domain, one per line in the order given (each
// value exactly as it was masked, followed by a newline). Each mask is decrypted with the key its
// key id names, among the current key and the older ones (--mask-key given more than once).
// All-or-nothing: every mask is decrypted before anything is printed, and if any fails (a mask
// made with a key that is not configured, an altered mask, one
// of another domain, an hmac-sha256 mask, which is one-way, or not a mask at all) nothing goes to
// stdout, stderr names the failing masks by position (never by content) and the exit code is 1.
// A bad --field/--domain or no key: exit 2.
int UnmaskCommand(const Settings& settings, const MaskDomainArgs& domain,
                  const std::vector<std::string>& masks);

// `sqs2pg remask --column C [--column ...]` (--table, --mapping as for drain): rewrites, in place,
// the aes-siv masks of the columns that an older key made (the second and later --mask-key) to the
// current key (the first), in batches of --batch-size rows, each its own committed transaction
// (pg/remask.h): resumable, and a run after a complete one changes nothing. Each column's mask
// domain comes from the mapping. Needs no raw value. Prints a summary line to stdout. Exit 0 when
// every selected mask was rewritten; 1 when some could not be (left as they were), on a database
// error, a key service's failure, or SIGINT/SIGTERM (between transactions); 2 for bad usage: one
// key only, a column the mapping does not mask, hmac-sha256 masks (one-way: refused with what to
// do instead).
int RemaskCommand(const Settings& settings, const std::vector<std::string>& columns);

// `sqs2pg mapping default`: prints the built-in login mapping as a mapping file (with comments) to
// stdout and returns 0. Needs no key, queue or database, and reads no settings.
int MappingDefaultCommand();

struct ProduceOptions {
  uint64_t count = 1000;
  std::string from_file;  // one message body per line; overrides count
  double malformed_share = 0.0;
  uint64_t seed = 1;
  int concurrency = 8;
};
int ProduceCommand(const Settings& settings, const ProduceOptions& options);

}  // namespace sqs2pg::cli
