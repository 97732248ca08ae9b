#include "transform/flatten.h"

#include <gtest/gtest.h>

#include <string>

namespace sqs2pg::transform {
namespace {

std::string Nested(int depth, const std::string& leaf) {
  std::string s;
  for (int i = 0; i < depth; ++i) s += "{\"k\":";
  s += leaf;
  for (int i = 0; i < depth; ++i) s += "}";
  return s;
}

class FlattenTest : public ::testing::Test {
 protected:
  // Flattens and expects success.
  void Ok(std::string_view body) {
    Rejection r;
    ASSERT_TRUE(flattener_.Flatten(body, &r)) << body << " -> " << r.ToString();
  }
  // Flattens and expects a rejection; returns it.
  Rejection Rejected(std::string_view body) {
    Rejection r;
    EXPECT_FALSE(flattener_.Flatten(body, &r)) << body;
    EXPECT_TRUE(flattener_.fields().empty());
    return r;
  }
  RejectReason Reason(std::string_view body) { return Rejected(body).reason; }

  Flattener flattener_;
};

TEST_F(FlattenTest, FlatObjectKeepsOrderKindsAndText) {
  Ok(R"({"s":"x\ty","n":-12.5e3 ,"t":true,"f":false,"z":null,"e":""})");
  const auto& f = flattener_.fields();
  ASSERT_EQ(f.size(), 6u);
  EXPECT_EQ(f[0].first, "s");
  EXPECT_EQ(f[0].second.kind, ValueKind::kString);
  EXPECT_EQ(f[0].second.text, "x\ty");
  EXPECT_EQ(f[1].first, "n");
  EXPECT_EQ(f[1].second.kind, ValueKind::kNumber);
  EXPECT_EQ(f[1].second.text, "-12.5e3");
  EXPECT_EQ(f[2].second.kind, ValueKind::kBool);
  EXPECT_EQ(f[2].second.text, "true");
  EXPECT_EQ(f[3].second.text, "false");
  EXPECT_EQ(f[4].second.kind, ValueKind::kNull);
  EXPECT_EQ(f[4].second.text, "null");
  EXPECT_EQ(f[5].second.kind, ValueKind::kString);
  EXPECT_EQ(f[5].second.text, "");
  ASSERT_NE(flattener_.Find("n"), nullptr);
  EXPECT_EQ(flattener_.Find("n")->text, "-12.5e3");
  EXPECT_EQ(flattener_.Find("missing"), nullptr);
}

TEST_F(FlattenTest, EmptyObjectHasNoFields) {
  Ok(" { } ");
  EXPECT_TRUE(flattener_.fields().empty());
}

TEST_F(FlattenTest, NestedObjectsJoinWithUnderscore) {
  Ok(R"({"user":{"id":"u1","name":{"first":"A"}},"x":1})");
  const auto& f = flattener_.fields();
  ASSERT_EQ(f.size(), 5u);
  EXPECT_EQ(f[0].first, "user");
  EXPECT_EQ(f[0].second.kind, ValueKind::kObject);
  EXPECT_EQ(f[0].second.text, R"({"id":"u1","name":{"first":"A"}})");
  EXPECT_EQ(f[1].first, "user_id");
  EXPECT_EQ(f[1].second.text, "u1");
  EXPECT_EQ(f[2].first, "user_name");
  EXPECT_EQ(f[2].second.kind, ValueKind::kObject);
  EXPECT_EQ(f[3].first, "user_name_first");
  EXPECT_EQ(f[3].second.text, "A");
  EXPECT_EQ(f[4].first, "x");
  ASSERT_NE(flattener_.Find("user_name_first"), nullptr);
}

TEST_F(FlattenTest, EmptyNestedObjectIsAnObjectLeaf) {
  Ok(R"({"a":{} ,"b":{ }})");
  ASSERT_EQ(flattener_.fields().size(), 2u);
  EXPECT_EQ(flattener_.fields()[0].second.kind, ValueKind::kObject);
  EXPECT_EQ(flattener_.fields()[0].second.text, "{}");
  EXPECT_EQ(flattener_.fields()[1].second.text, "{ }");
}

TEST_F(FlattenTest, ArraysAreLeavesWithRawText) {
  Ok(R"({"a":[1,{"b":2},[3,"x"]] , "c":[], "d":"after"})");
  const auto& f = flattener_.fields();
  ASSERT_EQ(f.size(), 3u);
  EXPECT_EQ(f[0].first, "a");
  EXPECT_EQ(f[0].second.kind, ValueKind::kArray);
  EXPECT_EQ(f[0].second.text, R"([1,{"b":2},[3,"x"]])");
  EXPECT_EQ(f[1].second.kind, ValueKind::kArray);
  EXPECT_EQ(f[1].second.text, "[]");
  EXPECT_EQ(f[2].second.text, "after");
  EXPECT_EQ(flattener_.Find("a_b"), nullptr);  // not descended into
}

TEST_F(FlattenTest, ArrayContentsAreValidated) {
  EXPECT_EQ(Reason(R"({"a":[1,2,]})"), RejectReason::kInvalidJson);
  EXPECT_EQ(Reason(R"({"a":[tru]})"), RejectReason::kInvalidJson);
  EXPECT_EQ(Reason(R"({"a":[01]})"), RejectReason::kInvalidJson);
  EXPECT_EQ(Reason(R"({"a":[{"b" 1}]})"), RejectReason::kInvalidJson);
  EXPECT_EQ(Reason(R"({"a":["\q"]})"), RejectReason::kInvalidJson);
}

TEST_F(FlattenTest, DuplicateKeys) {
  Rejection r = Rejected(R"({"a":1,"b":2,"a":3})");
  EXPECT_EQ(r.reason, RejectReason::kDuplicateKey);
  EXPECT_EQ(r.field, "a");
  EXPECT_EQ(Reason(R"({"a":{"x":1},"a":{"y":2}})"), RejectReason::kDuplicateKey);
  // Escapes are compared after unescaping.
  EXPECT_EQ(Reason(R"({"a":1,"\u0061":2})"), RejectReason::kDuplicateKey);
}

TEST_F(FlattenTest, NonIdentifierKeysAreNotNamed) {
  // A map keyed by values (here an ip) must not leak the value through the rejection.
  Rejection r = Rejected(R"({"seen":{"199.172.111.135":1,"199.172.111.135":2}})");
  EXPECT_EQ(r.reason, RejectReason::kDuplicateKey);
  EXPECT_EQ(r.field, "");
  EXPECT_EQ(Rejected(R"({"593-47-5928":1,"593-47-5928":2})").field, "");
  EXPECT_EQ(Rejected(R"({"9a":1,"9a":2})").field, "");
  EXPECT_EQ(Rejected(R"({"_ok9":1,"_ok9":2})").field, "_ok9");
}

TEST_F(FlattenTest, CollisionsAfterFlattening) {
  Rejection r = Rejected(R"({"a_b":1,"a":{"b":2}})");
  EXPECT_EQ(r.reason, RejectReason::kDuplicateKey);
  EXPECT_EQ(r.field, "a_b");
  EXPECT_EQ(Reason(R"({"user":{"id":"x"},"user_id":"y"})"), RejectReason::kDuplicateKey);
  EXPECT_EQ(Reason(R"({"a":{"b_c":1},"a_b":{"c":2}})"), RejectReason::kDuplicateKey);
}

TEST_F(FlattenTest, ManyFieldsUseSortedDuplicateCheck) {
  std::string body = "{";
  for (int i = 0; i < 500; ++i) body += "\"k" + std::to_string(i) + "\":" + std::to_string(i) + ",";
  Ok(body + "\"last\":0}");
  EXPECT_EQ(flattener_.fields().size(), 501u);
  Rejection r = Rejected(body + "\"k250\":0}");
  EXPECT_EQ(r.reason, RejectReason::kDuplicateKey);
  EXPECT_EQ(r.field, "k250");
}

TEST_F(FlattenTest, DepthLimit) {
  Ok(Nested(Flattener::kMaxDepth, "1"));
  std::string deepest = "k";
  for (int i = 1; i < Flattener::kMaxDepth; ++i) deepest += "_k";
  ASSERT_NE(flattener_.Find(deepest), nullptr);
  EXPECT_EQ(flattener_.Find(deepest)->text, "1");

  Rejection r = Rejected(Nested(Flattener::kMaxDepth + 1, "1"));
  EXPECT_EQ(r.reason, RejectReason::kTooDeep);
  EXPECT_EQ(Reason(Nested(Flattener::kMaxDepth, "[1]")), RejectReason::kTooDeep);
  EXPECT_EQ(Reason(Nested(100000, "1")), RejectReason::kTooDeep);
  // Arrays count too, also at the top level and inside arrays.
  EXPECT_EQ(Reason("{\"a\":" + std::string(40, '[') + std::string(40, ']') + "}"),
            RejectReason::kTooDeep);
  EXPECT_EQ(Reason(std::string(100000, '[') + std::string(100000, ']')), RejectReason::kTooDeep);
  Ok("{\"a\":" + std::string(Flattener::kMaxDepth - 1, '[') +
     std::string(Flattener::kMaxDepth - 1, ']') + "}");
}

TEST_F(FlattenTest, TooDeepFieldNameIsCapped) {
  std::string long_key(200, 'q');
  std::string body;
  for (int i = 0; i < 40; ++i) body += "{\"" + long_key + "\":";
  body += '1';
  body.append(40, '}');
  Rejection r = Rejected(body);
  EXPECT_EQ(r.reason, RejectReason::kTooDeep);
  EXPECT_LE(r.field.size(), kMaxRejectFieldBytes);
}

TEST_F(FlattenTest, NotAnObject) {
  for (const char* body : {"[]", "[1,2]", "\"str\"", "42", "-1.5e3", "null", "true", "false",
                           "  [ {\"a\":1} ]  ", " \"x\" \n"}) {
    EXPECT_EQ(Reason(body), RejectReason::kNotAnObject) << body;
  }
}

TEST_F(FlattenTest, EmptyAndWhitespaceBodies) {
  EXPECT_EQ(Reason(""), RejectReason::kEmptyBody);
  EXPECT_EQ(Reason(" \t\r\n "), RejectReason::kEmptyBody);
}

TEST_F(FlattenTest, InvalidJson) {
  for (const char* body : {
           R"({"a":1)",                // truncated
           R"({"a":"b)",               // unterminated string
           R"({"a":{"b":1})",          // missing outer brace
           R"({"a":1} x)",             // trailing garbage
           R"({"a":1}})",              // stray brace
           R"({"a":1} {"b":2})",       // two documents
           R"({"a":1,})",              // trailing comma
           R"({"a" 1})",               // missing colon
           R"({"a":1 "b":2})",         // missing comma
           R"({a:1})",                 // unquoted key
           R"({'a':1})",               // single quotes
           R"({"a":01})",              // leading zero
           R"({"a":1.})",              // bare dot
           R"({"a":12abc})",           // junk in number
           R"({"a":-})",               // lone minus
           R"({"a":tru})",             // bad literal
           R"({"a":nulls})",           // bad literal
           R"({"a":NaN})",             // not JSON
           R"({"a":"\x"})",            // bad escape
           R"({"a":"\u12"})",          // short \u
           R"({"a":"\ud800"})",        // lone high surrogate
           R"({"a":"\udc00"})",        // lone low surrogate
           R"({"a":"\ud800\u0041"})",  // high surrogate + non-surrogate
           "{\"a\":\"line\nbreak\"}",  // raw control char in string
           "{",                        //
           "}",                        //
           "x",                        //
           "\"abc\" x",                // scalar with trailing data
           "123abc",                   //
           "[1,2",                     // truncated array
           "[1] 2",                    //
       }) {
    EXPECT_EQ(Reason(body), RejectReason::kInvalidJson) << body;
  }
  EXPECT_EQ(Reason(std::string_view("{\"a\":\"x\0y\"}", 11)), RejectReason::kInvalidJson);
  EXPECT_EQ(Reason(std::string_view("{\"a\":1}\0", 8)), RejectReason::kInvalidJson);
}

TEST_F(FlattenTest, InvalidUtf8) {
  for (std::string body : {std::string("{\"a\":\"\xff\"}"), std::string("{\"a\":\"\xc3\"}"),
                           std::string("{\"\xc0\xaf\":1}"),          // overlong '/'
                           std::string("{\"a\":\"\xed\xa0\x80\"}"),  // encoded surrogate
                           std::string("{\"a\":1} \xfe")}) {
    EXPECT_EQ(Reason(body), RejectReason::kInvalidUtf8);
  }
}

TEST_F(FlattenTest, UnicodeEscapesAreDecoded) {
  Ok(R"({"caf\u00e9":"\u00e9t\u00C9","emoji":"\ud83d\ude00","raw":"é😀","nul":"a\u0000b"})");
  const auto& f = flattener_.fields();
  ASSERT_EQ(f.size(), 4u);
  EXPECT_EQ(f[0].first, "caf\xc3\xa9");
  EXPECT_EQ(f[0].second.text, "\xc3\xa9t\xc3\x89");
  EXPECT_EQ(f[1].second.text, "\xf0\x9f\x98\x80");
  EXPECT_EQ(f[2].second.text, "\xc3\xa9\xf0\x9f\x98\x80");
  EXPECT_EQ(f[3].second.text, std::string_view("a\0b", 3));  // kept; the transformer decides
}

TEST_F(FlattenTest, ReuseAcrossCallsAndSizes) {
  Ok(R"({"a":"1"})");
  std::string big = R"({"big":")" + std::string(1 << 20, 'x') + R"(","n":{"m":true}})";
  Ok(big);
  ASSERT_EQ(flattener_.fields().size(), 3u);
  EXPECT_EQ(flattener_.fields()[0].second.text.size(), 1u << 20);
  EXPECT_EQ(Reason(R"({"a":)"), RejectReason::kInvalidJson);
  Ok(R"({"b":"2"})");
  ASSERT_EQ(flattener_.fields().size(), 1u);
  EXPECT_EQ(flattener_.fields()[0].first, "b");
  EXPECT_EQ(flattener_.fields()[0].second.text, "2");
}

TEST_F(FlattenTest, CopiesAndMovesAreIndependent) {
  Ok(R"({"a":"1"})");
  Flattener copy(flattener_);
  EXPECT_TRUE(copy.fields().empty());
  Rejection r;
  ASSERT_TRUE(copy.Flatten(R"({"b":"2"})", &r));
  EXPECT_EQ(flattener_.fields()[0].first, "a");  // untouched by the copy's parse
  Flattener moved(std::move(copy));
  EXPECT_EQ(moved.fields()[0].first, "b");
  EXPECT_TRUE(copy.fields().empty());  // NOLINT(bugprone-use-after-move): documented as usable
  EXPECT_TRUE(copy.Flatten(R"({"c":"3"})", &r));
}

}  // namespace
}  // namespace sqs2pg::transform

