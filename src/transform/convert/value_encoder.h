// Value encoders: one JSON value (as the JSON parser hands it over), an instant, a finished text
// or an integer -> one field of "COPY ... FROM STDIN (FORMAT binary)" for a column of a given
// PostgreSQL type, exactly, or a ConvertError saying why not (issue 14, "Conversions with
// transform = none"). The mapping compiles a column's PgColumnType once and calls these per
// message.
//
// Contract:
//  - Each Append* appends exactly one field (int32 length, then the type's binary form, all
//    big-endian) to *out and returns kNone, or appends nothing and returns the error. *out is
//    only appended to (a tuple's earlier fields stay). No allocation once *out has grown.
//  - No value ever appears in an error: a ConvertError is a code. The caller names the column.
//  - AppendValue(col, kind, text): text is the unescaped string for JsonKind::kString and the raw
//    JSON token for kNumber/kBool (already in JSON grammar; trailing JSON whitespace is ignored).
//      * text, varchar, char(n): a string only (else kWrongType); U+0000 is kNulCharacter; more
//        than max_chars code points is kTooLong. char(n) is not padded here: the server pads.
//        Values longer than n are refused even when the excess is spaces (which the server would
//        silently cut): nothing is ever cut.
//      * smallint, integer, bigint: a number, or a string holding a number in JSON's grammar
//        (" 12", "+12", "0x1f", "12abc" are kInvalidValue). An integral value in any notation is
//        exact (12, 12.0, 1.2e1, -0); a nonzero fraction (12.5) or a value beyond the width is
//        kOutOfRange.
//      * numeric[(p,s)]: the same sources, exact from the decimal text (AppendNumericField).
//      * real, double precision: the same sources, the nearest float (JsonNumberToFloat4/8):
//        overflow and underflow to zero are kOutOfRange; "NaN"/"Infinity" strings are not JSON
//        numbers: kInvalidValue.
//      * boolean: JSON true/false only; a string "true" is kWrongType.
//      * date: a string "YYYY-MM-DD" (ParseIsoDate), else kInvalidValue.
//      * timestamp, timestamptz: a string in ISO 8601 (ParseIso8601Micros), then AppendInstant.
//      * uuid: a string in the canonical 8-4-4-4-12 hex form, either case; no braces, no
//        missing hyphens (kInvalidValue).
//      * inet: a string holding an IPv4 (dotted quad) or IPv6 address (inet_pton), optionally
//        "/bits" (decimal, no leading zeros, at most 32 or 128); no zone ids. Stored as inet
//        (is_cidr 0, host bits kept).
//      * json, jsonb: kWrongType: these need transform = "json" (AppendJson).
//      * Objects and arrays are kWrongType everywhere. kNull is the caller's to handle (SQL NULL
//        or missing_field): passing it is a programming error (kWrongType in release builds).
//  - AppendJson(col, raw_json): raw_json must be valid JSON text (the caller's parser checked it);
//    surrounding JSON whitespace is dropped. Into json: the text. Into jsonb: version byte 1 and
//    the text, after checking what the server's jsonb input would refuse and so fail the whole
//    COPY: a \u0000 escape (kNulCharacter), a lone UTF-16 surrogate escape (kInvalidValue), a
//    number beyond numeric's range (kOutOfRange). Into text/varchar/char: the text, with the NUL
//    and length checks. Anything else: kWrongType.
//  - AppendInstant(col, unix_micros, date_only): into timestamptz or timestamp (the UTC wall
//    clock: timestamp stores the instant's UTC time), date (the UTC date, floored), or
//    text/varchar/char as "YYYY-MM-DDTHH:MM:SS.ffffffZ" ("YYYY-MM-DD" when date_only; years
//    outside 0001-9999 are kOutOfRange there). date_only into a timestamp stores the UTC
//    midnight of the date. Outside PostgreSQL's timestamp range (before 4714-11-24 BC):
//    kOutOfRange. Anything else: kWrongType.
//  - AppendText(col, utf8): already-made text (masks, original semver strings) into
//    text/varchar/char, with the NUL and length checks; other types kWrongType. utf8 must be
//    valid UTF-8 (the server refuses the COPY otherwise); length counts code points, as
//    varchar(n) does, so a non-BMP character counts one.
//  - AppendInt(col, value): into smallint/integer/bigint (kOutOfRange beyond the width), numeric
//    (with the numeric(p,s) checks), real/double precision (kOutOfRange unless exactly
//    representable: 16777217 does not fit a real), or text/varchar/char as decimal digits (with
//    the length check). Anything else: kWrongType.
//  - AppendNull(out): the NULL field (length -1).
//  - Pure functions: thread-safe on distinct buffers.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "transform/convert/pg_type.h"

namespace sqs2pg::transform {

ConvertError AppendValue(const PgColumnType& col, JsonKind kind, std::string_view text,
                         std::string* out);
ConvertError AppendJson(const PgColumnType& col, std::string_view raw_json, std::string* out);
ConvertError AppendInstant(const PgColumnType& col, int64_t unix_micros, bool date_only,
                           std::string* out);
ConvertError AppendText(const PgColumnType& col, std::string_view utf8, std::string* out);
ConvertError AppendInt(const PgColumnType& col, int64_t value, std::string* out);
void AppendNull(std::string* out);

// Unicode code points in valid UTF-8 (bytes that do not continue a sequence).
size_t Utf8CodePoints(std::string_view utf8);

}  // namespace sqs2pg::transform
