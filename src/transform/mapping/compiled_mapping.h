// CompiledMapping: a MappingSpec checked against the target table's catalog and turned into one
// small program per column, which RowTransformer runs for every message.
//
// Contract:
//  - CompileMapping() takes the parsed file (mapping_spec.h), the table as the catalog describes
//    it (TableShape, filled by the pg module) and the smallest mask the masking scheme makes. It
//    refuses (kInvalidArgument, naming the file, the line and the mapping key, never a value):
//      - a column the table does not have, a generated column, a GENERATED ALWAYS identity;
//      - a column of a type sqs2pg cannot write (supported: text, varchar(n), char(n), smallint,
//        integer, bigint, numeric[(p,s)], real, double precision, boolean, date, timestamp,
//        timestamptz, uuid, json, jsonb, inet);
//      - a source/transform that cannot produce the column's type (mask into an integer, json
//        without transform = "json" into a json/jsonb column, ...);
//      - a masked column too short for every possible mask (varchar(32) for hmac-sha256);
//      - a `value` constant that does not convert to its column's type;
//      - a NOT NULL column without a default (identity and generated columns have one) that the
//        mapping leaves out;
//      - a `flatten` separator longer than one character;
//      - upsert: `key` that is not exactly the column set of the primary key or of a unique index
//        (non-partial, plain columns).
//  - Paths: without `flatten`, a path's segments navigate objects and arrays (a numeric segment
//    indexes an array or names a key); with `flatten`, nested objects are flattened with the
//    separator (arrays stay values) and a path names a flattened field: "user.id" and "user_id"
//    both find {"user": {"id": 1}} with flatten = "_".
//  - The compiled columns keep the file's order: that is the COPY's column list.
//  - Thread-safety: the result is immutable; share it between writer threads.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "transform/convert/pg_type.h"
#include "transform/flatten.h"
#include "transform/mapping/mapping_spec.h"

namespace sqs2pg::transform::mapping {

// The separator of path mode (no `flatten`): a byte no sane key contains, so that a key holding
// dots (path = ["a.b", "c"]) stays one segment.
inline constexpr char kPathSeparator = '\x1f';

// One column of the target table, as the catalog describes it.
struct TableColumn {
  std::string name;
  std::string type_name;             // format_type(), for messages: "character varying(32)"
  std::optional<PgColumnType> type;  // nullopt: a type sqs2pg cannot write
  bool not_null = false;
  bool has_default = false;      // a DEFAULT, an identity or a generated column
  bool generated = false;        // GENERATED ALWAYS AS (...) STORED: never written
  bool identity_always = false;  // GENERATED ALWAYS AS IDENTITY: COPY may not write it
};

struct TableShape {
  std::string display_name;  // schema.name, for messages
  std::vector<TableColumn> columns;
  // The column sets of the primary key and of every non-partial unique index on plain columns.
  std::vector<std::vector<std::string>> unique_keys;

  const TableColumn* Find(std::string_view name) const;
};

enum class AttributeKind {
  kMessageId,
  kSentTimestamp,
  kReceiveCount,
  kSenderId,
  kSnsTopicArn,
  kSnsMessageId,
  kSnsTimestamp,
  kMessageAttribute,  // a message attribute by its name
};

struct CompiledColumn {
  std::string name;         // the table column
  std::string label;        // "purchase_id (path id)": a reject's detail, never a value
  std::string source_text;  // "path id", "attribute SentTimestamp", "value"
  SourceKind source = SourceKind::kPath;
  std::string lookup;  // kPath: the flattened name of the path
  AttributeKind attribute = AttributeKind::kMessageId;
  std::string attribute_name;  // kMessageAttribute
  std::string constant_field;  // kValue: the encoded COPY field, made once
  bool required = false;
  Transform transform = Transform::kNone;
  PgColumnType type;
  std::string type_name;
  size_t mask_domain = 0;  // kMask: index into CompiledMapping::mask_domains
};

struct CompiledMapping {
  Envelope envelope = Envelope::kAuto;
  encoding::BodyEncoding body_encoding = encoding::BodyEncoding::kAuto;
  UnknownFields unknown_fields = UnknownFields::kIgnore;
  Mode mode = Mode::kAppend;
  FlattenOptions flatten;  // the JSON front end's options (separator, arrays)
  bool flattened = false;  // `flatten` was given
  std::vector<CompiledColumn> columns;
  std::vector<std::string> mask_domains;  // in first-use order
  std::vector<std::string> key;
  std::optional<std::string> order_by;
  // Table columns the mapping leaves to their defaults (or NULL), in table order.
  std::vector<std::string> defaulted;
  // Warnings worth a log line at start-up (e.g. a NOT NULL column fed by an optional source).
  std::vector<std::string> warnings;
  bool needs_message_attributes = false;  // some column reads a message attribute
  bool needs_sender_id = false;
  // The top-level names that some column's path starts with (unknown_fields).
  std::vector<std::string> known_top_level;

  std::vector<std::string> ColumnNames() const;
};

Result<CompiledMapping> CompileMapping(const MappingSpec& spec, const TableShape& table,
                                       size_t min_mask_chars);

}  // namespace sqs2pg::transform::mapping
