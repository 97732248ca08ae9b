#include "ops/metrics_server.h"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <charconv>
#include <chrono>

namespace sqs2pg::ops {

MetricsServer::MetricsServer(const Metrics& metrics) : metrics_(metrics) {}

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

  server_ = std::make_unique<httplib::Server>();
  server_->new_task_queue = [] { return new httplib::ThreadPool(2); };
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
  server_->stop();
  if (thread_.joinable()) thread_.join();
  server_.reset();
}

}  // namespace sqs2pg::ops
