// CompileMapping: every refusal of its contract (with the file, the line and the key, never a
// value from the file), defaulted columns, warnings, mask domains, upsert keys, and what a
// compiled column carries.
#include "transform/mapping/compiled_mapping.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "transform/login_mapping_test_support.h"
#include "transform/mapping/default_mapping.h"
#include "transform/mapping/mapping_spec.h"

namespace sqs2pg::transform::mapping {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

// A value that stands for a secret pasted into the file: no message may contain it.
constexpr char kSecret[] = "hunter2SECRETxyz";

// The 1-based line of the first occurrence of `needle` in `text`.
int LineOf(std::string_view text, std::string_view needle) {
  const size_t at = text.find(needle);
  EXPECT_NE(at, std::string_view::npos) << needle;
  int line = 1;
  for (size_t i = 0; i < at && i < text.size(); ++i) line += text[i] == '\n';
  return line;
}

TableColumn Text(std::string name, int chars = -1) { return TextColumn(std::move(name), chars); }
TableColumn Int(std::string name) { return CatalogColumn(std::move(name), "int4", -1, "integer"); }

TableShape Table(std::vector<TableColumn> columns,
                 std::vector<std::vector<std::string>> keys = {}) {
  TableShape t;
  t.display_name = "public.purchases";
  t.columns = std::move(columns);
  t.unique_keys = std::move(keys);
  return t;
}

MappingSpec Parse(const std::string& toml) {
  Result<MappingSpec> spec = ParseMapping(toml, "test.toml");
  EXPECT_TRUE(spec.ok()) << spec.status().ToString();
  return spec.ok() ? std::move(spec).value() : MappingSpec{};
}

// Compiles and expects a refusal starting with "test.toml:<line of `at`>: " and containing every
// one of `parts`; returns the message.
std::string Refused(const std::string& toml, const TableShape& table, std::string_view at,
                    std::vector<std::string> parts, size_t min_mask_chars = 64) {
  Result<CompiledMapping> r = CompileMapping(Parse(toml), table, min_mask_chars);
  EXPECT_FALSE(r.ok()) << toml;
  if (r.ok()) return {};
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  const std::string& message = r.status().message();
  EXPECT_THAT(message, StartsWith("test.toml:" + std::to_string(LineOf(toml, at)) + ": "));
  for (const std::string& part : parts) EXPECT_THAT(message, HasSubstr(part));
  EXPECT_THAT(message, Not(HasSubstr(kSecret)));
  return message;
}

CompiledMapping Compiled(const std::string& toml, const TableShape& table,
                         size_t min_mask_chars = 64) {
  Result<CompiledMapping> r = CompileMapping(Parse(toml), table, min_mask_chars);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? std::move(r).value() : CompiledMapping{};
}

// ---- Refusals ---------------------------------------------------------------------------------

// A column whose name is not fit for a message is named by its 1-based position in the file.
TEST(CompileMappingTest, AColumnNamedByItsPositionCountsFromOne) {
  const std::string toml = R"(
[[column]]
name = "ok"
path = "ok"

[[column]]
name = "a\"b"
path = "x"
transform = "mask"
)";
  Refused(toml, Table({Text("ok"), Int("a\"b")}), "transform = \"mask\"", {"column 2: "});
}

TEST(CompileMappingTest, ColumnTheTableDoesNotHave) {
  const std::string toml = R"(
[[column]]
name = "id"
path = "id"

[[column]]
name = "amount"
path = "hunter2SECRETxyz"
)";
  Refused(toml, Table({Text("id")}), "name = \"amount\"",
          {"column \"amount\"", "table public.purchases has no such column"});
}

TEST(CompileMappingTest, GeneratedAndAlwaysIdentityColumns) {
  TableColumn generated = Int("total");
  generated.generated = generated.has_default = true;
  TableColumn identity = CatalogColumn("id", "int8", -1, "bigint", /*not_null=*/true, true);
  identity.identity_always = true;
  const TableShape table = Table({identity, generated, Text("x")});
  Refused(R"([[column]]
name = "x"
path = "x"
[[column]]
name = "total"
path = "hunter2SECRETxyz"
)",
          table, "name = \"total\"", {"column \"total\"", "generated column"});
  Refused(R"([[column]]
name = "id"
value = "hunter2SECRETxyz"
)",
          table, "name = \"id\"", {"column \"id\"", "GENERATED ALWAYS identity"});
  // Left out, both are filled by the table.
  CompiledMapping ok = Compiled("[[column]]\nname = \"x\"\npath = \"x\"\n", table);
  EXPECT_EQ(ok.defaulted, (std::vector<std::string>{"id", "total"}));
}

