#include "transform/app_version.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sqs2pg::transform {
namespace {

TEST(VersionEncodingTest, EncodesExamples) {
  EXPECT_EQ(EncodeAppVersion("2.3.0"), 2003000);
  EXPECT_EQ(EncodeAppVersion("0.96"), 96000);
  EXPECT_EQ(EncodeAppVersion("3.7"), 3007000);
  EXPECT_EQ(EncodeAppVersion("0.60"), 60000);
  EXPECT_EQ(EncodeAppVersion("7"), 7000000);
  EXPECT_EQ(EncodeAppVersion("0"), 0);
  EXPECT_EQ(EncodeAppVersion("999.999.999"), 999999999);
  EXPECT_EQ(EncodeAppVersion("2.10.0"), 2010000);
}

TEST(VersionEncodingTest, LeadingZerosAreDecimal) {
  EXPECT_EQ(EncodeAppVersion("0.06"), 6000);
  EXPECT_EQ(EncodeAppVersion("0.6"), 6000);
  EXPECT_EQ(EncodeAppVersion("007.000.001"), 7000001);
}

TEST(VersionEncodingTest, OrdersNumerically) {
  EXPECT_GT(*EncodeAppVersion("2.10.0"), *EncodeAppVersion("2.9.9"));
  EXPECT_GT(*EncodeAppVersion("3"), *EncodeAppVersion("2.999.999"));
}

TEST(VersionEncodingTest, RejectsMalformed) {
  const std::string full_width_one = "\xEF\xBC\x91";  // U+FF11 FULLWIDTH DIGIT ONE
  const std::string arabic_indic_one = "\xD9\xA1";    // U+0661 ARABIC-INDIC DIGIT ONE
  const std::vector<std::string> malformed = {"",
                                              "1.2.3.4",
                                              "1..2",
                                              "a.b",
                                              "1000",
                                              "-1",
                                              " 1",
                                              "1 ",
                                              "1.2.",
                                              "+1",
                                              ".1",
                                              ".",
                                              "1.1000",
                                              "1.2.3.",
                                              "1,2",
                                              "1.2-beta",
                                              "v1.2",
                                              "0x1",
                                              full_width_one,
                                              "1." + full_width_one,
                                              arabic_indic_one};
  for (const std::string& bad : malformed) {
    EXPECT_EQ(EncodeAppVersion(bad), std::nullopt) << "'" << bad << "'";
  }
  EXPECT_EQ(EncodeAppVersion(std::string_view("1\0", 2)), std::nullopt);
}

TEST(VersionEncodingTest, DecodesCanonically) {
  EXPECT_EQ(DecodeAppVersion(2003000), "2.3.0");
  EXPECT_EQ(DecodeAppVersion(96000), "0.96.0");
  EXPECT_EQ(DecodeAppVersion(7000000), "7.0.0");
  EXPECT_EQ(DecodeAppVersion(0), "0.0.0");
  EXPECT_EQ(DecodeAppVersion(999999999), "999.999.999");
  EXPECT_EQ(DecodeAppVersion(-1), "");
  EXPECT_EQ(DecodeAppVersion(1000000000), "");
  for (const char* v : {"2.3.0", "0.96", "3.7", "0.60", "7", "12.34.56"}) {
    EXPECT_EQ(EncodeAppVersion(DecodeAppVersion(*EncodeAppVersion(v))), EncodeAppVersion(v)) << v;
  }
}

}  // namespace
}  // namespace sqs2pg::transform
