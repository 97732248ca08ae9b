#include "pg/text_array.h"

#include <gtest/gtest.h>

namespace sqs2pg::pg {
namespace {

TEST(TextArrayTest, QuotesAndEscapes) {
  std::string lit = "{";
  AppendArrayElement(&lit, "a\"b\\c,{}");
  lit += ',';
  AppendArrayElement(&lit, std::nullopt);
  lit += ',';
  AppendArrayElement(&lit, "NULL");
  lit += '}';
  EXPECT_EQ(lit, "{\"a\\\"b\\\\c,{}\",NULL,\"NULL\"}");
}

TEST(TextArrayTest, StorableText) {
  EXPECT_EQ(StorableText("plain ÄÖ €𝄞"), "plain ÄÖ €𝄞");
  EXPECT_EQ(StorableText(std::string("a\0b", 3)), "a?b");
  EXPECT_EQ(StorableText("\xff\xc3"), "??");
  EXPECT_EQ(StorableText("\xc0\xaf"), "??");       // overlong '/'
  EXPECT_EQ(StorableText("\xed\xa0\x80"), "???");  // surrogate
}

}  // namespace
}  // namespace sqs2pg::pg
