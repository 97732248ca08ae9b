#include "pg/sidecar_ddl.h"

// kSidecarDdlTemplate is defined in the file CMake generates from src/pg/sidecar.sql.

namespace sqs2pg::pg {

std::string QuoteIdent(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string SidecarDdl(std::string_view schema) {
  static constexpr std::string_view kVariable = ":\"schema\"";
  const std::string quoted = QuoteIdent(schema);
  std::string out;
  out.reserve(kSidecarDdlTemplate.size() + 256);
  size_t at = 0;
  while (true) {
    size_t next = kSidecarDdlTemplate.find(kVariable, at);
    if (next == std::string_view::npos) break;
    out.append(kSidecarDdlTemplate.substr(at, next - at));
    out.append(quoted);
    at = next + kVariable.size();
  }
  out.append(kSidecarDdlTemplate.substr(at));
  return out;
}

}  // namespace sqs2pg::pg
