// MappedTarget: the mapping in force compiled against the table it loads, as drain, run and check
// need it at start-up.
//
// Contract:
//  - The mapping is the --mapping file or the built-in login mapping (LoadMapping); the table is
//    --table/SQS2PG_TABLE when given explicitly, else the mapping's `table`, else the config
//    file's table or user_logins.
//  - PrepareMappedTarget() reads the table from the catalog through `conn` (pg/schema.h) and
//    compiles the mapping against it for the masking `scheme` (the shortest mask it makes bounds
//    the masked columns).
//  - Errors: a mapping file that does not parse or does not fit the table is kInvalidArgument
//    (callers exit 2); the table missing, not a table or not writable, and database errors keep
//    their codes (callers exit 1). Messages name the file, line and key, never a value.
//  - Thread-safety: start-up only.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "cli/settings.h"
#include "pg/connection.h"
#include "pg/schema.h"
#include "pg/sink.h"
#include "transform/mapping/compiled_mapping.h"
#include "transform/mask_scheme.h"

namespace sqs2pg::cli {

struct MappedTarget {
  transform::mapping::MappingSpec spec;
  std::string table;  // the name chosen (see above), as given
  pg::TargetTable target;
  std::shared_ptr<const transform::mapping::CompiledMapping> mapping;

  // The sink's view of the mapping.
  pg::RowLayout Layout() const;
};

// The table name in force for `spec` (see above).
std::string ChooseTable(const Settings& settings, const transform::mapping::MappingSpec& spec);

// The smallest mask `scheme` makes (hmac-sha256: 64 characters).
size_t MinMaskChars(transform::MaskScheme scheme);

// One line per mapped column ("masked_ip  <- path ip, mask (domain ip), required  character
// varying(256)") and one for the columns left to their defaults, for `sqs2pg check`.
std::vector<std::string> DescribeMapping(const transform::mapping::CompiledMapping& mapping);

Result<MappedTarget> PrepareMappedTarget(const Settings& settings, pg::Connection& conn,
                                         transform::MaskScheme scheme);

}  // namespace sqs2pg::cli
