#include "ops/metrics_server.h"

#include <httplib.h>
#include <netdb.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <functional>
#include <mutex>
#include <set>
#include <vector>

namespace sqs2pg::ops {
namespace {

using SteadyClock = std::chrono::steady_clock;

// Waits until `fd` has one of `events` (or an error or hang-up, which the next read or write
// reports), but not past `until`. False on timeout.
bool WaitUntil(int fd, short events, SteadyClock::time_point until) {
  for (;;) {
    const auto left =
        std::chrono::ceil<std::chrono::milliseconds>(until - SteadyClock::now()).count();
    if (left <= 0) return false;
    pollfd p{fd, events, 0};
    const int ready = poll(&p, 1, static_cast<int>(std::min<int64_t>(left, 60000)));
    if (ready > 0) return true;
    if (ready < 0 && errno != EINTR) return false;
  }
}

void SocketAddress(int fd, bool peer, std::string& ip, int& port) {
  sockaddr_storage addr{};
  socklen_t len = sizeof(addr);
  const int rc = peer ? getpeername(fd, reinterpret_cast<sockaddr*>(&addr), &len)
                      : getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  char host[NI_MAXHOST];
  char service[NI_MAXSERV];
  if (rc != 0 || getnameinfo(reinterpret_cast<sockaddr*>(&addr), len, host, sizeof(host), service,
                             sizeof(service), NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
    ip.clear();
    port = 0;
    return;
  }
  ip = host;
  port = std::atoi(service);
}

// A connection as cpp-httplib's request parser and response writer see it: every read and write
// waits at most `io_timeout`, and never past the connection's `deadline`. Reads are buffered:
// the parser reads a request head one byte at a time.
class DeadlineStream final : public httplib::Stream {
 public:
  DeadlineStream(int fd, SteadyClock::time_point deadline, std::chrono::milliseconds io_timeout)
      : fd_(fd), deadline_(deadline), io_timeout_(io_timeout) {}

  bool is_readable() const override { return Buffered() || WaitUntil(fd_, POLLIN, IoDeadline()); }
  bool is_writable() const override { return WaitUntil(fd_, POLLOUT, IoDeadline()); }

  ssize_t read(char* ptr, size_t size) override {
    if (!Buffered()) {
      if (!WaitUntil(fd_, POLLIN, IoDeadline())) return -1;
      ssize_t n;
      do {
        n = recv(fd_, buffer_, sizeof(buffer_), 0);
      } while (n < 0 && errno == EINTR);
      if (n <= 0) return n;
      begin_ = 0;
      end_ = static_cast<size_t>(n);
    }
    const size_t n = std::min(size, end_ - begin_);
    std::memcpy(ptr, buffer_ + begin_, n);
    begin_ += n;
    return static_cast<ssize_t>(n);
  }

  ssize_t write(const char* ptr, size_t size) override {
    if (!WaitUntil(fd_, POLLOUT, IoDeadline())) return -1;
    ssize_t n;
    do {
      n = send(fd_, ptr, size, MSG_NOSIGNAL);  // a vanished client must not raise SIGPIPE
    } while (n < 0 && errno == EINTR);
    return n;
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    SocketAddress(fd_, true, ip, port);
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    SocketAddress(fd_, false, ip, port);
  }
  socket_t socket() const override { return fd_; }

  // Waits for the next request's first byte until `until` (capped by the deadline).
  bool WaitForRequest(SteadyClock::time_point until) const {
    return Buffered() || WaitUntil(fd_, POLLIN, std::min(until, deadline_));
  }

 private:
  bool Buffered() const { return begin_ < end_; }
  SteadyClock::time_point IoDeadline() const {
    return std::min(deadline_, SteadyClock::now() + io_timeout_);
  }

  const int fd_;
  const SteadyClock::time_point deadline_;
  const std::chrono::milliseconds io_timeout_;
  char buffer_[4096];
  size_t begin_ = 0;
  size_t end_ = 0;
};

// cpp-httplib's TaskQueue with a thread per queued connection, started on demand, up to `max`;
// threads that finish a connection wait for the next. shutdown() runs what is queued, then joins.
class ConnectionThreads final : public httplib::TaskQueue {
 public:
  explicit ConnectionThreads(size_t max) : max_(std::max<size_t>(1, max)) {}

  void enqueue(std::function<void()> fn) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      jobs_.push_back(std::move(fn));
      if (jobs_.size() > idle_ && threads_.size() < max_) {
        threads_.emplace_back([this] { Work(); });
        return;
      }
    }
    cv_.notify_one();
  }

  void shutdown() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      shutdown_ = true;
    }
    cv_.notify_all();
    for (std::thread& t : threads_) t.join();  // threads_ no longer grows: the accept loop ended
  }

 private:
  void Work() {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      ++idle_;
      cv_.wait(lock, [this] { return !jobs_.empty() || shutdown_; });
      --idle_;
      if (jobs_.empty()) return;
      std::function<void()> fn = std::move(jobs_.front());
      jobs_.pop_front();
      lock.unlock();
      fn();
      lock.lock();
    }
  }

  const size_t max_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;  // guarded by mu_
  std::vector<std::thread> threads_;        // guarded by mu_ until shutdown()
  size_t idle_ = 0;                         // threads waiting for a job; guarded by mu_
  bool shutdown_ = false;                   // guarded by mu_
};

}  // namespace