TEST(CompileMappingTest, TypeSqs2pgCannotWrite) {
  TableColumn blob;
  blob.name = "blob";
  blob.type_name = "bytea";
  ASSERT_FALSE(PgColumnTypeFromCatalog("bytea", -1).has_value());
  const std::string toml = "\n[[column]]\nname = \"blob\"\npath = \"hunter2SECRETxyz\"\n";
  Refused(toml, Table({blob}), "name = \"blob\"",
          {"column \"blob\"", "has type bytea, which sqs2pg cannot write", "jsonb"});
}

TEST(CompileMappingTest, TransformThatCannotFillTheColumnType) {
  const TableShape table = Table({
      Int("n"),
      CatalogColumn("doc", "jsonb", -1, "jsonb"),
      CatalogColumn("flag", "bool", -1, "boolean"),
      CatalogColumn("id", "uuid", -1, "uuid"),
      CatalogColumn("at", "timestamptz", -1, "timestamp with time zone"),
  });
  struct Case {
    const char* column;
    const char* transform;  // nullptr: none
    const char* key;        // the key whose line is named
    const char* what;
  };
  for (const Case& c : std::vector<Case>{
           {"n", "mask", "transform", "transform mask cannot fill a column of type integer"},
           {"doc", nullptr, "name",
            "transform none cannot fill a column of type jsonb (use "
            "transform = \"json\")"},
           {"flag", "semver_int", "transform", "transform semver_int cannot fill"},
           {"n", "utc_date", "transform", "transform utc_date cannot fill"},
           {"id", "timestamp", "transform", "transform timestamp cannot fill"},
           {"n", "timestamp_ms", "transform", "transform timestamp_ms cannot fill"},
           {"n", "json", "transform", "transform json cannot fill a column of type integer"},
           {"at", "json", "transform", "transform json cannot fill"},
           {"flag", "mask", "transform", "transform mask cannot fill a column of type boolean"},
       }) {
    std::string toml = std::string("# a comment line\n[[column]]\nname = \"") + c.column +
                       "\"\npath = \"hunter2SECRETxyz\"\n";
    if (c.transform != nullptr) toml += std::string("transform = \"") + c.transform + "\"\n";
    SCOPED_TRACE(toml);
    Refused(toml, table, std::string(c.key) + " = ",
            {std::string("column \"") + c.column + "\"", c.what});
  }
  // Each of them fills a column of the right type.
  Compiled(R"([[column]]
name = "doc"
path = "d"
transform = "json"
[[column]]
name = "at"
path = "t"
transform = "timestamp_ms"
[[column]]
name = "n"
path = "v"
transform = "semver_int"
)",
           table);
}

TEST(CompileMappingTest, MaskedColumnTooShortForEveryMask) {
  const std::string toml = R"(
[[column]]
name = "masked_email"
path = "customer.email"
transform = "mask"
mask_domain = "hunter2SECRETxyz"
)";
  Refused(toml, Table({Text("masked_email", 32)}), "transform = ",
          {"column \"masked_email\"", "character varying(32) is too short for every mask",
           "at least 64 characters"});
  Refused(toml, Table({Text("masked_email", 63)}), "transform = ", {"at least 64"});
  Compiled(toml, Table({Text("masked_email", 64)}));
  Compiled(toml, Table({Text("masked_email")}));
  // With aes-siv's shortest mask (34), varchar(34) fits and varchar(33) does not.
  Compiled(toml, Table({Text("masked_email", 34)}), 34);
  Refused(toml, Table({Text("masked_email", 33)}), "transform = ", {"at least 34"}, 34);
  // char(n) counts like varchar(n).
  Refused(toml,
          Table({CatalogColumn("masked_email", "bpchar", VarcharTypmod(40), "character(40)")}),
          "transform = ", {"character(40) is too short"});
}

