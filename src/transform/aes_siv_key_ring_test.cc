#include "transform/aes_siv_key_ring.h"

#include <gtest/gtest.h>

#include "transform/mask_key.h"

namespace sqs2pg::transform {
namespace {

const std::string kOld =
    ParseMaskKey("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f").value();
const std::string kNew =
    ParseMaskKey("ff0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f").value();
const std::string kOther =
    ParseMaskKey("ee0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f").value();
const std::vector<std::string> kDomains = {"ip", "device_id"};

TEST(AesSivKeyRingTest, UnmaskPicksTheKeyByTheMasksKeyId) {
  const std::string old_mask = AesSivMasker(kOld, kDomains).Mask(0, "10.0.0.1");
  const std::string new_mask = AesSivMasker(kNew, kDomains).Mask(1, "dev-1");
  AesSivKeyRing ring({kNew, kOld}, kDomains);
  EXPECT_EQ(ring.current_key_id(), MaskKeyId(kNew));
  EXPECT_EQ(ring.key_ids(), (std::vector<std::string>{MaskKeyId(kNew), MaskKeyId(kOld)}));
  EXPECT_EQ(ring.Unmask(0, old_mask).value(), "10.0.0.1");
  EXPECT_EQ(ring.Unmask(1, new_mask).value(), "dev-1");
  // The domain still has to match.
  EXPECT_EQ(ring.Unmask(1, old_mask).status().code(), StatusCode::kDataLoss);
}

TEST(AesSivKeyRingTest, AMaskOfAKeyNotInTheRingNamesTheIds) {
  const std::string other_mask = AesSivMasker(kOther, kDomains).Mask(0, "10.0.0.1");
  AesSivKeyRing ring({kNew, kOld}, kDomains);
  Result<std::string> r = ring.Unmask(0, other_mask);
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(r.status().message(), "masked with the key whose id is " + MaskKeyId(kOther) +
                                      ", which is none of the configured keys (ids " +
                                      MaskKeyId(kNew) + ", " + MaskKeyId(kOld) + ")");
  // With one key, the single masker's own message.
  AesSivKeyRing single({kNew}, kDomains);
  EXPECT_NE(single.Unmask(0, other_mask).status().message().find("configured master key's id"),
            std::string::npos);
  // Not an aes-siv mask at all: AesSivMasker's diagnosis.
  EXPECT_EQ(ring.Unmask(0, std::string(64, 'a')).status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(ring.Unmask(0, "s1.XYZ.abc").status().code(), StatusCode::kInvalidArgument);
}

TEST(AesSivKeyRingTest, RemaskMovesAMaskToTheCurrentKey) {
  AesSivMasker old_masker(kOld, kDomains);
  AesSivMasker new_masker(kNew, kDomains);
  AesSivKeyRing ring({kNew, kOld}, kDomains);
  for (const std::string& value : std::vector<std::string>{"", "10.0.0.1", std::string(200, 'x')}) {
    const std::string old_mask = old_masker.Mask(1, value);
    Result<std::string> remasked = ring.Remask(1, old_mask);
    ASSERT_TRUE(remasked.ok()) << remasked.status().ToString();
    EXPECT_EQ(*remasked, new_masker.Mask(1, value));
    EXPECT_EQ(remasked->size(), old_mask.size());
    // Already under the current key: the same mask again.
    EXPECT_EQ(ring.Remask(1, *remasked).value(), *remasked);
  }
  std::string altered = old_masker.Mask(0, "10.0.0.1");
  altered.back() = altered.back() == 'A' ? 'B' : 'A';
  EXPECT_EQ(ring.Remask(0, altered).status().code(), StatusCode::kDataLoss);
}

TEST(AesSivKeyRingTest, KeyIdOf) {
  EXPECT_EQ(AesSivKeyRing::KeyIdOf("s1.f8045705.abcd"), "f8045705");
  EXPECT_EQ(AesSivKeyRing::KeyIdOf("s1.F8045705.abcd"), "");
  EXPECT_EQ(AesSivKeyRing::KeyIdOf("s1.f804570.abcd"), "");
  EXPECT_EQ(AesSivKeyRing::KeyIdOf("s2.f8045705.abcd"), "");
  EXPECT_EQ(AesSivKeyRing::KeyIdOf("s1.f8045705"), "");
}

}  // namespace
}  // namespace sqs2pg::transform
