// RowTransformer with the built-in login mapping and the aes-siv masking scheme: masks that grow
// with the value must fit their column or be rejected (never cut). Ported from the former
// EventTransformer aes-siv tests; the masks are the same (domains "ip" and "device_id").
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "transform/aes_siv_masker.h"
#include "transform/login_mapping_test_support.h"
#include "transform/mapping/compiled_mapping.h"
#include "transform/mapping/default_mapping.h"
#include "transform/row_transformer.h"

namespace sqs2pg::transform {
namespace {

constexpr int64_t kSentMs = 1609459200000;

std::string Event(const std::string& ip, const std::string& device_id) {
  return R"({"user_id": "u-1", "app_version": "2.3.0", "device_type": "android", "ip": ")" + ip +
         R"(", "locale": "RU", "device_id": ")" + device_id + R"("})";
}

LoginTableOptions MaskedChars(int chars) {
  LoginTableOptions o;
  o.masked_ip_chars = o.masked_device_id_chars = chars;
  return o;
}

class RowTransformerAesSivTest : public ::testing::Test {
 protected:
  bool Transform(RowTransformer& t, const std::string& body) {
    MessageView m;
    m.body = body;
    m.message_id = "m-1";
    m.sent_timestamp_ms = kSentMs;
    std::string bytes;
    const bool ok = t.Transform(m, &bytes, &rejection_);
    if (!ok) {
      // Rejections name fields, never values.
      EXPECT_THAT(rejection_.ToString(), ::testing::Not(::testing::HasSubstr("xxxx")));
      EXPECT_THAT(rejection_.ToString(), ::testing::Not(::testing::HasSubstr("10.0.0.1")));
      return false;
    }
    std::optional<Fields> fields = SplitFields(bytes);
    EXPECT_TRUE(fields.has_value());
    EXPECT_EQ(fields ? fields->size() : 0, kLoginColumnCount);
    if (!fields || fields->size() != kLoginColumnCount) return false;
    masked_ip_ = (*fields)[kMaskedIp].value_or("(null)");
    masked_device_id_ = (*fields)[kMaskedDeviceId].value_or("(null)");
    return true;
  }

  RowTransformer transformer_ = LoginTransformer(UserLoginsShape(), MaskScheme::kAesSiv);
  AesSivMasker unmasker_{KeyBytes0To31()};
  std::string masked_ip_;
  std::string masked_device_id_;
  Rejection rejection_;
};

TEST_F(RowTransformerAesSivTest, MasksAreReversibleAndDeterministic) {
  ASSERT_TRUE(Transform(transformer_, Event("199.172.111.135", "593-47-5928")));
  EXPECT_EQ(masked_ip_, "s1.f8045705.7f6CBf9fkDMhwbz3FSF8ZfAX8eOmkgtC8GK6JS6cRA");
  EXPECT_EQ(masked_device_id_, "s1.f8045705.3gaDGygD60feTcvNGHrv-LGqTEbYcqDQDdZq");
  EXPECT_EQ(*unmasker_.Unmask(MaskField::kIp, masked_ip_), "199.172.111.135");
  EXPECT_EQ(*unmasker_.Unmask(MaskField::kDeviceId, masked_device_id_), "593-47-5928");
  const std::string first_ip = masked_ip_;
  // The transformer's buffers are reused: a shorter value after a longer one leaves no tail.
  ASSERT_TRUE(Transform(transformer_, Event("10.0.0.1", "")));
  EXPECT_EQ(*unmasker_.Unmask(MaskField::kIp, masked_ip_), "10.0.0.1");
  EXPECT_EQ(*unmasker_.Unmask(MaskField::kDeviceId, masked_device_id_), "");
  ASSERT_TRUE(Transform(transformer_, Event("199.172.111.135", "x")));
  EXPECT_EQ(masked_ip_, first_ip);
}

