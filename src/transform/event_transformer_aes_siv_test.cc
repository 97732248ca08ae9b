// EventTransformer with the aes-siv masking scheme: masks that grow with the value must fit their
// column or be rejected (never cut).
#include <gtest/gtest.h>

#include <string>

#include "transform/event_transformer.h"

namespace sqs2pg::transform {
namespace {

constexpr int64_t kSentMs = 1609459200000;

std::string MasterKey() {
  std::string key;
  for (int i = 0; i < 32; ++i) key.push_back(static_cast<char>(i));
  return key;
}

TargetColumns VarcharColumns(int masked_chars = 256) {
  TargetColumns c;
  c.user_id_max_chars = 128;
  c.device_type_max_chars = 32;
  c.locale_max_chars = 32;
  c.masked_ip_max_chars = masked_chars;
  c.masked_device_id_max_chars = masked_chars;
  return c;
}

std::string Event(const std::string& ip, const std::string& device_id) {
  return R"({"user_id": "u-1", "app_version": "2.3.0", "device_type": "android", "ip": ")" + ip +
         R"(", "locale": "RU", "device_id": ")" + device_id + R"("})";
}

class EventTransformerAesSivTest : public ::testing::Test {
 protected:
  bool Transform(EventTransformer& t, const std::string& body) {
    const bool ok = t.Transform(body, kSentMs, &row_, &rejection_);
    if (!ok) {
      // Rejections name fields, never values.
      EXPECT_EQ(rejection_.ToString().find("xxxx"), std::string::npos);
      EXPECT_EQ(rejection_.ToString().find("10.0.0.1"), std::string::npos);
    }
    return ok;
  }

  EventTransformer transformer_{VarcharColumns(), Masker(MaskScheme::kAesSiv, MasterKey())};
  AesSivMasker unmasker_{MasterKey()};
  LoginRow row_;
  Rejection rejection_;
};

TEST_F(EventTransformerAesSivTest, MasksAreReversibleAndDeterministic) {
  ASSERT_TRUE(Transform(transformer_, Event("199.172.111.135", "593-47-5928")));
  EXPECT_EQ(row_.masked_ip, "s1.f8045705.7f6CBf9fkDMhwbz3FSF8ZfAX8eOmkgtC8GK6JS6cRA");
  EXPECT_EQ(row_.masked_device_id, "s1.f8045705.3gaDGygD60feTcvNGHrv-LGqTEbYcqDQDdZq");
  EXPECT_EQ(*unmasker_.Unmask(MaskField::kIp, row_.masked_ip), "199.172.111.135");
  EXPECT_EQ(*unmasker_.Unmask(MaskField::kDeviceId, row_.masked_device_id), "593-47-5928");
  const std::string first_ip = row_.masked_ip;
  // The row's buffers are reused: a shorter value after a longer one leaves no tail behind.
  ASSERT_TRUE(Transform(transformer_, Event("10.0.0.1", "")));
  EXPECT_EQ(*unmasker_.Unmask(MaskField::kIp, row_.masked_ip), "10.0.0.1");
  EXPECT_EQ(*unmasker_.Unmask(MaskField::kDeviceId, row_.masked_device_id), "");
  ASSERT_TRUE(Transform(transformer_, Event("199.172.111.135", "x")));
  EXPECT_EQ(row_.masked_ip, first_ip);
}

TEST_F(EventTransformerAesSivTest, Varchar256TakesValuesUpTo167Bytes) {
  const std::string longest(167, 'x');
  ASSERT_TRUE(Transform(transformer_, Event(longest, longest)));
  EXPECT_EQ(row_.masked_ip.size(), 256u);
  EXPECT_EQ(row_.masked_device_id.size(), 256u);
  EXPECT_EQ(*unmasker_.Unmask(MaskField::kIp, row_.masked_ip), longest);

  const std::string too_long(168, 'x');
  ASSERT_FALSE(Transform(transformer_, Event(too_long, "d")));
  EXPECT_EQ(rejection_.ToString(), "too_long: ip");
  ASSERT_FALSE(Transform(transformer_, Event("10.0.0.1", too_long)));
  EXPECT_EQ(rejection_.ToString(), "too_long: device_id");
  // Bytes count, not characters: 84 two-byte characters are 168 bytes.
  std::string accents;
  for (int i = 0; i < 84; ++i) accents += "\xc3\xa9";
  ASSERT_FALSE(Transform(transformer_, Event(accents, "d")));
  EXPECT_EQ(rejection_.ToString(), "too_long: ip");
  // JSON escapes count as the bytes they decode to: \u00e9 is 2 bytes, 83 of them fit.
  std::string escaped;
  for (int i = 0; i < 83; ++i) escaped += "\\u00e9";
  ASSERT_TRUE(Transform(transformer_, Event(escaped, "d")));
  EXPECT_EQ(unmasker_.Unmask(MaskField::kIp, row_.masked_ip)->size(), 166u);
}

TEST_F(EventTransformerAesSivTest, NarrowColumnsRejectOnlyValuesThatDoNotFit) {
  EventTransformer narrow(VarcharColumns(64), Masker(MaskScheme::kAesSiv, MasterKey()));
  ASSERT_TRUE(Transform(narrow, Event("199.172.111.135", std::string(23, 'x'))));
  EXPECT_EQ(row_.masked_device_id.size(), 64u);
  ASSERT_FALSE(Transform(narrow, Event("199.172.111.135", std::string(24, 'x'))));
  EXPECT_EQ(rejection_.ToString(), "too_long: device_id");
}

TEST_F(EventTransformerAesSivTest, UnboundedColumnsTakeAnyLength) {
  EventTransformer unbounded(TargetColumns{}, Masker(MaskScheme::kAesSiv, MasterKey()));
  const std::string big(100000, 'x');
  ASSERT_TRUE(Transform(unbounded, Event(big, "d")));
  EXPECT_EQ(row_.masked_ip.size(), AesSivMasker::MaskedSize(big.size()));
  EXPECT_EQ(*unmasker_.Unmask(MaskField::kIp, row_.masked_ip), big);
}

}  // namespace
}  // namespace sqs2pg::transform
