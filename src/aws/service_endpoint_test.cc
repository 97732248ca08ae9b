#include "aws/service_endpoint.h"

#include <gtest/gtest.h>

#include "aws/credential_test_support.h"

namespace sqs2pg::aws {
namespace {

using testing::FakeEnv;
using testing::TempDir;

ServiceEndpointRequest Kms() {
  ServiceEndpointRequest r;
  r.service_id = "KMS";
  r.endpoint_prefix = "kms";
  return r;
}

ServiceEndpointRequest SecretsManager(std::string resource = "") {
  ServiceEndpointRequest r;
  r.service_id = "Secrets Manager";
  r.endpoint_prefix = "secretsmanager";
  r.region_hint = RegionFromArn(resource);
  r.region_hint_source = "the ARN";
  return r;
}

TEST(ServiceEndpointTest, VariableNamesFollowTheSdkRule) {
  EXPECT_EQ(EndpointUrlVariable("Secrets Manager"), "AWS_ENDPOINT_URL_SECRETS_MANAGER");
  EXPECT_EQ(EndpointUrlVariable("SSM"), "AWS_ENDPOINT_URL_SSM");
  EXPECT_EQ(EndpointUrlVariable("KMS"), "AWS_ENDPOINT_URL_KMS");
  EXPECT_EQ(EndpointUrlVariable("SQS"), "AWS_ENDPOINT_URL_SQS");
}

TEST(ServiceEndpointTest, ServiceVariableThenGenericThenRegional) {
  TempDir home;
  FakeEnv env({{"HOME", home.path()},
               {"AWS_REGION", "eu-west-1"},
               {"AWS_ENDPOINT_URL_SECRETS_MANAGER", "http://sm:1/"},
               {"AWS_ENDPOINT_URL_KMS", "http://kms:2"},
               {"AWS_ENDPOINT_URL", "http://generic:3"}});
  Result<ServiceEndpoint> sm = ResolveServiceEndpoint(SecretsManager(), env.getter());
  ASSERT_TRUE(sm.ok()) << sm.status().ToString();
  EXPECT_EQ(sm->url, "http://sm:1");
  EXPECT_EQ(sm->url_source, "AWS_ENDPOINT_URL_SECRETS_MANAGER");
  Result<ServiceEndpoint> kms = ResolveServiceEndpoint(Kms(), env.getter());
  ASSERT_TRUE(kms.ok());
  EXPECT_EQ(kms->url, "http://kms:2");
  // Another service's variable is not this one's.
  env.Unset("AWS_ENDPOINT_URL_KMS");
  kms = ResolveServiceEndpoint(Kms(), env.getter());
  EXPECT_EQ(kms->url, "http://generic:3");
  EXPECT_EQ(kms->url_source, "AWS_ENDPOINT_URL");
  env.Unset("AWS_ENDPOINT_URL");
  kms = ResolveServiceEndpoint(Kms(), env.getter());
  EXPECT_EQ(kms->url, "https://kms.eu-west-1.amazonaws.com");
  EXPECT_EQ(kms->url_source, "the region");
  env.Set("AWS_REGION", "cn-north-1");
  EXPECT_EQ(ResolveServiceEndpoint(Kms(), env.getter())->url,
            "https://kms.cn-north-1.amazonaws.com.cn");
}

TEST(ServiceEndpointTest, RegionFromAnArnComesAfterTheEnvironment) {
  TempDir home;
  FakeEnv env({{"HOME", home.path()}});
  const std::string arn = "arn:aws:secretsmanager:ap-south-1:123456789012:secret:sqs2pg/k-AbCdEf";
  Result<ServiceEndpoint> r = ResolveServiceEndpoint(SecretsManager(arn), env.getter());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->region, "ap-south-1");
  EXPECT_EQ(r->region_source, "the ARN");
  EXPECT_EQ(r->url, "https://secretsmanager.ap-south-1.amazonaws.com");
  env.Set("AWS_DEFAULT_REGION", "eu-north-1");
  EXPECT_EQ(ResolveServiceEndpoint(SecretsManager(arn), env.getter())->region, "eu-north-1");
  ServiceEndpointRequest flagged = SecretsManager(arn);
  flagged.region_flag = "us-west-2";
  EXPECT_EQ(ResolveServiceEndpoint(flagged, env.getter())->region, "us-west-2");
  env.Unset("AWS_DEFAULT_REGION");
  EXPECT_EQ(ResolveServiceEndpoint(SecretsManager("sqs2pg/k"), env.getter())->region, "us-east-1");
}

TEST(ServiceEndpointTest, RegionFromArn) {
  EXPECT_EQ(RegionFromArn("arn:aws:kms:eu-central-1:111122223333:key/abc"), "eu-central-1");
  EXPECT_EQ(RegionFromArn("arn:aws-us-gov:ssm:us-gov-west-1:1:parameter/x"), "us-gov-west-1");
  EXPECT_EQ(RegionFromArn("arn:aws:iam::111122223333:role/x"), "");  // global: no region
  EXPECT_EQ(RegionFromArn("sqs2pg/mask-key"), "");
  EXPECT_EQ(RegionFromArn("arn:aws:kms"), "");
  EXPECT_EQ(RegionFromArn("arn:aws:kms:not-a-region:1:key/x"), "");
}

TEST(ServiceEndpointTest, BadSettingsAreInvalidArgument) {
  TempDir home;
  FakeEnv env({{"HOME", home.path()}, {"AWS_ENDPOINT_URL_KMS", "ftp://kms"}});
  Result<ServiceEndpoint> r = ResolveServiceEndpoint(Kms(), env.getter());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("AWS_ENDPOINT_URL_KMS"), std::string::npos);
  env.Set("AWS_ENDPOINT_URL_KMS", "http://kms:1/?x=1");
  EXPECT_EQ(ResolveServiceEndpoint(Kms(), env.getter()).status().code(),
            StatusCode::kInvalidArgument);
  env.Unset("AWS_ENDPOINT_URL_KMS");
  env.Set("AWS_REGION", "eu west");
  EXPECT_EQ(ResolveServiceEndpoint(Kms(), env.getter()).status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace sqs2pg::aws
