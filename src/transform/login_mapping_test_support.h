// Helpers shared by the tests, the fuzz target and the bench of the built-in login mapping through
// RowTransformer: the assignment's user_logins table as the catalog describes it (and variants),
// the built-in mapping compiled against it, a transformer with the test key, and a reader for the
// binary COPY fields it writes. Test-only; header-only.
//
// Contract:
//  - UserLoginsShape() is what pg::DescribeTarget reports for
//      user_logins(user_id varchar(128), device_type varchar(32), masked_ip varchar(256),
//                  masked_device_id varchar(256), locale varchar(32), app_version integer,
//                  create_date date)
//    (types through PgColumnTypeFromCatalog, no NOT NULL, no defaults, no unique keys);
//    LoginTableOptions changes the widths (-1: text) and the app_version type.
//  - CompileLoginMapping() compiles DefaultMapping() against a shape with the scheme's smallest
//    mask, as sqs2pg does at start-up; it aborts with the (value-free) message if the mapping does
//    not fit, since every caller passes a shape that must fit. Tests of refusals call
//    mapping::CompileMapping themselves.
//  - LoginTransformer() is a RowTransformer over such a mapping, masking with `key`
//    (KeyBytes0To31() unless given) in the mapping's mask domains.
//  - SplitFields() cuts RowTransformer's output into its fields (nullopt for SQL NULL), or returns
//    nullopt if the bytes are not a well-formed sequence of fields; the Field* readers decode the
//    binary forms the tests compare (big-endian, PostgreSQL's 2000-01-01 epoch).
//  - Thread-safety: plain functions; the returned transformers are not thread-safe (as any
//    RowTransformer).
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "transform/aes_siv_masker.h"
#include "transform/convert/pg_type.h"
#include "transform/convert/time_parse.h"
#include "transform/mapping/compiled_mapping.h"
#include "transform/mapping/default_mapping.h"
#include "transform/masker.h"
#include "transform/masker_test_support.h"
#include "transform/row_transformer.h"

