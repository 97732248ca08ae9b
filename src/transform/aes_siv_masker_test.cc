#include "transform/aes_siv_masker.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "transform/masker.h"
#include "transform/masker_test_support.h"

namespace sqs2pg::transform {
namespace {

// RFC 5297 appendix A.1 (deterministic authenticated encryption, AES-128-SIV: a 256-bit key).
const std::string kRfcKey = FromHex(
    "fffefdfcfbfaf9f8f7f6f5f4f3f2f1f0"
    "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff");
const std::string kRfcAd = FromHex("101112131415161718191a1b1c1d1e1f2021222324252627");
const std::string kRfcPlaintext = FromHex("112233445566778899aabbccddee");
constexpr char kRfcTag[] = "85632d07c6e8f37f950acd320a2ecc93";
constexpr char kRfcCiphertext[] = "40c02b9690c4dc04daef7f6afe5c";

// The primitive is wired as RFC 5297 says: OpenSSL's AES-128-SIV, driven the way AesSivMasker
// drives AES-256-SIV (key, one associated-data update, one plaintext update, final, tag),
// reproduces appendix A.1.
TEST(AesSivPrimitiveTest, OpenSslMatchesRfc5297A1) {
  EVP_CIPHER* cipher = EVP_CIPHER_fetch(nullptr, "AES-128-SIV", nullptr);
  ASSERT_NE(cipher, nullptr);
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  const auto* key = reinterpret_cast<const unsigned char*>(kRfcKey.data());
  unsigned char out[64];
  unsigned char tag[16];
  int len = 0;
  ASSERT_EQ(EVP_EncryptInit_ex2(ctx, cipher, key, nullptr, nullptr), 1);
  ASSERT_EQ(
      EVP_EncryptUpdate(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(kRfcAd.data()),
                        static_cast<int>(kRfcAd.size())),
      1);
  ASSERT_EQ(EVP_EncryptUpdate(ctx, out, &len,
                              reinterpret_cast<const unsigned char*>(kRfcPlaintext.data()),
                              static_cast<int>(kRfcPlaintext.size())),
            1);
  ASSERT_EQ(len, static_cast<int>(kRfcPlaintext.size()));
  ASSERT_EQ(EVP_EncryptFinal_ex(ctx, out + len, &len), 1);
  ASSERT_EQ(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, 16, tag), 1);
  EXPECT_EQ(Hex(tag, 16), kRfcTag);
  EXPECT_EQ(Hex(out, kRfcPlaintext.size()), kRfcCiphertext);
  EVP_CIPHER_CTX_free(ctx);
  EVP_CIPHER_free(cipher);
}

// Our S2V (used only for the empty value, which OpenSSL's SIV refuses) against the same vector,
// and against appendix A.2's S2V with three associated-data strings.
TEST(AesSivPrimitiveTest, S2vMatchesRfc5297) {
  auto v = aes_siv_internal::S2v(kRfcKey.substr(0, 16), {kRfcAd}, kRfcPlaintext);
  EXPECT_EQ(Hex(v.data(), v.size()), kRfcTag);

  const std::string key = FromHex("7f7e7d7c7b7a79787776757473727170");
  const std::string ad1 =
      FromHex("00112233445566778899aabbccddeeffdeaddadadeaddadaffeeddccbbaa99887766554433221100");
  const std::string ad2 = FromHex("102030405060708090a0");
  const std::string nonce = FromHex("09f911029d74e35bd84156c5635688c0");
  const std::string plaintext = FromHex(
      "7468697320697320736f6d6520706c61696e7465787420746f20656e6372797074207573696e67205349562d"
      "414553");
  v = aes_siv_internal::S2v(key, {ad1, ad2, nonce}, plaintext);
  EXPECT_EQ(Hex(v.data(), v.size()), "7bdb6e3b432667eb06f4d14bff2fbd0f");
}

// S2V agrees with OpenSSL's AES-256-SIV tag for short (< 16, padded) and long (xorend) values.
TEST(AesSivPrimitiveTest, S2vMatchesOpenSslAes256Siv) {
  std::string key;
  for (int i = 0; i < 64; ++i) key.push_back(static_cast<char>(i * 7 + 3));
  EVP_CIPHER* cipher = EVP_CIPHER_fetch(nullptr, "AES-256-SIV", nullptr);
  ASSERT_NE(cipher, nullptr);
  for (size_t n : {1, 2, 15, 16, 17, 31, 32, 33, 100}) {
    std::string value(n, 'a');
    for (size_t i = 0; i < n; ++i) value[i] = static_cast<char>('a' + i % 26);
    EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
    std::vector<unsigned char> out(n + 16);
    unsigned char tag[16];
    int len = 0;
    ASSERT_EQ(EVP_EncryptInit_ex2(ctx, cipher, reinterpret_cast<const unsigned char*>(key.data()),
                                  nullptr, nullptr),
              1);
    ASSERT_EQ(
        EVP_EncryptUpdate(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>("ip"), 2), 1);
    ASSERT_EQ(EVP_EncryptUpdate(ctx, out.data(), &len,
                                reinterpret_cast<const unsigned char*>(value.data()),
                                static_cast<int>(n)),
              1);
    ASSERT_EQ(EVP_EncryptFinal_ex(ctx, out.data() + n, &len), 1);
    ASSERT_EQ(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, 16, tag), 1);
    auto v = aes_siv_internal::S2v(key.substr(0, 32), {"ip"}, value);
    EXPECT_EQ(Hex(v.data(), 16), Hex(tag, 16)) << "n=" << n;
    EVP_CIPHER_CTX_free(ctx);
  }
  EVP_CIPHER_free(cipher);
}

