#include "transform/convert/pg_type.h"

#include <gtest/gtest.h>

namespace sqs2pg::transform {
namespace {

// atttypmod of numeric(p,s): ((p << 16) | (s & 0x7ff)) + VARHDRSZ, as PostgreSQL 15 stores it.
int32_t NumericTypmod(int p, int s) { return ((p << 16) | (s & 0x7ff)) + 4; }

TEST(PgColumnTypeTest, TypnamesAndFormatTypeNamesMapToTheSameType) {
  const std::pair<const char*, const char*> pairs[] = {
      {"varchar", "character varying"},
      {"bpchar", "character"},
      {"int2", "smallint"},
      {"int4", "integer"},
      {"int8", "bigint"},
      {"float4", "real"},
      {"float8", "double precision"},
      {"bool", "boolean"},
      {"timestamp", "timestamp without time zone"},
      {"timestamptz", "timestamp with time zone"},
  };
  for (const auto& [typname, formatted] : pairs) {
    auto a = PgColumnTypeFromCatalog(typname, -1);
    auto b = PgColumnTypeFromCatalog(formatted, -1);
    ASSERT_TRUE(a.has_value()) << typname;
    ASSERT_TRUE(b.has_value()) << formatted;
    EXPECT_EQ(*a, *b) << typname;
    EXPECT_EQ(PgTypeName(a->type), formatted);
  }
  for (const char* same : {"text", "numeric", "date", "uuid", "json", "jsonb", "inet"}) {
    auto t = PgColumnTypeFromCatalog(same, -1);
    ASSERT_TRUE(t.has_value()) << same;
    EXPECT_EQ(PgTypeName(t->type), same);
  }
}

TEST(PgColumnTypeTest, UnsupportedTypesAreNullopt) {
  for (const char* name : {"char", "cidr", "bytea", "interval", "time", "money", "_int4", "INTEGER",
                           "varchar(255)", "", "int"}) {
    EXPECT_FALSE(PgColumnTypeFromCatalog(name, -1).has_value()) << name;
  }
}

TEST(PgColumnTypeTest, CharacterLengthsComeFromTypmod) {
  auto v = PgColumnTypeFromCatalog("varchar", 255 + 4);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->type, PgType::kVarchar);
  EXPECT_EQ(v->max_chars, 255);
  auto unbounded = PgColumnTypeFromCatalog("character varying", -1);
  ASSERT_TRUE(unbounded.has_value());
  EXPECT_EQ(unbounded->max_chars, -1);
  auto c = PgColumnTypeFromCatalog("bpchar", 1 + 4);  // char == char(1)
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->type, PgType::kBpchar);
  EXPECT_EQ(c->max_chars, 1);
  EXPECT_FALSE(PgColumnTypeFromCatalog("varchar", 4).has_value());  // varchar(0) cannot exist
  EXPECT_FALSE(PgColumnTypeFromCatalog("varchar", 2).has_value());
}

TEST(PgColumnTypeTest, NumericPrecisionAndScaleDecode) {
  auto n = PgColumnTypeFromCatalog("numeric", NumericTypmod(10, 2));
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(n->numeric_precision, 10);
  EXPECT_EQ(n->numeric_scale, 2);
  auto negative = PgColumnTypeFromCatalog("numeric", NumericTypmod(3, -2));
  ASSERT_TRUE(negative.has_value());
  EXPECT_EQ(negative->numeric_precision, 3);
  EXPECT_EQ(negative->numeric_scale, -2);
  auto big_scale = PgColumnTypeFromCatalog("numeric", NumericTypmod(2, 5));
  ASSERT_TRUE(big_scale.has_value());
  EXPECT_EQ(big_scale->numeric_scale, 5);
  auto unconstrained = PgColumnTypeFromCatalog("numeric", -1);
  ASSERT_TRUE(unconstrained.has_value());
  EXPECT_EQ(unconstrained->numeric_precision, -1);
  EXPECT_EQ(unconstrained->numeric_scale, -1);
  EXPECT_FALSE(PgColumnTypeFromCatalog("numeric", NumericTypmod(0, 0)).has_value());
  EXPECT_FALSE(PgColumnTypeFromCatalog("numeric", NumericTypmod(1001, 0)).has_value());
}

TEST(PgColumnTypeTest, TimestampPrecision) {
  auto t = PgColumnTypeFromCatalog("timestamptz", 3);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->time_precision, 3);
  EXPECT_EQ(PgColumnTypeFromCatalog("timestamp", -1)->time_precision, -1);
  EXPECT_FALSE(PgColumnTypeFromCatalog("timestamp", 7).has_value());
}

TEST(PgColumnTypeTest, ErrorNamesAreTheIssueReasonCodes) {
  EXPECT_EQ(ConvertErrorName(ConvertError::kNone), "none");
  EXPECT_EQ(ConvertErrorName(ConvertError::kWrongType), "wrong_type");
  EXPECT_EQ(ConvertErrorName(ConvertError::kOutOfRange), "out_of_range");
  EXPECT_EQ(ConvertErrorName(ConvertError::kInvalidValue), "invalid_value");
  EXPECT_EQ(ConvertErrorName(ConvertError::kTooLong), "too_long");
  EXPECT_EQ(ConvertErrorName(ConvertError::kNulCharacter), "nul_character");
}

}  // namespace
}  // namespace sqs2pg::transform
