#include "support/stand_in.h"

#include <simdjson.h>

#include "support/sqs_test_env.h"

namespace sqs2pg::testing {

StandIn::StandIn(const std::string& script, const std::vector<std::string>& args,
                 std::chrono::seconds ready_timeout) {
  std::vector<std::string> argv = {"node", std::string(SQS2PG_SOURCE_DIR) + "/" + script};
  argv.insert(argv.end(), args.begin(), args.end());
  process_ = std::make_unique<BackgroundProcess>(argv);
  const std::string ready = process_->ReadLine(ready_timeout);
  if (ready.rfind("LISTENING ", 0) == 0) endpoint_ = "http://127.0.0.1:" + ready.substr(10);
}

std::string StandIn::Stats() const {
  aws::HttpRequest request;
  request.method = "GET";
  request.url = endpoint_ + "/__stats";
  request.timeout = std::chrono::seconds(10);
  Result<aws::HttpResponse> response = transport_->Send(request);
  if (!response.ok() || response->status != 200) return "";
  return response->body;
}

int64_t StandIn::Stat(std::initializer_list<const char*> path, int64_t if_absent) const {
  const std::string json = Stats();
  simdjson::dom::parser parser;
  simdjson::dom::element e;
  if (parser.parse(json).get(e) != simdjson::SUCCESS) return -1;
  for (const char* key : path) {
    if (e.at_key(key).get(e) != simdjson::SUCCESS) return if_absent;
  }
  int64_t value = 0;
  if (e.get_int64().get(value) != simdjson::SUCCESS) return -1;
  return value;
}

namespace {
std::vector<std::string> FaultProxyArgs(const std::vector<std::string>& flags) {
  std::vector<std::string> args = {"--upstream", SqsTestEndpoint(), "--port", "0"};
  args.insert(args.end(), flags.begin(), flags.end());
  return args;
}
}  // namespace

FaultProxy::FaultProxy(const std::vector<std::string>& flags)
    : StandIn("tests/support/sqs_fault_proxy.mjs", FaultProxyArgs(flags)) {}

}  // namespace sqs2pg::testing
