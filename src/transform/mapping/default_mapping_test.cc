#include "transform/mapping/default_mapping.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sqs2pg::transform::mapping {
namespace {

struct ExpectedColumn {
  std::string name;
  SourceKind source;
  std::string from;  // the path or the attribute
  bool required;
  Transform transform;
  std::optional<std::string> mask_domain;
};

TEST(DefaultMappingTest, TheTextParsesIntoExactlyTheLoginMapping) {
  Result<MappingSpec> parsed = ParseMapping(DefaultMappingToml(), "default.toml");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  const MappingSpec& m = *parsed;
  EXPECT_EQ(m.table, std::nullopt);  // --table and the config file keep choosing the table
  EXPECT_EQ(m.envelope, Envelope::kAuto);
  EXPECT_EQ(m.body_encoding, BodyEncoding::kAuto);
  EXPECT_EQ(m.unknown_fields, UnknownFields::kIgnore);
  EXPECT_EQ(m.mode, Mode::kAppend);
  EXPECT_EQ(m.flatten, "_");
  EXPECT_TRUE(m.key.empty());
  EXPECT_EQ(m.order_by, std::nullopt);

  const std::vector<ExpectedColumn> expected = {
      {"user_id", SourceKind::kPath, "user_id", true, Transform::kNone, std::nullopt},
      {"device_type", SourceKind::kPath, "device_type", true, Transform::kNone, std::nullopt},
      {"masked_ip", SourceKind::kPath, "ip", true, Transform::kMask, "ip"},
      {"masked_device_id", SourceKind::kPath, "device_id", true, Transform::kMask, "device_id"},
      {"locale", SourceKind::kPath, "locale", false, Transform::kNone, std::nullopt},
      {"app_version", SourceKind::kPath, "app_version", true, Transform::kSemverInt, std::nullopt},
      {"create_date", SourceKind::kAttribute, "SentTimestamp", false, Transform::kUtcDate,
       std::nullopt},
  };
  ASSERT_EQ(m.columns.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    const ColumnSpec& c = m.columns[i];
    const ExpectedColumn& e = expected[i];
    SCOPED_TRACE(e.name);
    EXPECT_EQ(c.name, e.name);
    EXPECT_EQ(c.source, e.source);
    if (e.source == SourceKind::kPath) {
      EXPECT_EQ(c.path, std::vector<std::string>{e.from});  // one segment: flattened names
      EXPECT_EQ(c.path_text, e.from);
    } else {
      EXPECT_EQ(c.attribute, e.from);
    }
    EXPECT_EQ(c.required, e.required);
    EXPECT_EQ(c.transform, e.transform);
    EXPECT_EQ(c.mask_domain, e.mask_domain);
  }
  // Today's mask keys: the domains of the two masked columns are the field names.
  EXPECT_EQ(m.columns[2].MaskDomain(), "ip");
  EXPECT_EQ(m.columns[3].MaskDomain(), "device_id");
}

TEST(DefaultMappingTest, TheTextShowsTheTableLineCommentedOut) {
  EXPECT_THAT(std::string(DefaultMappingToml()),
              ::testing::ContainsRegex("\n# table = \"user_logins\""));
}

TEST(DefaultMappingTest, DefaultMappingIsTheParsedTextParsedOnce) {
  const MappingSpec& m = DefaultMapping();
  EXPECT_EQ(&m, &DefaultMapping());
  EXPECT_EQ(m.file_name, kDefaultMappingName);
  Result<MappingSpec> parsed = ParseMapping(DefaultMappingToml(), kDefaultMappingName);
  ASSERT_TRUE(parsed.ok());
  ASSERT_EQ(m.columns.size(), parsed->columns.size());
  for (size_t i = 0; i < m.columns.size(); ++i) {
    EXPECT_EQ(m.columns[i].name, parsed->columns[i].name);
    EXPECT_EQ(m.columns[i].line, parsed->columns[i].line);
  }
}

}  // namespace
}  // namespace sqs2pg::transform::mapping
