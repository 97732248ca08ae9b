// End-to-end: with http_proxy/HTTP_PROXY set, `sqs2pg check` sends its SQS requests through the
// proxy but fetches container and instance-metadata credentials directly, so the proxy never
// sees the container's Authorization token or the IMDS session token, and cannot answer with
// credentials of its own. The real binary, a clean environment (`env -i`), the emulator and
// PostgreSQL; the proxy and the credential endpoints are loopback stand-ins in this process.
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <mutex>
#include <string>
#include <vector>

#include "aws/credential_common.h"
#include "aws/credential_test_support.h"
#include "support/sqs2pg_fixture.h"

namespace sqs2pg::testing {
namespace {

using aws::testing::LoopbackServer;

constexpr char kKeyId[] = "ASIAPROXYTESTIT00001";
constexpr char kSecret[] = "proxy-test-secret-bPxRfiCYEXAMPLEKEY";
constexpr char kSessionToken[] = "proxy-test-session-token-FQoGZXIvYXdzEPT";
constexpr char kAuthToken[] = "pod-identity-auth-token-proxy-0123456789";

std::string CredentialsJson(bool imds) {
  const std::string expiration =
      aws::FormatIso8601Utc(std::chrono::system_clock::now() + std::chrono::hours(1));
  return std::string(imds ? R"({"Code":"Success",)" : "{") + R"("AccessKeyId":")" + kKeyId +
         R"(","SecretAccessKey":")" + kSecret + R"(","Token":")" + kSessionToken +
         R"(","Expiration":")" + expiration + R"("})";
}

// A forwarding HTTP proxy (absolute-form requests only, which is how curl sends plain http
// through a proxy) that records each request line and whether a credential header came through.
class ForwardingProxy {
 public:
  ForwardingProxy() {
    // Route handlers, not a pre-routing one: only they see the request body.
    const auto handle = [this](const httplib::Request& req, httplib::Response& res) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        requests_.push_back(req.method + " " + req.target);
        for (const char* h : {"Authorization", "X-aws-ec2-metadata-token"}) {
          const std::string value = req.get_header_value(h);
          if (value.find(kAuthToken) != std::string::npos || value.starts_with("imds-session-")) {
            ++secrets_seen_;
          }
        }
      }
      Forward(req, res);
    };
    server_.server().Get(".*", handle).Post(".*", handle).Put(".*", handle);
    server_.Start();
  }
  std::string url() const { return server_.url(); }
  std::vector<std::string> requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }
  int secrets_seen() {
    std::lock_guard<std::mutex> lock(mu_);
    return secrets_seen_;
  }

 private:
  static void Forward(const httplib::Request& req, httplib::Response& res) {
    // "http://host:port/path?query" -> the origin and the rest.
    const std::string& target = req.target;
    const size_t slash = target.starts_with("http://") ? target.find('/', 7) : std::string::npos;
    if (slash == std::string::npos) {
      res.status = 400;
      return;
    }
    httplib::Client upstream(target.substr(0, slash));
    httplib::Headers headers;
    for (const auto& [name, value] : req.headers) {
      if (name != "Proxy-Connection" && name != "Content-Length" && name != "REMOTE_ADDR" &&
          name != "REMOTE_PORT" && name != "LOCAL_ADDR" && name != "LOCAL_PORT") {
        headers.emplace(name, value);
      }
    }
    httplib::Request out;
    out.method = req.method;
    out.path = target.substr(slash);
    out.headers = headers;
    out.body = req.body;
    auto answer = upstream.send(out);
    if (!answer) {
      res.status = 502;
      return;
    }
    res.status = answer->status;
    res.set_content(answer->body, answer->get_header_value("Content-Type"));
  }

  std::mutex mu_;
  std::vector<std::string> requests_;
  int secrets_seen_ = 0;
  LoopbackServer server_;  // last: stopped before what its handler uses is destroyed
};

class CredentialProxyTest : public Sqs2pgFixture {
 protected:
  // `sqs2pg check` with only the essentials plus `env`, and every proxy variable at the proxy.
  ProcessResult CheckThroughProxy(const std::vector<std::string>& env) {
    std::vector<std::string> argv = {"/usr/bin/env",
                                     "-i",
                                     "SQS2PG_MASK_KEY=" + std::string(kTestKeyHex),
                                     "AWS_ENDPOINT_URL=" + SqsTestEndpoint(),
                                     "HOME=" + home_.path(),
                                     "http_proxy=" + proxy_.url(),
                                     "HTTP_PROXY=" + proxy_.url(),
                                     "SQS2PG_LOG_LEVEL=debug"};
    argv.insert(argv.end(), env.begin(), env.end());
    argv.insert(argv.end(), {Sqs2pgBinary(), "check", "--queue-url", queue_url_, "--database-url",
                             database_url_, "--table", table_});
    return RunProcess(argv, {}, std::chrono::seconds(60));
  }

