#include "aws/json_client.h"

#include <gtest/gtest.h>

#include <memory>

#include "aws/credential_test_support.h"
#include "aws/scripted_transport.h"

namespace sqs2pg::aws {
namespace {

using testing::Answer;
using testing::FakeClock;
using testing::HeaderOf;
using testing::ScriptedTransport;

class AwsJsonClientTest : public ::testing::Test {
 protected:
  std::unique_ptr<AwsJsonClient> Make(std::vector<Result<HttpResponse>> answers,
                                      int max_attempts = 3) {
    transport_ = std::make_shared<ScriptedTransport>(std::move(answers));
    AwsJsonClient::Options options;
    options.endpoint_url = "http://kms.test:4566/";
    options.region = "eu-west-1";
    options.signing_name = "kms";
    options.target_prefix = "TrentService";
    options.not_found_codes = {"NotFoundException"};
    options.max_attempts = max_attempts;
    return std::make_unique<AwsJsonClient>(
        options, transport_,
        MakeStaticCredentialsProvider({"AKIDEXAMPLE", "secret-never-shown", "", std::nullopt},
                                      "static"),
        clock_);
  }

  FakeClock clock_;
  std::shared_ptr<ScriptedTransport> transport_;
};

TEST_F(AwsJsonClientTest, SendsASignedJson11Post) {
  auto client = Make({Answer(200, R"({"Plaintext":"AAAA"})")});
  Result<std::string> body = client->Call("Decrypt", R"({"CiphertextBlob":"AQID"})", "blob");
  ASSERT_TRUE(body.ok()) << body.status().ToString();
  EXPECT_EQ(*body, R"({"Plaintext":"AAAA"})");
  ASSERT_EQ(transport_->requests().size(), 1u);
  const HttpRequest sent = transport_->requests()[0];
  EXPECT_EQ(sent.method, "POST");
  EXPECT_EQ(sent.url, "http://kms.test:4566/");
  EXPECT_EQ(sent.body, R"({"CiphertextBlob":"AQID"})");
  EXPECT_EQ(HeaderOf(sent, "x-amz-target"), "TrentService.Decrypt");
  EXPECT_EQ(HeaderOf(sent, "content-type"), "application/x-amz-json-1.1");
  EXPECT_EQ(HeaderOf(sent, "host"), "kms.test:4566");
  const std::string authorization = HeaderOf(sent, "authorization");
  EXPECT_NE(authorization.find("Credential=AKIDEXAMPLE/20240314/eu-west-1/kms/aws4_request"),
            std::string::npos)
      << authorization;
  EXPECT_NE(authorization.find("x-amz-target"), std::string::npos) << authorization;
}

TEST_F(AwsJsonClientTest, AccessDeniedNamesTheActionAndTheResource) {
  auto client = Make({Answer(400, R"({"__type":"com.amazonaws.kms#AccessDeniedException",)"
                                  R"("message":"User: arn:aws:sts::1:assumed-role/loader is not )"
                                  R"(authorized to perform: kms:Decrypt"})")});
  Result<std::string> body = client->Call("Decrypt", "{}", "the ciphertext in /etc/k.blob");
  EXPECT_EQ(body.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(body.status().message(),
            "access denied: kms:Decrypt on the ciphertext in /etc/k.blob (AccessDeniedException: "
            "User: arn:aws:sts::1:assumed-role/loader is not authorized to perform: kms:Decrypt)");
  EXPECT_EQ(body.status().message().find('\n'), std::string::npos);
  EXPECT_EQ(transport_->requests().size(), 1u);  // not retried
}

TEST_F(AwsJsonClientTest, XmlAndHeaderErrorsAreUnderstoodToo) {
  auto xml = Make({Answer(403,
                          "<?xml version=\"1.0\"?><ErrorResponse><Errors><Error><Code>AccessDenied"
                          "</Code><Message>User: u is not authorized</Message></Error></Errors>"
                          "</ErrorResponse>")});
  Result<std::string> r = xml->Call("Decrypt", "{}", "x");
  EXPECT_EQ(r.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(r.status().message().find("(AccessDenied: User: u is not authorized)"),
            std::string::npos)
      << r.status().message();

  auto header = Make({Answer(400, "", "NotFoundException:http://internal.amazon.com/")});
  r = header->Call("Decrypt", "{}", "x");
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(r.status().message(), "Decrypt: NotFoundException");
}

TEST_F(AwsJsonClientTest, CodesMapToStatuses) {
  const struct {
    long http;
    const char* type;
    StatusCode code;
  } cases[] = {
      {400, "UnrecognizedClientException", StatusCode::kUnauthenticated},
      {403, "InvalidSignatureException", StatusCode::kPermissionDenied},
      {400, "ExpiredTokenException", StatusCode::kUnauthenticated},
      {400, "InvalidCiphertextException", StatusCode::kInvalidArgument},
      {400, "NotFoundException", StatusCode::kNotFound},
      {401, "", StatusCode::kUnauthenticated},
      {301, "", StatusCode::kInternal},
  };
  for (const auto& c : cases) {
    auto client = Make({Answer(c.http, std::string(R"({"__type":")") + c.type + R"("})")}, 1);
    EXPECT_EQ(client->Call("Decrypt", "{}", "x").status().code(), c.code) << c.type << c.http;
  }
}

TEST_F(AwsJsonClientTest, TransientFailuresAreRetriedUpToMaxAttempts) {
  auto client = Make({UnavailableError("connection refused"), Answer(503, ""),
                      Answer(400, R"({"__type":"ThrottlingException"})"), Answer(200, "{}")},
                     4);
  Result<std::string> r = client->Call("Decrypt", "{}", "x");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(transport_->requests().size(), 4u);

  auto failing = Make({Answer(500, R"({"__type":"KMSInternalException","message":"boom"})")}, 3);
  r = failing->Call("Decrypt", "{}", "x");
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(r.status().message(), "Decrypt: KMSInternalException: boom");
  EXPECT_EQ(transport_->requests().size(), 3u);
}

TEST_F(AwsJsonClientTest, AnUnparsableEndpointFailsWithoutSending) {
  transport_ =
      std::make_shared<ScriptedTransport>(std::vector<Result<HttpResponse>>{Answer(200, "{}")});
  AwsJsonClient::Options options;
  options.endpoint_url = "not a url";
  options.signing_name = "kms";
  AwsJsonClient client(options, transport_,
                       MakeStaticCredentialsProvider({"AKID", "s", "", std::nullopt}, "static"),
                       clock_);
  EXPECT_EQ(client.Call("Decrypt", "{}", "x").status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(transport_->requests().empty());
}

TEST(AwsErrorTest, TruncateUtf8CutsOnCharacterBoundaries) {
  EXPECT_EQ(TruncateUtf8("h\xc3\xa9llo", 2), "h\xc3\xa9");
  EXPECT_EQ(TruncateUtf8("abc", 5), "abc");
}

}  // namespace
}  // namespace sqs2pg::aws
