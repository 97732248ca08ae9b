#include <spdlog/spdlog.h>

#include <cstdio>

#include "cli/commands.h"
#include "transform/masker.h"

namespace sqs2pg::cli {

int MaskCommand(const Settings& settings, const std::string& field,
                const std::vector<std::string>& values) {
  transform::MaskField mask_field;
  if (field == "ip") {
    mask_field = transform::MaskField::kIp;
  } else if (field == "device_id") {
    mask_field = transform::MaskField::kDeviceId;
  } else {
    spdlog::error("mask: --field must be ip or device_id");
    return 2;
  }
  Result<std::string> key = LoadMaskKey(settings);
  if (!key.ok()) {
    spdlog::error("{}", key.status().message());
    return 2;
  }
  transform::Masker masker(*key);
  for (const std::string& value : values) {
    std::printf("%s\n", masker.Mask(mask_field, value).c_str());
  }
  return 0;
}

}  // namespace sqs2pg::cli