  // The proxy carried SQS (the variables still apply there) but nothing for `endpoint`.
  void ExpectOnlySqsWentThroughTheProxy(const std::string& endpoint) {
    const std::vector<std::string> requests = proxy_.requests();
    EXPECT_FALSE(requests.empty()) << "SQS requests no longer honour http_proxy";
    for (const std::string& r : requests) {
      EXPECT_EQ(r.find(endpoint), std::string::npos) << "went through the proxy: " << r;
    }
    EXPECT_EQ(proxy_.secrets_seen(), 0);
  }

  static void ExpectNoSecrets(const std::string& output) {
    for (const char* secret : {kSecret, kSessionToken, kAuthToken}) {
      EXPECT_EQ(output.find(secret), std::string::npos) << "leaked:\n" << output;
    }
  }

  aws::testing::TempDir home_;
  ForwardingProxy proxy_;
};

TEST_F(CredentialProxyTest, ContainerCredentialsBypassTheProxy) {
  std::mutex mu;
  std::vector<std::string> authorizations;
  LoopbackServer agent;
  agent.server().Get("/v1/credentials", [&](const httplib::Request& req, httplib::Response& res) {
    {
      std::lock_guard<std::mutex> lock(mu);
      authorizations.push_back(req.get_header_value("Authorization"));
    }
    res.set_content(CredentialsJson(false), "application/json");
  });
  agent.Start();

  ProcessResult r =
      CheckThroughProxy({"AWS_EC2_METADATA_DISABLED=true",
                         "AWS_CONTAINER_CREDENTIALS_FULL_URI=" + agent.url() + "/v1/credentials",
                         "AWS_CONTAINER_AUTHORIZATION_TOKEN=" + std::string(kAuthToken)});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("[ ok ] credentials  container"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("[ ok ] queue"), std::string::npos) << r.output;
  ExpectNoSecrets(r.output);
  agent.Stop();
  {
    std::lock_guard<std::mutex> lock(mu);
    EXPECT_EQ(authorizations, (std::vector<std::string>{kAuthToken}));
  }
  ExpectOnlySqsWentThroughTheProxy(agent.url());
}

TEST_F(CredentialProxyTest, InstanceMetadataCredentialsBypassTheProxy) {
  std::mutex mu;
  std::vector<std::string> log;
  LoopbackServer imds;
  imds.server().Put("/latest/api/token", [&](const httplib::Request&, httplib::Response& res) {
    std::lock_guard<std::mutex> lock(mu);
    log.push_back("PUT token");
    res.set_content("imds-session-token-1", "text/plain");
  });
  imds.server().Get(
      "/latest/meta-data/iam/security-credentials/(.*)",
      [&](const httplib::Request& req, httplib::Response& res) {
        std::lock_guard<std::mutex> lock(mu);
        log.push_back("GET " + std::string(req.matches[1]) + " " +
                      req.get_header_value("X-aws-ec2-metadata-token"));
        if (req.get_header_value("X-aws-ec2-metadata-token") != "imds-session-token-1") {
          res.status = 401;
        } else if (std::string(req.matches[1]).empty()) {
          res.set_content("proxy-it-role\n", "text/plain");
        } else {
          res.set_content(CredentialsJson(true), "text/plain");
        }
      });
  imds.Start();

  ProcessResult r = CheckThroughProxy({"AWS_EC2_METADATA_SERVICE_ENDPOINT=" + imds.url()});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("[ ok ] credentials  EC2 instance metadata"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("[ ok ] queue"), std::string::npos) << r.output;
  ExpectNoSecrets(r.output);
  imds.Stop();
  {
    std::lock_guard<std::mutex> lock(mu);
    EXPECT_EQ(log, (std::vector<std::string>{"PUT token", "GET  imds-session-token-1",
                                             "GET proxy-it-role imds-session-token-1"}));
  }
  ExpectOnlySqsWentThroughTheProxy(imds.url());
}

}  // namespace
}  // namespace sqs2pg::testing
