// The subcommands of the sqs2pg binary. Each returns the process exit code:
//   0  the work completed (rejected messages are an outcome, not a failure)
//   1  a runtime failure (a service unreachable past its deadline, a missing queue, ...)
//   2  bad usage or configuration (no mask key, a malformed flag value, ...)
// Each prints its own diagnostics to stderr; none prints personal data or secrets.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

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

// Prints the mask of each value under the --mask scheme, one per line.
int MaskCommand(const Settings& settings, const std::string& field,
                const std::vector<std::string>& values);

// Prints the original of each aes-siv mask, one per line in the order given (each value exactly
// as it was masked, followed by a newline). All-or-nothing: every mask is decrypted before
// anything is printed, and if any fails (a mask made with another key, an altered mask, one of
// another field, an hmac-sha256 mask, which is one-way, or not a mask at all) nothing goes to
// stdout, stderr names the failing masks by position (never by content) and the exit code is 1.
// A bad --field or no key: exit 2.
int UnmaskCommand(const Settings& settings, const std::string& field,
                  const std::vector<std::string>& masks);

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
