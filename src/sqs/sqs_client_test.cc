#include "sqs/sqs_client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <deque>
#include <mutex>
#include <thread>

#include "aws/hashing.h"
#include "aws/sigv4.h"

namespace sqs2pg::sqs {
namespace {

using std::chrono::milliseconds;

constexpr char kQueue[] = "http://sqs.us-east-1.localhost:4566/000000000000/login-events";
constexpr char kEndpoint[] = "http://127.0.0.1:4566";

class FakeClock final : public Clock {
 public:
  std::chrono::system_clock::time_point WallNow() override {
    return std::chrono::system_clock::time_point(std::chrono::seconds(1710408413));
  }
  std::chrono::steady_clock::time_point SteadyNow() override { return {}; }
  void SleepFor(milliseconds d) override {
    std::lock_guard<std::mutex> lock(mu);
    sleeps.push_back(d);
  }
  std::mutex mu;
  std::vector<milliseconds> sleeps;
};

// Replays scripted results in order (the last one repeats) and records every request.
class FakeTransport final : public aws::HttpTransport {
 public:
  Result<aws::HttpResponse> Send(const aws::HttpRequest& request) override {
    std::lock_guard<std::mutex> lock(mu_);
    requests.push_back(request);
    if (script_.empty()) return Ok(200, "{}");
    Result<aws::HttpResponse> r = script_.front();
    if (script_.size() > 1) script_.pop_front();
    return r;
  }
  void Reset() {
    std::lock_guard<std::mutex> lock(mu_);
    script_.clear();
    requests.clear();
  }
  void Push(Result<aws::HttpResponse> r) {
    std::lock_guard<std::mutex> lock(mu_);
    script_.push_back(std::move(r));
  }
  static aws::HttpResponse Ok(long status, std::string body,
                              std::vector<std::pair<std::string, std::string>> headers = {}) {
    aws::HttpResponse r;
    r.status = status;
    r.body = std::move(body);
    r.headers = std::move(headers);
    return r;
  }
  static aws::HttpResponse Error(long status, std::string_view type, std::string_view message) {
    return Ok(status, "{\"__type\":\"com.amazonaws.sqs#" + std::string(type) + "\",\"message\":\"" +
                          std::string(message) + "\"}");
  }

  std::vector<aws::HttpRequest> requests;

 private:
  std::mutex mu_;
  std::deque<Result<aws::HttpResponse>> script_;
};

class CountingCredentials final : public aws::CredentialsProvider {
 public:
  explicit CountingCredentials(aws::Credentials c) : c_(std::move(c)) {}
  Result<aws::Credentials> GetCredentials() override {
    ++calls;
    return c_;
  }
  std::string_view Name() const override { return "counting"; }
  std::atomic<int> calls{0};

 private:
  aws::Credentials c_;
};

std::string Header(const aws::HttpRequest& r, std::string_view lower_name) {
  for (const auto& [n, v] : r.headers) {
    std::string lower;
    for (char c : n)
      lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    if (lower == lower_name) return v;
  }
  return "<absent>";
}

class SqsClientTest : public ::testing::Test {
 protected:
  explicit SqsClientTest(std::string token = "")
      : transport_(std::make_shared<FakeTransport>()),
        credentials_(std::make_shared<CountingCredentials>(
            aws::Credentials{"AKIDEXAMPLE", "secret-key-value", std::move(token), std::nullopt})),
        client_({kEndpoint, "us-east-1", 3}, transport_, credentials_, clock_) {}

