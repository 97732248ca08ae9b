#include <cstdio>

#include "cli/commands.h"
#include "transform/mapping/default_mapping.h"

namespace sqs2pg::cli {

int MappingDefaultCommand() {
  const std::string_view text = transform::mapping::DefaultMappingToml();
  if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size() || std::fflush(stdout) != 0) {
    std::perror("sqs2pg: mapping default: writing to stdout");
    return 1;
  }
  return 0;
}

}  // namespace sqs2pg::cli
