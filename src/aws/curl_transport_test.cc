// The curl transport against a tiny in-process HTTP/1.1 server on 127.0.0.1.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "aws/http_transport.h"

namespace sqs2pg::aws {
namespace {

using std::chrono::milliseconds;

// Accepts connections and answers every request on them with `response` (keep-alive), unless
// `silent`, in which case it reads and never answers. Records raw requests.
class TinyServer {
 public:
  explicit TinyServer(std::string response, bool silent = false)
      : response_(std::move(response)), silent_(silent) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    EXPECT_EQ(listen(fd_, 16), 0);
    socklen_t len = sizeof(addr);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Run(); });
  }

  ~TinyServer() {
    stop_ = true;
    thread_.join();
    close(fd_);
  }

  int port() const { return port_; }
  int connections() const { return connections_.load(); }
  std::vector<std::string> requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

 private:
  void Run() {
    std::vector<int> clients;
    std::vector<std::string> buffers;
    while (!stop_) {
      std::vector<pollfd> fds{{fd_, POLLIN, 0}};
      for (int c : clients) fds.push_back({c, POLLIN, 0});
      if (poll(fds.data(), fds.size(), 20) <= 0) continue;
      if (fds[0].revents & POLLIN) {
        int c = accept(fd_, nullptr, nullptr);
        if (c >= 0) {
          clients.push_back(c);
          buffers.emplace_back();
          ++connections_;
        }
      }
      for (size_t i = 1; i < fds.size(); ++i) {
        if (!(fds[i].revents & (POLLIN | POLLHUP))) continue;
        char buf[65536];
        ssize_t n = read(fds[i].fd, buf, sizeof(buf));
        if (n <= 0) continue;
        std::string& b = buffers[i - 1];
        b.append(buf, static_cast<size_t>(n));
        // One complete request = headers + Content-Length bytes.
        while (true) {
          size_t end = b.find("\r\n\r\n");
          if (end == std::string::npos) break;
          size_t length = 0;
          size_t cl = b.find("Content-Length: ");
          if (cl != std::string::npos && cl < end) length = std::stoul(b.substr(cl + 16));
          if (b.size() < end + 4 + length) break;
          {
            std::lock_guard<std::mutex> lock(mu_);
            requests_.push_back(b.substr(0, end + 4 + length));
          }
          b.erase(0, end + 4 + length);
          if (!silent_) (void)!write(fds[i].fd, response_.data(), response_.size());
        }
      }
    }
    for (int c : clients) close(c);
  }

  std::string response_;
  bool silent_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  std::mutex mu_;
  std::vector<std::string> requests_;
  std::thread thread_;
};

HttpRequest Post(int port, std::string body) {
  HttpRequest r;
  r.url = "http://127.0.0.1:" + std::to_string(port) + "/";
  r.headers = {{"Host", "127.0.0.1:" + std::to_string(port)},
               {"Content-Type", "application/x-amz-json-1.0"},
               {"X-Amz-Target", "AmazonSQS.ReceiveMessage"}};
  r.body = std::move(body);
  r.timeout = milliseconds(5000);
  return r;
}

TEST(SqsCurlTransportTest, SendsAndReusesTheConnection) {
  TinyServer server(
      "HTTP/1.1 400 Bad Request\r\nContent-Length: 7\r\nX-Amzn-Query-Error: Code;Sender\r\n"
      "Content-Type: application/x-amz-json-1.0\r\n\r\n{\"a\":1}");
  auto transport = MakeCurlTransport();
  const std::string big(5000, 'b');  // large enough that curl would otherwise send Expect
  for (int i = 0; i < 3; ++i) {
    Result<HttpResponse> r = transport->Send(Post(server.port(), i == 0 ? big : "{}"));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->status, 400);  // any HTTP status is a successful Send
    EXPECT_EQ(r->body, "{\"a\":1}");
    ASSERT_NE(r->Header("x-amzn-query-error"), nullptr);
    EXPECT_EQ(*r->Header("x-amzn-query-error"), "Code;Sender");
  }
  EXPECT_EQ(server.connections(), 1);  // keep-alive
  std::vector<std::string> requests = server.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_TRUE(requests[0].starts_with("POST / HTTP/1.1\r\n"));
  EXPECT_NE(requests[0].find("X-Amz-Target: AmazonSQS.ReceiveMessage\r\n"), std::string::npos);
  EXPECT_NE(requests[0].find("Host: 127.0.0.1:"), std::string::npos);
  EXPECT_EQ(requests[0].find("Expect:"), std::string::npos);
  EXPECT_EQ(requests[0].find("Accept-Encoding"), std::string::npos);
  EXPECT_TRUE(requests[0].ends_with("\r\n\r\n" + big));
}

TEST(SqsCurlTransportTest, ConnectionRefusedIsUnavailable) {
  int port = 0;
  {
    TinyServer server("");
    port = server.port();
  }  // closed: nothing listens there now
  Result<HttpResponse> r = MakeCurlTransport()->Send(Post(port, "{}"));
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(r.status().message().starts_with("HTTP transport: ")) << r.status().message();
}

TEST(SqsCurlTransportTest, TimeoutIsUnavailable) {
  TinyServer server("", /*silent=*/true);
  HttpRequest req = Post(server.port(), "{\"secret\":\"body\"}");
  req.timeout = milliseconds(300);
  Result<HttpResponse> r = MakeCurlTransport()->Send(req);
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(r.status().message().find("secret"), std::string::npos);
}

TEST(SqsCurlTransportTest, CancelAbandonsAnExchangeThatWouldOtherwiseWaitItsTimeout) {
  TinyServer server("", /*silent=*/true);
  HttpRequest req = Post(server.port(), "{}");
  req.timeout = milliseconds(120000);  // far beyond the test's own patience
  std::atomic<bool> cancel{false};
  req.cancel = &cancel;
  std::thread canceller([&] {
    std::this_thread::sleep_for(milliseconds(200));
    cancel = true;
  });
  Result<HttpResponse> r = MakeCurlTransport()->Send(req);
  canceller.join();
  // Without the cancel hook this would be a kUnavailable timeout after two minutes.
  EXPECT_EQ(r.status().code(), StatusCode::kCancelled) << r.status().ToString();
}

TEST(SqsCurlTransportTest, BadUrlIsInvalidArgument) {
  HttpRequest req;
  req.url = "gopher://127.0.0.1/";
  EXPECT_EQ(MakeCurlTransport()->Send(req).status().code(), StatusCode::kInvalidArgument);
}

TEST(SqsCurlTransportTest, ConcurrentSends) {
  TinyServer server("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}");
  auto transport = MakeCurlTransport();
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  threads.reserve(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
        Result<HttpResponse> r = transport->Send(Post(server.port(), "{}"));
        if (r.ok() && r->status == 200 && r->body == "{}") ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 100);
  EXPECT_LE(server.connections(), 4);  // at most one connection per pooled handle
}

}  // namespace
}  // namespace sqs2pg::aws