TEST(AesSivPrimitiveTest, Base64UrlRoundTripAndStrictness) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
  for (size_t n = 0; n <= 40; ++n) {
    std::string in = bytes.substr(200 - n, n);
    std::string text((4 * n + 2) / 3, '?');
    aes_siv_internal::Base64UrlEncode(in, text.data());
    EXPECT_EQ(text.find_first_of("+/=?"), std::string::npos) << text;
    std::string back;
    ASSERT_TRUE(aes_siv_internal::Base64UrlDecode(text, &back)) << text;
    EXPECT_EQ(back, in);
  }
  std::string out;
  EXPECT_TRUE(aes_siv_internal::Base64UrlDecode("-_8", &out));  // 0xfb 0xff
  EXPECT_EQ(out, "\xfb\xff");
  EXPECT_FALSE(aes_siv_internal::Base64UrlDecode("-_9", &out));     // non-zero trailing bits
  EXPECT_FALSE(aes_siv_internal::Base64UrlDecode("QQ==", &out));    // padding
  EXPECT_FALSE(aes_siv_internal::Base64UrlDecode("QUJD+A", &out));  // standard alphabet
  EXPECT_FALSE(aes_siv_internal::Base64UrlDecode("QUJDR", &out));   // 1 mod 4
}

// Known answers computed independently in Python (cryptography's HKDF and AESSIV; for the empty
// value, S2V written out over its CMAC):
//   k = HKDF(SHA256, 64, salt=None, info=b"sqs2pg aes-siv v1 ip").derive(bytes(range(32)))
//   AESSIV(k).encrypt(b"199.172.111.135", [b"ip"])  -> tag || ct, then base64url without '='
//   key id = hmac.new(bytes(range(32)), b"sqs2pg key id", sha256).hexdigest()[:8]
TEST(AesSivMaskerTest, KnownAnswerFromPython) {
  AesSivMasker masker(KeyBytes0To31());
  EXPECT_EQ(masker.key_id(), "f8045705");
  EXPECT_EQ(MaskKeyId(KeyBytes0To31()), "f8045705");
  EXPECT_EQ(masker.Mask(MaskField::kIp, "199.172.111.135"),
            "s1.f8045705.7f6CBf9fkDMhwbz3FSF8ZfAX8eOmkgtC8GK6JS6cRA");
  EXPECT_EQ(masker.Mask(MaskField::kDeviceId, "593-47-5928"),
            "s1.f8045705.3gaDGygD60feTcvNGHrv-LGqTEbYcqDQDdZq");
  EXPECT_EQ(masker.Mask(MaskField::kIp, ""), "s1.f8045705.I3rPYtq2LS3Ic7YAYWPfJw");
}

