#include "pg/copy_binary.h"

#include <gtest/gtest.h>

namespace sqs2pg::pg {
namespace {

std::string Bytes(std::initializer_list<int> b) {
  std::string s;
  for (int c : b) s += static_cast<char>(c);
  return s;
}

const std::string kHeader =
    Bytes({'P', 'G', 'C', 'O', 'P', 'Y', '\n', 0xff, '\r', '\n', 0, 0, 0, 0, 0, 0, 0, 0, 0});

TEST(CopyBinaryEncoderTest, LedgerKeys) {
  CopyBinaryEncoder e;
  e.Begin();
  MessageKeyBytes key{};
  for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<uint8_t>(i);
  e.AppendTimedLedgerKey(0x0102030405060708, key);
  e.Finish();
  std::string expected = kHeader + Bytes({0, 2, 0, 0, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 16});
  expected.append(reinterpret_cast<const char*>(key.data()), key.size());
  expected += Bytes({0xff, 0xff});
  EXPECT_EQ(e.data(), expected);
  EXPECT_EQ(e.tuples(), 1u);
  e.Begin();
  EXPECT_EQ(e.data(), kHeader);
  EXPECT_EQ(e.tuples(), 0u);
}

// A field: int32 length, then the bytes.
std::string Field(std::string_view bytes) {
  auto n = static_cast<uint32_t>(bytes.size());
  return Bytes({static_cast<int>(n >> 24), static_cast<int>((n >> 16) & 0xff),
                static_cast<int>((n >> 8) & 0xff), static_cast<int>(n & 0xff)}) +
         std::string(bytes);
}

const std::string kNull = Bytes({0xff, 0xff, 0xff, 0xff});
const std::string kTrailer = Bytes({0xff, 0xff});

TEST(CopyBinaryEncoderTest, TuplesOfEncodedFieldsWithAndWithoutTheStageOrdinal) {
  const std::string fields = Field("u") + kNull + Field(Bytes({0, 0x1e, 0x90, 0x38}));
  CopyBinaryEncoder e;
  e.Begin();
  e.AppendTuple(3, fields);
  e.AppendTuple(3, fields, 258);
  e.Finish();
  EXPECT_EQ(e.data(), kHeader + Bytes({0, 3}) + fields + Bytes({0, 4}) + fields +
                          Field(Bytes({0, 0, 1, 2})) + kTrailer);
  EXPECT_EQ(e.tuples(), 2u);
}

TEST(CopyBinaryEncoderTest, StagedAndTimedKeys) {
  CopyBinaryEncoder e;
  e.Begin();
  MessageKeyBytes key{};
  key[15] = 9;
  // 2000-01-01T00:00:00.001Z: 1,000 microseconds after PostgreSQL's epoch.
  const int64_t sent_at = PgTimestampFromUnixMillis(946684800001);
  EXPECT_EQ(sent_at, 1000);
  e.AppendStagedKey(258, sent_at, key);
  const std::string key_field = Field(std::string(reinterpret_cast<const char*>(key.data()), 16));
  const std::string time_field = Field(Bytes({0, 0, 0, 0, 0, 0, 0x03, 0xe8}));
  EXPECT_EQ(e.data(),
            kHeader + Bytes({0, 3}) + Field(Bytes({0, 0, 1, 2})) + time_field + key_field);

  e.Begin();
  e.AppendTimedLedgerKey(PgTimestampFromUnixMillis(0), key);  // 1970: negative, two's complement
  EXPECT_EQ(e.data(), kHeader + Bytes({0, 2}) +
                          Field(Bytes({0xff, 0xfc, 0xa2, 0xfe, 0xc4, 0xc8, 0x20, 0x00})) +
                          key_field);
}

}  // namespace
}  // namespace sqs2pg::pg