// httplib::Server with the connection loop of the header: it overrides the (private, virtual)
// per-connection hook and calls the (protected) request parser/dispatcher on a DeadlineStream.
class ProbeHttpServer final : public httplib::Server {
 public:
  explicit ProbeHttpServer(const MetricsServerLimits& limits) : limits_(limits) {
    new_task_queue = [max = limits.max_connections] { return new ConnectionThreads(max); };
  }

  // cpp-httplib listens with a backlog of 5 (fixed when the library was built): a burst of
  // connections beyond it has its SYNs dropped, and a probe among them waits a second or more for
  // the retransmission. listen() again on the bound socket raises it (Linux caps it at somaxconn).
  void WidenBacklog(int backlog) { ::listen(svr_sock_, backlog); }

  // Shuts down every open connection, and any taken up from now on, so that stopping does not
  // wait out their deadlines.
  void CutConnections() {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    for (int fd : open_) ::shutdown(fd, SHUT_RDWR);
  }

 private:
  bool process_and_close_socket(socket_t sock) override {
    bool ok = false;
    if (Track(sock)) {
      const auto start = SteadyClock::now();
      DeadlineStream stream(sock, start + limits_.connection_deadline, limits_.io_timeout);
      auto idle_until = start + limits_.idle_timeout;
      for (int served = 0; served < limits_.max_requests_per_connection; ++served) {
        if (!stream.WaitForRequest(idle_until)) break;
        const bool last = served + 1 == limits_.max_requests_per_connection;
        bool closed = false;
        ok = process_request(stream, last, closed, [](httplib::Request&) {});
        if (!ok || closed) break;
        idle_until = SteadyClock::now() + limits_.idle_timeout;
      }
      Untrack(sock);
    }
    ::shutdown(sock, SHUT_RDWR);
    ::close(sock);
    return ok;
  }

  bool Track(int fd) {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return false;
    open_.insert(fd);
    return true;
  }
  // Before close(): CutConnections() must never shut down a descriptor number reused elsewhere.
  void Untrack(int fd) {
    std::lock_guard<std::mutex> lock(mu_);
    open_.erase(fd);
  }

  const MetricsServerLimits limits_;
  std::mutex mu_;
  std::set<int> open_;     // guarded by mu_
  bool stopping_ = false;  // guarded by mu_
};

MetricsServer::MetricsServer(const Metrics& metrics, MetricsServerLimits limits)
    : metrics_(metrics), limits_(limits) {}

MetricsServer::~MetricsServer() { Stop(); }

Status MetricsServer::Start(const std::string& address) {
  const size_t colon = address.rfind(':');
  int port = -1;
  if (colon != std::string::npos) {
    const char* first = address.data() + colon + 1;
    const char* last = address.data() + address.size();
    auto [end, ec] = std::from_chars(first, last, port);
    if (ec != std::errc() || end != last || port < 0 || port > 65535) port = -1;
  }
  if (colon == std::string::npos || colon == 0 || port < 0) {
    return InvalidArgumentError("--metrics-addr must be HOST:PORT, e.g. 0.0.0.0:9464; got '" +
                                address + "'");
  }
  std::string host = address.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);  // [::1]:9464
  }

  server_ = std::make_unique<ProbeHttpServer>(limits_);
  // httplib's default adds SO_REUSEPORT, which would let a second process share the port
  // silently (and scrape whichever answers): SO_REUSEADDR only, so a taken port is an error.
  server_->set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  server_->Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(metrics_.Render(), "text/plain; version=0.0.4; charset=utf-8");
  });
  server_->Get("/healthz", [this](const httplib::Request&, httplib::Response& res) {
    const bool alive = metrics_.Alive();
    res.status = alive ? 200 : 503;
    res.set_content(alive ? "ok\n" : "stalled: no progress in the pipeline\n", "text/plain");
  });
  server_->Get("/readyz", [this](const httplib::Request&, httplib::Response& res) {
    res.status = metrics_.Ready() ? 200 : 503;
    res.set_content(metrics_.ReadinessReport(), "text/plain");
  });

  if (port == 0) {
    port_ = server_->bind_to_any_port(host);
    if (port_ < 0) port_ = 0;
  } else if (server_->bind_to_port(host, port)) {
    port_ = port;
  }
  if (port_ <= 0) {
    server_.reset();
    return UnavailableError("metrics: cannot listen on " + address);
  }
  server_->WidenBacklog(static_cast<int>(std::max<size_t>(limits_.max_connections, 128)));
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  // stop() is a no-op until the server runs: wait for it, so Stop() right after cannot hang.
  for (int i = 0; i < 5000 && !server_->is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  spdlog::info("metrics and probes on http://{}:{}/metrics, /healthz, /readyz", host, port_);
  return Status::Ok();
}

void MetricsServer::Stop() {
  if (!server_) return;
  server_->CutConnections();
  server_->stop();
  if (thread_.joinable()) thread_.join();
  server_.reset();
}

}  // namespace sqs2pg::ops