TEST(CompileMappingTest, ConstantThatDoesNotConvert) {
  const TableShape table =
      Table({Int("n"), Text("code", 3), CatalogColumn("id", "uuid", -1, "uuid")});
  Refused("[[column]]\nname = \"n\"\nvalue = \"hunter2SECRETxyz\"\n", table, "value = ",
          {"column \"n\"", "the constant does not fit column type integer (invalid_value)"});
  Refused("[[column]]\nname = \"n\"\nvalue = 2.5\n", table, "value = ", {"(out_of_range)"});
  Refused("[[column]]\nname = \"n\"\nvalue = true\n", table, "value = ", {"(wrong_type)"});
  Refused("[[column]]\nname = \"code\"\nvalue = \"hunter2SECRETxyz\"\n", table,
          "value = ", {"column \"code\"", "(too_long)"});
  Refused("[[column]]\nname = \"id\"\nvalue = \"hunter2SECRETxyz\"\n", table,
          "value = ", {"column \"id\"", "(invalid_value)"});
  CompiledMapping ok = Compiled("[[column]]\nname = \"n\"\nvalue = 7\n", table);
  ASSERT_EQ(ok.columns.size(), 1u);
  EXPECT_EQ(ok.columns[0].constant_field, std::string("\0\0\0\x04\0\0\0\x07", 8));
  EXPECT_EQ(ok.columns[0].source_text, "value");
  EXPECT_EQ(ok.columns[0].label, "n (value)");
}

TEST(CompileMappingTest, NotNullColumnWithoutDefaultLeftOut) {
  const TableShape table = Table({
      Text("id"),
      CatalogColumn("tenant", "text", -1, "text", /*not_null=*/true),
      CatalogColumn("created", "timestamptz", -1, "timestamp with time zone", true,
                    /*has_default=*/true),
      CatalogColumn("region", "text", -1, "text", /*not_null=*/true),
  });
  const std::string toml = "table = \"purchases\"\n\n[[column]]\nname = \"id\"\npath = \"id\"\n";
  Refused(toml, table, "[[column]]",
          {"table public.purchases has NOT NULL column(s) without a default that the mapping "
           "does not fill: tenant, region"});
  // Filled (even optionally) or defaulted: accepted.
  CompiledMapping ok = Compiled(toml + "[[column]]\nname = \"tenant\"\nvalue = \"t\"\n" +
                                    "[[column]]\nname = \"region\"\npath = \"region\"\n",
                                table);
  EXPECT_EQ(ok.defaulted, (std::vector<std::string>{"created"}));
}

TEST(CompileMappingTest, FlattenSeparatorOfOneCharacter) {
  const std::string toml = "\nflatten = \"__\"\n[[column]]\nname = \"a\"\npath = \"a\"\n";
  Refused(toml, Table({Text("a")}), "flatten = ", {"flatten: expected a single-character"});
  CompiledMapping dot =
      Compiled("flatten = \".\"\n[[column]]\nname = \"a\"\npath = \"a.b\"\n", Table({Text("a")}));
  EXPECT_TRUE(dot.flattened);
  EXPECT_EQ(dot.flatten.separator, '.');
  EXPECT_FALSE(dot.flatten.descend_arrays);
  ASSERT_EQ(dot.columns.size(), 1u);
  EXPECT_EQ(dot.columns[0].lookup, "a.b");
}

