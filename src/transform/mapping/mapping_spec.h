// MappingSpec: a mapping file (TOML, `--mapping FILE`) parsed and checked as far as it can be
// without the database. It mirrors the file exactly (docs: issue 14, "The mapping file"); compiling
// it against the table's catalog (column types, NOT NULL columns left out, mask widths, unique
// indexes for `key`) is a later step that reads this struct.
//
// Contract:
//  - ParseMapping() accepts exactly the documented keys. Top level: table, envelope, body_encoding,
//    unknown_fields, mode, flatten, key, order_by and the [[column]] array of tables. Column: name,
//    path, attribute, value, required, transform, mask_domain. Every top-level key is optional
//    (defaults below); at least one [[column]] is required.
//  - Refused (kInvalidArgument): TOML syntax errors; unknown keys at either level (a typo must not
//    pass silently); a value of the wrong TOML type; an enum word outside its set; no [[column]];
//    a column without a name, or with zero or several of path/attribute/value; two columns of one
//    name; an empty path or path segment; an empty table, flatten, attribute or mask_domain, or one
//    with control characters; mask_domain without transform = "mask"; transform = "mask" on a
//    `value` source; key or order_by without mode = "upsert"; mode = "upsert" without a non-empty
//    key; a key listed twice; key or order_by naming a column the mapping does not have.
//  - Errors say where and what was expected: `mapping.toml:17: column "x": transform: expected one
//    of none, mask, ...`. They name the file, the line, the key and the column, and never echo a
//    value from the file (a user may have pasted a secret by mistake); enum words are the set's,
//    not the file's. A column is named by its name only if that looks like an identifier (see
//    ColumnLabel), a key only if it is a bare TOML key; otherwise by position. TOML syntax errors
//    keep toml++'s description with anything quoted from the file left out.
//  - Lines are 1-based, as toml++ reports them (source().begin.line) and editors show them.
//  - toml++ throws on syntax errors; the exception is caught here, nothing escapes but
//    std::bad_alloc.
//  - Thread-safety: plain functions and values.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "transform/encoding/body_codec.h"

namespace sqs2pg::transform::mapping {

using encoding::BodyEncoding;

enum class Envelope { kAuto, kNone, kSns, kEventBridge };
enum class UnknownFields { kIgnore, kReject, kCount };
enum class Mode { kAppend, kUpsert };
enum class Transform { kNone, kMask, kSemverInt, kUtcDate, kTimestamp, kTimestampMs, kJson };
enum class SourceKind { kPath, kAttribute, kValue };

// The words of the file: "auto", "none", "sns", "eventbridge"; "ignore", "reject", "count";
// "append", "upsert"; "none", "mask", "semver_int", "utc_date", "timestamp", "timestamp_ms",
// "json"; "path", "attribute", "value".
std::string_view EnvelopeName(Envelope e);
std::string_view UnknownFieldsName(UnknownFields u);
std::string_view ModeName(Mode m);
std::string_view TransformName(Transform t);
std::string_view SourceKindName(SourceKind s);

// A `value = ...` constant: its TOML kind and its text. The text of a string is the string; of an
// integer its decimal form ("-42"); of a float the shortest form that reads back the same double
// ("0.1", "1e+300"), or "NaN", "Infinity", "-Infinity" (PostgreSQL's spellings); of a boolean
// "true" or "false".
struct Constant {
  enum class Kind { kString, kInteger, kFloat, kBoolean };
  Kind kind = Kind::kString;
  std::string text;
};

struct ColumnSpec {
  std::string name;
  SourceKind source = SourceKind::kPath;
  // kPath: the segments ("items.0.sku" -> items, 0, sku; an array is taken one element per
  // segment, literally), and the path as written (the dotted string, or for an array its elements
  // joined with '.'), which is the default mask domain.
  std::vector<std::string> path;
  std::string path_text;
  std::string attribute;  // kAttribute: "SentTimestamp", "sns.TopicArn", a message attribute...
  Constant value;         // kValue
  bool required = false;
  Transform transform = Transform::kNone;
  std::optional<std::string> mask_domain;  // as given; see MaskDomain() for the one in force

  int line = 0;  // the line of the column's [[column]] header
  // The line of each key given in this column ("name", "path", ...).
  std::map<std::string, int, std::less<>> key_lines;

  // The line of `key` if it was given, else the column's header line.
  int LineOf(std::string_view key) const;
  // mask_domain if given; else the path as written for a path, the attribute's name for an
  // attribute (a value is never masked).
  std::string_view MaskDomain() const;
};

struct MappingSpec {
  std::string file_name;  // as given to ParseMapping, for messages
  std::optional<std::string> table;
  Envelope envelope = Envelope::kAuto;
  BodyEncoding body_encoding = BodyEncoding::kAuto;
  UnknownFields unknown_fields = UnknownFields::kIgnore;
  Mode mode = Mode::kAppend;
  std::optional<std::string> flatten;   // the separator that joins nested keys, e.g. "_"
  std::vector<std::string> key;         // upsert: column names
  std::optional<std::string> order_by;  // upsert: a column name
  std::vector<ColumnSpec> columns;      // in file order

  // The line of each top-level key given ("table", "mode", ..., "column" for the first
  // [[column]]).
  std::map<std::string, int, std::less<>> key_lines;

  // The line of top-level `key`, or 0 when it was not given.
  int LineOf(std::string_view key) const;
  // "mapping.toml:17": for messages of later checks (the catalog's).
  std::string Where(int line) const;
  // The column named `name`, or nullptr.
  const ColumnSpec* FindColumn(std::string_view name) const;
};

// How a column is named in messages: `column "user_id"` when the name is at most 63 bytes of
// printable characters without quotes or backslashes (UTF-8 letters allowed), else `column 3` (its
// 1-based position).
std::string ColumnLabel(const ColumnSpec& column, size_t index);

// Parses `toml_text`; `file_name` only names the file in messages. Errors: kInvalidArgument.
Result<MappingSpec> ParseMapping(std::string_view toml_text, std::string_view file_name);

// Reads and parses the file at `path` (at most 1 MiB). Errors: kInvalidArgument, also for a file
// that cannot be read (the message names the path and the OS's reason).
Result<MappingSpec> LoadMappingFile(const std::string& path);

}  // namespace sqs2pg::transform::mapping
