#include "support/moto_key_services.h"

#include <simdjson.h>

namespace sqs2pg::testing {
namespace {

std::string StringAt(simdjson::dom::element e, std::initializer_list<const char*> path) {
  for (const char* key : path) {
    if (e.at_key(key).get(e) != simdjson::SUCCESS) return "";
  }
  std::string_view value;
  return e.get_string().get(value) == simdjson::SUCCESS ? std::string(value) : "";
}

}  // namespace

MotoKeyServices::MotoKeyServices(std::chrono::seconds ready_timeout) {
  process_ = std::make_unique<BackgroundProcess>(std::vector<std::string>{
      "python3", std::string(SQS2PG_SOURCE_DIR) + "/tests/support/moto_key_services.py"});
  const std::string ready = process_->ReadLine(ready_timeout);
  if (ready.rfind("LISTENING ", 0) != 0) return;
  const std::string facts = process_->ReadLine(ready_timeout);
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(facts).get(root) != simdjson::SUCCESS) return;
  simdjson::dom::object keys;
  if (root["keys"].get_object().get(keys) == simdjson::SUCCESS) {
    for (auto [name, value] : keys) {
      std::string_view hex;
      if (value.get_string().get(hex) == simdjson::SUCCESS) keys_[std::string(name)] = hex;
    }
  }
  for (const char* name : {"kms_blob", "kms_short_blob", "secret_eu_arn"}) {
    facts_[name] = StringAt(root, {name});
  }
  reader_ = {StringAt(root, {"reader", "access_key_id"}),
             StringAt(root, {"reader", "secret_access_key"})};
  denied_ = {StringAt(root, {"denied", "access_key_id"}),
             StringAt(root, {"denied", "secret_access_key"})};
  endpoint_ = "http://127.0.0.1:" + ready.substr(10);
}

std::string MotoKeyServices::Key(const std::string& name) const {
  auto it = keys_.find(name);
  return it == keys_.end() ? "" : it->second;
}

std::string MotoKeyServices::Fact(const std::string& name) const {
  auto it = facts_.find(name);
  return it == facts_.end() ? "" : it->second;
}

std::vector<std::string> MotoKeyServices::AllKeys() const {
  std::vector<std::string> out;
  for (const auto& [name, hex] : keys_) out.push_back(hex);
  return out;
}

}  // namespace sqs2pg::testing
