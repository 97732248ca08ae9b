// Reference pages generated from the binary itself, so that docs/ cannot drift from it:
//  - FlagReference: every flag of `app` (the global ones, then each subcommand's own, nested
//    subcommands included) as Markdown tables: flag, environment variable, default, meaning.
//    Printed by `sqs2pg config --reference`; docs/configuration.md holds a copy between
//    "<!-- BEGIN GENERATED ... -->" markers that scripts/docs-gen.sh refreshes and the docs_check
//    test compares.
//  - MetricsReference: every metric the /metrics endpoint exports, as a Markdown table (name,
//    type, meaning), read from the HELP and TYPE lines of a fresh registry's rendering (a metric
//    is listed even before it has a sample). Printed by `sqs2pg config --metrics-reference`;
//    docs/operations.md holds the copy.
//
// Contract: pure functions of their input; thread-compatible. Cells have '|' escaped and no line
// breaks, so each table row is one line. The output ends with a newline.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace sqs2pg::cli {

std::string FlagReference(const CLI::App& app);
std::string MetricsReference();

}  // namespace sqs2pg::cli