  FakeClock clock_;
  std::shared_ptr<FakeTransport> transport_;
  std::shared_ptr<CountingCredentials> credentials_;
  SqsClient client_;
};

class SqsClientSessionTokenTest : public SqsClientTest {
 protected:
  SqsClientSessionTokenTest() : SqsClientTest("session-token-value") {}
};

std::string MessageJson(std::string_view id, std::string_view body, std::string_view md5) {
  return "{\"MessageId\":\"" + std::string(id) + "\",\"ReceiptHandle\":\"rh-" + std::string(id) +
         "\",\"MD5OfBody\":\"" + std::string(md5) + "\",\"Body\":\"" + std::string(body) +
         "\",\"Attributes\":{\"SentTimestamp\":\"1710408400000\","
         "\"ApproximateReceiveCount\":\"2\"}}";
}

TEST_F(SqsClientTest, ReceiveSendsASignedJsonRequestToTheEndpoint) {
  transport_->Push(FakeTransport::Ok(
      200, "{\"Messages\":[" + MessageJson("m1", "hello", aws::Md5Hex("hello")) + "]}"));
  Result<ReceiveResult> r = client_.ReceiveMessage(kQueue, ReceiveRequest{});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->messages.size(), 1u);
  EXPECT_EQ(r->messages[0].message_id, "m1");
  EXPECT_EQ(r->messages[0].receipt_handle, "rh-m1");
  EXPECT_EQ(r->messages[0].body, "hello");
  EXPECT_EQ(r->messages[0].sent_timestamp_ms, 1710408400000);
  EXPECT_EQ(r->messages[0].receive_count, 2);
  EXPECT_EQ(r->md5_mismatches, 0);

  ASSERT_EQ(transport_->requests.size(), 1u);
  const aws::HttpRequest& req = transport_->requests[0];
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.url, "http://127.0.0.1:4566/");  // never the queue URL's host
  EXPECT_EQ(req.timeout, milliseconds(30000));   // WaitTimeSeconds 20 + 10
  EXPECT_EQ(Header(req, "host"), "127.0.0.1:4566");
  EXPECT_EQ(Header(req, "content-type"), "application/x-amz-json-1.0");
  EXPECT_EQ(Header(req, "x-amz-target"), "AmazonSQS.ReceiveMessage");
  EXPECT_EQ(Header(req, "x-amz-date"), "20240314T092653Z");
  EXPECT_EQ(Header(req, "x-amz-security-token"), "<absent>");
  EXPECT_NE(req.body.find(std::string("\"QueueUrl\":\"") + kQueue + "\""), std::string::npos);

  const std::string authz = Header(req, "authorization");
  EXPECT_TRUE(authz.starts_with(
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240314/us-east-1/sqs/aws4_request, "
      "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature="))
      << authz;
  // The signature covers what was actually sent.
  aws::SigningInput in{"POST", req.url, {}, req.body, "us-east-1", "sqs", clock_.WallNow()};
  for (const auto& h : req.headers) {
    if (h.first == "Host" || h.first == "Content-Type" || h.first == "X-Amz-Target") {
      in.headers.push_back(h);
    }
  }
  aws::Credentials creds{"AKIDEXAMPLE", "secret-key-value", "", std::nullopt};
  EXPECT_EQ(
      Header(aws::HttpRequest{"POST", "", aws::SignRequest(in, creds), "", {}}, "authorization"),
      authz);
}

TEST_F(SqsClientSessionTokenTest, SessionTokenIsSentAndSigned) {
  ASSERT_TRUE(client_.DeleteMessageBatch(kQueue, {{"0", "rh"}}).ok());
  ASSERT_EQ(transport_->requests.size(), 1u);
  const aws::HttpRequest& req = transport_->requests[0];
  EXPECT_EQ(Header(req, "x-amz-security-token"), "session-token-value");
  EXPECT_NE(Header(req, "authorization")
                .find("SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;"
                      "x-amz-target, "),
            std::string::npos);
  EXPECT_EQ(req.timeout, milliseconds(20000));
}

TEST_F(SqsClientTest, EveryRequestIsSigned) {
  transport_->Push(FakeTransport::Ok(200, "{\"QueueUrl\":\"http://x/q\"}"));
  (void)client_.GetQueueUrl("q");
  (void)client_.CreateQueue("q", {});
  (void)client_.GetQueueAttributes(kQueue, {"All"});
  (void)client_.SendMessageBatch(kQueue, {{"0", "b", {}}});
  (void)client_.ChangeMessageVisibilityBatch(kQueue, {{"0", "rh", 0}});
  ASSERT_EQ(transport_->requests.size(), 5u);
  const char* targets[] = {"GetQueueUrl", "CreateQueue", "GetQueueAttributes", "SendMessageBatch",
                           "ChangeMessageVisibilityBatch"};
  for (size_t i = 0; i < 5; ++i) {
    const aws::HttpRequest& req = transport_->requests[i];
    EXPECT_EQ(Header(req, "x-amz-target"), std::string("AmazonSQS.") + targets[i]);
    EXPECT_TRUE(Header(req, "authorization").starts_with("AWS4-HMAC-SHA256 Credential="));
    EXPECT_EQ(Header(req, "x-amz-date"), "20240314T092653Z");
  }
}

