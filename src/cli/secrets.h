// Keeping secrets out of places that other processes, or a crash, can read: the environment, core
// dumps, the command line.
//
// Contract:
//  - TakeEnvironmentSecret(name) returns the variable's value (std::nullopt when unset or empty)
//    and removes it from the environment. unsetenv() alone only edits the environ array: the
//    original "NAME=value" bytes stay in the block that the kernel shows as /proc/PID/environ
//    (to the same user, root, and a core dump). So the entry is also overwritten with zeros when
//    it lies in that block; an entry set later by setenv() lives elsewhere and is only unset.
//    Not thread-safe (the environment never is): call it at start-up, before threads start.
//  - ReadSecretFile(path) reads a whole file into a string that it allocates once (no copies left
//    in stream buffers) and wipes its scratch; kFailedPrecondition when it cannot be read (the
//    message names the path, never contents).
//  - DisableCoreDumps() sets PR_SET_DUMPABLE to 0 for the commands that load the masking key: no
//    core dump holds the key, and other processes of the same user can no longer ptrace the
//    process or read its /proc/PID/mem or environ. kInternal if the kernel refuses.
//  - PasswordOnCommandLine(args) is true when a --database-url argument among `args` (arguments
//    without argv[0], as typed, before any config file) carries a password: it is then readable
//    by every local user in /proc/PID/cmdline and `ps`. CommandLinePasswordWarning() says so and
//    what to use instead; it never quotes the argument.
//  - Callers own the returned secrets and should OPENSSL_cleanse them once used.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/status.h"

namespace sqs2pg::cli {

std::optional<std::string> TakeEnvironmentSecret(const char* name);

Result<std::string> ReadSecretFile(const std::string& path);

Status DisableCoreDumps();

bool PasswordOnCommandLine(const std::vector<std::string>& args);
std::string CommandLinePasswordWarning();

}  // namespace sqs2pg::cli
