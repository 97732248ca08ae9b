// Test support: a loopback stand-in for an HTTP proxy that records what reaches it, and the proxy
// environment variables pointed at it for one scope.
#pragma once

#include <gtest/gtest.h>
#include <httplib.h>

#include <cstdlib>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "aws/credential_test_support.h"

namespace sqs2pg::aws::testing {

// Answers every request with 502 and records "METHOD target" (a request sent through a proxy
// names the absolute URL), and whether it carried a credential-bearing header.
class RecordingProxy {
 public:
  RecordingProxy() {
    server_.server().set_pre_routing_handler(
        [this](const httplib::Request& req, httplib::Response& res) {
          std::lock_guard<std::mutex> lock(mu_);
          requests_.push_back(req.method + " " + req.path);
          for (const char* header : {"Authorization", "X-aws-ec2-metadata-token"}) {
            if (req.has_header(header)) ++with_secret_header_;
          }
          res.status = 502;
          return httplib::Server::HandlerResponse::Handled;
        });
    server_.Start();
  }
  std::string url() const { return server_.url(); }
  std::vector<std::string> requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }
  int with_secret_header() {
    std::lock_guard<std::mutex> lock(mu_);
    return with_secret_header_;
  }

 private:
  std::mutex mu_;
  std::vector<std::string> requests_;
  int with_secret_header_ = 0;
  LoopbackServer server_;  // last: stopped before what its handler uses is destroyed
};

// Points http_proxy, HTTP_PROXY, https_proxy, HTTPS_PROXY and all_proxy at `proxy_url` and clears
// no_proxy/NO_PROXY (libcurl reads them on every transfer); the old values come back on
// destruction. Tests run one at a time, so the process environment is theirs for the scope.
class ProxyEnvironment {
 public:
  explicit ProxyEnvironment(const std::string& proxy_url) {
    for (const char* name : {"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy",
                             "ALL_PROXY", "no_proxy", "NO_PROXY"}) {
      const char* old = std::getenv(name);
      saved_.emplace_back(name, old ? std::optional<std::string>(old) : std::nullopt);
      const std::string value(name);
      if (value == "no_proxy" || value == "NO_PROXY") {
        unsetenv(name);
      } else {
        setenv(name, proxy_url.c_str(), 1);
      }
    }
  }
  ~ProxyEnvironment() {
    for (const auto& [name, value] : saved_) {
      if (value) {
        setenv(name.c_str(), value->c_str(), 1);
      } else {
        unsetenv(name.c_str());
      }
    }
  }
  ProxyEnvironment(const ProxyEnvironment&) = delete;
  ProxyEnvironment& operator=(const ProxyEnvironment&) = delete;

 private:
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

}  // namespace sqs2pg::aws::testing
