#include "aws/hashing.h"

#include <gtest/gtest.h>
#include <openssl/hmac.h>

#include <string>

namespace sqs2pg::aws {
namespace {

TEST(HashingTest, DigestsMatchPublishedVectors) {
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Md5Hex("abc"), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(Md5Hex(""), "d41d8cd98f00b204e9800998ecf8427e");
}

// RFC 4231 test cases 1, 2 and 6 (a key longer than the block is hashed first).
TEST(HashingTest, HmacSha256MatchesRfc4231) {
  EXPECT_EQ(HexEncode(HmacSha256(std::string(20, '\x0b'), "Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  EXPECT_EQ(HexEncode(HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(HexEncode(HmacSha256(std::string(131, '\xaa'),
                                 "Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

// Every key length around the 64-byte block edge, against OpenSSL's own HMAC().
TEST(HashingTest, HmacSha256AgreesWithOpenSslForEveryKeyLength) {
  const std::string data =
      "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/iam/aws4_request";
  for (size_t n = 0; n <= 130; ++n) {
    std::string key;
    for (size_t i = 0; i < n; ++i) key.push_back(static_cast<char>(i * 37 + n));
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    ASSERT_NE(HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
                   reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len),
              nullptr);
    EXPECT_EQ(HmacSha256(key, data), std::string(reinterpret_cast<const char*>(out), len))
        << "key of " << n << " bytes";
  }
}

}  // namespace
}  // namespace sqs2pg::aws
