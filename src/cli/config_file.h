// Config file (--config FILE or SQS2PG_CONFIG): settings as `key = value` lines (TOML, or INI
// without sections), keys named like the long flags without dashes (`queue-url` or `queue_url`).
//
// Contract:
//  - Precedence is flags > environment > file > defaults. CLI11 2.1 would let a file override
//    environment variables, so the file is not given to CLI11: ConfigFileArgs() turns each key
//    into a `--key=value` argument, leaving out keys whose flag is on the command line or whose
//    environment variable is set; main() puts those arguments before the subcommand and parses.
//  - Only the options registered on `app` itself (AddCommonOptions) may appear. An unknown key, a
//    section, a list value or an unreadable file is kInvalidArgument naming the file, the line and
//    the key (never the value: a file may hold a database URL with its password). A line that is
//    not `key = value` (a bare key: letters, digits, '-', '_', '.') is named by its number and at
//    most the text before its first '=', ':' or whitespace.
//  - EffectiveConfig() renders every option of `app` after parsing as TOML, each with where its
//    value came from, secrets redacted (the password in database-url; any option named like a key,
//    secret, token or password): the output is itself a valid config file.
//  - Thread-safety: plain functions, called at start-up.
#pragma once

#include <CLI/CLI.hpp>
#include <set>
#include <string>
#include <vector>

#include "aws/credentials.h"
#include "base/status.h"

namespace sqs2pg::cli {

// The config file named by `--config FILE`/`--config=FILE` in `args` (arguments without argv[0]),
// else by SQS2PG_CONFIG; "" if neither.
std::string ConfigFilePath(const std::vector<std::string>& args, const aws::EnvGetter& env);

// The `--key=value` arguments the file at `path` contributes (see above).
Result<std::vector<std::string>> ConfigFileArgs(const std::string& path, const CLI::App& app,
                                                const std::vector<std::string>& args,
                                                const aws::EnvGetter& env);

// `from_file`: the long names (e.g. "--queue-url") whose value came from the file.
std::string EffectiveConfig(const CLI::App& app, const std::set<std::string>& from_file,
                            const aws::EnvGetter& env);

}  // namespace sqs2pg::cli
