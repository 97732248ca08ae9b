#include "transform/mapping/default_mapping.h"

#include <cstdio>
#include <cstdlib>

namespace sqs2pg::transform::mapping {
namespace {

// Keep the header's description of the columns in step with this text; default_mapping_test.cc
// checks every field of the parsed result.
constexpr std::string_view kDefaultMappingToml =
    R"toml(# sqs2pg mapping: the built-in login mapping (`sqs2pg mapping default` prints this file).
# Without --mapping, sqs2pg maps exactly this. To change it, save this output to a file, edit it
# and pass the file with --mapping FILE (or SQS2PG_MAPPING, or `mapping = "FILE"` in the config
# file). Everything about a column's type, length and default is read from the table at start-up.

# table = "user_logins"   # optional; --table and SQS2PG_TABLE win over it, and it wins over the
                          #   config file's table; without it, --table's default: user_logins
envelope = "auto"         # auto | none | sns | eventbridge: auto unwraps an SNS notification or an
                          #   EventBridge event and maps the event inside
body_encoding = "auto"    # auto | json | base64 | gzip+base64: auto takes a body starting with '{'
                          #   as JSON, and decodes anything else as base64 (then gunzips it when
                          #   it is gzip)
unknown_fields = "ignore" # ignore | reject | count: what to do with event fields no column uses
mode = "append"           # append | upsert (upsert also needs key = ["column", ...])
flatten = "_"             # nested objects also answer to their keys joined with "_":
                          #   {"user": {"id": "u1"}} fills path "user_id"

# One [[column]] per column of the table that the mapping fills. Columns left out get the table's
# DEFAULT. Each takes exactly one source: path (a dotted path into the event; "items.0.sku"
# indexes arrays; ["a.b", "c"] for keys with dots), attribute (MessageId, SentTimestamp,
# ApproximateReceiveCount, SenderId or a message attribute's name) or value (a constant).
# required = true rejects a message whose value is absent or null (missing_field).

[[column]]
name = "user_id"
path = "user_id"
required = true

[[column]]
name = "device_type"
path = "device_type"
required = true

[[column]]
name = "masked_ip"
path = "ip"
required = true
transform = "mask"        # keyed mask with the scheme in force (--mask): the raw ip is never stored
mask_domain = "ip"        # masks of one domain are comparable; keep "ip" to match existing rows

[[column]]
name = "masked_device_id"
path = "device_id"
required = true
transform = "mask"
mask_domain = "device_id"

[[column]]
name = "locale"
path = "locale"           # optional: absent or null stores NULL

[[column]]
name = "app_version"
path = "app_version"
required = true
transform = "semver_int"  # checks MAJOR[.MINOR[.PATCH]]; an integer column stores
                          #   MAJOR*1000000 + MINOR*1000 + PATCH, a text column the version as sent

[[column]]
name = "create_date"
attribute = "SentTimestamp"  # when SQS accepted the message (epoch milliseconds)
transform = "utc_date"       # its UTC date
)toml";

}  // namespace

std::string_view DefaultMappingToml() { return kDefaultMappingToml; }

const MappingSpec& DefaultMapping() {
  static const MappingSpec* const spec = [] {
    Result<MappingSpec> parsed = ParseMapping(kDefaultMappingToml, kDefaultMappingName);
    if (!parsed.ok()) {
      std::fprintf(stderr, "sqs2pg: the built-in mapping does not parse (a bug): %s\n",
                   parsed.status().message().c_str());
      std::abort();
    }
    return new MappingSpec(std::move(parsed).value());
  }();
  return *spec;
}

}  // namespace sqs2pg::transform::mapping
