#include "transform/masker.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <string>
#include <vector>

#include "transform/masker_test_support.h"

namespace sqs2pg::transform {
namespace {

// The documented contract, computed independently with one-shot HMAC().
std::string ExpectedMask(const std::string& master, const std::string& field,
                         const std::string& value) {
  std::string label = "sqs2pg:v1:" + field;
  unsigned char field_key[32];
  unsigned int len = 0;
  HMAC(EVP_sha256(), master.data(), static_cast<int>(master.size()),
       reinterpret_cast<const unsigned char*>(label.data()), label.size(), field_key, &len);
  EXPECT_EQ(len, 32u);
  unsigned char mac[32];
  HMAC(EVP_sha256(), field_key, 32, reinterpret_cast<const unsigned char*>(value.data()),
       value.size(), mac, &len);
  return Hex(mac, 32);
}

TEST(MaskerTest, FieldNames) {
  EXPECT_EQ(MaskFieldName(MaskField::kIp), "ip");
  EXPECT_EQ(MaskFieldName(MaskField::kDeviceId), "device_id");
}

TEST(MaskerTest, KnownAnswerFromPythonHmac) {
  // python3: fk = hmac.new(bytes(range(32)), b"sqs2pg:v1:ip", sha256).digest();
  //          hmac.new(fk, b"199.172.111.135", sha256).hexdigest()
  Masker masker(KeyBytes0To31());
  EXPECT_EQ(masker.Mask(MaskField::kIp, "199.172.111.135"),
            "c442c385aa33cb12ec137bf7fbfcf6e3789ff16a2dcb2b3237e2d584325208a1");
  EXPECT_EQ(masker.Mask(MaskField::kDeviceId, "593-47-5928"),
            "d29a1d9dc0ad2eca9a63fdd90c49d34f98202ca4f62102270f412d3209a5fbce");
}

TEST(MaskerTest, MatchesTwoStepHmacContract) {
  std::string master = KeyBytes0To31() + "longer master keys are fine too";
  Masker masker(master);
  for (const std::string& value :
       std::vector<std::string>{"", "1.2.3.4", "199.172.111.135", "593-47-5928",
                                std::string(1000, 'x'), std::string("a\0b", 3)}) {
    EXPECT_EQ(masker.Mask(MaskField::kIp, value), ExpectedMask(master, "ip", value));
    EXPECT_EQ(masker.Mask(MaskField::kDeviceId, value), ExpectedMask(master, "device_id", value));
  }
}

TEST(MaskerTest, OutputIs64LowercaseHexAndDeterministic) {
  Masker masker(KeyBytes0To31());
  std::string a = masker.Mask(MaskField::kIp, "10.0.0.1");
  ASSERT_EQ(a.size(), 64u);
  for (char c : a) EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) << a;
  EXPECT_EQ(masker.Mask(MaskField::kIp, "10.0.0.1"), a);  // context reuse does not drift
  EXPECT_NE(masker.Mask(MaskField::kIp, "10.0.0.2"), a);
}

TEST(MaskerTest, FieldsAreKeyedSeparately) {
  Masker masker(KeyBytes0To31());
  EXPECT_NE(masker.Mask(MaskField::kIp, "593-47-5928"),
            masker.Mask(MaskField::kDeviceId, "593-47-5928"));
}

TEST(MaskerTest, DifferentMasterKeysDiffer) {
  std::string other = KeyBytes0To31();
  other[0] = 1;
  EXPECT_NE(Masker(KeyBytes0To31()).Mask(MaskField::kIp, "1.2.3.4"),
            Masker(other).Mask(MaskField::kIp, "1.2.3.4"));
}

TEST(MaskerTest, MaskIntoWritesExactly64Chars) {
  Masker masker(KeyBytes0To31());
  char buf[66];
  buf[64] = '#';
  buf[65] = '#';
  masker.MaskInto(MaskField::kIp, "199.172.111.135", buf);
  EXPECT_EQ(std::string(buf, 64), masker.Mask(MaskField::kIp, "199.172.111.135"));
  EXPECT_EQ(buf[64], '#');
  EXPECT_EQ(buf[65], '#');
}

TEST(MaskerTest, CopiesAreIndependentAndAgree) {
  Masker original(KeyBytes0To31());
  std::string expected = original.Mask(MaskField::kDeviceId, "593-47-5928");
  Masker copy(original);
  EXPECT_EQ(copy.Mask(MaskField::kDeviceId, "593-47-5928"), expected);
  Masker assigned(std::string(32, 'k'));
  assigned = copy;
  EXPECT_EQ(assigned.Mask(MaskField::kDeviceId, "593-47-5928"), expected);
  Masker moved(std::move(copy));
  EXPECT_EQ(moved.Mask(MaskField::kDeviceId, "593-47-5928"), expected);
  {
    Masker temp(original);  // destroying a copy must not disturb the original's contexts
  }
  EXPECT_EQ(original.Mask(MaskField::kDeviceId, "593-47-5928"), expected);
  EXPECT_EQ(original.Mask(MaskField::kIp, "199.172.111.135"),
            "c442c385aa33cb12ec137bf7fbfcf6e3789ff16a2dcb2b3237e2d584325208a1");
}

}  // namespace
}  // namespace sqs2pg::transform