TEST_F(SqsClientTest, RetriesOn503ThenSucceeds) {
  transport_->Push(FakeTransport::Error(503, "ServiceUnavailable", "try later"));
  transport_->Push(FakeTransport::Ok(503, ""));
  transport_->Push(FakeTransport::Ok(200, "{}"));
  Result<ReceiveResult> r = client_.ReceiveMessage(kQueue, ReceiveRequest{});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->messages.empty());
  EXPECT_EQ(transport_->requests.size(), 3u);
  ASSERT_EQ(clock_.sleeps.size(), 2u);
  EXPECT_LE(clock_.sleeps[0], milliseconds(100));
  EXPECT_LE(clock_.sleeps[1], milliseconds(200));
  EXPECT_EQ(credentials_->calls.load(), 3);  // fetched per attempt
}

TEST_F(SqsClientTest, GivesUpAfterMaxAttempts) {
  transport_->Push(UnavailableError("HTTP transport: Couldn't connect to server"));
  Result<ReceiveResult> r = client_.ReceiveMessage(kQueue, ReceiveRequest{});
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(r.status().message(), "ReceiveMessage: HTTP transport: Couldn't connect to server");
  EXPECT_EQ(transport_->requests.size(), 3u);
  EXPECT_EQ(clock_.sleeps.size(), 2u);
}