TEST(AesSivMaskerTest, DeterministicAndDistinct) {
  AesSivMasker masker(KeyBytes0To31());
  const std::string a = masker.Mask(MaskField::kIp, "10.0.0.1");
  EXPECT_EQ(masker.Mask(MaskField::kIp, "10.0.0.1"), a);  // context copies do not drift
  EXPECT_EQ(AesSivMasker(KeyBytes0To31()).Mask(MaskField::kIp, "10.0.0.1"), a);
  EXPECT_NE(masker.Mask(MaskField::kIp, "10.0.0.2"), a);
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    EXPECT_TRUE(seen.insert(masker.Mask(MaskField::kIp, "10.0." + std::to_string(i))).second);
  }
  std::string other_key = KeyBytes0To31();
  other_key[31] ^= 1;
  EXPECT_NE(AesSivMasker(other_key).Mask(MaskField::kIp, "10.0.0.1"), a);
}

TEST(AesSivMaskerTest, FieldsAreKeyedSeparately) {
  AesSivMasker masker(KeyBytes0To31());
  for (const std::string value : {"", "593-47-5928", "10.0.0.1"}) {
    EXPECT_NE(masker.Mask(MaskField::kIp, value), masker.Mask(MaskField::kDeviceId, value));
  }
}

TEST(AesSivMaskerTest, RoundTrip) {
  AesSivMasker masker(KeyBytes0To31());
  AesSivMasker other_instance(KeyBytes0To31());
  std::string all_bytes;
  for (int i = 0; i < 256; ++i) all_bytes.push_back(static_cast<char>(i));
  for (const std::string& value : std::vector<std::string>{
           "", "1", "199.172.111.135", "593-47-5928", "2001:db8:85a3::8a2e:370:7334",
           std::string("a\0b", 3), "caf\xc3\xa9", all_bytes, std::string(167, 'x')}) {
    for (MaskField field : {MaskField::kIp, MaskField::kDeviceId}) {
      const std::string masked = masker.Mask(field, value);
      Result<std::string> back = other_instance.Unmask(field, masked);
      ASSERT_TRUE(back.ok()) << back.status().ToString();
      EXPECT_EQ(*back, value);
    }
  }
}

