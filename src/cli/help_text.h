// The help texts that frame `sqs2pg --help` and each subcommand's help: what the tool does (first
// line), where the documentation is (last line), and one example per subcommand.
//
// Contract: AddHelpText(app) names `app` sqs2pg and sets its description and footer, and a
// footer with an example on every subcommand it knows by its path ("mapping default"). Call
// after every subcommand is added; not thread-safe (CLI11 setup). tests/docs/check_docs.sh runs
// every subcommand's --help and fails on one without an example.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace sqs2pg::cli {

void AddHelpText(CLI::App& app);

}  // namespace sqs2pg::cli