TEST_F(SqsClientTest, AnOutageExhaustsTheRetryBudgetAndThenCallsFailAtOnce) {
  transport_->Push(FakeTransport::Ok(503, ""));  // forever
  // 500 tokens at 5 per retry: 100 retries in all, whichever calls make them.
  int calls = 0;
  while (client_.retry_tokens() >= aws::RetryBudget::kRetryCost && calls < 1000) {
    EXPECT_EQ(client_.GetQueueUrl("q").status().code(), StatusCode::kUnavailable);
    ++calls;
  }
  EXPECT_EQ(calls, 50);  // two retries each
  EXPECT_EQ(transport_->requests.size(), 150u);
  transport_->requests.clear();
  EXPECT_EQ(client_.GetQueueUrl("q").status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(transport_->requests.size(), 1u);  // no retry storm

  // Once the service answers again, successes refill the bucket and retries resume.
  transport_->Reset();
  transport_->Push(FakeTransport::Ok(200, R"({"QueueUrl": "u"})"));
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(client_.GetQueueUrl("q").ok());
  EXPECT_EQ(client_.retry_tokens(), 10);
}

TEST_F(SqsClientTest, BackoffIsExponentialWithFullJitterAndCap) {
  transport_->Push(FakeTransport::Ok(503, ""));
  SqsClient client({kEndpoint, "us-east-1", 9}, transport_, credentials_, clock_);
  EXPECT_EQ(client.GetQueueUrl("q").status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(transport_->requests.size(), 9u);
  ASSERT_EQ(clock_.sleeps.size(), 8u);
  for (size_t i = 0; i < clock_.sleeps.size(); ++i) {
    EXPECT_GE(clock_.sleeps[i], milliseconds(0));
    EXPECT_LE(clock_.sleeps[i], std::min(milliseconds(5000), milliseconds(100 << i))) << i;
  }
}

TEST_F(SqsClientTest, NoRetryOn400) {
  transport_->Push(FakeTransport::Error(400, "InvalidParameterValue", "bad value"));
  Result<std::vector<BatchFailure>> r = client_.DeleteMessageBatch(kQueue, {{"0", "rh"}});
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "DeleteMessageBatch: InvalidParameterValue: bad value");
  EXPECT_EQ(transport_->requests.size(), 1u);
  EXPECT_TRUE(clock_.sleeps.empty());
}

struct MappingCase {
  long status;
  const char* type;
  std::vector<std::pair<std::string, std::string>> headers;
  StatusCode want;
  size_t want_attempts;
};

TEST_F(SqsClientTest, MapsErrorCodes) {
  const MappingCase cases[] = {
      {400,
       "QueueDoesNotExist",
       {{"x-amzn-query-error", "AWS.SimpleQueueService.NonExistentQueue;Sender"}},
       StatusCode::kNotFound,
       1},
      {403, "AccessDenied", {}, StatusCode::kPermissionDenied, 1},
      {400, "AccessDeniedException", {}, StatusCode::kPermissionDenied, 1},
      {403, "SignatureDoesNotMatch", {}, StatusCode::kUnauthenticated, 1},
      {403, "InvalidClientTokenId", {}, StatusCode::kUnauthenticated, 1},
      {400, "ExpiredToken", {}, StatusCode::kUnauthenticated, 1},
      {400, "ThrottlingException", {}, StatusCode::kUnavailable, 3},
      {400, "RequestThrottled", {}, StatusCode::kUnavailable, 3},
      {500, "InternalError", {}, StatusCode::kUnavailable, 3},
      {400, "UnsupportedOperation", {}, StatusCode::kFailedPrecondition, 1},
  };
  for (const MappingCase& c : cases) {
    auto transport = std::make_shared<FakeTransport>();
    aws::HttpResponse resp = FakeTransport::Error(c.status, c.type, "server says no");
    resp.headers = c.headers;
    transport->Push(resp);
    SqsClient client({kEndpoint, "us-east-1", 3}, transport, credentials_, clock_);
    Result<std::string> r = client.GetQueueUrl("q");
    EXPECT_EQ(r.status().code(), c.want) << c.type;
    EXPECT_EQ(r.status().message(), std::string("GetQueueUrl: ") + c.type + ": server says no");
    EXPECT_EQ(transport->requests.size(), c.want_attempts) << c.type;
  }
}

TEST_F(SqsClientTest, MapsLegacyCodesAndBareStatuses) {
  aws::HttpResponse legacy = FakeTransport::Ok(
      400, "", {{"x-amzn-query-error", "AWS.SimpleQueueService.NonExistentQueue;Sender"}});
  transport_->Push(legacy);
  Result<std::string> r = client_.GetQueueUrl("q");
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(r.status().message(), "GetQueueUrl: AWS.SimpleQueueService.NonExistentQueue");

  auto transport = std::make_shared<FakeTransport>();
  transport->Push(FakeTransport::Ok(502, "<html>Bad Gateway</html>"));
  SqsClient client({kEndpoint, "us-east-1", 2}, transport, credentials_, clock_);
  r = client.GetQueueUrl("q");
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(r.status().message(), "GetQueueUrl: HTTP 502");
  EXPECT_EQ(transport->requests.size(), 2u);
}

TEST_F(SqsClientTest, TruncatesLongServerMessages) {
  transport_->Push(FakeTransport::Error(400, "InvalidParameterValue", std::string(500, 'x')));
  Result<std::string> r = client_.GetQueueUrl("q");
  EXPECT_EQ(r.status().message(), "GetQueueUrl: InvalidParameterValue: " + std::string(200, 'x'));
}

TEST_F(SqsClientTest, Md5MismatchIsDroppedAndCounted) {
  transport_->Push(FakeTransport::Ok(
      200, "{\"Messages\":[" + MessageJson("good", "body-1", aws::Md5Hex("body-1")) + "," +
               MessageJson("bad", "body-2", aws::Md5Hex("tampered")) + "," +
               MessageJson("upper", "body-3", "") + "]}"));
  Result<ReceiveResult> r = client_.ReceiveMessage(kQueue, ReceiveRequest{});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->md5_mismatches, 1);
  ASSERT_EQ(r->messages.size(), 2u);
  EXPECT_EQ(r->messages[0].message_id, "good");
  EXPECT_EQ(r->messages[1].message_id, "upper");  // no MD5OfBody: nothing to verify
}