TEST(CompileMappingTest, UpsertKeyMustBeAUniqueKeyInAnyOrder) {
  const TableShape table = Table({Text("tenant"), Text("id"), Text("note"), Int("version")},
                                 {{"tenant", "id"}, {"note"}});
  auto toml = [](std::string_view key) {
    return "mode = \"upsert\"\nkey = " + std::string(key) +
           "\n[[column]]\nname = \"tenant\"\npath = \"t\"\n[[column]]\nname = \"id\"\npath = "
           "\"i\"\n[[column]]\nname = \"note\"\npath = \"n\"\n";
  };
  CompiledMapping in_order = Compiled(toml(R"(["tenant", "id"])"), table);
  EXPECT_EQ(in_order.mode, Mode::kUpsert);
  EXPECT_EQ(in_order.key, (std::vector<std::string>{"tenant", "id"}));
  CompiledMapping reversed = Compiled(toml(R"(["id", "tenant"])"), table);
  EXPECT_EQ(reversed.key, (std::vector<std::string>{"id", "tenant"}));  // as the file says
  Compiled(toml(R"(["note"])"), table);
  Refused(toml(R"(["id"])"), table, "key = ",
          {"key: (id) is not the primary key or a unique index of public.purchases (it has: "
           "(tenant, id); (note))"});
  Refused(toml(R"(["tenant", "id", "note"])"), table,
          "key = ", {"key: (tenant, id, note) is not the primary key"});
  Refused(toml(R"(["note"])"), Table(table.columns), "key = ", {"(it has none)"});
}

// ---- What compiles ------------------------------------------------------------------------

TEST(CompileMappingTest, DefaultedColumnsAreTheTableColumnsLeftOutInTableOrder) {
  const TableShape table = Table({
      CatalogColumn("seq", "int8", -1, "bigint", true, /*has_default=*/true),
      Text("b"),
      Text("a"),
      CatalogColumn("source", "text", -1, "text", false, true),
      Text("c"),
  });
  CompiledMapping m = Compiled(R"([[column]]
name = "c"
path = "c"
[[column]]
name = "a"
path = "a"
)",
                               table);
  EXPECT_EQ(m.ColumnNames(), (std::vector<std::string>{"c", "a"}));  // the file's order
  EXPECT_EQ(m.defaulted, (std::vector<std::string>{"seq", "b", "source"}));
  CompiledMapping all = Compiled(R"([[column]]
name = "seq"
path = "s"
[[column]]
name = "b"
path = "b"
[[column]]
name = "a"
path = "a"
[[column]]
name = "source"
value = "x"
[[column]]
name = "c"
path = "c"
)",
                                 table);
  EXPECT_TRUE(all.defaulted.empty());
}

TEST(CompileMappingTest, WarnsAboutNotNullColumnsWithOptionalSources) {
  const TableShape table = Table({
      CatalogColumn("id", "text", -1, "text", /*not_null=*/true),
      CatalogColumn("tenant", "text", -1, "text", /*not_null=*/true),
      CatalogColumn("source", "text", -1, "text", /*not_null=*/true),
      CatalogColumn("sent", "int8", -1, "bigint", /*not_null=*/true),
      Text("note"),
  });
  const std::string toml = R"([[column]]
name = "id"
path = "id"
required = true

[[column]]
name = "tenant"
path = "tenant"

[[column]]
name = "source"
value = "mobile"

[[column]]
name = "sent"
attribute = "SentTimestamp"

[[column]]
name = "note"
path = "note"
)";
  CompiledMapping m = Compiled(toml, table);
  ASSERT_EQ(m.warnings.size(), 2u);
  EXPECT_THAT(
      m.warnings[0],
      StartsWith("test.toml:" + std::to_string(LineOf(toml, "[[column]]\nname = \"tenant")) +
                 ": column \"tenant\": the column is NOT NULL but its source is optional"));
  EXPECT_THAT(m.warnings[0], HasSubstr("db_refused"));
  EXPECT_THAT(m.warnings[1], HasSubstr("column \"sent\""));
  // The default mapping on the assignment's table warns about nothing.
  EXPECT_TRUE(CompileMapping(DefaultMapping(), UserLoginsShape(), 64)->warnings.empty());
}