TEST(AesSivMaskerTest, WrongKeyIsReportedByKeyId) {
  std::string other_key = KeyBytes0To31();
  other_key[0] ^= 1;
  AesSivMasker masker(KeyBytes0To31());
  AesSivMasker other(other_key);
  ASSERT_NE(masker.key_id(), other.key_id());
  Result<std::string> r = other.Unmask(MaskField::kIp, masker.Mask(MaskField::kIp, "10.0.0.1"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(r.status().message().find(masker.key_id()), std::string::npos);
  EXPECT_NE(r.status().message().find(other.key_id()), std::string::npos);
  EXPECT_EQ(r.status().message().find("10.0.0.1"), std::string::npos);
}

TEST(AesSivMaskerTest, WrongFieldFailsAuthentication) {
  AesSivMasker masker(KeyBytes0To31());
  for (const std::string value : {"", "10.0.0.1"}) {
    Result<std::string> r = masker.Unmask(MaskField::kDeviceId, masker.Mask(MaskField::kIp, value));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kDataLoss) << r.status().ToString();
  }
}

// Changing any one character of a mask, to anything, is detected; no error echoes the value.
TEST(AesSivMaskerTest, TamperingWithAnySingleCharacterFails) {
  AesSivMasker masker(KeyBytes0To31());
  for (const std::string value : {"199.172.111.135", "", "593-47-5928"}) {
    const std::string masked = masker.Mask(MaskField::kIp, value);
    int attempts = 0;
    for (size_t i = 0; i < masked.size(); ++i) {
      for (int c = 1; c < 256; ++c) {
        if (static_cast<char>(c) == masked[i]) continue;
        std::string tampered = masked;
        tampered[i] = static_cast<char>(c);
        Result<std::string> r = masker.Unmask(MaskField::kIp, tampered);
        ASSERT_FALSE(r.ok()) << "position " << i << " char " << c;
        if (!value.empty()) {
          ASSERT_EQ(r.status().message().find(value), std::string::npos);
        }
        ++attempts;
      }
    }
    EXPECT_EQ(attempts, static_cast<int>(masked.size()) * 254);
    // Dropping or appending a character fails too.
    EXPECT_FALSE(masker.Unmask(MaskField::kIp, masked.substr(0, masked.size() - 1)).ok());
    EXPECT_FALSE(masker.Unmask(MaskField::kIp, masked + "A").ok());
  }
}

TEST(AesSivMaskerTest, MalformedAndHmacMasksAreRefusedClearly) {
  AesSivMasker masker(KeyBytes0To31());
  Masker hmac(KeyBytes0To31());
  Result<std::string> r = masker.Unmask(MaskField::kIp, hmac.Mask(MaskField::kIp, "10.0.0.1"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(r.status().message().find("one-way"), std::string::npos) << r.status().message();
  for (const std::string bad :
       {"", "s1.", "s1.f8045705", "s1.f8045705.", "s1.F8045705.I3rPYtq2LS3Ic7YAYWPfJw",
        "s2.f8045705.I3rPYtq2LS3Ic7YAYWPfJw", "s1.f8045705.I3rPYtq2LS3Ic7YAYWPf",
        "s1.f8045705.I3rPYtq2LS3Ic7YAYWPfJw==", "10.0.0.1"}) {
    Result<std::string> m = masker.Unmask(MaskField::kIp, bad);
    ASSERT_FALSE(m.ok()) << bad;
    EXPECT_EQ(m.status().code(), StatusCode::kInvalidArgument)
        << bad << " " << m.status().ToString();
  }
}

TEST(AesSivMaskerTest, OutputShapeAndLengthBound) {
  AesSivMasker masker(KeyBytes0To31());
  for (size_t n = 0; n <= 300; ++n) {
    const std::string masked = masker.Mask(MaskField::kDeviceId, std::string(n, '7'));
    ASSERT_EQ(masked.size(), AesSivMasker::MaskedSize(n)) << n;
    EXPECT_TRUE(masked.starts_with("s1." + masker.key_id() + "."));
    EXPECT_EQ(masked.find_first_not_of(
                  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.", 0),
              std::string::npos);
    EXPECT_FALSE(DetectMaskScheme(masked) == MaskScheme::kHmacSha256);
    EXPECT_EQ(DetectMaskScheme(masked), MaskScheme::kAesSiv);
  }
  // varchar(256): the longest value that fits is 167 bytes, and its mask is exactly 256 chars.
  EXPECT_EQ(AesSivMasker::MaxValueBytes(256), 167u);
  EXPECT_EQ(masker.Mask(MaskField::kIp, std::string(167, 'x')).size(), 256u);
  EXPECT_GT(masker.Mask(MaskField::kIp, std::string(168, 'x')).size(), 256u);
  // Realistic inputs are far below it: the longest textual IPv6 address (45 chars).
  EXPECT_EQ(masker.Mask(MaskField::kIp, "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255").size(),
            94u);
  EXPECT_EQ(AesSivMasker::MaskedSize(0), 34u);
  EXPECT_EQ(AesSivMasker::MaxValueBytes(33), 0u);
  for (size_t limit = 34; limit <= 400; ++limit) {
    const size_t max = AesSivMasker::MaxValueBytes(limit);
    EXPECT_LE(AesSivMasker::MaskedSize(max), limit);
    EXPECT_GT(AesSivMasker::MaskedSize(max + 1), limit);
  }
}

TEST(AesSivMaskerTest, CopiesAndMovesAreIndependent) {
  AesSivMasker original(KeyBytes0To31());
  const std::string expected = original.Mask(MaskField::kDeviceId, "593-47-5928");
  AesSivMasker copy(original);
  EXPECT_EQ(copy.Mask(MaskField::kDeviceId, "593-47-5928"), expected);
  AesSivMasker assigned(std::string(32, 'k'));
  assigned = copy;
  EXPECT_EQ(assigned.Mask(MaskField::kDeviceId, "593-47-5928"), expected);
  AesSivMasker moved(std::move(copy));
  EXPECT_EQ(moved.Mask(MaskField::kDeviceId, "593-47-5928"), expected);
  EXPECT_EQ(*moved.Unmask(MaskField::kDeviceId, expected), "593-47-5928");
  {
    AesSivMasker temp(original);  // destroying a copy must not disturb the original's contexts
  }
  EXPECT_EQ(original.Mask(MaskField::kDeviceId, "593-47-5928"), expected);
  EXPECT_EQ(original.Mask(MaskField::kIp, "199.172.111.135"),
            "s1.f8045705.7f6CBf9fkDMhwbz3FSF8ZfAX8eOmkgtC8GK6JS6cRA");
}

TEST(AesSivMaskerTest, MaskerFacadeSelectsTheScheme) {
  Masker hmac(MaskScheme::kHmacSha256, KeyBytes0To31());
  Masker siv(MaskScheme::kAesSiv, KeyBytes0To31());
  EXPECT_EQ(hmac.scheme(), MaskScheme::kHmacSha256);
  EXPECT_EQ(siv.scheme(), MaskScheme::kAesSiv);
  EXPECT_EQ(hmac.key_id(), "f8045705");
  EXPECT_EQ(siv.key_id(), "f8045705");
  EXPECT_EQ(hmac.Mask(MaskField::kIp, "199.172.111.135"),
            "c442c385aa33cb12ec137bf7fbfcf6e3789ff16a2dcb2b3237e2d584325208a1");
  EXPECT_EQ(siv.Mask(MaskField::kIp, "199.172.111.135"),
            "s1.f8045705.7f6CBf9fkDMhwbz3FSF8ZfAX8eOmkgtC8GK6JS6cRA");
  EXPECT_EQ(hmac.MaskedSize(1000), 64u);
  EXPECT_EQ(siv.MaskedSize(15), 54u);
  std::string out = "previous contents";
  siv.MaskInto(MaskField::kIp, "199.172.111.135", &out);
  EXPECT_EQ(out, "s1.f8045705.7f6CBf9fkDMhwbz3FSF8ZfAX8eOmkgtC8GK6JS6cRA");
  hmac.MaskInto(MaskField::kIp, "199.172.111.135", &out);
  EXPECT_EQ(out, "c442c385aa33cb12ec137bf7fbfcf6e3789ff16a2dcb2b3237e2d584325208a1");
  Masker siv_copy(siv);
  Masker moved(std::move(siv));
  EXPECT_EQ(siv_copy.Mask(MaskField::kIp, "199.172.111.135"),
            moved.Mask(MaskField::kIp, "199.172.111.135"));
  EXPECT_EQ(ParseMaskScheme("aes-siv"), MaskScheme::kAesSiv);
  EXPECT_EQ(ParseMaskScheme("hmac-sha256"), MaskScheme::kHmacSha256);
  EXPECT_EQ(ParseMaskScheme("AES-SIV"), std::nullopt);
  EXPECT_EQ(ParseMaskScheme(""), std::nullopt);
  EXPECT_EQ(MaskSchemeName(MaskScheme::kAesSiv), "aes-siv");
  EXPECT_EQ(DetectMaskScheme(std::string(64, 'a')), MaskScheme::kHmacSha256);
  EXPECT_EQ(DetectMaskScheme(std::string(64, 'A')), std::nullopt);
  EXPECT_EQ(DetectMaskScheme("10.0.0.1"), std::nullopt);
}

// --- mask domains -------------------------------------------------------------------------------

// Known answers for other domains, computed independently in Python as above with the domain in
// place of the field:
//   k = HKDF(SHA256, 64, salt=None, info=b"sqs2pg aes-siv v1
//   customer.email").derive(bytes(range(32))) AESSIV(k).encrypt(b"alice@example.com",
//   [b"customer.email"])
TEST(AesSivMaskerDomainTest, KnownAnswerForAnyDomainFromPython) {
  AesSivMasker masker(KeyBytes0To31(), {"customer.email", "email"});
  ASSERT_EQ(masker.domain_count(), 2u);
  EXPECT_EQ(masker.domain(0), "customer.email");
  EXPECT_EQ(masker.domain(1), "email");
  EXPECT_EQ(masker.Mask(0, "alice@example.com"),
            "s1.f8045705.DpBU5XLACGrxlCuvU61EZ7is3SxIj7V56BGL0PZq1ZIS");
  EXPECT_EQ(masker.Mask(0, "1.2.3.4"), "s1.f8045705.aQXHRqmsZig9CDbRGZyESB2rLO2EDrY");
  EXPECT_EQ(masker.Mask(1, "alice@example.com"),
            "s1.f8045705.pWDI2aujP2tQM5H275lb0K_v_kniBn9usnRu1CXSHpuS");
  EXPECT_EQ(masker.Mask(1, "1.2.3.4"), "s1.f8045705.ggPzzNwKD0nyR-8p2VJYCvnpLex97nI");
}

// The login domains, wherever they stand in the list, give the masks the field API gives (whose
// values the Python known answers above pin down).
TEST(AesSivMaskerDomainTest, LoginDomainsGiveTheFieldMasks) {
  AesSivMasker login(KeyBytes0To31());
  AesSivMasker domains(KeyBytes0To31(), {"email", "device_id", "ip"});
  for (const std::string value : {"", "199.172.111.135", "593-47-5928"}) {
    EXPECT_EQ(domains.Mask(2, value), login.Mask(MaskField::kIp, value));
    EXPECT_EQ(domains.Mask(1, value), login.Mask(MaskField::kDeviceId, value));
    EXPECT_EQ(*domains.Unmask(2, login.Mask(MaskField::kIp, value)), value);
    EXPECT_EQ(*login.Unmask(MaskField::kDeviceId, domains.Mask(1, value)), value);
  }
  EXPECT_EQ(domains.Mask(2, "199.172.111.135"),
            "s1.f8045705.7f6CBf9fkDMhwbz3FSF8ZfAX8eOmkgtC8GK6JS6cRA");
}

// Every domain round-trips, in another instance that lists the domains in another order; a mask
// of one domain never authenticates in another, and the error names the domain, not the value.
TEST(AesSivMaskerDomainTest, RoundTripPerDomain) {
  const std::vector<std::string> domains = {"customer.email", "email", "items.0.sku",
                                            "SentTimestamp",  "",      "ip"};
  AesSivMasker masker(KeyBytes0To31(), domains);
  std::vector<std::string> reversed(domains.rbegin(), domains.rend());
  AesSivMasker other(KeyBytes0To31(), reversed);
  for (const std::string& value : std::vector<std::string>{
           "", "x", "alice@example.com", std::string("a\0b", 3), std::string(167, 'q')}) {
    for (size_t d = 0; d < domains.size(); ++d) {
      const std::string masked = masker.Mask(d, value);
      const size_t od = domains.size() - 1 - d;
      Result<std::string> back = other.Unmask(od, masked);
      ASSERT_TRUE(back.ok()) << domains[d] << ": " << back.status().ToString();
      EXPECT_EQ(*back, value);
      EXPECT_EQ(other.Mask(od, value), masked);
      for (size_t wrong = 0; wrong < domains.size(); ++wrong) {
        if (wrong == d) continue;
        Result<std::string> r = masker.Unmask(wrong, masked);
        ASSERT_FALSE(r.ok()) << domains[d] << " as " << domains[wrong];
        EXPECT_EQ(r.status().code(), StatusCode::kDataLoss);
        EXPECT_NE(r.status().message().find("domain " + domains[wrong]), std::string::npos)
            << r.status().message();
        if (value.size() > 1) {
          EXPECT_EQ(r.status().message().find(value), std::string::npos);
        }
      }
    }
  }
}

TEST(AesSivMaskerDomainTest, CopiesAndMovesKeepEveryDomain) {
  std::vector<std::string> domains;
  for (int i = 0; i < 10; ++i) domains.push_back("domain." + std::to_string(i));
  auto original = std::make_unique<AesSivMasker>(KeyBytes0To31(), domains);
  std::vector<std::string> expected;
  for (size_t d = 0; d < domains.size(); ++d) expected.push_back(original->Mask(d, "v"));
  AesSivMasker copy(*original);
  AesSivMasker assigned(std::string(32, 'k'), {"other"});
  assigned = *original;
  original.reset();
  AesSivMasker moved(std::move(copy));
  for (size_t d = 0; d < domains.size(); ++d) {
    EXPECT_EQ(moved.Mask(d, "v"), expected[d]);
    EXPECT_EQ(*assigned.Unmask(d, expected[d]), "v");
    EXPECT_EQ(assigned.domain(d), domains[d]);
  }
}

// Not a benchmark (see bench/ for those): prints the cost per mask of both schemes on this
// machine, for the record, and checks nothing about speed.
TEST(AesSivMaskerTest, ReportsCostPerMask) {
  Masker hmac(MaskScheme::kHmacSha256, KeyBytes0To31());
  Masker siv(MaskScheme::kAesSiv, KeyBytes0To31());
  std::string out;
  const auto time = [&](Masker& m) {
    constexpr int kRounds = 200000;
    for (int i = 0; i < 1000; ++i) m.MaskInto(MaskField::kIp, "199.172.111.135", &out);
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < kRounds; ++i) m.MaskInto(MaskField::kIp, "199.172.111.135", &out);
    return std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start)
               .count() /
           kRounds;
  };
  const double hmac_ns = time(hmac);
  const double siv_ns = time(siv);
  std::printf("[ cost     ] one mask of a 15-byte ip: hmac-sha256 %.0f ns, aes-siv %.0f ns\n",
              hmac_ns, siv_ns);
  EXPECT_GT(siv_ns, 0.0);
}

}  // namespace
}  // namespace sqs2pg::transform
