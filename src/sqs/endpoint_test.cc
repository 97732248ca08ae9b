#include "sqs/endpoint.h"

#include <gtest/gtest.h>

#include <map>

#include "aws/credential_test_support.h"

namespace sqs2pg::sqs {
namespace {

aws::EnvGetter FakeEnv(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

ResolvedEndpoint Resolve(const EndpointSettings& s, std::map<std::string, std::string> env) {
  Result<ResolvedEndpoint> r = ResolveEndpoint(s, FakeEnv(std::move(env)));
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : ResolvedEndpoint{};
}

const std::map<std::string, std::string> kAllEnv = {{"AWS_ENDPOINT_URL_SQS", "http://sqs-env:4566"},
                                                    {"AWS_ENDPOINT_URL", "http://generic-env:4566"},
                                                    {"AWS_REGION", "eu-west-1"},
                                                    {"AWS_DEFAULT_REGION", "eu-west-2"}};

TEST(EndpointTest, FlagsWinOverEverything) {
  ResolvedEndpoint r = Resolve(
      {"http://flag:9324/", "ap-south-1", "https://sqs.us-west-2.amazonaws.com/1/q"}, kAllEnv);
  EXPECT_EQ(r.url, "http://flag:9324");
  EXPECT_EQ(r.region, "ap-south-1");
}

TEST(EndpointTest, EnvironmentPrecedence) {
  auto env = kAllEnv;
  EXPECT_EQ(Resolve({}, env).url, "http://sqs-env:4566");
  EXPECT_EQ(Resolve({}, env).region, "eu-west-1");
  env.erase("AWS_ENDPOINT_URL_SQS");
  env.erase("AWS_REGION");
  EXPECT_EQ(Resolve({}, env).url, "http://generic-env:4566");
  EXPECT_EQ(Resolve({}, env).region, "eu-west-2");
  env.erase("AWS_ENDPOINT_URL");
  EXPECT_EQ(Resolve({}, env).url, "https://sqs.eu-west-2.amazonaws.com");
}

TEST(EndpointTest, EmptyValuesCountAsUnset) {
  ResolvedEndpoint r = Resolve({"", "", ""}, {{"AWS_ENDPOINT_URL_SQS", ""},
                                              {"AWS_ENDPOINT_URL", "http://generic:1"},
                                              {"AWS_REGION", ""},
                                              {"AWS_DEFAULT_REGION", "us-west-1"}});
  EXPECT_EQ(r.url, "http://generic:1");
  EXPECT_EQ(r.region, "us-west-1");
}

TEST(EndpointTest, RegionFromQueueUrlThenDefault) {
  EXPECT_EQ(Resolve({"", "", "https://sqs.eu-central-1.amazonaws.com/123/q"}, {}).region,
            "eu-central-1");
  EXPECT_EQ(Resolve({"", "", "https://sqs.eu-central-1.amazonaws.com/123/q"}, {}).url,
            "https://sqs.eu-central-1.amazonaws.com");
  EXPECT_EQ(Resolve({"", "", ""}, {}).region, "us-east-1");
  EXPECT_EQ(Resolve({"", "", ""}, {}).url, "https://sqs.us-east-1.amazonaws.com");
  EXPECT_EQ(Resolve({"", "", "http://localhost:4566/000000000000/q"}, {}).region, "us-east-1");
  EXPECT_EQ(Resolve({"", "", ""}, {{"AWS_REGION", "cn-north-1"}}).url,
            "https://sqs.cn-north-1.amazonaws.com.cn");
  // The queue URL's host never becomes the endpoint.
  EXPECT_EQ(Resolve({"", "", "http://sqs.us-west-2.localhost:4566/000000000000/q"},
                    {{"AWS_ENDPOINT_URL", "http://localhost:4566"}})
                .url,
            "http://localhost:4566");
}

TEST(EndpointTest, RegionFromQueueUrlShapes) {
  EXPECT_EQ(RegionFromQueueUrl("https://sqs.us-east-2.amazonaws.com/1/q"), "us-east-2");
  EXPECT_EQ(RegionFromQueueUrl("https://ap-northeast-1.queue.amazonaws.com/1/q"), "ap-northeast-1");
  EXPECT_EQ(RegionFromQueueUrl("http://sqs.eu-west-3.localhost:4566/000000000000/q"), "eu-west-3");
  EXPECT_EQ(RegionFromQueueUrl("http://sqs.us-gov-west-1.amazonaws.com/1/q"), "us-gov-west-1");
  EXPECT_EQ(
      RegionFromQueueUrl("http://sqs.ca-central-1.localhost.localstack.cloud:4566/000000000000/q"),
      "ca-central-1");
  EXPECT_EQ(RegionFromQueueUrl("http://localhost.localstack.cloud:4566/000000000000/q"), "");
  EXPECT_EQ(RegionFromQueueUrl("http://elasticmq:9324/queue/q"), "");
  EXPECT_EQ(RegionFromQueueUrl("https://queue.amazonaws.com/1/q"), "");
  EXPECT_EQ(RegionFromQueueUrl("not a url"), "");
}

TEST(EndpointTest, RejectsBadEndpointsAndRegions) {
  EXPECT_EQ(ResolveEndpoint({"ftp://x", "", ""}, FakeEnv({})).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ResolveEndpoint({"localhost:4566", "", ""}, FakeEnv({})).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ResolveEndpoint({"http://", "", ""}, FakeEnv({})).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ResolveEndpoint({"", "us-east-1/evil", ""}, FakeEnv({})).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ResolveEndpoint({"", "", ""}, FakeEnv({{"AWS_ENDPOINT_URL", "http://h?x=1"}}))
                .status()
                .code(),
            StatusCode::kInvalidArgument);
}

// Region step 4: the active profile's `region` in the shared config file.
class EndpointProfileRegionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_ = dir_.Write("config",
                         "[default]\nregion = eu-north-1\n\n"
                         "[profile prod]\nregion = ap-southeast-2 ; inline comment\n\n"
                         "[profile broken]\nregion = eu west 1\n\n"
                         "[profile noregion]\noutput = json\n");
  }
  std::map<std::string, std::string> Env(std::map<std::string, std::string> extra = {}) {
    extra.emplace("AWS_CONFIG_FILE", config_);
    extra.emplace("HOME", dir_.path());  // no ~/.aws there
    return extra;
  }