TEST(CompileMappingTest, MaskDomainsAreDeduplicatedInFirstUseOrder) {
  const TableShape table = Table({Text("a"), Text("b"), Text("c"), Text("d"), Text("e")});
  CompiledMapping m = Compiled(R"([[column]]
name = "a"
path = "customer.email"
transform = "mask"
[[column]]
name = "b"
path = "billing.email"
transform = "mask"
mask_domain = "customer.email"
[[column]]
name = "c"
attribute = "tenant"
transform = "mask"
[[column]]
name = "d"
path = "ip"
transform = "mask"
mask_domain = "tenant"
[[column]]
name = "e"
path = "plain"
)",
                               table);
  EXPECT_EQ(m.mask_domains, (std::vector<std::string>{"customer.email", "tenant"}));
  ASSERT_EQ(m.columns.size(), 5u);
  EXPECT_EQ(m.columns[0].mask_domain, 0u);
  EXPECT_EQ(m.columns[1].mask_domain, 0u);  // the same domain: linkable masks
  EXPECT_EQ(m.columns[2].mask_domain, 1u);  // an attribute's default domain is its name
  EXPECT_EQ(m.columns[3].mask_domain, 1u);
  // The built-in mapping's domains keep today's masks.
  EXPECT_EQ(CompileMapping(DefaultMapping(), UserLoginsShape(), 64)->mask_domains,
            (std::vector<std::string>{"ip", "device_id"}));
}

TEST(CompileMappingTest, ColumnsCarryTheirSourceLabelAndLookup) {
  const TableShape table = Table({
      Text("purchase_id"),
      Text("sku"),
      Text("dotted"),
      CatalogColumn("sent", "int8", -1, "bigint"),
      Text("tenant"),
      Text("sender"),
      Text("topic"),
  });
  CompiledMapping m = Compiled(R"([[column]]
name = "purchase_id"
path = "id"
required = true
[[column]]
name = "sku"
path = "items.0.sku"
[[column]]
name = "dotted"
path = ["a.b", "c"]
[[column]]
name = "sent"
attribute = "SentTimestamp"
[[column]]
name = "tenant"
attribute = "tenant"
[[column]]
name = "sender"
attribute = "SenderId"
[[column]]
name = "topic"
attribute = "sns.TopicArn"
)",
                               table);
  ASSERT_EQ(m.columns.size(), 7u);
  EXPECT_FALSE(m.flattened);
  EXPECT_EQ(m.flatten.separator, kPathSeparator);
  EXPECT_TRUE(m.flatten.descend_arrays);
  const CompiledColumn& id = m.columns[0];
  EXPECT_EQ(id.label, "purchase_id (path id)");
  EXPECT_EQ(id.source_text, "path id");
  EXPECT_EQ(id.lookup, "id");
  EXPECT_TRUE(id.required);
  EXPECT_EQ(id.type.type, PgType::kText);
  EXPECT_EQ(id.type_name, "text");
  EXPECT_EQ(m.columns[1].lookup,
            "items\x1f"
            "0\x1fsku");
  EXPECT_EQ(m.columns[1].label, "sku (path items.0.sku)");
  EXPECT_EQ(m.columns[2].lookup,
            "a.b\x1f"
            "c");
  EXPECT_EQ(m.columns[2].label, "dotted (path a.b.c)");
  EXPECT_EQ(m.columns[3].attribute, AttributeKind::kSentTimestamp);
  EXPECT_EQ(m.columns[3].label, "sent (attribute SentTimestamp)");
  EXPECT_EQ(m.columns[4].attribute, AttributeKind::kMessageAttribute);
  EXPECT_EQ(m.columns[4].attribute_name, "tenant");
  EXPECT_EQ(m.columns[5].attribute, AttributeKind::kSenderId);
  EXPECT_EQ(m.columns[6].attribute, AttributeKind::kSnsTopicArn);
  EXPECT_TRUE(m.needs_message_attributes);
  EXPECT_TRUE(m.needs_sender_id);
  EXPECT_EQ(m.known_top_level, (std::vector<std::string>{"id", "items", "a.b"}));

  CompiledMapping login = *CompileMapping(DefaultMapping(), UserLoginsShape(), 64);
  EXPECT_TRUE(login.flattened);
  EXPECT_EQ(login.flatten.separator, '_');
  EXPECT_FALSE(login.needs_message_attributes);
  EXPECT_FALSE(login.needs_sender_id);
  EXPECT_EQ(login.columns[2].label, "masked_ip (path ip)");
  EXPECT_EQ(login.columns[6].label, "create_date (attribute SentTimestamp)");
}

}  // namespace
}  // namespace sqs2pg::transform::mapping
