#include "transform/mask_key.h"

#include <gtest/gtest.h>

#include <string>

namespace sqs2pg::transform {
namespace {

std::string Bytes0To(int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s.push_back(static_cast<char>(i));
  return s;
}

constexpr char kHex32[] = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

TEST(MaskKeyTest, ParsesHexEitherCase) {
  Result<std::string> lower = ParseMaskKey(kHex32);
  ASSERT_TRUE(lower.ok()) << lower.status().ToString();
  EXPECT_EQ(*lower, Bytes0To(32));
  Result<std::string> upper =
      ParseMaskKey("000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F");
  ASSERT_TRUE(upper.ok());
  EXPECT_EQ(*upper, Bytes0To(32));
}

TEST(MaskKeyTest, IgnoresSurroundingWhitespace) {
  Result<std::string> key = ParseMaskKey(std::string(" \t\n") + kHex32 + "\r\n\n");
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(*key, Bytes0To(32));
}

TEST(MaskKeyTest, ParsesBase64WithAndWithoutPadding) {
  Result<std::string> padded =
      ParseMaskKey("base64:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n");
  ASSERT_TRUE(padded.ok()) << padded.status().ToString();
  EXPECT_EQ(*padded, Bytes0To(32));
  Result<std::string> unpadded = ParseMaskKey("base64:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8");
  ASSERT_TRUE(unpadded.ok());
  EXPECT_EQ(*unpadded, Bytes0To(32));
  Result<std::string> k33 = ParseMaskKey("base64:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g");
  ASSERT_TRUE(k33.ok());
  EXPECT_EQ(*k33, Bytes0To(33));
}

// Every rejection is kInvalidArgument and its message leaks none of the key text.
void ExpectRejectedWithoutEcho(const std::string& text, const std::string& secret_part) {
  Result<std::string> key = ParseMaskKey(text);
  ASSERT_FALSE(key.ok()) << text;
  EXPECT_EQ(key.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(key.status().message().find(secret_part), std::string::npos) << key.status().message();
}

TEST(MaskKeyTest, RejectsShortKeys) {
  ExpectRejectedWithoutEcho("00112233445566778899aabbccddeeff", "00112233");  // 16 bytes
  ExpectRejectedWithoutEcho(std::string(kHex32).substr(0, 62), "0a0b0c0d");   // 31 bytes
  ExpectRejectedWithoutEcho("base64:c2VjcmV0LXNlY3JldA==", "c2VjcmV0");       // 13 bytes
}

TEST(MaskKeyTest, RejectsBadCharactersAndShapes) {
  std::string secret = "deadbeefcafe";
  ExpectRejectedWithoutEcho(secret + std::string(51, 'a') + "z", secret);   // non-hex char
  ExpectRejectedWithoutEcho(secret + std::string(53, 'a'), secret);         // odd count
  ExpectRejectedWithoutEcho(secret + " " + std::string(52, 'a'), secret);   // inner space
  ExpectRejectedWithoutEcho("0x" + secret + std::string(52, 'a'), secret);  // no 0x prefix
  ExpectRejectedWithoutEcho("base64:" + secret + "!!" + std::string(40, 'A'), secret);
  ExpectRejectedWithoutEcho("base64:" + secret + "A===", secret);  // bad padding
  ExpectRejectedWithoutEcho("base64:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh9=", "AAECAw");
  ExpectRejectedWithoutEcho("", "x");
  ExpectRejectedWithoutEcho(" \n\t ", "x");
  ExpectRejectedWithoutEcho("base64:", "x");
}

TEST(MaskKeyTest, MessagesNeverEchoTheOffendingCharacter) {
  // A single distinctive character must not be quoted back either.
  Result<std::string> key = ParseMaskKey(std::string(63, 'a') + "Q");
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.status().message().find('Q'), std::string::npos) << key.status().message();
}

}  // namespace
}  // namespace sqs2pg::transform
