// SigV4 against AWS's published examples (the aws-sig-v4-test-suite and the IAM ListUsers
// walk-through in the SigV4 documentation) and against botocore's SigV4Auth.
#include "aws/sigv4.h"

#include <gtest/gtest.h>

#include <chrono>

#include "aws/hashing.h"
#include "sqs/json_codec.h"

namespace sqs2pg::aws {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;
using std::chrono::sys_days;

constexpr char kSuiteKeyId[] = "AKIDEXAMPLE";
constexpr char kSuiteSecret[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr char kEmptySha256[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
constexpr char kSuiteScopePrefix[] =
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, ";

std::chrono::system_clock::time_point SuiteTime() {
  using namespace std::chrono;
  return sys_days{year{2015} / August / 30} + hours(12) + minutes(36);
}

Credentials SuiteCredentials(std::string token = "") {
  return Credentials{kSuiteKeyId, kSuiteSecret, std::move(token), std::nullopt};
}

std::string Find(const HeaderList& headers, std::string_view name) {
  for (const auto& [n, v] : headers) {
    std::string lower;
    for (char c : n)
      lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    if (lower == name) return v;
  }
  return "<absent>";
}

// Signs a test-suite request through the public entry point.
std::string SuiteAuthorization(std::string method, std::string url, HeaderList headers = {},
                               std::string_view body = "", std::string token = "") {
  SigningInput in;
  in.method = std::move(method);
  in.url = std::move(url);
  in.headers = std::move(headers);
  in.body = body;
  in.region = "us-east-1";
  in.service = "service";
  in.time = SuiteTime();
  return Find(SignRequest(in, SuiteCredentials(std::move(token))), "authorization");
}

// Signs exactly `headers` through the exposed pieces (for suite cases with custom headers).
std::string SuiteSignatureOfPieces(std::string_view method, std::string_view url,
                                   const HeaderList& headers) {
  CanonicalForm c = CanonicalRequest(method, url, headers, kEmptySha256);
  std::string sts = StringToSign("20150830T123600Z",
                                 CredentialScope("20150830", "us-east-1", "service"), c.request);
  return HexEncode(
      HmacSha256(DeriveSigningKey(kSuiteSecret, "20150830", "us-east-1", "service"), sts));
}

TEST(SigV4Test, DerivesTheDocumentedSigningKey) {
  // "Examples of how to derive a signing key for Signature Version 4".
  EXPECT_EQ(HexEncode(DeriveSigningKey(kSuiteSecret, "20120215", "us-east-1", "iam")),
            "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
  EXPECT_EQ(HexEncode(DeriveSigningKey(kSuiteSecret, "20150830", "us-east-1", "iam")),
            "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9");
}

TEST(SigV4Test, IamListUsersExampleStepByStep) {
  const std::string url = "https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08";
  const HeaderList headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
                              {"Host", "iam.amazonaws.com"},
                              {"X-Amz-Date", "20150830T123600Z"}};
  CanonicalForm c = CanonicalRequest("GET", url, headers, kEmptySha256);
  EXPECT_EQ(c.request,
            "GET\n"
            "/\n"
            "Action=ListUsers&Version=2010-05-08\n"
            "content-type:application/x-www-form-urlencoded; charset=utf-8\n"
            "host:iam.amazonaws.com\n"
            "x-amz-date:20150830T123600Z\n"
            "\n"
            "content-type;host;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(c.signed_headers, "content-type;host;x-amz-date");
  EXPECT_EQ(Sha256Hex(c.request),
            "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59");

  const std::string sts =
      StringToSign("20150830T123600Z", CredentialScope("20150830", "us-east-1", "iam"), c.request);
  EXPECT_EQ(sts,
            "AWS4-HMAC-SHA256\n"
            "20150830T123600Z\n"
            "20150830/us-east-1/iam/aws4_request\n"
            "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59");
  EXPECT_EQ(
      HexEncode(HmacSha256(DeriveSigningKey(kSuiteSecret, "20150830", "us-east-1", "iam"), sts)),
      "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
}

TEST(SigV4Test, IamListUsersExampleThroughSignRequest) {
  SigningInput in;
  in.method = "GET";
  in.url = "https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08";
  in.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
  in.region = "us-east-1";
  in.service = "iam";
  in.time = SuiteTime();
  HeaderList out = SignRequest(in, SuiteCredentials());
  EXPECT_EQ(Find(out, "x-amz-date"), "20150830T123600Z");
  EXPECT_EQ(Find(out, "x-amz-security-token"), "<absent>");
  EXPECT_EQ(Find(out, "authorization"),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "
            "SignedHeaders=content-type;host;x-amz-date, "
            "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
}

// SignRequest keeps each thread's last signing key: a change of secret, day, region or service
// must derive a new one. Each signature is compared with one made from a freshly derived key.
TEST(SigV4Test, TheCachedSigningKeyFollowsSecretDayRegionAndService) {
  using namespace std::chrono;
  const auto expected = [](const SigningInput& in, const Credentials& c) {
    const std::string date = FormatAmzDate(in.time).substr(0, 8);
    const CanonicalForm canonical = CanonicalRequest(
        in.method, in.url, {{"host", "iam.amazonaws.com"}, {"x-amz-date", FormatAmzDate(in.time)}},
        Sha256Hex(in.body));
    const std::string sts = StringToSign(
        FormatAmzDate(in.time), CredentialScope(date, in.region, in.service), canonical.request);
    return HexEncode(
        HmacSha256(DeriveSigningKey(c.secret_access_key, date, in.region, in.service), sts));
  };
  SigningInput in;
  in.method = "GET";
  in.url = "https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08";
  in.region = "us-east-1";
  in.service = "iam";
  in.time = SuiteTime();
  Credentials first{"AKIDEXAMPLE", "secret-one", "", std::nullopt};
  Credentials second{"AKIDEXAMPLE", "secret-two", "", std::nullopt};
  std::vector<std::pair<SigningInput, Credentials>> sequence;
  sequence.emplace_back(in, first);
  sequence.emplace_back(in, second);  // another secret
  SigningInput next_day = in;
  next_day.time += hours(24);
  sequence.emplace_back(next_day, second);
  SigningInput other_region = next_day;
  other_region.region = "eu-west-1";
  sequence.emplace_back(other_region, second);
  SigningInput other_service = other_region;
  other_service.service = "sts";
  sequence.emplace_back(other_service, second);
  sequence.emplace_back(in, first);  // back to the first
  for (const auto& [input, credentials] : sequence) {
    const std::string authorization = Find(SignRequest(input, credentials), "authorization");
    EXPECT_TRUE(authorization.ends_with("Signature=" + expected(input, credentials)))
        << authorization;
  }
}

TEST(SigV4Test, GetVanilla) {
  const HeaderList headers = {{"Host", "example.amazonaws.com"},
                              {"X-Amz-Date", "20150830T123600Z"}};
  CanonicalForm c =
      CanonicalRequest("GET", "https://example.amazonaws.com/", headers, kEmptySha256);
  EXPECT_EQ(c.request,
            "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(StringToSign("20150830T123600Z", "20150830/us-east-1/service/aws4_request", c.request),
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
            "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63");
  EXPECT_EQ(SuiteAuthorization("GET", "https://example.amazonaws.com/"),
            std::string(kSuiteScopePrefix) +
                "SignedHeaders=host;x-amz-date, "
                "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

TEST(SigV4Test, PostXWwwFormUrlencoded) {
  const HeaderList headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                              {"Host", "example.amazonaws.com"},
                              {"X-Amz-Date", "20150830T123600Z"}};
  CanonicalForm c = CanonicalRequest("POST", "https://example.amazonaws.com/", headers,
                                     Sha256Hex("Param1=value1"));
  EXPECT_EQ(c.request,
            "POST\n/\n\ncontent-type:application/x-www-form-urlencoded\n"
            "host:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
            "content-type;host;x-amz-date\n"
            "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e");
  EXPECT_EQ(StringToSign("20150830T123600Z", "20150830/us-east-1/service/aws4_request", c.request),
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
            "42a5e5bb34198acb3e84da4f085bb7927f2bc277ca766e6d19c73c2154021281");
  EXPECT_EQ(
      SuiteAuthorization("POST", "https://example.amazonaws.com/",
                         {{"Content-Type", "application/x-www-form-urlencoded"}}, "Param1=value1"),
      std::string(kSuiteScopePrefix) +
          "SignedHeaders=content-type;host;x-amz-date, "
          "Signature=ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a");
}

TEST(SigV4Test, PostStsHeaderBeforeSignsTheSessionToken) {
  const std::string token =
      "AQoDYXdzEPT//////////"
      "wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPf"
      "IeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7"
      "WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm"
      "8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==";
  SigningInput in;
  in.method = "POST";
  in.url = "https://example.amazonaws.com/";
  in.region = "us-east-1";
  in.service = "service";
  in.time = SuiteTime();
  HeaderList out = SignRequest(in, SuiteCredentials(token));
  EXPECT_EQ(Find(out, "x-amz-security-token"), token);
  EXPECT_EQ(Find(out, "authorization"),
            std::string(kSuiteScopePrefix) +
                "SignedHeaders=host;x-amz-date;x-amz-security-token, "
                "Signature=85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead");
}

TEST(SigV4Test, QueryParametersAreSortedByKeyThenValue) {
  const HeaderList headers = {{"Host", "example.amazonaws.com"},
                              {"X-Amz-Date", "20150830T123600Z"}};
  CanonicalForm c = CanonicalRequest(
      "GET", "https://example.amazonaws.com/?Param1=value2&Param1=Value1", headers, kEmptySha256);
  EXPECT_EQ(c.request,
            "GET\n/\nParam1=Value1&Param1=value2\nhost:example.amazonaws.com\n"
            "x-amz-date:20150830T123600Z\n\nhost;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(StringToSign("20150830T123600Z", "20150830/us-east-1/service/aws4_request", c.request),
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
            "704b4cef673542d84cdff252633f065e8daeba5f168b77116f8b1bcaf3d38f89");
  EXPECT_EQ(SuiteAuthorization("GET", "https://example.amazonaws.com/?Param1=value2&Param1=Value1"),
            std::string(kSuiteScopePrefix) +
                "SignedHeaders=host;x-amz-date, "
                "Signature=eedbc4e291e521cf13422ffca22be7d2eb8146eecf653089df300a15b2382bd1");
}

struct SuiteCase {
  const char* name;
  const char* method;
  const char* url;
  const char* signature;
};

TEST(SigV4Test, TestSuiteCasesWithoutCustomHeaders) {
  const SuiteCase cases[] = {
      {"post-vanilla", "POST", "https://example.amazonaws.com/",
       "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"},
      {"get-vanilla-query-order-key-case", "GET",
       "https://example.amazonaws.com/?Param2=value2&Param1=value1",
       "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"},
      {"get-vanilla-empty-query-key", "GET", "https://example.amazonaws.com/?Param1=value1",
       "a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb"},
      {"get-vanilla-query-unreserved", "GET",
       "https://example.amazonaws.com/?-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrst"
       "uvwxyz=-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
       "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197"},
      {"get-utf8", "GET", "https://example.amazonaws.com/\xE1\x88\xB4",
       "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"},
      {"get-vanilla-utf8-query", "GET", "https://example.amazonaws.com/?\xE1\x88\xB4=bar",
       "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04"},
      {"get-unreserved", "GET",
       "https://example.amazonaws.com/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstu"
       "vwxyz",
       "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f"},
      {"normalize-path/get-space", "GET", "https://example.amazonaws.com/example space/",
       "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741"},
      {"normalize-path/get-slashes", "GET", "https://example.amazonaws.com//example//",
       "9a624bd73a37c9a373b5312afbebe7a714a789de108f0bdfe846570885f57e84"},
      {"normalize-path/get-relative-relative", "GET",
       "https://example.amazonaws.com/example1/example2/../..",
       "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
  };
  for (const SuiteCase& c : cases) {
    EXPECT_EQ(
        SuiteAuthorization(c.method, c.url),
        std::string(kSuiteScopePrefix) + "SignedHeaders=host;x-amz-date, Signature=" + c.signature)
        << c.name;
  }
}

TEST(SigV4Test, TestSuiteCasesWithCustomHeaders) {
  // SignRequest signs only host, content-type and x-amz-*, so these go through the pieces.
  EXPECT_EQ(SuiteSignatureOfPieces("POST", "https://example.amazonaws.com/",
                                   {{"Host", "example.amazonaws.com"},
                                    {"My-Header1", "value1"},
                                    {"X-Amz-Date", "20150830T123600Z"}}),
            "c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c");  // key-sort
  EXPECT_EQ(SuiteSignatureOfPieces("GET", "https://example.amazonaws.com/",
                                   {{"Host", "example.amazonaws.com"},
                                    {"My-Header1", " value1"},
                                    {"My-Header2", " \"a   b   c\""},
                                    {"X-Amz-Date", "20150830T123600Z"}}),
            "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736");  // value-trim
}

// Fixtures generated once with botocore 1.43.11 (botocore.auth.SigV4Auth, service "sqs",
// region eu-west-1, X-Amz-Date 20240314T092653Z), not at test time.
constexpr char kBotoKeyId[] = "AKIAIOSFODNN7EXAMPLE";
constexpr char kBotoSecret[] = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
constexpr char kBotoToken[] = "FwoGZXIvYXdzEXAMPLE//+/token==";
constexpr char kBotoBody[] =
    "{\"QueueUrl\":\"https://sqs.eu-west-1.amazonaws.com/123456789012/login-events\","
    "\"MaxNumberOfMessages\":10,\"WaitTimeSeconds\":20,"
    "\"MessageSystemAttributeNames\":[\"SentTimestamp\",\"ApproximateReceiveCount\","
    "\"MessageGroupId\"],"
    "\"AttributeNames\":[\"SentTimestamp\",\"ApproximateReceiveCount\",\"MessageGroupId\"],"
    "\"MessageAttributeNames\":[\"All\"]}";

std::string SignLikeSqsClient(const std::string& url, const std::string& token) {
  using namespace std::chrono;
  SigningInput in;
  in.method = "POST";
  in.url = url;
  in.headers = {{"Content-Type", "application/x-amz-json-1.0"},
                {"X-Amz-Target", "AmazonSQS.ReceiveMessage"}};
  in.body = kBotoBody;
  in.region = "eu-west-1";
  in.service = "sqs";
  in.time = sys_days{year{2024} / March / 14} + hours(9) + minutes(26) + seconds(53);
  return Find(SignRequest(in, Credentials{kBotoKeyId, kBotoSecret, token, std::nullopt}),
              "authorization");
}

TEST(SigV4Test, MatchesBotocoreForAnSqsJsonReceiveMessage) {
  // The fixture body is exactly what our codec sends for this request (with message attributes,
  // as the tests' DLQ reads ask).
  sqs::ReceiveRequest r;
  r.message_attributes = true;
  EXPECT_EQ(*sqs::json_codec::EncodeReceiveMessage(
                "https://sqs.eu-west-1.amazonaws.com/123456789012/login-events", r),
            kBotoBody);

  const std::string prefix =
      "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240314/eu-west-1/sqs/aws4_request, ";
  EXPECT_EQ(SignLikeSqsClient("https://sqs.eu-west-1.amazonaws.com/", ""),
            prefix +
                "SignedHeaders=content-type;host;x-amz-date;x-amz-target, "
                "Signature=26dd00d3a2b808e0eb7c01d8e45e43b731c13a5220120b00ff2dcb3682487c23");
  EXPECT_EQ(SignLikeSqsClient("http://127.0.0.1:4566/", ""),
            prefix +
                "SignedHeaders=content-type;host;x-amz-date;x-amz-target, "
                "Signature=53549a62c2fe405b5a436075147a02382eb31e01546ea6e7ceb0d85f0d8d9877");
  EXPECT_EQ(SignLikeSqsClient("https://sqs.eu-west-1.amazonaws.com/", kBotoToken),
            prefix +
                "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target, "
                "Signature=5beb71350b6a93d632cdc2fcfc2bd2bc68b633e8f4c91f5fd3e93ed45c396205");
  EXPECT_EQ(SignLikeSqsClient("http://127.0.0.1:4566/", kBotoToken),
            prefix +
                "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target, "
                "Signature=9fbe4b65648585782348ea032c3fecfe6ada6d314605360ebf19ff7fbf24835c");
}

TEST(SigV4Test, ReplacesStaleDateTokenAndAuthorizationAndSkipsUnsignableHeaders) {
  const std::string fresh = SuiteAuthorization("GET", "https://example.amazonaws.com/");
  const std::string with_stale = SuiteAuthorization("GET", "https://example.amazonaws.com/",
                                                    {{"X-Amz-Date", "19990101T000000Z"},
                                                     {"Authorization", "AWS4-HMAC-SHA256 stale"},
                                                     {"X-Amz-Security-Token", "stale-token"},
                                                     {"User-Agent", "sqs2pg/test"},
                                                     {"Accept", "*/*"}});
  EXPECT_EQ(with_stale, fresh);
}

TEST(SigV4Test, HostComesFromTheUrlWithoutDefaultPort) {
  // An explicit Host header wins; otherwise the URL's, lower-cased, without a default port.
  EXPECT_EQ(SuiteAuthorization("GET", "https://EXAMPLE.amazonaws.com:443/"),
            SuiteAuthorization("GET", "https://example.amazonaws.com/"));
  EXPECT_EQ(
      SuiteAuthorization("GET", "https://other.example/", {{"Host", "example.amazonaws.com"}}),
      SuiteAuthorization("GET", "https://example.amazonaws.com/"));
  EXPECT_NE(SuiteAuthorization("GET", "https://example.amazonaws.com:8443/"),
            SuiteAuthorization("GET", "https://example.amazonaws.com/"));
}

TEST(SigV4Test, EncodingRules) {
  EXPECT_EQ(UriEncode("a b/c~d*e+f=", false), "a%20b%2Fc~d%2Ae%2Bf%3D");
  EXPECT_EQ(UriEncode("a b/c", true), "a%20b/c");
  EXPECT_EQ(UriEncode("\xC3\xA9", false), "%C3%A9");
  EXPECT_EQ(CanonicalUri(""), "/");
  EXPECT_EQ(CanonicalUri("/./"), "/");
  EXPECT_EQ(CanonicalUri("/a/./b/../c/"), "/a/c/");
  // Non-S3 services encode the path as given once more, so an escape gets escaped (as botocore).
  EXPECT_EQ(CanonicalUri("/a%20b"), "/a%2520b");
  EXPECT_EQ(CanonicalQueryString("b=2&a=1&A=0"), "A=0&a=1&b=2");
  EXPECT_EQ(CanonicalQueryString("key"), "key=");
  EXPECT_EQ(CanonicalQueryString("q=a%2fb&p=a+b"), "p=a%2Bb&q=a%2Fb");
  EXPECT_EQ(FormatAmzDate(SuiteTime()), "20150830T123600Z");
}

}  // namespace
}  // namespace sqs2pg::aws
