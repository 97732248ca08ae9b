#include "aws/http_transport.h"

namespace sqs2pg::aws {

const std::string* HttpResponse::Header(std::string_view lower_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_name) return &value;
  }
  return nullptr;
}

}  // namespace sqs2pg::aws