namespace sqs2pg::transform {
namespace {

// Path mode, as mappings without `flatten` use it: another separator, and array elements
// addressable by index.
TEST(FlattenPathModeTest, ArraysAreDescendedWithIndexSegments) {
  Flattener flattener(FlattenOptions{'.', /*descend_arrays=*/true});
  Rejection r;
  ASSERT_TRUE(flattener.Flatten(R"({"a": [{"b": 1}, [true, null]], "c": {"d": "x"}})", &r))
      << r.ToString();
  std::vector<std::string> names;
  for (const auto& [name, value] : flattener.fields()) names.emplace_back(name);
  EXPECT_EQ(names,
            (std::vector<std::string>{"a", "a.0", "a.0.b", "a.1", "a.1.0", "a.1.1", "c", "c.d"}));
  EXPECT_EQ(flattener.Find("a")->kind, ValueKind::kArray);
  EXPECT_EQ(flattener.Find("a")->text, R"([{"b": 1}, [true, null]])");
  EXPECT_EQ(flattener.Find("a.0")->text, R"({"b": 1})");
  EXPECT_EQ(flattener.Find("a.0.b")->text, "1");
  EXPECT_EQ(flattener.Find("a.1.1")->kind, ValueKind::kNull);
  EXPECT_EQ(flattener.Find("c.d")->text, "x");
  // The same depth limit holds through arrays.
  std::string deep = "{\"k\":";
  for (int i = 0; i < Flattener::kMaxDepth; ++i) deep += "[";
  deep += "1";
  for (int i = 0; i < Flattener::kMaxDepth; ++i) deep += "]";
  deep += "}";
  EXPECT_FALSE(flattener.Flatten(deep, &r));
  EXPECT_EQ(r.reason, RejectReason::kTooDeep);
  // A copy keeps the options.
  Flattener copy = flattener;
  ASSERT_TRUE(copy.Flatten(R"({"x": [1]})", &r));
  EXPECT_NE(copy.Find("x.0"), nullptr);
}

}  // namespace
}  // namespace sqs2pg::transform
