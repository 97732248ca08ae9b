// HttpTransport on libcurl's easy interface. See http_transport.h for the contract.
#include <curl/curl.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "aws/http_transport.h"

namespace sqs2pg::aws {
namespace {

constexpr size_t kMaxResponseBytes = 64u << 20;
constexpr long kMaxConnectTimeoutMs = 10000;

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

void InitCurlOnce() {
  // curl_global_init is not thread-safe and must run before any other curl call.
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct Exchange {
  HttpResponse response;
  bool too_large = false;
};

size_t OnBody(char* data, size_t size, size_t n, void* user) {
  auto* ex = static_cast<Exchange*>(user);
  const size_t len = size * n;
  if (ex->response.body.size() + len > kMaxResponseBytes) {
    ex->too_large = true;
    return 0;  // makes curl abort with CURLE_WRITE_ERROR
  }
  ex->response.body.append(data, len);
  return len;
}

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* ex = static_cast<Exchange*>(user);
  const size_t len = size * n;
  std::string_view line = Trim(std::string_view(data, len));
  // A new status line starts a new response (after a 1xx or a proxy's CONNECT reply): only the
  // final response's headers count.
  if (line.starts_with("HTTP/")) {
    ex->response.headers.clear();
    return len;
  }
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos) return len;
  std::string name(Trim(line.substr(0, colon)));
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  ex->response.headers.emplace_back(std::move(name), std::string(Trim(line.substr(colon + 1))));
  return len;
}

// CURLOPT_XFERINFOFUNCTION: libcurl calls it at least once a second; non-zero aborts the transfer.
// A response that has begun to arrive is let through: for ReceiveMessage it carries messages the
// server has already made invisible, which only the caller can hand back.
int OnProgress(void* user, curl_off_t, curl_off_t dlnow, curl_off_t, curl_off_t) {
  return static_cast<const std::atomic<bool>*>(user)->load() && dlnow == 0 ? 1 : 0;
}

struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

Status MapCurlError(CURLcode code, const char* errbuf, bool too_large) {
  if (too_large) return InternalError("HTTP transport: response body larger than 64 MiB");
  std::string message = "HTTP transport: ";
  message += curl_easy_strerror(code);
  if (errbuf[0] != '\0') {
    message += ": ";
    message += errbuf;
  }
  switch (code) {
    case CURLE_ABORTED_BY_CALLBACK:
      return CancelledError("HTTP transport: cancelled");
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
      return InvalidArgumentError(std::move(message));
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
      return FailedPreconditionError(std::move(message));
    case CURLE_OUT_OF_MEMORY:
      return InternalError(std::move(message));
    default:
      return UnavailableError(std::move(message));
  }
}

class CurlTransport final : public HttpTransport {
 public:
  explicit CurlTransport(CurlTransportOptions options) : options_(std::move(options)) {
    InitCurlOnce();
  }

  ~CurlTransport() override {
    for (CURL* h : idle_) curl_easy_cleanup(h);
  }

  Result<HttpResponse> Send(const HttpRequest& request) override {
    CURL* h = Acquire();
    if (h == nullptr) return InternalError("HTTP transport: curl_easy_init failed");
    Result<HttpResponse> result = Perform(h, request);
    Release(h);
    return result;
  }

 private:
  Result<HttpResponse> Perform(CURL* h, const HttpRequest& request) {
    // Reset clears options but keeps the handle's live connections, which is the point of pooling.
    curl_easy_reset(h);
    Exchange ex;
    char errbuf[CURL_ERROR_SIZE];
    errbuf[0] = '\0';

    std::vector<std::string> lines;
    lines.reserve(request.headers.size() + 1);
    for (const auto& [name, value] : request.headers) {
      // "Name;" is curl's spelling of a header with an empty value.
      std::string& line = lines.emplace_back(name);
      line += value.empty() ? ";" : ": ";
      line += value;
    }
    // An empty "Expect:" stops curl from waiting for 100-continue on larger bodies.
    lines.emplace_back("Expect:");
    std::unique_ptr<curl_slist, SlistDeleter> headers;
    for (const std::string& line : lines) {
      curl_slist* head = curl_slist_append(headers.get(), line.c_str());
      if (head == nullptr) return InternalError("HTTP transport: out of memory building headers");
      if (head != headers.get()) headers.reset(head);  // only the first append makes a new head
    }

    curl_easy_setopt(h, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    if (!options_.ca_bundle.empty())
      curl_easy_setopt(h, CURLOPT_CAINFO, options_.ca_bundle.c_str());
    const long timeout_ms = static_cast<long>(std::max<int64_t>(1, request.timeout.count()));
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, std::min(timeout_ms, kMaxConnectTimeoutMs));
    // "*" matches every host: the proxy variables are ignored for this exchange.
    if (request.no_proxy) curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(h, CURLOPT_USERAGENT, "sqs2pg/" SQS2PG_VERSION);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &OnBody);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &ex);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, &OnHeader);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &ex);
    if (request.cancel != nullptr) {
      curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
      curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, &OnProgress);
      curl_easy_setopt(h, CURLOPT_XFERINFODATA, const_cast<std::atomic<bool>*>(request.cancel));
    }

    if (request.method == "GET") {
      curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    } else if (request.method == "HEAD") {
      curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else {
      // Every other method carries the body as given (possibly empty, sent as Content-Length: 0).
      curl_easy_setopt(h, CURLOPT_POST, 1L);
      curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(request.body.size()));
      curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body.data());
      if (request.method != "POST") {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, request.method.c_str());
      }
    }

    const CURLcode code = curl_easy_perform(h);
    // The handle outlives this call in the pool: drop pointers to this frame's objects.
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, nullptr);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, nullptr);
    if (code != CURLE_OK) return MapCurlError(code, errbuf, ex.too_large);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &ex.response.status);
    return std::move(ex.response);
  }

  CURL* Acquire() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!idle_.empty()) {
        CURL* h = idle_.back();
        idle_.pop_back();
        return h;
      }
    }
    return curl_easy_init();
  }

  void Release(CURL* h) {
    std::lock_guard<std::mutex> lock(mu_);
    idle_.push_back(h);
  }

  const CurlTransportOptions options_;
  std::mutex mu_;
  std::vector<CURL*> idle_;  // guarded by mu_; each handle keeps its own live connections
};

}  // namespace

std::shared_ptr<HttpTransport> MakeCurlTransport(CurlTransportOptions options) {
  return std::make_shared<CurlTransport>(std::move(options));
}

}  // namespace sqs2pg::aws
