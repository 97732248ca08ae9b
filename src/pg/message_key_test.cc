#include "pg/message_key.h"

#include <gtest/gtest.h>

namespace sqs2pg::pg {
namespace {

TEST(MessageKeyTest, CanonicalUuidMapsToItsBytes) {
  MessageKeyBytes k = MessageKey("0123abcd-4567-89ef-ABCD-0123456789Ef");
  EXPECT_EQ(k[0], 0x01);
  EXPECT_EQ(k[3], 0xcd);
  EXPECT_EQ(k[15], 0xef);
  EXPECT_EQ(MessageKeyToString(k), "0123abcd-4567-89ef-abcd-0123456789ef");
  EXPECT_EQ(MessageKey("0123ABCD-4567-89EF-ABCD-0123456789EF"), k);
}

TEST(MessageKeyTest, OtherIdsGetAStableVersion3Uuid) {
  for (std::string_view id :
       {"", "msg-1", "0123abcd456789efabcd0123456789ef", "0123abcd-4567-89ef-abcd-0123456789eg",
        "g123abcd-4567-89ef-abcd-0123456789ef", "0123abcd-4567-89ef-abcd-01234567 9ef",
        "0123abcd-4567-89ef-abcd0-123456789ef", "0123abcd-4567-89ef-ab\xff-0123456789ef",
        "{0123abcd-4567-89ef-abcd-0123456789ef}"}) {
    MessageKeyBytes k = MessageKey(id);
    EXPECT_EQ(k[6] >> 4, 3) << id;
    EXPECT_EQ(k[8] & 0xc0, 0x80) << id;
    EXPECT_EQ(MessageKey(id), k) << id;
  }
  EXPECT_NE(MessageKey("msg-1"), MessageKey("msg-2"));
  // md5("sqs2pg:msg-1") = 62fccad78dd7e230cc561bb532df76fb with version and variant bits set;
  // pinned so keys never change between releases (that would turn redeliveries into inserts).
  EXPECT_EQ(MessageKeyToString(MessageKey("msg-1")), "62fccad7-8dd7-3230-8c56-1bb532df76fb");
}

}  // namespace
}  // namespace sqs2pg::pg
