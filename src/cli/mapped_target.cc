#include "cli/mapped_target.h"

#include <algorithm>

#include "transform/aes_siv_masker.h"
#include "transform/masker.h"

namespace sqs2pg::cli {

pg::RowLayout MappedTarget::Layout() const {
  pg::RowLayout layout;
  layout.columns = mapping->ColumnNames();
  layout.upsert = mapping->mode == transform::mapping::Mode::kUpsert;
  layout.key = mapping->key;
  layout.order_by = mapping->order_by;
  return layout;
}

std::string ChooseTable(const Settings& settings, const transform::mapping::MappingSpec& spec) {
  if (!settings.table_explicit && spec.table) return *spec.table;
  return settings.table;
}

size_t MinMaskChars(transform::MaskScheme scheme) {
  return scheme == transform::MaskScheme::kHmacSha256 ? transform::kMaskedHexChars
                                                      : transform::AesSivMasker::MaskedSize(0);
}

std::vector<std::string> DescribeMapping(const transform::mapping::CompiledMapping& mapping) {
  using transform::mapping::Transform;
  std::vector<std::string> lines;
  size_t width = 0;
  for (const auto& c : mapping.columns) width = std::max(width, c.name.size());
  for (const auto& c : mapping.columns) {
    std::string source = c.source_text;
    if (c.transform != Transform::kNone) {
      source += ", " + std::string(transform::mapping::TransformName(c.transform));
      if (c.transform == Transform::kMask) {
        source += " (domain " + mapping.mask_domains[c.mask_domain] + ")";
      }
    }
    if (c.required) source += ", required";
    std::string line = c.name;
    line.resize(std::max(width, c.name.size()) + 2, ' ');
    line += "<- " + source;
    line += "  [" + c.type_name + "]";
    lines.push_back(std::move(line));
  }
  std::string defaulted;
  for (const std::string& d : mapping.defaulted) defaulted += (defaulted.empty() ? "" : ", ") + d;
  lines.push_back("left to their defaults: " +
                  (defaulted.empty() ? std::string("none") : defaulted));
  return lines;
}

Result<MappedTarget> PrepareMappedTarget(const Settings& settings, pg::Connection& conn,
                                         transform::MaskScheme scheme) {
  MappedTarget out;
  SQS2PG_ASSIGN_OR_RETURN(out.spec, LoadMapping(settings));
  out.table = ChooseTable(settings, out.spec);
  SQS2PG_ASSIGN_OR_RETURN(out.target, pg::DescribeTarget(conn, out.table));
  Result<transform::mapping::CompiledMapping> compiled =
      transform::mapping::CompileMapping(out.spec, out.target.shape, MinMaskChars(scheme));
  if (!compiled.ok()) return compiled.status();
  out.mapping =
      std::make_shared<const transform::mapping::CompiledMapping>(std::move(compiled).value());
  return out;
}

}  // namespace sqs2pg::cli
