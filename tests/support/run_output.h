// Reading what a sqs2pg process printed, for tests that run the binary: the figures of its
// end-of-run summary, how often a line occurs, and a failure message's worth of its tail.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace sqs2pg::testing {

// The figure on the summary line starting with `label` ("inserted", "duplicates skipped", ...) in
// the last summary of `output`; -1 if there is no such line.
int64_t SummaryValue(const std::string& output, const std::string& label);

// How many times `needle` occurs in `text` (overlapping occurrences count).
size_t Occurrences(const std::string& text, const std::string& needle);

// The end of a long log: enough to see the summary and the last errors on failure.
std::string Tail(const std::string& output, size_t chars = 6000);

}  // namespace sqs2pg::testing
