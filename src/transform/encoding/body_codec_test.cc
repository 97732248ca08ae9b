#include "transform/encoding/body_codec.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <cstring>
#include <string>

#include "transform/encoding/encoding_test_support.h"

namespace sqs2pg::transform::encoding {
namespace {

using testing::Base64;
using testing::Gzip;

constexpr char kEvent[] = R"({"user_id":"u1","ip":"10.0.0.1","app_version":"1.2.3"})";

TEST(Base64Test, DecodesEveryPaddingLength) {
  std::string out;
  EXPECT_EQ(DecodeBase64("", &out), DecodeError::kNone);
  EXPECT_EQ(out, "");
  EXPECT_EQ(DecodeBase64("Zg==", &out), DecodeError::kNone);
  EXPECT_EQ(out, "f");
  EXPECT_EQ(DecodeBase64("Zm8=", &out), DecodeError::kNone);
  EXPECT_EQ(out, "fo");
  EXPECT_EQ(DecodeBase64("Zm9v", &out), DecodeError::kNone);
  EXPECT_EQ(out, "foo");
  EXPECT_EQ(DecodeBase64("Zm9vYmFy", &out), DecodeError::kNone);
  EXPECT_EQ(out, "foobar");
  // Every byte value, at every offset in a quad.
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  for (size_t cut = 0; cut < 4; ++cut) {
    const std::string data = all.substr(cut);
    EXPECT_EQ(DecodeBase64(Base64(data), &out), DecodeError::kNone);
    EXPECT_EQ(out, data);
  }
  EXPECT_EQ(DecodeBase64("+/+/", &out), DecodeError::kNone);
  EXPECT_EQ(out, "\xfb\xff\xbf");
}

TEST(Base64Test, RejectsAnythingButStrictStandardBase64) {
  std::string out;
  for (const char* bad : {
           "Zg",         // padding missing
           "Zg=",        // padding short
           "Zm9",        // length not a multiple of 4
           "Zg==Zg==",   // padding in the middle
           "Z===",       // too much padding
           "====",       // padding only
           "Zm=v",       // '=' before a character
           "Zh==",       // trailing bits set (one byte: low 4 bits of 'h')
           "Zm9=",       // trailing bits set (two bytes: low 2 bits of '9')
           "Zm9v\n",     // a line break
           " Zm9v",      // leading space
           "Zm 9v",      // inner space
           "Zm9v YmFy",  // space between quads
           "Zm9-",       // base64url alphabet
           "Zm9_",       // base64url alphabet
           "Zm9\x80",    // a high byte
       }) {
    EXPECT_EQ(DecodeBase64(bad, &out), DecodeError::kBadBase64) << bad;
  }
  EXPECT_EQ(DecodeBase64(std::string("Zm9v\0AAA", 8), &out), DecodeError::kBadBase64);  // a NUL
}

TEST(Base64Test, CapsTheDecodedSizeBeforeWriting) {
  std::string out = "previous";
  EXPECT_EQ(DecodeBase64("Zm9vYmFy", &out, 5), DecodeError::kTooLarge);
  EXPECT_EQ(DecodeBase64("Zm9vYmFy", &out, 6), DecodeError::kNone);
  EXPECT_EQ(out, "foobar");
}

TEST(Base64Test, ReusesTheScratchCapacity) {
  std::string out;
  const std::string big = Base64(std::string(3000, 'x'));
  ASSERT_EQ(DecodeBase64(big, &out), DecodeError::kNone);
  const char* buffer = out.data();
  const size_t capacity = out.capacity();
  ASSERT_EQ(DecodeBase64(Base64(kEvent), &out), DecodeError::kNone);
  EXPECT_EQ(out, kEvent);
  EXPECT_EQ(out.data(), buffer);
  EXPECT_EQ(out.capacity(), capacity);
}

TEST(GunzipTest, InflatesOneMember) {
  std::string out;
  EXPECT_EQ(Gunzip(Gzip(kEvent), &out), DecodeError::kNone);
  EXPECT_EQ(out, kEvent);
  EXPECT_EQ(Gunzip(Gzip(""), &out), DecodeError::kNone);
  EXPECT_EQ(out, "");
  // Output larger than the first buffer guess: the buffer grows.
  std::string large;
  for (int i = 0; i < 20000; ++i) large += std::to_string(i * 7919 % 100003) + ",";
  EXPECT_EQ(Gunzip(Gzip(large), &out), DecodeError::kNone);
  EXPECT_EQ(out, large);
}

TEST(GunzipTest, AcceptsOutputOfExactlyTheCap) {
  const std::string data(4096, 'a');
  std::string out;
  EXPECT_EQ(Gunzip(Gzip(data), &out, data.size()), DecodeError::kNone);
  EXPECT_EQ(out, data);
  EXPECT_EQ(Gunzip(Gzip(data), &out, data.size() - 1), DecodeError::kTooLarge);
}

TEST(GunzipTest, RefusesABombWithoutAllocatingPastTheCap) {
  // 100 MiB of zeros: about 100 KiB gzipped.
  const std::string zeros(size_t{100} << 20, '\0');
  const std::string bomb = Gzip(zeros, 9);
  ASSERT_LT(bomb.size(), size_t{200} << 10);
  std::string out;
  EXPECT_EQ(Gunzip(bomb, &out), DecodeError::kTooLarge);
  EXPECT_LE(out.capacity(), kDefaultMaxDecodedBytes);
  // The same bomb with a trailer that claims 100 bytes.
  std::string liar = bomb;
  liar.replace(liar.size() - 4, 4, std::string("\x64\0\0\0", 4));
  std::string fresh;
  EXPECT_EQ(Gunzip(liar, &fresh), DecodeError::kTooLarge);
  EXPECT_LE(fresh.capacity(), kDefaultMaxDecodedBytes);
  // Through DecodeBody, as a producer would send it.
  std::string scratch;
  DecodedBody decoded = DecodeBody(Base64(bomb), BodyEncoding::kAuto, &scratch);
  EXPECT_EQ(decoded.error, DecodeError::kTooLarge);
  EXPECT_LE(scratch.capacity(), kDefaultMaxDecodedBytes);
}

TEST(GunzipTest, AFailedCallDoesNotSpoilTheNextOne) {
  // The inflater is kept per thread: whatever state an early stop leaves must not leak into the
  // next call (a stale input pointer once made it read the previous call's buffer).
  const std::string gz = Gzip(std::string(5000, 'a'));
  std::string out;
  EXPECT_EQ(Gunzip(gz, &out, 100), DecodeError::kTooLarge);
  EXPECT_EQ(Gunzip(gz, &out), DecodeError::kNone);
  EXPECT_EQ(out, std::string(5000, 'a'));
  std::string corrupt = gz;
  corrupt[12] ^= 0x55;
  EXPECT_NE(Gunzip(corrupt, &out), DecodeError::kNone);
  EXPECT_EQ(Gunzip(gz, &out), DecodeError::kNone);
  EXPECT_EQ(Gunzip(gz + gz, &out), DecodeError::kTrailingData);
  EXPECT_EQ(Gunzip(gz, &out), DecodeError::kNone);
  EXPECT_EQ(out, std::string(5000, 'a'));
}

TEST(GunzipTest, RejectsTruncatedCorruptAndTrailingInput) {
  const std::string gz = Gzip(kEvent);
  std::string out;
  for (size_t keep :
       {size_t{0}, size_t{1}, size_t{2}, size_t{10}, gz.size() / 2, gz.size() - 8, gz.size() - 1}) {
    EXPECT_EQ(Gunzip(gz.substr(0, keep), &out), DecodeError::kBadGzip) << keep;
  }
  // Wrong magic.
  std::string wrong = gz;
  wrong[0] = 0x1e;
  EXPECT_EQ(Gunzip(wrong, &out), DecodeError::kBadGzip);
  // A zlib (not gzip) stream.
  std::string zlib_stream(compressBound(sizeof kEvent), '\0');
  uLongf zlib_size = zlib_stream.size();
  ASSERT_EQ(compress(reinterpret_cast<Bytef*>(zlib_stream.data()), &zlib_size,
                     reinterpret_cast<const Bytef*>(kEvent), sizeof kEvent - 1),
            Z_OK);
  zlib_stream.resize(zlib_size);
  EXPECT_EQ(Gunzip(zlib_stream, &out), DecodeError::kBadGzip);
  // A bad CRC-32 and a bad length trailer.
  std::string bad_crc = gz;
  bad_crc[gz.size() - 8] ^= 1;
  EXPECT_EQ(Gunzip(bad_crc, &out), DecodeError::kBadChecksum);
  std::string bad_length = gz;
  bad_length[gz.size() - 4] ^= 1;
  EXPECT_EQ(Gunzip(bad_length, &out), DecodeError::kBadChecksum);
  // Concatenated members, and garbage after the member.
  EXPECT_EQ(Gunzip(gz + gz, &out), DecodeError::kTrailingData);
  EXPECT_EQ(Gunzip(gz + "x", &out), DecodeError::kTrailingData);
  EXPECT_EQ(Gunzip(gz + std::string(1, '\0'), &out), DecodeError::kTrailingData);
  // Nothing at all.
  EXPECT_EQ(Gunzip("", &out), DecodeError::kBadGzip);
}

TEST(DecodeBodyTest, AutoPassesJsonThroughWithoutCopying) {
  std::string scratch = "untouched";
  for (std::string_view body : {std::string_view(kEvent), std::string_view(" \n\t\r{}"),
                                std::string_view("{not json, but the JSON stage says so")}) {
    DecodedBody decoded = DecodeBody(body, BodyEncoding::kAuto, &scratch);
    ASSERT_TRUE(decoded.ok());
    EXPECT_EQ(decoded.text.data(), body.data());
    EXPECT_EQ(decoded.text.size(), body.size());
  }
  EXPECT_EQ(scratch, "untouched");
}

TEST(DecodeBodyTest, AutoPassesEmptyAndBlankBodiesOnForTheJsonStage) {
  std::string scratch;
  for (std::string_view body : {std::string_view(""), std::string_view("  \n")}) {
    DecodedBody decoded = DecodeBody(body, BodyEncoding::kAuto, &scratch);
    ASSERT_TRUE(decoded.ok());
    EXPECT_EQ(decoded.text.data(), body.data());
  }
}

TEST(DecodeBodyTest, AutoDecodesBase64AndGzipBase64) {
  std::string scratch;
  DecodedBody plain = DecodeBody(Base64(kEvent), BodyEncoding::kAuto, &scratch);
  ASSERT_TRUE(plain.ok()) << DecodeErrorName(plain.error);
  EXPECT_EQ(plain.text, kEvent);
  const std::string gz = Base64(Gzip(kEvent));
  DecodedBody gunzipped = DecodeBody(gz, BodyEncoding::kAuto, &scratch);
  ASSERT_TRUE(gunzipped.ok()) << DecodeErrorName(gunzipped.error);
  EXPECT_EQ(gunzipped.text, kEvent);
  EXPECT_EQ(gunzipped.text.data(), scratch.data());
  // Long enough for several base64 chunks of the streaming decoder.
  std::string large = "{\"k\":\"";
  for (int i = 0; i < 50000; ++i) large += static_cast<char>('a' + (i * 31 + i / 7) % 26);
  large += "\"}";
  DecodedBody big = DecodeBody(Base64(Gzip(large)), BodyEncoding::kAuto, &scratch);
  ASSERT_TRUE(big.ok()) << DecodeErrorName(big.error);
  EXPECT_EQ(big.text, large);
}

TEST(DecodeBodyTest, AutoRejectsWhatIsNeitherJsonNorBase64) {
  std::string scratch;
  for (std::string_view body : {"[1,2]", "\"text\"", "not base64!", "Zm9v\n", " Zm9v"}) {
    EXPECT_EQ(DecodeBody(body, BodyEncoding::kAuto, &scratch).error, DecodeError::kBadBase64)
        << body;
  }
  // Base64 of a gzip member that is then broken: the gzip error, not a base64 one.
  std::string gz = Gzip(kEvent);
  EXPECT_EQ(DecodeBody(Base64(gz.substr(0, gz.size() - 3)), BodyEncoding::kAuto, &scratch).error,
            DecodeError::kBadGzip);
  EXPECT_EQ(DecodeBody(Base64(gz + gz), BodyEncoding::kAuto, &scratch).error,
            DecodeError::kTrailingData);
  // Gzip magic, then text that stops being base64 in a later chunk.
  std::string noise;
  uint32_t x = 12345;
  for (int i = 0; i < 20000; ++i) noise += static_cast<char>((x = x * 1103515245 + 12345) >> 24);
  std::string broken = Base64(Gzip(noise));
  ASSERT_GT(broken.size(), 20000u);
  broken[10001] = '*';
  EXPECT_EQ(DecodeBody(broken, BodyEncoding::kAuto, &scratch).error, DecodeError::kBadBase64);
}

TEST(DecodeBodyTest, ExplicitModesDoExactlyWhatTheySay) {
  std::string scratch;
  const std::string b64 = Base64(kEvent);
  const std::string gz_b64 = Base64(Gzip(kEvent));
  // json: the body as is, whatever it is.
  DecodedBody json = DecodeBody(b64, BodyEncoding::kJson, &scratch);
  ASSERT_TRUE(json.ok());
  EXPECT_EQ(json.text, b64);
  // base64: decoded, never gunzipped, and JSON is not base64.
  EXPECT_EQ(DecodeBody(b64, BodyEncoding::kBase64, &scratch).text, kEvent);
  DecodedBody still_gzip = DecodeBody(gz_b64, BodyEncoding::kBase64, &scratch);
  ASSERT_TRUE(still_gzip.ok());
  EXPECT_EQ(still_gzip.text, Gzip(kEvent));
  EXPECT_EQ(DecodeBody(kEvent, BodyEncoding::kBase64, &scratch).error, DecodeError::kBadBase64);
  // gzip+base64: must be gzip.
  EXPECT_EQ(DecodeBody(gz_b64, BodyEncoding::kGzipBase64, &scratch).text, kEvent);
  EXPECT_EQ(DecodeBody(b64, BodyEncoding::kGzipBase64, &scratch).error, DecodeError::kNotGzip);
  EXPECT_EQ(DecodeBody(kEvent, BodyEncoding::kGzipBase64, &scratch).error, DecodeError::kBadBase64);
  EXPECT_EQ(DecodeBody("", BodyEncoding::kGzipBase64, &scratch).error, DecodeError::kNotGzip);
}

TEST(DecodeBodyTest, CapAppliesToBase64AndGzip) {
  std::string scratch;
  const std::string data(1000, 'x');
  EXPECT_EQ(DecodeBody(Base64(data), BodyEncoding::kBase64, &scratch, 999).error,
            DecodeError::kTooLarge);
  EXPECT_EQ(DecodeBody(Base64(Gzip(data)), BodyEncoding::kGzipBase64, &scratch, 999).error,
            DecodeError::kTooLarge);
  EXPECT_TRUE(DecodeBody(Base64(Gzip(data)), BodyEncoding::kGzipBase64, &scratch, 1000).ok());
}

TEST(BodyEncodingTest, NamesRoundTrip) {
  for (BodyEncoding e : {BodyEncoding::kAuto, BodyEncoding::kJson, BodyEncoding::kBase64,
                         BodyEncoding::kGzipBase64}) {
    EXPECT_EQ(ParseBodyEncoding(BodyEncodingName(e)), e);
  }
  EXPECT_EQ(BodyEncodingName(BodyEncoding::kGzipBase64), "gzip+base64");
  EXPECT_EQ(ParseBodyEncoding("gzip"), std::nullopt);
  EXPECT_EQ(ParseBodyEncoding("JSON"), std::nullopt);
  EXPECT_EQ(DecodeErrorName(DecodeError::kTooLarge), "too_large");
}

}  // namespace
}  // namespace sqs2pg::transform::encoding