TEST_F(RowTransformerAesSivTest, Varchar256TakesValuesUpTo167Bytes) {
  const std::string longest(167, 'x');
  ASSERT_TRUE(Transform(transformer_, Event(longest, longest)));
  EXPECT_EQ(masked_ip_.size(), 256u);
  EXPECT_EQ(masked_device_id_.size(), 256u);
  EXPECT_EQ(*unmasker_.Unmask(MaskField::kIp, masked_ip_), longest);

  const std::string too_long(168, 'x');
  ASSERT_FALSE(Transform(transformer_, Event(too_long, "d")));
  EXPECT_EQ(rejection_.ToString(), "too_long: masked_ip (path ip)");
  ASSERT_FALSE(Transform(transformer_, Event("10.0.0.1", too_long)));
  EXPECT_EQ(rejection_.ToString(), "too_long: masked_device_id (path device_id)");
  // Bytes count, not characters: 84 two-byte characters are 168 bytes.
  std::string accents;
  for (int i = 0; i < 84; ++i) accents += "\xc3\xa9";
  ASSERT_FALSE(Transform(transformer_, Event(accents, "d")));
  EXPECT_EQ(rejection_.ToString(), "too_long: masked_ip (path ip)");
  // JSON escapes count as the bytes they decode to: \u00e9 is 2 bytes, 83 of them fit.
  std::string escaped;
  for (int i = 0; i < 83; ++i) escaped += "\\u00e9";
  ASSERT_TRUE(Transform(transformer_, Event(escaped, "d")));
  EXPECT_EQ(unmasker_.Unmask(MaskField::kIp, masked_ip_)->size(), 166u);
}

TEST_F(RowTransformerAesSivTest, NarrowColumnsRejectOnlyValuesThatDoNotFit) {
  RowTransformer narrow = LoginTransformer(UserLoginsShape(MaskedChars(64)), MaskScheme::kAesSiv);
  ASSERT_TRUE(Transform(narrow, Event("199.172.111.135", std::string(23, 'x'))));
  EXPECT_EQ(masked_device_id_.size(), 64u);
  ASSERT_FALSE(Transform(narrow, Event("199.172.111.135", std::string(24, 'x'))));
  EXPECT_EQ(rejection_.ToString(), "too_long: masked_device_id (path device_id)");
}

// The start-up check uses the scheme's shortest mask: varchar(34) holds the aes-siv mask of the
// empty value and is accepted (values that do not fit are too_long per message); varchar(33) can
// hold no mask at all and is refused, as is anything under 64 for hmac-sha256.
TEST_F(RowTransformerAesSivTest, StartUpRefusesOnlyColumnsTooShortForEveryMask) {
  const size_t aes_min = MinMaskChars(MaskScheme::kAesSiv);
  ASSERT_EQ(aes_min, 34u);
  EXPECT_TRUE(
      mapping::CompileMapping(mapping::DefaultMapping(), UserLoginsShape(MaskedChars(34)), aes_min)
          .ok());
  Result<mapping::CompiledMapping> refused =
      mapping::CompileMapping(mapping::DefaultMapping(), UserLoginsShape(MaskedChars(33)), aes_min);
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.status().message(), ::testing::HasSubstr("column \"masked_ip\""));
  EXPECT_FALSE(mapping::CompileMapping(mapping::DefaultMapping(), UserLoginsShape(MaskedChars(34)),
                                       MinMaskChars(MaskScheme::kHmacSha256))
                   .ok());

  RowTransformer tight = LoginTransformer(UserLoginsShape(MaskedChars(34)), MaskScheme::kAesSiv);
  ASSERT_TRUE(Transform(tight, Event("", "")));
  EXPECT_EQ(masked_ip_.size(), 34u);
  EXPECT_EQ(*unmasker_.Unmask(MaskField::kIp, masked_ip_), "");
  ASSERT_FALSE(Transform(tight, Event("1", "")));
  EXPECT_EQ(rejection_.ToString(), "too_long: masked_ip (path ip)");
}

TEST_F(RowTransformerAesSivTest, UnboundedColumnsTakeAnyLength) {
  RowTransformer unbounded =
      LoginTransformer(UserLoginsShape(MaskedChars(-1)), MaskScheme::kAesSiv);
  const std::string big(100000, 'x');
  ASSERT_TRUE(Transform(unbounded, Event(big, "d")));
  EXPECT_EQ(masked_ip_.size(), AesSivMasker::MaskedSize(big.size()));
  EXPECT_EQ(*unmasker_.Unmask(MaskField::kIp, masked_ip_), big);
}

}  // namespace
}  // namespace sqs2pg::transform
