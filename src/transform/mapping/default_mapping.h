// The built-in login mapping: what sqs2pg does without `--mapping`, written as a mapping file.
//
// Contract:
//  - DefaultMappingToml() is the text `sqs2pg mapping default` prints: a complete mapping file with
//    comments, for a user to copy and edit. Loading it with `--mapping` gives the same mapping as
//    no file at all (the login events of the assignment into user_logins).
//  - It sets no `table` (the line is commented out), so --table, SQS2PG_TABLE and the config file's
//    table keep choosing the table as they do without a mapping.
//  - Columns, in order: user_id (path user_id, required), device_type (path device_type,
//    required), masked_ip (path ip, required, mask, domain "ip"), masked_device_id (path
//    device_id, required, mask, domain "device_id"), locale (path locale), app_version (path
//    app_version, required, semver_int), create_date (attribute SentTimestamp, utc_date).
//    envelope and body_encoding "auto", unknown_fields "ignore", mode "append", flatten "_"
//    (today's flattening: {"user": {"id": 1}} also answers to user_id).
//  - DefaultMapping() parses that text once (thread-safe static initialisation) and returns it;
//    the text is part of the program, so a parse failure is a bug and aborts.
//  - Thread-safety: both may be called from any thread.
#pragma once

#include <string_view>

#include "transform/mapping/mapping_spec.h"

namespace sqs2pg::transform::mapping {

// The file name DefaultMapping() reports in its lines ("built-in login mapping:12").
inline constexpr std::string_view kDefaultMappingName = "built-in login mapping";

std::string_view DefaultMappingToml();
const MappingSpec& DefaultMapping();

}  // namespace sqs2pg::transform::mapping