std::string FifoMessageJson(std::string_view id, std::string_view group, std::string_view body,
                            std::string_view md5) {
  std::string json = MessageJson(id, body, md5);
  const std::string at = "\"ApproximateReceiveCount\":\"2\"";
  json.replace(json.find(at), at.size(), at + ",\"MessageGroupId\":\"" + std::string(group) + "\"");
  return json;
}

TEST_F(SqsClientTest, Md5MismatchWithholdsItsReceiptForTheHandBack) {
  transport_->Push(FakeTransport::Ok(
      200, "{\"Messages\":[" + MessageJson("good", "body-1", aws::Md5Hex("body-1")) + "," +
               MessageJson("bad", "body-2", aws::Md5Hex("tampered")) + "]}"));
  Result<ReceiveResult> r = client_.ReceiveMessage(kQueue, ReceiveRequest{});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->messages.size(), 1u);
  EXPECT_EQ(r->withheld_receipts, std::vector<std::string>{"rh-bad"});
}

// FIFO: after a withheld message, no later message of its group may be processed before it comes
// back; other groups are unaffected.
TEST_F(SqsClientTest, Md5MismatchOnFifoWithholdsTheRestOfItsGroup) {
  transport_->Push(
      FakeTransport::Ok(200, "{\"Messages\":[" + FifoMessageJson("a1", "a", "x", aws::Md5Hex("x")) +
                                 "," + FifoMessageJson("a2", "a", "y", aws::Md5Hex("tampered")) +
                                 "," + FifoMessageJson("b1", "b", "z", aws::Md5Hex("z")) + "," +
                                 FifoMessageJson("a3", "a", "w", aws::Md5Hex("w")) + "," +
                                 FifoMessageJson("b2", "b", "v", aws::Md5Hex("v")) + "]}"));
  Result<ReceiveResult> r = client_.ReceiveMessage(kQueue, ReceiveRequest{});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->md5_mismatches, 1);
  std::vector<std::string> kept;
  for (const auto& m : r->messages) kept.push_back(m.message_id);
  EXPECT_EQ(kept, (std::vector<std::string>{"a1", "b1", "b2"}));
  EXPECT_EQ(r->withheld_receipts, (std::vector<std::string>{"rh-a2", "rh-a3"}));
}

TEST_F(SqsClientTest, Md5ComparisonIgnoresHexCase) {
  std::string md5 = aws::Md5Hex("abc");
  for (char& c : md5) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  transport_->Push(FakeTransport::Ok(200, "{\"Messages\":[" + MessageJson("m", "abc", md5) + "]}"));
  Result<ReceiveResult> r = client_.ReceiveMessage(kQueue, ReceiveRequest{});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->messages.size(), 1u);
  EXPECT_EQ(r->md5_mismatches, 0);
}

TEST_F(SqsClientTest, BatchFailuresComeBackPerEntry) {
  transport_->Push(
      FakeTransport::Ok(200, R"({"Successful":[{"Id":"0"}],"Failed":[{"Id":"1","SenderFault":true,)"
                             R"("Code":"ReceiptHandleIsInvalid","Message":"handle expired"}]})"));
  Result<std::vector<BatchFailure>> r =
      client_.DeleteMessageBatch(kQueue, {{"0", "rh-0"}, {"1", "rh-1"}});
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].id, "1");
  EXPECT_EQ((*r)[0].code, "ReceiptHandleIsInvalid");
  EXPECT_TRUE((*r)[0].sender_fault);
}

