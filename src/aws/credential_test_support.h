// Test helpers for the credential providers' unit tests (included by *_test.cc only; not part of
// sqs2pg_core): a fake clock, a mutable fake environment, a temporary directory, and a loopback
// HTTP server (cpp-httplib) standing in for STS, the container endpoint and IMDS.
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "aws/credentials.h"
#include "aws/http_transport.h"
#include "base/clock.h"

namespace sqs2pg::aws::testing {

// Wall and steady time that move only when told to.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(std::chrono::system_clock::time_point wall =
                         std::chrono::system_clock::time_point(std::chrono::seconds(1710400000)))
      : wall_(wall) {}

  std::chrono::system_clock::time_point WallNow() override {
    std::lock_guard<std::mutex> lock(mu_);
    return wall_;
  }
  std::chrono::steady_clock::time_point SteadyNow() override {
    std::lock_guard<std::mutex> lock(mu_);
    return steady_;
  }
  void SleepFor(std::chrono::milliseconds d) override { Advance(d); }

  void Advance(std::chrono::system_clock::duration d) {
    std::lock_guard<std::mutex> lock(mu_);
    wall_ += d;
    steady_ += std::chrono::duration_cast<std::chrono::steady_clock::duration>(d);
  }

 private:
  std::mutex mu_;
  std::chrono::system_clock::time_point wall_;
  std::chrono::steady_clock::time_point steady_{};
};

// An environment the test can change after handing out getters.
class FakeEnv {
 public:
  FakeEnv(std::initializer_list<std::pair<const std::string, std::string>> vars =
              {})  // NOLINT(google-explicit-constructor)
      : vars_(std::make_shared<Vars>()) {
    vars_->map = vars;
  }

  void Set(const std::string& name, std::string value) {
    std::lock_guard<std::mutex> lock(vars_->mu);
    vars_->map[name] = std::move(value);
  }
  void Unset(const std::string& name) {
    std::lock_guard<std::mutex> lock(vars_->mu);
    vars_->map.erase(name);
  }

  EnvGetter getter() const {
    return [vars = vars_](const std::string& name) -> std::optional<std::string> {
      std::lock_guard<std::mutex> lock(vars->mu);
      auto it = vars->map.find(name);
      if (it == vars->map.end()) return std::nullopt;
      return it->second;
    };
  }

 private:
  struct Vars {
    std::mutex mu;
    std::map<std::string, std::string> map;
  };
  std::shared_ptr<Vars> vars_;
};

// A fresh directory, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "sqs2pg-creds-XXXXXX").string();
    EXPECT_NE(mkdtemp(tmpl.data()), nullptr);
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }

  // Writes `contents` to path()/name (creating directories) and returns the full path.
  std::string Write(const std::string& name, const std::string& contents) const {
    const std::filesystem::path p = std::filesystem::path(path_) / name;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary | std::ios::trunc) << contents;
    return p.string();
  }

 private:
  std::string path_;
};

// An httplib::Server on 127.0.0.1 and a free port, listening on its own thread. Register handlers
// on server() before Start().
class LoopbackServer {
 public:
  LoopbackServer() = default;
  ~LoopbackServer() { Stop(); }
  LoopbackServer(const LoopbackServer&) = delete;
  LoopbackServer& operator=(const LoopbackServer&) = delete;

  httplib::Server& server() { return server_; }

  void Start() {
    port_ = server_.bind_to_any_port("127.0.0.1");
    ASSERT_GT(port_, 0);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    for (int i = 0; i < 2000 && !server_.is_running(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    ASSERT_TRUE(server_.is_running());
  }

  void Stop() {
    if (thread_.joinable()) {
      server_.stop();
      thread_.join();
    }
  }

  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

// A port on 127.0.0.1 with nothing listening (connections are refused at once).
inline int ClosedLoopbackPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);  // bound but never listening: the port refuses connections
  return ntohs(addr.sin_port);
}

// Records every request and answers each with `answer` (no network).
class RecordingTransport final : public HttpTransport {
 public:
  explicit RecordingTransport(Result<HttpResponse> answer = UnavailableError("offline"))
      : answer_(std::move(answer)) {}

  Result<HttpResponse> Send(const HttpRequest& request) override {
    std::lock_guard<std::mutex> lock(mu_);
    requests_.push_back(request);
    return answer_;
  }
  std::vector<HttpRequest> requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

 private:
  std::mutex mu_;
  const Result<HttpResponse> answer_;
  std::vector<HttpRequest> requests_;
};

// Decodes an application/x-www-form-urlencoded body ('+' is a space).
inline std::map<std::string, std::string> DecodeForm(std::string_view body) {
  auto decode = [](std::string_view s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '+') {
        out.push_back(' ');
      } else if (s[i] == '%' && i + 2 < s.size()) {
        out.push_back(static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16)));
        i += 2;
      } else {
        out.push_back(s[i]);
      }
    }
    return out;
  };
  std::map<std::string, std::string> out;
  while (!body.empty()) {
    const size_t amp = body.find('&');
    const std::string_view pair = body.substr(0, amp);
    body = amp == std::string_view::npos ? std::string_view() : body.substr(amp + 1);
    const size_t eq = pair.find('=');
    out[decode(pair.substr(0, eq))] =
        eq == std::string_view::npos ? std::string() : decode(pair.substr(eq + 1));
  }
  return out;
}

}  // namespace sqs2pg::aws::testing