  aws::testing::TempDir dir_;
  std::string config_;
};

TEST_F(EndpointProfileRegionTest, ProfileRegionWhenNothingElseNamesOne) {
  ResolvedEndpoint r = Resolve({}, Env());
  EXPECT_EQ(r.region, "eu-north-1");
  EXPECT_EQ(r.region_source, "profile default in the shared config file");
  EXPECT_EQ(r.url, "https://sqs.eu-north-1.amazonaws.com");
  EXPECT_EQ(r.url_source, "the region");

  r = Resolve({}, Env({{"AWS_PROFILE", "prod"}}));
  EXPECT_EQ(r.region, "ap-southeast-2");
  EXPECT_EQ(r.region_source, "profile prod in the shared config file");
  // A queue URL without a region (an emulator's, the legacy global host) does not stop it.
  EXPECT_EQ(Resolve({"", "", "http://localhost.localstack.cloud:4566/000000000000/q"},
                    Env({{"AWS_PROFILE", "prod"}}))
                .region,
            "ap-southeast-2");
  EXPECT_EQ(Resolve({"", "", "https://queue.amazonaws.com/1/q"}, Env()).region, "eu-north-1");
}

TEST_F(EndpointProfileRegionTest, FlagEnvironmentAndQueueUrlComeFirst) {
  EXPECT_EQ(Resolve({"", "us-west-1", ""}, Env()).region, "us-west-1");
  EXPECT_EQ(Resolve({}, Env({{"AWS_REGION", "eu-west-1"}})).region, "eu-west-1");
  EXPECT_EQ(Resolve({}, Env({{"AWS_DEFAULT_REGION", "eu-west-2"}})).region, "eu-west-2");
  EXPECT_EQ(Resolve({}, Env({{"AWS_REGION", ""}, {"AWS_DEFAULT_REGION", ""}})).region,
            "eu-north-1");
  ResolvedEndpoint r = Resolve({"", "", "https://sqs.ca-central-1.amazonaws.com/1/q"}, Env());
  EXPECT_EQ(r.region, "ca-central-1");
  EXPECT_EQ(r.region_source, "the queue URL");
}

TEST_F(EndpointProfileRegionTest, NoProfileRegionFallsBackToDefault) {
  for (const char* profile : {"noregion", "missing"}) {
    ResolvedEndpoint r = Resolve({}, Env({{"AWS_PROFILE", profile}}));
    EXPECT_EQ(r.region, "us-east-1") << profile;
    EXPECT_EQ(r.region_source, "the default") << profile;
  }
  // No config file at all (HOME without ~/.aws, or no HOME).
  EXPECT_EQ(Resolve({}, {{"HOME", dir_.path()}}).region, "us-east-1");
  EXPECT_EQ(Resolve({}, {}).region_source, "the default");
}

TEST_F(EndpointProfileRegionTest, DefaultConfigPathUnderHome) {
  aws::testing::TempDir home;
  home.Write(".aws/config", "[profile dev]\nregion = sa-east-1\n");
  EXPECT_EQ(Resolve({}, {{"HOME", home.path()}, {"AWS_PROFILE", "dev"}}).region, "sa-east-1");
}

TEST_F(EndpointProfileRegionTest, MalformedProfileRegionIsRejectedNamingItsSource) {
  Result<ResolvedEndpoint> r = ResolveEndpoint({}, FakeEnv(Env({{"AWS_PROFILE", "broken"}})));
  ASSERT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("profile broken in the shared config file"),
            std::string::npos)
      << r.status().message();
}

TEST(EndpointTest, SourcesAreReported) {
  ResolvedEndpoint r = Resolve({"http://flag:1", "eu-west-3", ""}, {});
  EXPECT_EQ(r.url_source, "--endpoint-url");
  EXPECT_EQ(r.region_source, "--region");
  r = Resolve({}, kAllEnv);
  EXPECT_EQ(r.url_source, "AWS_ENDPOINT_URL_SQS");
  EXPECT_EQ(r.region_source, "AWS_REGION");
  r = Resolve({}, {{"AWS_ENDPOINT_URL", "http://x:1"}, {"AWS_DEFAULT_REGION", "eu-west-2"}});
  EXPECT_EQ(r.url_source, "AWS_ENDPOINT_URL");
  EXPECT_EQ(r.region_source, "AWS_DEFAULT_REGION");
}

}  // namespace
}  // namespace sqs2pg::sqs