TEST_F(SqsClientTest, ValidatesArgumentsWithoutCalling) {
  EXPECT_TRUE(client_.DeleteMessageBatch(kQueue, {})->empty());
  EXPECT_TRUE(client_.SendMessageBatch(kQueue, {})->empty());
  EXPECT_TRUE(client_.ChangeMessageVisibilityBatch(kQueue, {})->empty());
  std::vector<DeleteEntry> eleven(11, DeleteEntry{"i", "r"});
  EXPECT_EQ(client_.DeleteMessageBatch(kQueue, eleven).status().code(),
            StatusCode::kInvalidArgument);
  ReceiveRequest r;
  r.max_messages = 11;
  EXPECT_EQ(client_.ReceiveMessage(kQueue, r).status().code(), StatusCode::kInvalidArgument);
  r.max_messages = 1;
  r.wait_time_seconds = 21;
  EXPECT_EQ(client_.ReceiveMessage(kQueue, r).status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(transport_->requests.empty());
}

TEST_F(SqsClientTest, ReceiveTimeoutFollowsWaitTime) {
  ReceiveRequest r;
  r.wait_time_seconds = 0;
  ASSERT_TRUE(client_.ReceiveMessage(kQueue, r).ok());
  EXPECT_EQ(transport_->requests.at(0).timeout, milliseconds(10000));
}

TEST_F(SqsClientTest, MissingCredentialsAreUnauthenticatedAndSendNothing) {
  SqsClient client({kEndpoint, "us-east-1", 3}, transport_,
                   aws::MakeEnvironmentCredentialsProvider(
                       [](const std::string&) { return std::optional<std::string>(); }),
                   clock_);
  Result<std::string> r = client.GetQueueUrl("q");
  EXPECT_EQ(r.status().code(), StatusCode::kUnauthenticated);
  EXPECT_TRUE(r.status().message().starts_with("GetQueueUrl: credentials (environment): "));
  EXPECT_TRUE(transport_->requests.empty());
}

TEST_F(SqsClientTest, TrailingSlashesOnTheEndpointAreIgnored) {
  SqsClient client({"http://127.0.0.1:4566//", "us-east-1", 3}, transport_, credentials_, clock_);
  ASSERT_TRUE(client.GetQueueAttributes(kQueue, {}).ok());
  EXPECT_EQ(transport_->requests.at(0).url, "http://127.0.0.1:4566/");
}

TEST_F(SqsClientTest, BadEndpointIsInvalidArgument) {
  SqsClient client({"not-a-url", "us-east-1", 3}, transport_, credentials_, clock_);
  EXPECT_EQ(client.GetQueueUrl("q").status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(transport_->requests.empty());
}

TEST_F(SqsClientTest, ErrorsNeverQuoteBodiesOrReceiptHandles) {
  transport_->Push(UnavailableError("HTTP transport: Connection reset by peer"));
  Result<std::vector<BatchFailure>> d =
      client_.DeleteMessageBatch(kQueue, {{"0", "receipt-handle-secret"}});
  Result<std::vector<BatchFailure>> s =
      client_.SendMessageBatch(kQueue, {{"0", "body-secret", {}}});
  for (const Status& st : {d.status(), s.status()}) {
    EXPECT_FALSE(st.ok());
    EXPECT_EQ(st.message().find("secret"), std::string::npos) << st.message();
  }
}

TEST_F(SqsClientTest, QueueOperations) {
  transport_->Push(FakeTransport::Ok(200, R"({"QueueUrl":"http://h/000000000000/q"})"));
  EXPECT_EQ(*client_.CreateQueue("q", {{"VisibilityTimeout", "30"}}), "http://h/000000000000/q");
  EXPECT_EQ(transport_->requests[0].body,
            R"({"QueueName":"q","Attributes":{"VisibilityTimeout":"30"}})");
  auto transport = std::make_shared<FakeTransport>();
  transport->Push(FakeTransport::Ok(200, R"({"Attributes":{"ApproximateNumberOfMessages":"4"}})"));
  SqsClient client({kEndpoint, "eu-west-1", 3}, transport, credentials_, clock_);
  EXPECT_EQ(client.GetQueueAttributes(kQueue, {"ApproximateNumberOfMessages"})
                ->at("ApproximateNumberOfMessages"),
            "4");
  EXPECT_EQ(client.region(), "eu-west-1");
  // The two counts, one of them left out by the server (counts as 0).
  transport->Reset();
  transport->Push(
      FakeTransport::Ok(200, R"({"Attributes":{"ApproximateNumberOfMessagesNotVisible":"12"}})"));
  Result<QueueCounts> counts = client.GetQueueCounts(kQueue);
  ASSERT_TRUE(counts.ok()) << counts.status().ToString();
  EXPECT_EQ(counts->visible, 0);
  EXPECT_EQ(counts->in_flight, 12);
  EXPECT_NE(transport->requests.back().body.find("ApproximateNumberOfMessagesNotVisible"),
            std::string::npos);
}

TEST_F(SqsClientTest, ConcurrentCallsAreSafe) {
  std::vector<std::thread> threads;
  threads.reserve(8);
  std::atomic<int> ok{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        if (client_.ReceiveMessage(kQueue, ReceiveRequest{}).ok()) ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 400);
  EXPECT_EQ(transport_->requests.size(), 400u);
}

// What LocalStack 2.x answers an AWS JSON request: it speaks only the Query protocol.
aws::HttpResponse OldLocalStackRefusal() {
  return FakeTransport::Ok(
      500,
      "<?xml version='1.0' encoding='utf-8'?>\n<ErrorResponse><Error><Code>InternalError</Code>"
      "<Message>exception while calling sqs with unknown operation: Operation detection failed. "
      "Missing Action in request for query-protocol service ServiceModel(sqs)</Message></Error>"
      "</ErrorResponse>");
}

constexpr char kQueryReceiveResponse[] =
    "<ReceiveMessageResponse><ReceiveMessageResult><Message><MessageId>m1</MessageId>"
    "<ReceiptHandle>rh-m1</ReceiptHandle><MD5OfBody>5d41402abc4b2a76b9719d911017c592</MD5OfBody>"
    "<Body>hello</Body></Message></ReceiveMessageResult></ReceiveMessageResponse>";

TEST_F(SqsClientTest, AutoSwitchesToQueryForAQueryOnlyServerWithoutARetry) {
  EXPECT_EQ(client_.protocol(), "json");
  transport_->Push(OldLocalStackRefusal());
  transport_->Push(FakeTransport::Ok(200, kQueryReceiveResponse));
  Result<ReceiveResult> r = client_.ReceiveMessage(kQueue, ReceiveRequest{});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->messages.size(), 1u);
  EXPECT_EQ(r->messages[0].body, "hello");
  EXPECT_EQ(client_.protocol(), "query");
  EXPECT_TRUE(clock_.sleeps.empty());  // the same call again at once, not a backoff
  EXPECT_EQ(client_.retry_tokens(), aws::RetryBudget::kDefaultCapacity);

  ASSERT_EQ(transport_->requests.size(), 2u);
  const aws::HttpRequest& query = transport_->requests[1];
  EXPECT_TRUE(Header(query, "content-type").starts_with("application/x-www-form-urlencoded"));
  EXPECT_EQ(Header(query, "x-amz-target"), "<absent>");
  EXPECT_TRUE(query.body.starts_with("Action=ReceiveMessage")) << query.body;
  EXPECT_TRUE(Header(query, "authorization").find("SignedHeaders=content-type;host;x-amz-date, ") !=
              std::string::npos);

  // Every later call speaks Query from the start.
  transport_->Reset();
  transport_->Push(FakeTransport::Ok(
      200,
      "<DeleteMessageBatchResponse><DeleteMessageBatchResult><DeleteMessageBatchResultEntry>"
      "<Id>0</Id></DeleteMessageBatchResultEntry></DeleteMessageBatchResult>"
      "</DeleteMessageBatchResponse>"));
  Result<std::vector<BatchFailure>> d = client_.DeleteMessageBatch(kQueue, {{"0", "rh-m1"}});
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_TRUE(d->empty());
  ASSERT_EQ(transport_->requests.size(), 1u);
  EXPECT_TRUE(transport_->requests[0].body.starts_with("Action=DeleteMessageBatch"));
}

TEST_F(SqsClientTest, OnceJsonHasWorkedAQueryLikeErrorIsAnOrdinaryFailure) {
  transport_->Push(FakeTransport::Ok(200, "{}"));
  ASSERT_TRUE(client_.ReceiveMessage(kQueue, ReceiveRequest{}).ok());
  transport_->Reset();
  transport_->Push(OldLocalStackRefusal());
  Result<ReceiveResult> r = client_.ReceiveMessage(kQueue, ReceiveRequest{});
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(client_.protocol(), "json");
  EXPECT_EQ(transport_->requests.size(), 3u);  // three attempts, all JSON
  for (const aws::HttpRequest& req : transport_->requests) {
    EXPECT_EQ(Header(req, "x-amz-target"), "AmazonSQS.ReceiveMessage");
  }
}

TEST_F(SqsClientTest, ExplicitProtocolsNeverSwitch) {
  auto transport = std::make_shared<FakeTransport>();
  transport->Push(OldLocalStackRefusal());
  SqsClient::Options json_only{kEndpoint, "us-east-1", 3};
  json_only.protocol = SqsClient::Options::Protocol::kJson;
  SqsClient json_client(json_only, transport, credentials_, clock_);
  Result<ReceiveResult> refused = json_client.ReceiveMessage(kQueue, ReceiveRequest{});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);  // not retried
  EXPECT_NE(refused.status().message().find("--sqs-protocol"), std::string::npos);
  EXPECT_EQ(json_client.protocol(), "json");
  EXPECT_EQ(transport->requests.size(), 1u);

  transport->Reset();
  transport->Push(FakeTransport::Ok(200, kQueryReceiveResponse));
  SqsClient::Options query_only{kEndpoint, "us-east-1", 1};
  query_only.protocol = SqsClient::Options::Protocol::kQuery;
  SqsClient query_client(query_only, transport, credentials_, clock_);
  EXPECT_EQ(query_client.protocol(), "query");
  ASSERT_TRUE(query_client.ReceiveMessage(kQueue, ReceiveRequest{}).ok());
  ASSERT_EQ(transport->requests.size(), 1u);
  EXPECT_TRUE(transport->requests[0].body.starts_with("Action=ReceiveMessage"));
}

TEST(LooksLikeQueryOnlyServerTest, OnlyQueryOnlyAnswersCount) {
  EXPECT_TRUE(LooksLikeQueryOnlyServer(OldLocalStackRefusal()));
  EXPECT_TRUE(LooksLikeQueryOnlyServer(FakeTransport::Ok(
      500,
      R"({"__type":"InternalError","message":"Operation detection failed. Missing Action"})")));
  EXPECT_TRUE(LooksLikeQueryOnlyServer(FakeTransport::Error(400, "InvalidAction", "no")));
  EXPECT_FALSE(LooksLikeQueryOnlyServer(FakeTransport::Ok(503, "")));
  EXPECT_FALSE(LooksLikeQueryOnlyServer(
      FakeTransport::Ok(502, "<html><body>502 Bad Gateway</body></html>")));
  EXPECT_FALSE(LooksLikeQueryOnlyServer(FakeTransport::Error(400, "QueueDoesNotExist", "gone")));
  EXPECT_FALSE(LooksLikeQueryOnlyServer(FakeTransport::Error(500, "InternalError", "oops")));
}

TEST_F(SqsClientTest, EveryAttemptIsReportedWithItsOutcome) {
  auto transport = std::make_shared<FakeTransport>();
  transport->Push(FakeTransport::Error(400, "ThrottlingException", "slow down"));
  transport->Push(FakeTransport::Ok(503, ""));
  transport->Push(FakeTransport::Ok(200, "{}"));
  SqsClient::Options options{kEndpoint, "us-east-1", 3};
  std::vector<std::string> seen;
  options.on_request = [&](std::string_view operation, std::string_view outcome, double seconds) {
    EXPECT_GE(seconds, 0);
    seen.push_back(std::string(operation) + " " + std::string(outcome));
  };
  SqsClient client(options, transport, credentials_, clock_);
  ASSERT_TRUE(client.ReceiveMessage(kQueue, ReceiveRequest{}).ok());
  EXPECT_EQ(seen, (std::vector<std::string>{"ReceiveMessage throttled", "ReceiveMessage error",
                                            "ReceiveMessage ok"}));
}

}  // namespace
}  // namespace sqs2pg::sqs