namespace sqs2pg::transform {

// PostgreSQL stores varchar(n)'s n in atttypmod offset by VARHDRSZ.
inline constexpr int32_t VarcharTypmod(int n) { return n + 4; }

// One column as the catalog reports it: pg_type.typname, atttypmod and format_type()'s spelling.
inline mapping::TableColumn CatalogColumn(std::string name, std::string_view typname,
                                          int32_t typmod, std::string type_name,
                                          bool not_null = false, bool has_default = false) {
  mapping::TableColumn c;
  c.name = std::move(name);
  c.type = PgColumnTypeFromCatalog(typname, typmod);
  c.type_name = std::move(type_name);
  c.not_null = not_null;
  c.has_default = has_default;
  return c;
}

// varchar(n), or text for n < 0.
inline mapping::TableColumn TextColumn(std::string name, int chars) {
  if (chars < 0) return CatalogColumn(std::move(name), "text", -1, "text");
  return CatalogColumn(std::move(name), "varchar", VarcharTypmod(chars),
                       "character varying(" + std::to_string(chars) + ")");
}

// The column widths of user_logins; -1 makes a column text.
struct LoginTableOptions {
  int user_id_chars = 128;
  int device_type_chars = 32;
  int masked_ip_chars = 256;
  int masked_device_id_chars = 256;
  int locale_chars = 32;
  bool text_app_version = false;  // app_version varchar(app_version_chars) instead of integer
  int app_version_chars = -1;
};

inline mapping::TableShape UserLoginsShape(const LoginTableOptions& o = {}) {
  mapping::TableShape shape;
  shape.display_name = "public.user_logins";
  shape.columns.push_back(TextColumn("user_id", o.user_id_chars));
  shape.columns.push_back(TextColumn("device_type", o.device_type_chars));
  shape.columns.push_back(TextColumn("masked_ip", o.masked_ip_chars));
  shape.columns.push_back(TextColumn("masked_device_id", o.masked_device_id_chars));
  shape.columns.push_back(TextColumn("locale", o.locale_chars));
  if (o.text_app_version) {
    shape.columns.push_back(TextColumn("app_version", o.app_version_chars));
  } else {
    shape.columns.push_back(CatalogColumn("app_version", "int4", -1, "integer"));
  }
  shape.columns.push_back(CatalogColumn("create_date", "date", -1, "date"));
  return shape;
}

// The shortest mask of a scheme, as sqs2pg passes it to CompileMapping.
inline size_t MinMaskChars(MaskScheme scheme) {
  return scheme == MaskScheme::kHmacSha256 ? kMaskedHexChars : AesSivMasker::MinMaskedSize();
}

inline std::shared_ptr<const mapping::CompiledMapping> CompileLoginMapping(
    const mapping::TableShape& shape = UserLoginsShape(),
    MaskScheme scheme = MaskScheme::kHmacSha256) {
  Result<mapping::CompiledMapping> compiled =
      mapping::CompileMapping(mapping::DefaultMapping(), shape, MinMaskChars(scheme));
  if (!compiled.ok()) {
    std::fprintf(stderr, "the login mapping does not fit the test table: %s\n",
                 compiled.status().ToString().c_str());
    std::abort();
  }
  return std::make_shared<const mapping::CompiledMapping>(std::move(compiled).value());
}

// A transformer for any compiled mapping, masking in its domains.
inline RowTransformer MappedTransformer(std::shared_ptr<const mapping::CompiledMapping> mapping,
                                        MaskScheme scheme = MaskScheme::kHmacSha256,
                                        std::string_view key = {}) {
  const std::string test_key = key.empty() ? KeyBytes0To31() : std::string(key);
  Masker masker(scheme, test_key, mapping->mask_domains);
  return RowTransformer(std::move(mapping), std::move(masker));
}

inline RowTransformer LoginTransformer(const mapping::TableShape& shape = UserLoginsShape(),
                                       MaskScheme scheme = MaskScheme::kHmacSha256,
                                       std::string_view key = {}) {
  return MappedTransformer(CompileLoginMapping(shape, scheme), scheme, key);
}

// The columns of the login mapping, in COPY order.
enum LoginColumn : size_t {
  kUserId,
  kDeviceType,
  kMaskedIp,
  kMaskedDeviceId,
  kLocale,
  kAppVersion,
  kCreateDate,
  kLoginColumnCount,
};

using Fields = std::vector<std::optional<std::string>>;

inline uint32_t ReadBigEndian32(std::string_view b) {
  uint32_t v = 0;
  for (size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(b[i]);
  return v;
}

inline uint64_t ReadBigEndian64(std::string_view b) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(b[i]);
  return v;
}

// Each field is an int32 length (-1: NULL) and that many bytes.
inline std::optional<Fields> SplitFields(std::string_view bytes) {
  Fields out;
  while (!bytes.empty()) {
    if (bytes.size() < 4) return std::nullopt;
    const int32_t length = static_cast<int32_t>(ReadBigEndian32(bytes));
    bytes.remove_prefix(4);
    if (length == -1) {
      out.emplace_back(std::nullopt);
      continue;
    }
    if (length < 0 || static_cast<size_t>(length) > bytes.size()) return std::nullopt;
    out.emplace_back(std::string(bytes.substr(0, static_cast<size_t>(length))));
    bytes.remove_prefix(static_cast<size_t>(length));
  }
  return out;
}

// int4 and date are 4 big-endian bytes; a date counts days from 2000-01-01.
inline std::optional<int32_t> FieldInt32(const std::optional<std::string>& field) {
  if (!field || field->size() != 4) return std::nullopt;
  return static_cast<int32_t>(ReadBigEndian32(*field));
}

inline std::optional<int64_t> FieldInt64(const std::optional<std::string>& field) {
  if (!field || field->size() != 8) return std::nullopt;
  return static_cast<int64_t>(ReadBigEndian64(*field));
}

// A date field as days since 1970-01-01.
inline std::optional<int32_t> FieldUnixDays(const std::optional<std::string>& field) {
  std::optional<int32_t> days = FieldInt32(field);
  if (!days) return std::nullopt;
  return *days + kPostgresEpochUnixDays;
}

// A timestamp/timestamptz field as Unix microseconds.
inline std::optional<int64_t> FieldUnixMicros(const std::optional<std::string>& field) {
  std::optional<int64_t> micros = FieldInt64(field);
  if (!micros) return std::nullopt;
  return *micros + kPostgresEpochUnixMicros;
}

}  // namespace sqs2pg::transform
