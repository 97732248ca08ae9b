// The curl transport's TLS and proxy behaviour against loopback stand-ins: certificates are
// verified by default (system store), a private CA works through CurlTransportOptions::ca_bundle
// (what --ca-bundle and AWS_CA_BUNDLE set), a host name the certificate does not cover is
// refused without a retry, and the standard proxy variables are honoured.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <thread>

#include "aws/http_transport.h"
#include "aws/proxy_test_support.h"

namespace sqs2pg::aws {
namespace {

// A throwaway self-signed certificate for `san` (openssl CLI, as scripts/deps.sh installs it).
struct TestCertificate {
  std::string cert_path;
  std::string key_path;
};

std::optional<TestCertificate> MakeCertificate(const std::string& dir, const std::string& name,
                                               const std::string& san) {
  TestCertificate c{dir + "/" + name + ".crt", dir + "/" + name + ".key"};
  const std::string command =
      "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=" + name + " -keyout " +
      c.key_path + " -out " + c.cert_path + " -addext subjectAltName=" + san + " 2>/dev/null";
  if (std::system(command.c_str()) != 0) return std::nullopt;
  return c;
}

class TlsServer {
 public:
  explicit TlsServer(const TestCertificate& c) : server_(c.cert_path.c_str(), c.key_path.c_str()) {
    server_.Post("/", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("{}", "application/x-amz-json-1.0");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    for (int i = 0; i < 5000 && !server_.is_running(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  ~TlsServer() {
    server_.stop();
    thread_.join();
  }
  int port() const { return port_; }

 private:
  httplib::SSLServer server_;
  int port_ = 0;
  std::thread thread_;
};

HttpRequest Post(const std::string& url) {
  HttpRequest r;
  r.url = url;
  r.headers = {{"Content-Type", "application/x-amz-json-1.0"}};
  r.body = "{}";
  r.timeout = std::chrono::milliseconds(5000);
  return r;
}

class CurlTransportTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "sqs2pg-tls-" + std::to_string(::getpid());
    std::filesystem::create_directories(dir_);
    auto good = MakeCertificate(dir_, "loopback", "DNS:localhost,IP:127.0.0.1");
    auto other = MakeCertificate(dir_, "other", "DNS:other.example");
    ASSERT_TRUE(good && other) << "openssl could not make test certificates";
    good_ = *good;
    other_ = *other;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string dir_;
  TestCertificate good_, other_;
};

TEST_F(CurlTransportTlsTest, PrivateCaWorksOnlyThroughTheCaBundle) {
  TlsServer server(good_);
  ASSERT_GT(server.port(), 0);
  const std::string url = "https://127.0.0.1:" + std::to_string(server.port()) + "/";

  // The system store does not know this self-signed certificate: refused, and not retryable.
  Result<HttpResponse> refused = MakeCurlTransport()->Send(Post(url));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition)
      << refused.status().ToString();

  Result<HttpResponse> trusted =
      MakeCurlTransport(CurlTransportOptions{good_.cert_path})->Send(Post(url));
  ASSERT_TRUE(trusted.ok()) << trusted.status().ToString();
  EXPECT_EQ(trusted->status, 200);
  EXPECT_EQ(trusted->body, "{}");
}

TEST_F(CurlTransportTlsTest, ACertificateForAnotherHostIsRefused) {
  TlsServer server(other_);
  ASSERT_GT(server.port(), 0);
  Result<HttpResponse> r =
      MakeCurlTransport(CurlTransportOptions{other_.cert_path})
          ->Send(Post("https://127.0.0.1:" + std::to_string(server.port()) + "/"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition) << r.status().ToString();
}

TEST_F(CurlTransportTlsTest, AMissingCaBundleIsAClearError) {
  Result<HttpResponse> r = MakeCurlTransport(CurlTransportOptions{dir_ + "/absent.pem"})
                               ->Send(Post("https://127.0.0.1:1/"));
  ASSERT_FALSE(r.ok());
}

// Accepts one connection, records its request head and answers 200 "{}", like an HTTP proxy
// that forwards (a request sent through a proxy names the absolute URL on its request line).
class OneShotProxy {
 public:
  OneShotProxy() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    socklen_t len = sizeof(addr);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    listen(fd_, 1);
    thread_ = std::thread([this] {
      const int client = accept(fd_, nullptr, nullptr);
      if (client < 0) return;
      char buffer[8192];
      while (head_.find("\r\n\r\n") == std::string::npos) {
        const ssize_t n = read(client, buffer, sizeof(buffer));
        if (n <= 0) break;
        head_.append(buffer, static_cast<size_t>(n));
      }
      const std::string reply = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}";
      (void)!write(client, reply.data(), reply.size());
      close(client);
    });
  }
  ~OneShotProxy() {
    shutdown(fd_, SHUT_RDWR);  // ends a pending accept()
    close(fd_);
    if (thread_.joinable()) thread_.join();
  }
  int port() const { return port_; }
  // The request head it received (waits for the one exchange to end).
  std::string head() {
    if (thread_.joinable()) thread_.join();
    return head_;
  }

 private:
  int fd_ = -1;
  int port_ = 0;
  std::string head_;
  std::thread thread_;
};

TEST(CurlTransportProxyTest, HonoursHttpProxyAndNoProxy) {
  OneShotProxy proxy;
  const std::string proxy_url = "http://127.0.0.1:" + std::to_string(proxy.port());
  setenv("http_proxy", proxy_url.c_str(), 1);
  unsetenv("no_proxy");
  unsetenv("NO_PROXY");
  // The host does not resolve: only a proxy can carry this request.
  Result<HttpResponse> r = MakeCurlTransport()->Send(Post("http://sqs.example.invalid:4566/"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_TRUE(proxy.head().starts_with("POST http://sqs.example.invalid:4566/ HTTP/1.1\r\n"));

  setenv("no_proxy", "sqs.example.invalid", 1);  // now bypassed: the name does not resolve
  Result<HttpResponse> direct = MakeCurlTransport()->Send(Post("http://sqs.example.invalid:4566/"));
  EXPECT_FALSE(direct.ok());
  unsetenv("no_proxy");
  unsetenv("http_proxy");
}

// HttpRequest::no_proxy: the same request goes through the proxy without it and directly with it,
// whichever proxy variable is set.
TEST(CurlTransportProxyTest, NoProxyRequestsConnectDirectly) {
  testing::LoopbackServer target;
  target.server().Get("/creds", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("direct", "text/plain");
  });
  target.Start();
  testing::RecordingProxy proxy;
  testing::ProxyEnvironment proxy_env(proxy.url());
  HttpRequest request;
  request.method = "GET";
  request.url = target.url() + "/creds";
  request.timeout = std::chrono::milliseconds(5000);
  auto transport = MakeCurlTransport();

  Result<HttpResponse> proxied = transport->Send(request);
  ASSERT_TRUE(proxied.ok()) << proxied.status().ToString();
  EXPECT_EQ(proxied->status, 502);
  ASSERT_EQ(proxy.requests().size(), 1u);
  EXPECT_EQ(proxy.requests()[0], "GET " + target.url() + "/creds");

  request.no_proxy = true;
  Result<HttpResponse> direct = transport->Send(request);
  ASSERT_TRUE(direct.ok()) << direct.status().ToString();
  EXPECT_EQ(direct->status, 200);
  EXPECT_EQ(direct->body, "direct");
  EXPECT_EQ(proxy.requests().size(), 1u);  // nothing more reached the proxy
}

}  // namespace
}  // namespace sqs2pg::aws
