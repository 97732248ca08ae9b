#include "support/metrics_scrape.h"

#include <regex>

#include "aws/http_transport.h"

namespace sqs2pg::testing {

int MetricsPort(const std::string& output) {
  std::smatch m;
  if (!std::regex_search(output, m, std::regex("metrics and probes on http://[^:]+:([0-9]+)/"))) {
    return 0;
  }
  return std::stoi(m[1]);
}

std::string ScrapeMetrics(int port) {
  static const std::shared_ptr<aws::HttpTransport> http = aws::MakeCurlTransport();
  aws::HttpRequest request;
  request.method = "GET";
  request.url = "http://127.0.0.1:" + std::to_string(port) + "/metrics";
  auto response = http->Send(request);
  return response.ok() && response->status == 200 ? response->body : std::string();
}

double Sample(const std::string& exposition, const std::string& series) {
  const std::string prefix = series + " ";
  for (size_t at = 0; at < exposition.size();) {
    const size_t end = exposition.find('\n', at);
    const std::string line = exposition.substr(at, end - at);
    if (line.starts_with(prefix)) return std::stod(line.substr(prefix.size()));
    if (end == std::string::npos) break;
    at = end + 1;
  }
  return -1;
}

}  // namespace sqs2pg::testing
