// Error hints: what a user should check, for the SQS and database failures that end a run or
// fail `sqs2pg check`. The hint is appended to the error's own text; it names flags and
// permissions, never values from the environment.
//
// Thread-safety: pure function.
#pragma once

#include <string>

#include "base/status.h"

namespace sqs2pg::cli {

// status.ToString(), followed by " (hint: ...)" when the failure is a well-known one.
std::string DescribeWithHint(const Status& status);

}  // namespace sqs2pg::cli
