// RowTransformer with the built-in login mapping (the cases of the former EventTransformer tests,
// same inputs and decisions except where issue 14 changed them, noted at each case) and with
// mapping files: envelopes, body encodings, unknown fields, paths, constants, attributes and every
// transform. Rows are compared by decoding the binary COPY fields.
#include "transform/row_transformer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "transform/convert/time_parse.h"
#include "transform/convert/value_encoder.h"
#include "transform/encoding/encoding_test_support.h"
#include "transform/login_mapping_test_support.h"
#include "transform/mapping/compiled_mapping.h"
#include "transform/mapping/default_mapping.h"
#include "transform/mapping/mapping_spec.h"

namespace sqs2pg::transform {
namespace {

using encoding::testing::Base64;
using encoding::testing::Gzip;

using mapping::CompiledMapping;
using mapping::TableShape;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kIpValue[] = "199.172.111.135";
constexpr char kDeviceIdValue[] = "593-47-5928";
constexpr char kExample[] =
    R"({"user_id": "424cdd21-063a-43a7-b91b-7ca1a833afae", "app_version": "2.3.0", )"
    R"("device_type": "android", "ip": "199.172.111.135", "locale": "RU", )"
    R"("device_id": "593-47-5928"})";
// 2021-01-01T00:00:00Z is day 18628.
constexpr int64_t kSentMs = 1609459200000 + 12345;
constexpr int32_t kSentDay = 18628;

// Builds an event from parts; a part of nullptr leaves the field out, otherwise it is raw JSON.
std::string Event(const char* user_id, const char* device_type, const char* ip,
                  const char* device_id, const char* app_version, const char* locale) {
  std::string body = "{";
  auto add = [&](const char* name, const char* json) {
    if (json == nullptr) return;
    if (body.size() > 1) body += ", ";
    body += std::string("\"") + name + "\": " + json;
  };
  add("user_id", user_id);
  add("device_type", device_type);
  add("ip", ip);
  add("device_id", device_id);
  add("app_version", app_version);
  add("locale", locale);
  return body + "}";
}

constexpr const char* kU = R"("u-1")";
constexpr const char* kD = R"("ios")";
constexpr const char* kI = R"("199.172.111.135")";
constexpr const char* kDev = R"("593-47-5928")";
constexpr const char* kV = R"("3.7")";
constexpr const char* kL = R"("en")";

std::string Quoted(const std::string& s) { return "\"" + s + "\""; }

// `s` as a JSON string literal.
std::string JsonString(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\u%04x", static_cast<unsigned>(c));
      out += buf;
    } else {
      out.push_back(c);
    }
  }
  return out + "\"";
}

std::string SnsEnvelope(const std::string& message_json_string) {
  return R"({"Type": "Notification", "MessageId": "5b1f1f7e-aaaa-bbbb-cccc-000000000001", )"
         R"("TopicArn": "arn:aws:sns:eu-west-1:123456789012:logins", "Message": )" +
         message_json_string +
         R"(, "Timestamp": "2021-01-01T00:00:00.000Z", )"
         R"("SignatureVersion": "1"})";
}

std::string EventBridgeEnvelope(const std::string& detail_json) {
  return R"({"version": "0", "id": "e-1", "detail-type": "login", "source": "app.mobile", )"
         R"("account": "123456789012", "time": "2021-01-01T00:00:00Z", "region": "eu-west-1", )"
         R"("resources": [], "detail": )" +
         detail_json + "}";
}

// The default mapping's text with one line replaced (e.g. envelope = "auto" -> "sns").
std::string DefaultTomlWith(std::string_view line, std::string_view replacement) {
  std::string toml(mapping::DefaultMappingToml());
  const size_t at = toml.find(line);
  EXPECT_NE(at, std::string::npos) << line;
  if (at != std::string::npos) toml.replace(at, line.size(), replacement);
  return toml;
}

// Compiles a mapping file against `shape` (hmac-sha256's minimum mask); nullptr on failure.
std::shared_ptr<const CompiledMapping> Compile(const std::string& toml, const TableShape& shape) {
  Result<mapping::MappingSpec> spec = mapping::ParseMapping(toml, "test.toml");
  if (!spec.ok()) {
    ADD_FAILURE() << spec.status().ToString();
    return nullptr;
  }
  Result<CompiledMapping> compiled = mapping::CompileMapping(*spec, shape, kMaskedHexChars);
  if (!compiled.ok()) {
    ADD_FAILURE() << compiled.status().ToString();
    return nullptr;
  }
  return std::make_shared<const CompiledMapping>(std::move(compiled).value());
}

TableShape Shape(std::vector<mapping::TableColumn> columns) {
  TableShape shape;
  shape.display_name = "public.t";
  shape.columns = std::move(columns);
  return shape;
}

// The field AppendValue makes for one value of a column type (without its length word).
std::string Expected(const mapping::TableColumn& column, JsonKind kind, std::string_view text) {
  std::string out;
  EXPECT_EQ(AppendValue(*column.type, kind, text, &out), ConvertError::kNone) << text;
  return out.size() >= 4 ? out.substr(4) : std::string();
}

MessageView Message(std::string_view body, int64_t sent_ms = kSentMs) {
  MessageView m;
  m.body = body;
  m.message_id = "0b3c1a52-5f0e-4c1e-9a55-7c1b2f9f0a01";
  m.sent_timestamp_ms = sent_ms;
  m.receive_count = 1;
  return m;
}

// Transforms one message; the fields on success, nullopt (and the rejection) otherwise. Every
// rejection is checked for values: none of `secrets` may appear in it.
std::optional<Fields> TransformFields(RowTransformer& t, const MessageView& m, Rejection* rejection,
                                      std::vector<std::string_view> secrets = {kIpValue,
                                                                               kDeviceIdValue}) {
  std::string bytes;
  if (!t.Transform(m, &bytes, rejection)) {
    const std::string text = rejection->ToString();
    for (std::string_view secret : secrets) {
      EXPECT_THAT(text, Not(HasSubstr(std::string(secret))));
    }
    return std::nullopt;
  }
  std::optional<Fields> fields = SplitFields(bytes);
  EXPECT_TRUE(fields.has_value()) << "malformed fields";
  if (fields) {
    EXPECT_EQ(fields->size(), t.mapping().columns.size());
  }
  return fields;
}

class RowTransformerTest : public ::testing::Test {
 protected:
  Fields Ok(std::string_view body, int64_t sent_ms = kSentMs) {
    return OkBy(transformer_, body, sent_ms);
  }
  static Fields OkBy(RowTransformer& t, std::string_view body, int64_t sent_ms = kSentMs) {
    Rejection r;
    std::optional<Fields> fields = TransformFields(t, Message(body, sent_ms), &r);
    EXPECT_TRUE(fields.has_value()) << body.substr(0, 200) << " -> " << r.ToString();
    if (!fields) return Fields(t.mapping().columns.size());
    return *fields;
  }
  // The raw bytes, for comparing two transforms of one event.
  std::string Bytes(std::string_view body) {
    std::string bytes;
    Rejection r;
    EXPECT_TRUE(transformer_.Transform(Message(body), &bytes, &r)) << r.ToString();
    return bytes;
  }
  Rejection Rejected(std::string_view body) { return RejectedBy(transformer_, body); }
  static Rejection RejectedBy(RowTransformer& t, std::string_view body) {
    Rejection r;
    std::optional<Fields> fields = TransformFields(t, Message(body), &r);
    EXPECT_FALSE(fields.has_value()) << body.substr(0, 200);
    return r;
  }
  void ExpectRejected(std::string_view body, RejectReason reason, std::string_view field) {
    Rejection r = Rejected(body);
    EXPECT_EQ(r.reason, reason) << body.substr(0, 200) << " -> " << r.ToString();
    EXPECT_EQ(r.field, field) << body.substr(0, 200);
  }
  std::string Mask(size_t domain, std::string_view value) { return masker_.Mask(domain, value); }

  RowTransformer transformer_ = LoginTransformer();
  Masker masker_{MaskScheme::kHmacSha256, KeyBytes0To31(), {"ip", "device_id"}};
};

// ---- The login mapping: the former EventTransformer cases ------------------------------------

TEST_F(RowTransformerTest, ExampleEvent) {
  Fields row = Ok(kExample);
  ASSERT_EQ(row.size(), kLoginColumnCount);
  EXPECT_EQ(row[kUserId], "424cdd21-063a-43a7-b91b-7ca1a833afae");
  EXPECT_EQ(row[kDeviceType], "android");
  // The domains "ip" and "device_id" keep the masks of the login fields from before domains.
  EXPECT_EQ(row[kMaskedIp], "c442c385aa33cb12ec137bf7fbfcf6e3789ff16a2dcb2b3237e2d584325208a1");
  EXPECT_EQ(row[kMaskedDeviceId],
            "d29a1d9dc0ad2eca9a63fdd90c49d34f98202ca4f62102270f412d3209a5fbce");
  EXPECT_EQ(row[kLocale], "RU");
  EXPECT_EQ(FieldInt32(row[kAppVersion]), 2003000);
  EXPECT_EQ(FieldUnixDays(row[kCreateDate]), kSentDay);
}

TEST_F(RowTransformerTest, CompiledLoginMappingHasTheTableColumnsInOrder) {
  const CompiledMapping& m = transformer_.mapping();
  EXPECT_EQ(m.ColumnNames(),
            (std::vector<std::string>{"user_id", "device_type", "masked_ip", "masked_device_id",
                                      "locale", "app_version", "create_date"}));
  EXPECT_EQ(m.mask_domains, (std::vector<std::string>{"ip", "device_id"}));
  EXPECT_TRUE(m.defaulted.empty());
  EXPECT_TRUE(m.warnings.empty());
}

TEST_F(RowTransformerTest, LocaleNullOrAbsentIsSqlNull) {
  EXPECT_EQ(Ok(Event(kU, kD, kI, kDev, kV, "null"))[kLocale], std::nullopt);
  EXPECT_EQ(Ok(Event(kU, kD, kI, kDev, kV, nullptr))[kLocale], std::nullopt);
  EXPECT_EQ(Ok(Event(kU, kD, kI, kDev, kV, R"("")"))[kLocale], std::optional<std::string>(""));
}

TEST_F(RowTransformerTest, FieldsAreFullyRewrittenOnReuse) {
  std::string bytes;
  Rejection r;
  ASSERT_TRUE(transformer_.Transform(Message(kExample), &bytes, &r));
  ASSERT_TRUE(
      transformer_.Transform(Message(Event(kU, kD, kI, kDev, kV, nullptr), 86400000), &bytes, &r));
  std::optional<Fields> row = SplitFields(bytes);
  ASSERT_TRUE(row.has_value());
  ASSERT_EQ(row->size(), kLoginColumnCount);
  EXPECT_EQ((*row)[kUserId], "u-1");
  EXPECT_EQ((*row)[kDeviceType], "ios");
  EXPECT_EQ((*row)[kLocale], std::nullopt);
  EXPECT_EQ(FieldInt32((*row)[kAppVersion]), 3007000);
  EXPECT_EQ(FieldUnixDays((*row)[kCreateDate]), 1);
  ASSERT_TRUE(transformer_.Transform(Message(kExample), &bytes, &r));
  row = SplitFields(bytes);
  ASSERT_TRUE(row.has_value());
  EXPECT_EQ((*row)[kLocale], "RU");
  // A rejection in between leaves nothing behind in the next row.
  std::string before = bytes;
  EXPECT_FALSE(transformer_.Transform(Message(Event(kU, kD, kI, kDev, "7", kL)), &bytes, &r));
  ASSERT_TRUE(transformer_.Transform(Message(kExample), &bytes, &r));
  EXPECT_EQ(bytes, before);
}

TEST_F(RowTransformerTest, NestedObjectsMapToFlatNames) {
  Fields row = Ok(R"({"user": {"id": "nested-user"}, "device": {"type": "web", "id": "D-1"},)"
                  R"( "ip": "10.0.0.1", "app": {"version": "1.2.3"}, "extra": [1, 2]})");
  EXPECT_EQ(row[kUserId], "nested-user");
  EXPECT_EQ(row[kDeviceType], "web");
  EXPECT_EQ(row[kMaskedDeviceId], Mask(1, "D-1"));
  EXPECT_EQ(row[kMaskedIp], Mask(0, "10.0.0.1"));
  EXPECT_EQ(FieldInt32(row[kAppVersion]), 1002003);
}

TEST_F(RowTransformerTest, UnknownFieldsAreIgnored) {
  Fields row = Ok(R"({"extra": {"deep": [1, {"x": null}]}, "n": 1e5, "b": false, )" +
                  Event(kU, kD, kI, kDev, kV, kL).substr(1));
  EXPECT_EQ(row[kUserId], "u-1");
  EXPECT_TRUE(transformer_.unknown_fields().empty());  // not even listed with "ignore"
}

TEST_F(RowTransformerTest, MissingEachRequiredField) {
  ExpectRejected(Event(nullptr, kD, kI, kDev, kV, kL), RejectReason::kMissingField,
                 "user_id (path user_id)");
  ExpectRejected(Event(kU, nullptr, kI, kDev, kV, kL), RejectReason::kMissingField,
                 "device_type (path device_type)");
  ExpectRejected(Event(kU, kD, nullptr, kDev, kV, kL), RejectReason::kMissingField,
                 "masked_ip (path ip)");
  ExpectRejected(Event(kU, kD, kI, nullptr, kV, kL), RejectReason::kMissingField,
                 "masked_device_id (path device_id)");
  ExpectRejected(Event(kU, kD, kI, kDev, nullptr, kL), RejectReason::kMissingField,
                 "app_version (path app_version)");
  // Several missing: always the first in the mapping's column order.
  ExpectRejected(Event(kU, nullptr, nullptr, nullptr, kV, kL), RejectReason::kMissingField,
                 "device_type (path device_type)");
  // Issue 14: a required value that is null is missing_field (it was wrong_type before).
  for (const std::string& body :
       {Event("null", kD, kI, kDev, kV, kL), Event(kU, kD, "null", kDev, kV, kL),
        Event(kU, kD, kI, kDev, "null", kL)}) {
    EXPECT_EQ(Rejected(body).reason, RejectReason::kMissingField) << body;
  }
}

TEST_F(RowTransformerTest, WrongMessageShape) {
  Rejection r = Rejected(R"({"foo": "oops_wrong_msg_type", "bar": "123"})");
  EXPECT_EQ(r.ToString(), "missing_field: user_id (path user_id)");
}

TEST_F(RowTransformerTest, WrongTypes) {
  ExpectRejected(Event(kU, kD, "199", kDev, kV, kL), RejectReason::kWrongType,
                 "masked_ip (path ip)");
  ExpectRejected(Event(kU, kD, kI, R"({"x": "593-47-5928"})", kV, kL), RejectReason::kWrongType,
                 "masked_device_id (path device_id)");
  ExpectRejected(Event(kU, kD, kI, kDev, "2.3", kL), RejectReason::kWrongType,
                 "app_version (path app_version)");
  ExpectRejected(Event("17", kD, kI, kDev, kV, kL), RejectReason::kWrongType,
                 "user_id (path user_id)");
  ExpectRejected(Event(kU, "[\"ios\"]", kI, kDev, kV, kL), RejectReason::kWrongType,
                 "device_type (path device_type)");
  ExpectRejected(Event(kU, kD, kI, kDev, kV, "true"), RejectReason::kWrongType,
                 "locale (path locale)");
  ExpectRejected(Event(kU, kD, kI, kDev, kV, R"({"lang": "en"})"), RejectReason::kWrongType,
                 "locale (path locale)");
}

TEST_F(RowTransformerTest, UserIdLengthCountsCodePoints) {
  std::string ok_multibyte;
  for (int i = 0; i < 128; ++i) ok_multibyte += "\xc3\xa9";  // 128 chars, 256 bytes
  Fields row = Ok(Event(Quoted(ok_multibyte).c_str(), kD, kI, kDev, kV, kL));
  EXPECT_EQ(row[kUserId], ok_multibyte);
  std::string ok_emoji;
  for (int i = 0; i < 128; ++i) ok_emoji += "\\ud83d\\ude00";  // 128 chars, 512 bytes
  std::string emoji_utf8;
  for (int i = 0; i < 128; ++i) emoji_utf8 += "\xf0\x9f\x98\x80";
  EXPECT_EQ(Ok(Event(Quoted(ok_emoji).c_str(), kD, kI, kDev, kV, kL))[kUserId], emoji_utf8);
  ExpectRejected(Event(Quoted(std::string(129, 'a')).c_str(), kD, kI, kDev, kV, kL),
                 RejectReason::kTooLong, "user_id (path user_id)");
  ExpectRejected(Event(Quoted(ok_multibyte + "e").c_str(), kD, kI, kDev, kV, kL),
                 RejectReason::kTooLong, "user_id (path user_id)");
  Ok(Event(Quoted(std::string(128, 'a')).c_str(), kD, kI, kDev, kV, kL));
}

TEST_F(RowTransformerTest, OtherLengthLimits) {
  ExpectRejected(Event(kU, Quoted(std::string(33, 'd')).c_str(), kI, kDev, kV, kL),
                 RejectReason::kTooLong, "device_type (path device_type)");
  ExpectRejected(Event(kU, kD, kI, kDev, kV, Quoted(std::string(33, 'l')).c_str()),
                 RejectReason::kTooLong, "locale (path locale)");
  // ip and device_id are stored masked: their raw length does not matter.
  Fields row = Ok(Event(kU, kD, Quoted(std::string(1000, '1')).c_str(), kDev, kV, kL));
  EXPECT_EQ(row[kMaskedIp], Mask(0, std::string(1000, '1')));
}

// Issue 14: a masked column too short for every mask is refused at start-up (it used to reject
// every row); the error names the mapping's line and key, and the column type.
TEST_F(RowTransformerTest, MaskedColumnsTooNarrowAreRefusedAtStartUp) {
  LoginTableOptions narrow_ip;
  narrow_ip.masked_ip_chars = 32;
  Result<CompiledMapping> r =
      mapping::CompileMapping(mapping::DefaultMapping(), UserLoginsShape(narrow_ip), 64);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("built-in login mapping:"));
  EXPECT_THAT(r.status().message(), HasSubstr("column \"masked_ip\""));
  EXPECT_THAT(r.status().message(), HasSubstr("character varying(32)"));

  LoginTableOptions narrow_device;
  narrow_device.masked_ip_chars = 64;
  narrow_device.masked_device_id_chars = 63;
  r = mapping::CompileMapping(mapping::DefaultMapping(), UserLoginsShape(narrow_device), 64);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("column \"masked_device_id\""));

  // Exactly 64 fits every hmac-sha256 mask.
  narrow_device.masked_device_id_chars = 64;
  RowTransformer exact = LoginTransformer(UserLoginsShape(narrow_device));
  EXPECT_EQ(OkBy(exact, kExample)[kMaskedDeviceId], Mask(1, kDeviceIdValue));
}

TEST_F(RowTransformerTest, UnboundedColumns) {
  LoginTableOptions text;
  text.user_id_chars = text.device_type_chars = text.masked_ip_chars = -1;
  text.masked_device_id_chars = text.locale_chars = -1;
  RowTransformer unbounded = LoginTransformer(UserLoginsShape(text));
  Fields row =
      OkBy(unbounded, Event(Quoted(std::string(100000, 'u')).c_str(), kD, kI, kDev, kV, kL));
  ASSERT_TRUE(row[kUserId].has_value());
  EXPECT_EQ(row[kUserId]->size(), 100000u);
}

TEST_F(RowTransformerTest, NulCharactersInStoredStrings) {
  ExpectRejected(Event(R"("a\u0000b")", kD, kI, kDev, kV, kL), RejectReason::kNulCharacter,
                 "user_id (path user_id)");
  ExpectRejected(Event(kU, R"("\u0000")", kI, kDev, kV, kL), RejectReason::kNulCharacter,
                 "device_type (path device_type)");
  ExpectRejected(Event(kU, kD, kI, kDev, kV, R"("e\u0000n")"), RejectReason::kNulCharacter,
                 "locale (path locale)");
  // Masked fields never reach the table raw, so a NUL there is harmless.
  EXPECT_EQ(Ok(Event(kU, kD, R"("1.2.3.4\u0000")", kDev, kV, kL))[kMaskedIp],
            Mask(0, std::string("1.2.3.4\0", 8)));
}

TEST_F(RowTransformerTest, InvalidVersionsForIntegerColumn) {
  for (const char* v : {R"("")", R"("1.2.3.4")", R"("a.b")", R"("1000")", R"("v2")", R"(" 1")"}) {
    ExpectRejected(Event(kU, kD, kI, kDev, v, kL), RejectReason::kInvalidVersion,
                   "app_version (path app_version)");
  }
  EXPECT_EQ(FieldInt32(Ok(Event(kU, kD, kI, kDev, R"("0.96")", kL))[kAppVersion]), 96000);
  EXPECT_EQ(FieldInt32(Ok(Event(kU, kD, kI, kDev, R"("7")", kL))[kAppVersion]), 7000000);
}

// A text app_version stores the version as sent. Issue 14 ("semver_int validates the version")
// changed one decision: a version that is not MAJOR[.MINOR[.PATCH]] ("2.3.0-beta") is now
// invalid_version in a text column too, where it used to be stored.
TEST_F(RowTransformerTest, TextVersionColumn) {
  LoginTableOptions o;
  o.text_app_version = true;
  o.app_version_chars = 5;
  RowTransformer text = LoginTransformer(UserLoginsShape(o));
  EXPECT_EQ(OkBy(text, Event(kU, kD, kI, kDev, R"("2.3.0")", kL))[kAppVersion], "2.3.0");
  EXPECT_EQ(OkBy(text, Event(kU, kD, kI, kDev, R"("7")", kL))[kAppVersion], "7");
  Rejection beta = RejectedBy(text, Event(kU, kD, kI, kDev, R"("2.3.0-beta")", kL));
  EXPECT_EQ(beta.ToString(), "invalid_version: app_version (path app_version)");
  o.app_version_chars = 4;
  RowTransformer narrow = LoginTransformer(UserLoginsShape(o));
  Rejection too_long = RejectedBy(narrow, Event(kU, kD, kI, kDev, R"("2.3.0")", kL));
  EXPECT_EQ(too_long.ToString(), "too_long: app_version (path app_version)");
  EXPECT_EQ(RejectedBy(text, Event(kU, kD, kI, kDev, R"("2\u0000")", kL)).reason,
            RejectReason::kInvalidVersion);
  EXPECT_EQ(RejectedBy(text, Event(kU, kD, kI, kDev, "230", kL)).reason, RejectReason::kWrongType);
}

TEST_F(RowTransformerTest, FlattenerRejectionsPassThrough) {
  ExpectRejected("", RejectReason::kEmptyBody, "");
  ExpectRejected(" \n\t", RejectReason::kEmptyBody, "");
  ExpectRejected("{\"ip\": \"\xff\"}", RejectReason::kInvalidUtf8, "");
  ExpectRejected(std::string(kExample).substr(0, 60), RejectReason::kInvalidJson, "");
  ExpectRejected(std::string(kExample) + "}", RejectReason::kInvalidJson, "");
  ExpectRejected(Event(kU, kD, kI, kDev, kV, kL).insert(1, R"("ip": "199.172.111.135", )"),
                 RejectReason::kDuplicateKey, "ip");
  ExpectRejected(R"({"user": {"id": "a"}, "user_id": "b"})", RejectReason::kDuplicateKey,
                 "user_id");
  // Issue 14's body_encoding = "auto": a body that does not start with '{' must be base64; one
  // that is not base64 but starts like another JSON value never claimed an encoding and is judged
  // by the JSON rules, as before ("[]" is not_an_object); anything else is bad_encoding.
  ExpectRejected("[]", RejectReason::kNotAnObject, "");
  ExpectRejected("!not json", RejectReason::kBadEncoding, "bad_base64");
  ExpectRejected(Base64("[]"), RejectReason::kNotAnObject, "");
  std::shared_ptr<const CompiledMapping> json = Compile(
      DefaultTomlWith("body_encoding = \"auto\"", "body_encoding = \"json\""), UserLoginsShape());
  ASSERT_NE(json, nullptr);
  RowTransformer t = MappedTransformer(json);
  EXPECT_EQ(RejectedBy(t, "[]").reason, RejectReason::kNotAnObject);
  EXPECT_EQ(RejectedBy(t, Base64(kExample)).reason, RejectReason::kInvalidJson);
}

TEST_F(RowTransformerTest, RejectionStringsNeverContainValues) {
  // Values of every field, in every failing position: none may surface in the rejection.
  const std::string ip_value = R"("199.172.111.135")";
  const std::string dev_value = R"("593-47-5928")";
  for (const std::string& body : std::vector<std::string>{
           Event(kU, kD, ip_value.c_str(), "5", kV, kL),
           Event(kU, kD, "7", dev_value.c_str(), kV, kL),
           Event(kU, kD, ip_value.c_str(), dev_value.c_str(), R"("x")", kL),
           Event(kU, kD, ip_value.c_str(), dev_value.c_str(), kV, kL) + "garbage",
           Event(kU, kD, ip_value.c_str(), dev_value.c_str(), kV, kL).insert(1, "\"ip\":1,"),
           // Keys that are values: a producer keying a map by ip.
           R"({"m": {"199.172.111.135": 1, "199.172.111.135": 2}})",
           SnsEnvelope(R"({"ip": "199.172.111.135"})"),
           SnsEnvelope(JsonString("199.172.111.135")),
       }) {
    Rejected(body);  // TransformFields() checks the absence of both values
  }
}

TEST_F(RowTransformerTest, CreateDateIsFlooredUtcDay) {
  const std::string body = Event(kU, kD, kI, kDev, kV, kL);
  EXPECT_EQ(FieldUnixDays(Ok(body, 0)[kCreateDate]), 0);
  EXPECT_EQ(FieldUnixDays(Ok(body, 86399999)[kCreateDate]), 0);
  EXPECT_EQ(FieldUnixDays(Ok(body, 86400000)[kCreateDate]), 1);
  EXPECT_EQ(FieldUnixDays(Ok(body, -1)[kCreateDate]), -1);
  EXPECT_EQ(FieldUnixDays(Ok(body, -86400000)[kCreateDate]), -1);
  EXPECT_EQ(FieldUnixDays(Ok(body, -86400001)[kCreateDate]), -2);
  EXPECT_EQ(FieldUnixDays(Ok(body, 1700000000000)[kCreateDate]), 19675);  // 2023-11-14
}

TEST_F(RowTransformerTest, OneMebibyteBodies) {
  // A valid event carrying ~1 MiB of unknown payload is accepted...
  const std::string padding(1 << 20, 'p');
  Fields row = Ok(R"({"payload": ")" + padding + "\", " + std::string(kExample).substr(1));
  EXPECT_EQ(row[kUserId], "424cdd21-063a-43a7-b91b-7ca1a833afae");
  // ...and a ~1 MiB user_id is rejected as too long, without echoing it.
  Rejection r = Rejected(Event(Quoted(padding).c_str(), kD, kI, kDev, kV, kL));
  EXPECT_EQ(r.ToString(), "too_long: user_id (path user_id)");
  // The transformer still works on small bodies afterwards.
  Ok(kExample);
}

TEST_F(RowTransformerTest, CopiesWorkIndependently) {
  RowTransformer copy = transformer_;
  const std::string a = Bytes(kExample);
  std::string b;
  Rejection r;
  ASSERT_TRUE(copy.Transform(Message(kExample), &b, &r));
  EXPECT_EQ(a, b);
  RowTransformer moved = std::move(copy);
  ASSERT_TRUE(moved.Transform(Message(Event(kU, kD, kI, kDev, kV, kL)), &b, &r));
  ASSERT_TRUE(transformer_.Transform(Message(kExample), &b, &r));
  EXPECT_EQ(a, b);
}

// ---- Envelopes and body encodings -----------------------------------------------------------

TEST_F(RowTransformerTest, EnvelopesAndEncodingsGiveExactlyThePlainFields) {
  const std::string plain = Bytes(kExample);
  const std::map<std::string, std::string> bodies = {
      {"sns", SnsEnvelope(JsonString(kExample))},
      {"eventbridge", EventBridgeEnvelope(kExample)},
      {"base64", Base64(kExample)},
      {"gzip+base64", Base64(Gzip(kExample))},
      {"sns of base64", SnsEnvelope(JsonString(Base64(kExample)))},
      {"sns of gzip+base64", SnsEnvelope(JsonString(Base64(Gzip(kExample))))},
      {"base64 of sns", Base64(SnsEnvelope(JsonString(kExample)))},
      {"gzip+base64 of eventbridge", Base64(Gzip(EventBridgeEnvelope(kExample)))},
      {"leading whitespace", std::string(" \n") + kExample},
  };
  for (const auto& [name, body] : bodies) {
    std::string bytes;
    Rejection r;
    ASSERT_TRUE(transformer_.Transform(Message(body), &bytes, &r)) << name << ": " << r.ToString();
    EXPECT_EQ(bytes, plain) << name;
  }
  // Nested login fields inside an envelope flatten as in a plain body.
  const std::string nested = R"({"user": {"id": "424cdd21-063a-43a7-b91b-7ca1a833afae"}, )"
                             R"("app": {"version": "2.3.0"}, "device": {"type": "android", )"
                             R"("id": "593-47-5928"}, "ip": "199.172.111.135", "locale": "RU"})";
  EXPECT_EQ(Bytes(SnsEnvelope(JsonString(nested))), plain);
  EXPECT_EQ(Bytes(EventBridgeEnvelope(nested)), plain);
}

TEST_F(RowTransformerTest, BrokenSnsEnvelopeIsBadEnvelope) {
  const std::string head =
      R"({"Type": "Notification", "MessageId": "m-1", "TopicArn": "arn:aws:sns:eu-west-1:1:t", )";
  for (const std::string& body : {
           head + R"("Message": )" + kExample + "}",  // an object, not a string
           head + R"("Message": 17})",
           head + R"("Message": null})",
           head + R"("Subject": "no message"})",
           std::string(R"({"Type": "Notification", "TopicArn": 5, "Message": )") +
               JsonString(kExample) + "}",
       }) {
    Rejection r = Rejected(body);
    EXPECT_EQ(r.reason, RejectReason::kBadEnvelope) << body << " -> " << r.ToString();
    EXPECT_EQ(r.field, "sns");
  }
  // The inner message goes through the same checks as a body.
  ExpectRejected(head + R"("Message": "{\"user_id\": ")" + "}", RejectReason::kInvalidJson, "");
  ExpectRejected(head + R"("Message": "!not base64"})", RejectReason::kBadEncoding, "bad_base64");
  // Not base64 but starting like JSON: judged by the JSON rules.
  ExpectRejected(head + R"("Message": "not base64!"})", RejectReason::kInvalidJson, "");
  ExpectRejected(head + R"("Message": "[1]"})", RejectReason::kNotAnObject, "");
  ExpectRejected(head + R"("Message": "{\"ip\": \"199.172.111.135\"}"})",
                 RejectReason::kMissingField, "user_id (path user_id)");
  // Without TopicArn a "Type": "Notification" body is not an SNS notification: the event itself.
  ExpectRejected(R"({"Type": "Notification", "Message": )" + JsonString(kExample) + "}",
                 RejectReason::kMissingField, "user_id (path user_id)");
}

TEST_F(RowTransformerTest, BrokenEventBridgeEnvelopeIsBadEnvelope) {
  for (const std::string& body : {
           EventBridgeEnvelope(JsonString(kExample)),  // detail must be an object
           EventBridgeEnvelope("[1, 2]"),
           EventBridgeEnvelope("null"),
           std::string(R"({"detail-type": 1, "source": "s", "detail": )") + kExample + "}",
           std::string(R"({"detail-type": "t", "source": ["s"], "detail": )") + kExample + "}",
       }) {
    Rejection r = Rejected(body);
    EXPECT_EQ(r.reason, RejectReason::kBadEnvelope) << body << " -> " << r.ToString();
    EXPECT_EQ(r.field, "eventbridge");
  }
  // Without "source" it is not an EventBridge event: the body is the event.
  ExpectRejected(std::string(R"({"detail-type": "t", "detail": )") + kExample + "}",
                 RejectReason::kMissingField, "user_id (path user_id)");
}

TEST_F(RowTransformerTest, ExplicitEnvelopes) {
  const TableShape shape = UserLoginsShape();
  std::shared_ptr<const CompiledMapping> sns =
      Compile(DefaultTomlWith("envelope = \"auto\"", "envelope = \"sns\""), shape);
  std::shared_ptr<const CompiledMapping> eventbridge =
      Compile(DefaultTomlWith("envelope = \"auto\"", "envelope = \"eventbridge\""), shape);
  std::shared_ptr<const CompiledMapping> none =
      Compile(DefaultTomlWith("envelope = \"auto\"", "envelope = \"none\""), shape);
  ASSERT_TRUE(sns && eventbridge && none);
  RowTransformer t_sns = MappedTransformer(sns);
  RowTransformer t_eventbridge = MappedTransformer(eventbridge);
  RowTransformer t_none = MappedTransformer(none);
  const std::string plain = Bytes(kExample);
  const std::string sns_body = SnsEnvelope(JsonString(kExample));
  const std::string eventbridge_body = EventBridgeEnvelope(kExample);

  // envelope = "sns" on a plain body, or on an EventBridge event.
  EXPECT_EQ(RejectedBy(t_sns, kExample).ToString(), "bad_envelope: sns");
  EXPECT_EQ(RejectedBy(t_sns, eventbridge_body).ToString(), "bad_envelope: sns");
  std::string bytes;
  Rejection r;
  ASSERT_TRUE(t_sns.Transform(Message(sns_body), &bytes, &r)) << r.ToString();
  EXPECT_EQ(bytes, plain);

  EXPECT_EQ(RejectedBy(t_eventbridge, kExample).ToString(), "bad_envelope: eventbridge");
  EXPECT_EQ(RejectedBy(t_eventbridge, sns_body).ToString(), "bad_envelope: eventbridge");
  ASSERT_TRUE(t_eventbridge.Transform(Message(eventbridge_body), &bytes, &r)) << r.ToString();
  EXPECT_EQ(bytes, plain);

  // envelope = "none" maps the envelope's own fields: no user_id there.
  ASSERT_TRUE(t_none.Transform(Message(kExample), &bytes, &r));
  EXPECT_EQ(bytes, plain);
  EXPECT_EQ(RejectedBy(t_none, sns_body).ToString(), "missing_field: user_id (path user_id)");
  EXPECT_EQ(RejectedBy(t_none, eventbridge_body).ToString(),
            "missing_field: user_id (path user_id)");
}

TEST_F(RowTransformerTest, BodyEncodings) {
  const TableShape shape = UserLoginsShape();
  std::shared_ptr<const CompiledMapping> base64 =
      Compile(DefaultTomlWith("body_encoding = \"auto\"", "body_encoding = \"base64\""), shape);
  std::shared_ptr<const CompiledMapping> gzip = Compile(
      DefaultTomlWith("body_encoding = \"auto\"", "body_encoding = \"gzip+base64\""), shape);
  ASSERT_TRUE(base64 && gzip);
  RowTransformer t_base64 = MappedTransformer(base64);
  RowTransformer t_gzip = MappedTransformer(gzip);
  const std::string plain = Bytes(kExample);
  std::string bytes;
  Rejection r;

  ASSERT_TRUE(t_base64.Transform(Message(Base64(kExample)), &bytes, &r)) << r.ToString();
  EXPECT_EQ(bytes, plain);
  EXPECT_EQ(RejectedBy(t_base64, kExample).ToString(), "bad_encoding: bad_base64");
  // base64 does not gunzip: the gzip bytes are not UTF-8 JSON.
  EXPECT_EQ(RejectedBy(t_base64, Base64(Gzip(kExample))).reason, RejectReason::kInvalidUtf8);

  ASSERT_TRUE(t_gzip.Transform(Message(Base64(Gzip(kExample))), &bytes, &r)) << r.ToString();
  EXPECT_EQ(bytes, plain);
  EXPECT_EQ(RejectedBy(t_gzip, Base64(kExample)).ToString(), "bad_encoding: not_gzip");
  EXPECT_EQ(RejectedBy(t_gzip, kExample).ToString(), "bad_encoding: bad_base64");

  // auto: broken base64, broken gzip, and a gzip bomb (1 MiB cap on the decoded data).
  ExpectRejected("eyJ1c2VyX2lkIjog", RejectReason::kInvalidJson, "");  // {"user_id": (cut)
  ExpectRejected("eyJ1c2VyX2lkIjog=", RejectReason::kBadEncoding, "bad_base64");
  ExpectRejected(Base64(Gzip(kExample).substr(0, 20)), RejectReason::kBadEncoding, "bad_gzip");
  const std::string bomb = Base64(Gzip(std::string((1 << 20) + 1, ' '), 9));
  ExpectRejected(bomb, RejectReason::kBadEncoding, "too_large");
  // Exactly 1 MiB decoded is allowed.
  const std::string head = R"({"pad": ")";
  const std::string tail = "\", " + std::string(kExample).substr(1);
  const std::string padded =
      head + std::string((size_t{1} << 20) - head.size() - tail.size(), 'p') + tail;
  ASSERT_EQ(padded.size(), size_t{1} << 20);
  EXPECT_EQ(Bytes(Base64(Gzip(padded))), plain);
}

// ---- Unknown fields -----------------------------------------------------------------------

TEST_F(RowTransformerTest, UnknownFieldsReject) {
  std::shared_ptr<const CompiledMapping> m =
      Compile(DefaultTomlWith("unknown_fields = \"ignore\"", "unknown_fields = \"reject\""),
              UserLoginsShape());
  ASSERT_NE(m, nullptr);
  RowTransformer t = MappedTransformer(m);
  std::string bytes;
  Rejection r;
  // Only mapped fields, plain or nested (flatten = "_"): accepted.
  ASSERT_TRUE(t.Transform(Message(kExample), &bytes, &r)) << r.ToString();
  ASSERT_TRUE(t.Transform(Message(R"({"user": {"id": "u"}, "device": {"type": "web", "id": "D"},)"
                                  R"( "ip": "1.2.3.4", "app": {"version": "1.2"}})"),
                          &bytes, &r))
      << r.ToString();
  EXPECT_EQ(RejectedBy(t, R"({"extra": 1, )" + std::string(kExample).substr(1)).ToString(),
            "unknown_field: extra");
  EXPECT_EQ(RejectedBy(t, R"({"user": {"id": "u", "email": "a@b.c"}, )" +
                              Event(nullptr, kD, kI, kDev, kV, kL).substr(1))
                .ToString(),
            "unknown_field: user_email");
  // A key that is not identifier-like may be a value (a map keyed by ip): not reported.
  Rejection value_key = RejectedBy(
      t, std::string(kExample).substr(0, sizeof(kExample) - 2) + R"(, "199.172.111.135": true})");
  EXPECT_EQ(value_key.reason, RejectReason::kUnknownField);
  EXPECT_EQ(value_key.field, "");
  // Columns are checked first: a message missing a required field is missing_field.
  EXPECT_EQ(RejectedBy(t, R"({"extra": 1})").reason, RejectReason::kMissingField);
  // An envelope's own fields are not the event's.
  ASSERT_TRUE(t.Transform(Message(SnsEnvelope(JsonString(kExample))), &bytes, &r)) << r.ToString();
}

TEST_F(RowTransformerTest, UnknownFieldsCount) {
  std::shared_ptr<const CompiledMapping> m =
      Compile(DefaultTomlWith("unknown_fields = \"ignore\"", "unknown_fields = \"count\""),
              UserLoginsShape());
  ASSERT_NE(m, nullptr);
  RowTransformer t = MappedTransformer(m);
  std::string bytes;
  Rejection r;
  ASSERT_TRUE(t.Transform(Message(kExample), &bytes, &r));
  EXPECT_TRUE(t.unknown_fields().empty());
  const std::string body = R"({"campaign": "c-199.172.111.135", "geo": {"lat": 1.5, "cc": "RU"},)"
                           R"( "tags": ["593-47-5928"], "user": {"id": "u", "tier": null}, )" +
                           Event(nullptr, kD, kI, kDev, kV, kL).substr(1);
  ASSERT_TRUE(t.Transform(Message(body), &bytes, &r)) << r.ToString();
  std::vector<std::string> names(t.unknown_fields().begin(), t.unknown_fields().end());
  // Flattened names of leaves (an object's members speak for it); names only, never values.
  EXPECT_EQ(names,
            (std::vector<std::string>{"campaign", "geo_lat", "geo_cc", "tags", "user_tier"}));
  // The list is per message.
  ASSERT_TRUE(t.Transform(Message(kExample), &bytes, &r));
  EXPECT_TRUE(t.unknown_fields().empty());
  // The row is the same as without counting.
  ASSERT_TRUE(t.Transform(Message(body), &bytes, &r));
  EXPECT_EQ(bytes, Bytes(body));
}

TEST_F(RowTransformerTest, UnknownFieldsWithPathsAreTopLevelKeys) {
  const TableShape shape = Shape({TextColumn("a", -1), TextColumn("sku", -1)});
  std::shared_ptr<const CompiledMapping> count = Compile(R"(unknown_fields = "count"
[[column]]
name = "a"
path = "a.b"
[[column]]
name = "sku"
path = "items.0.sku"
)",
                                                         shape);
  std::shared_ptr<const CompiledMapping> reject = Compile(R"(unknown_fields = "reject"
[[column]]
name = "a"
path = "a.b"
)",
                                                          shape);
  ASSERT_TRUE(count && reject);
  RowTransformer t = MappedTransformer(count);
  Rejection r;
  std::optional<Fields> row =
      TransformFields(t,
                      Message(R"({"a": {"b": "x", "c": "y"}, "items": [{"sku": "s", "qty": 2}], )"
                              R"("other": {"deep": [1]}, "n": 1})"),
                      &r);
  ASSERT_TRUE(row.has_value()) << r.ToString();
  std::vector<std::string> names(t.unknown_fields().begin(), t.unknown_fields().end());
  // Without flatten only top-level keys count: a.c and items.0.qty are under known keys.
  EXPECT_EQ(names, (std::vector<std::string>{"other", "n"}));
  RowTransformer t_reject = MappedTransformer(reject);
  EXPECT_EQ(RejectedBy(t_reject, R"({"a": {"b": "x"}, "zz": 1})").ToString(), "unknown_field: zz");
  EXPECT_TRUE(TransformFields(t_reject, Message(R"({"a": {"b": "x", "c": 1}})"), &r).has_value());
}

// ---- Paths, constants, attributes -------------------------------------------------------

TEST_F(RowTransformerTest, PathsWithoutFlatten) {
  const TableShape shape =
      Shape({TextColumn("ab", -1), TextColumn("sku", -1), TextColumn("dotted", -1),
             TextColumn("key0", -1), TextColumn("flat", -1), TextColumn("literal", -1),
             TextColumn("second", -1)});
  std::shared_ptr<const CompiledMapping> m = Compile(R"(
[[column]]
name = "ab"
path = "a.b"
[[column]]
name = "sku"
path = "items.0.sku"
[[column]]
name = "dotted"
path = ["x.y", "z"]
[[column]]
name = "key0"
path = "m.0"
[[column]]
name = "flat"
path = "a_b"
[[column]]
name = "literal"
path = ["a.b"]
[[column]]
name = "second"
path = "items.1"
)",
                                                     shape);
  ASSERT_NE(m, nullptr);
  EXPECT_FALSE(m->flattened);
  RowTransformer t = MappedTransformer(m);
  Rejection r;
  std::optional<Fields> row = TransformFields(
      t,
      Message(R"({"a": {"b": "ab"}, "items": [{"sku": "S1"}, "S2"], )"
              R"("x.y": {"z": "dot"}, "x": {"y": {"z": "wrong"}}, "m": {"0": "zero"}, )"
              R"("a.b": "literal"})"),
      &r);
  ASSERT_TRUE(row.has_value()) << r.ToString();
  EXPECT_EQ((*row)[0], "ab");
  EXPECT_EQ((*row)[1], "S1");
  EXPECT_EQ((*row)[2], "dot");         // the key "x.y", not x -> y
  EXPECT_EQ((*row)[3], "zero");        // a numeric segment names an object's key too
  EXPECT_EQ((*row)[4], std::nullopt);  // no flattening: "a_b" is not a.b
  EXPECT_EQ((*row)[5], "literal");
  EXPECT_EQ((*row)[6], "S2");
  // Out of range, into a scalar, or a wrong container: absent (NULL).
  row =
      TransformFields(t, Message(R"({"a": "scalar", "items": [], "m": ["zero"], "x.y": {}})"), &r);
  ASSERT_TRUE(row.has_value()) << r.ToString();
  EXPECT_EQ((*row)[0], std::nullopt);
  EXPECT_EQ((*row)[1], std::nullopt);
  EXPECT_EQ((*row)[2], std::nullopt);
  EXPECT_EQ((*row)[3], "zero");  // "0" indexes the array
  EXPECT_EQ((*row)[6], std::nullopt);
}

TEST_F(RowTransformerTest, PathsWithFlattenFindNestedAndFlattenedNames) {
  const TableShape shape = Shape({TextColumn("a", -1), TextColumn("b", -1)});
  std::shared_ptr<const CompiledMapping> m = Compile(R"(flatten = "_"
[[column]]
name = "a"
path = "user.id"
[[column]]
name = "b"
path = "user_name"
)",
                                                     shape);
  ASSERT_NE(m, nullptr);
  RowTransformer t = MappedTransformer(m);
  Rejection r;
  std::optional<Fields> row =
      TransformFields(t, Message(R"({"user": {"id": "1", "name": "n"}})"), &r);
  ASSERT_TRUE(row.has_value()) << r.ToString();
  EXPECT_EQ((*row)[0], "1");
  EXPECT_EQ((*row)[1], "n");
  row = TransformFields(t, Message(R"({"user_id": "2", "user_name": "m"})"), &r);
  ASSERT_TRUE(row.has_value()) << r.ToString();
  EXPECT_EQ((*row)[0], "2");
  EXPECT_EQ((*row)[1], "m");
}

TEST_F(RowTransformerTest, Constants) {
  const TableShape shape = Shape({
      TextColumn("source", 16),
      CatalogColumn("n", "int4", -1, "integer"),
      CatalogColumn("big", "int8", -1, "bigint"),
      CatalogColumn("flag", "bool", -1, "boolean"),
      CatalogColumn("ratio", "float8", -1, "double precision"),
      CatalogColumn("day", "date", -1, "date"),
      CatalogColumn("id", "uuid", -1, "uuid"),
      TextColumn("x", -1),
  });
  std::shared_ptr<const CompiledMapping> m = Compile(R"(
[[column]]
name = "source"
value = "mobile"
[[column]]
name = "n"
value = -42
[[column]]
name = "big"
value = "9007199254740993"
[[column]]
name = "flag"
value = true
[[column]]
name = "ratio"
value = 0.1
[[column]]
name = "day"
value = "2024-02-29"
[[column]]
name = "id"
value = "424cdd21-063a-43a7-b91b-7ca1a833afae"
[[column]]
name = "x"
path = "x"
)",
                                                     shape);
  ASSERT_NE(m, nullptr);
  RowTransformer t = MappedTransformer(m);
  Rejection r;
  // Constants do not depend on the body.
  for (const char* body : {R"({"x": "1"})", R"({"source": "web", "n": 7})"}) {
    std::optional<Fields> row = TransformFields(t, Message(body), &r);
    ASSERT_TRUE(row.has_value()) << r.ToString();
    EXPECT_EQ((*row)[0], "mobile");
    EXPECT_EQ(FieldInt32((*row)[1]), -42);
    EXPECT_EQ(FieldInt64((*row)[2]), 9007199254740993);
    EXPECT_EQ((*row)[3], std::string(1, '\x01'));
    EXPECT_EQ((*row)[4], Expected(shape.columns[4], JsonKind::kNumber, "0.1"));
    EXPECT_EQ(FieldUnixDays((*row)[5]), 19782);
    EXPECT_EQ((*row)[6], Expected(shape.columns[6], JsonKind::kString,
                                  "424cdd21-063a-43a7-b91b-7ca1a833afae"));
  }
}

TEST_F(RowTransformerTest, Attributes) {
  const TableShape shape = Shape({
      TextColumn("message_id", -1),
      CatalogColumn("sent_ms", "int8", -1, "bigint"),
      CatalogColumn("sent_at", "timestamptz", -1, "timestamp with time zone"),
      CatalogColumn("sent_at_ms", "timestamptz", -1, "timestamp with time zone"),
      CatalogColumn("sent_day", "date", -1, "date"),
      CatalogColumn("receives", "int4", -1, "integer"),
      TextColumn("tenant", 8),
      TextColumn("topic", -1),
      TextColumn("sender", -1),
      TextColumn("masked_tenant", -1),
      TextColumn("sns_id", -1),
      CatalogColumn("sns_at", "timestamptz", -1, "timestamp with time zone"),
  });
  std::shared_ptr<const CompiledMapping> m = Compile(R"(
[[column]]
name = "message_id"
attribute = "MessageId"
[[column]]
name = "sent_ms"
attribute = "SentTimestamp"
[[column]]
name = "sent_at"
attribute = "SentTimestamp"
transform = "timestamp"
[[column]]
name = "sent_at_ms"
attribute = "SentTimestamp"
transform = "timestamp_ms"
[[column]]
name = "sent_day"
attribute = "SentTimestamp"
transform = "utc_date"
[[column]]
name = "receives"
attribute = "ApproximateReceiveCount"
[[column]]
name = "tenant"
attribute = "tenant"
[[column]]
name = "topic"
attribute = "sns.TopicArn"
[[column]]
name = "sender"
attribute = "SenderId"
[[column]]
name = "masked_tenant"
attribute = "tenant"
transform = "mask"
[[column]]
name = "sns_id"
attribute = "sns.MessageId"
[[column]]
name = "sns_at"
attribute = "sns.Timestamp"
transform = "timestamp"
)",
                                                     shape);
  ASSERT_NE(m, nullptr);
  EXPECT_TRUE(m->needs_message_attributes);
  EXPECT_TRUE(m->needs_sender_id);
  // An attribute's default mask domain is its name.
  EXPECT_EQ(m->mask_domains, (std::vector<std::string>{"tenant"}));
  RowTransformer t = MappedTransformer(m);
  const std::map<std::string, std::string> attributes = {{"tenant", "acme"}, {"other", "x"}};
  MessageView message = Message(R"({"MessageId": "from-the-body"})");
  message.receive_count = 3;
  message.sender_id = "AIDAEXAMPLE";
  message.attributes = &attributes;
  Rejection r;
  std::optional<Fields> row = TransformFields(t, message, &r);
  ASSERT_TRUE(row.has_value()) << r.ToString();
  EXPECT_EQ((*row)[0],
            "0b3c1a52-5f0e-4c1e-9a55-7c1b2f9f0a01");  // the SQS message's, not the body's
  EXPECT_EQ(FieldInt64((*row)[1]), kSentMs);
  EXPECT_EQ(FieldUnixMicros((*row)[2]), kSentMs * 1000);  // epoch ms under either transform
  EXPECT_EQ(FieldUnixMicros((*row)[3]), kSentMs * 1000);
  EXPECT_EQ(FieldUnixDays((*row)[4]), kSentDay);
  EXPECT_EQ(FieldInt32((*row)[5]), 3);
  EXPECT_EQ((*row)[6], "acme");
  EXPECT_EQ((*row)[7], std::nullopt);  // not SNS-wrapped
  EXPECT_EQ((*row)[8], "AIDAEXAMPLE");
  Masker tenant_masker(MaskScheme::kHmacSha256, KeyBytes0To31(), {"tenant"});
  EXPECT_EQ((*row)[9], tenant_masker.Mask(0, "acme"));
  EXPECT_EQ((*row)[10], std::nullopt);
  EXPECT_EQ((*row)[11], std::nullopt);

  // SNS-wrapped: the topic, the SNS message id and time.
  const std::string sns = SnsEnvelope(JsonString("{}"));
  message.body = sns;
  row = TransformFields(t, message, &r);
  ASSERT_TRUE(row.has_value()) << r.ToString();
  EXPECT_EQ((*row)[7], "arn:aws:sns:eu-west-1:123456789012:logins");
  EXPECT_EQ((*row)[10], "5b1f1f7e-aaaa-bbbb-cccc-000000000001");
  EXPECT_EQ(FieldUnixMicros((*row)[11]), 1609459200000000);
  // The next plain message does not keep the SNS attributes.
  message.body = "{}";
  row = TransformFields(t, message, &r);
  ASSERT_TRUE(row.has_value()) << r.ToString();
  EXPECT_EQ((*row)[7], std::nullopt);
  EXPECT_EQ((*row)[10], std::nullopt);

  // A missing message attribute is NULL; one that does not fit is rejected by column, not value.
  const std::map<std::string, std::string> long_tenant = {{"tenant", "acme-corporation"}};
  message.attributes = &long_tenant;
  row = TransformFields(t, message, &r, {"acme-corporation"});
  EXPECT_FALSE(row.has_value());
  EXPECT_EQ(r.ToString(), "too_long: tenant (attribute tenant)");
  message.attributes = nullptr;
  row = TransformFields(t, message, &r);
  ASSERT_TRUE(row.has_value()) << r.ToString();
  EXPECT_EQ((*row)[6], std::nullopt);
  EXPECT_EQ((*row)[9], std::nullopt);
}

TEST_F(RowTransformerTest, RequiredAttributeMissingIsMissingField) {
  const TableShape shape = Shape({TextColumn("tenant", -1)});
  std::shared_ptr<const CompiledMapping> m = Compile(R"(
[[column]]
name = "tenant"
attribute = "tenant"
required = true
)",
                                                     shape);
  ASSERT_NE(m, nullptr);
  RowTransformer t = MappedTransformer(m);
  EXPECT_EQ(RejectedBy(t, "{}").ToString(), "missing_field: tenant (attribute tenant)");
}

// ---- Transforms -----------------------------------------------------------------------------

TEST_F(RowTransformerTest, EveryTransform) {
  const TableShape shape = Shape({
      TextColumn("plain", -1),                                                    // none
      TextColumn("masked", 64),                                                   // mask
      CatalogColumn("version_int", "int4", -1, "integer"),                        // semver_int
      TextColumn("version_text", -1),                                             // semver_int
      CatalogColumn("day", "date", -1, "date"),                                   // utc_date
      CatalogColumn("at", "timestamptz", -1, "timestamp with time zone"),         // timestamp
      CatalogColumn("at_local", "timestamp", -1, "timestamp without time zone"),  // timestamp
      TextColumn("at_text", -1),                                                  // timestamp
      CatalogColumn("at_ms", "timestamptz", -1, "timestamp with time zone"),      // timestamp_ms
      CatalogColumn("doc", "jsonb", -1, "jsonb"),                                 // json
      CatalogColumn("doc_json", "json", -1, "json"),                              // json
      TextColumn("doc_text", -1),                                                 // json
      CatalogColumn("at_day", "date", -1, "date"),                                // timestamp
  });
  std::shared_ptr<const CompiledMapping> m = Compile(R"(
[[column]]
name = "plain"
path = "plain"
transform = "none"
[[column]]
name = "masked"
path = "customer.email"
transform = "mask"
[[column]]
name = "version_int"
path = "v"
transform = "semver_int"
[[column]]
name = "version_text"
path = "v"
transform = "semver_int"
[[column]]
name = "day"
path = "at"
transform = "utc_date"
[[column]]
name = "at"
path = "at"
transform = "timestamp"
[[column]]
name = "at_local"
path = "at"
transform = "timestamp"
[[column]]
name = "at_text"
path = "at"
transform = "timestamp"
[[column]]
name = "at_ms"
path = "ms"
transform = "timestamp_ms"
[[column]]
name = "doc"
path = "items"
transform = "json"
[[column]]
name = "doc_json"
path = "items"
transform = "json"
[[column]]
name = "doc_text"
path = "plain"
transform = "json"
[[column]]
name = "at_day"
path = "at"
transform = "timestamp"
)",
                                                     shape);
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->mask_domains, (std::vector<std::string>{"customer.email"}));  // the path as written
  RowTransformer t = MappedTransformer(m);
  Rejection r;
  std::optional<Fields> row = TransformFields(
      t,
      Message(R"({"plain": "a \"q\"", "customer": {"email": "a@example.com"}, "v": "1.2.3", )"
              R"("at": "2024-02-29T23:30:00-01:00", "ms": 1609459212345, )"
              R"("items": [{"sku": "S1", "qty": 2}, null] })"),
      &r, {"a@example.com"});
  ASSERT_TRUE(row.has_value()) << r.ToString();
  const int64_t at = 1709253000000000;  // 2024-03-01T00:30:00Z
  EXPECT_EQ((*row)[0], "a \"q\"");
  Masker email(MaskScheme::kHmacSha256, KeyBytes0To31(), {"customer.email"});
  EXPECT_EQ((*row)[1], email.Mask(0, "a@example.com"));
  EXPECT_EQ(FieldInt32((*row)[2]), 1002003);
  EXPECT_EQ((*row)[3], "1.2.3");
  EXPECT_EQ(FieldUnixDays((*row)[4]), 19783);  // the UTC date: 2024-03-01
  EXPECT_EQ(FieldUnixMicros((*row)[5]), at);
  EXPECT_EQ(FieldUnixMicros((*row)[6]), at);  // timestamp stores the UTC wall clock
  EXPECT_EQ((*row)[7], "2024-03-01T00:30:00.000000Z");
  EXPECT_EQ(FieldUnixMicros((*row)[8]), kSentMs * 1000);
  EXPECT_EQ((*row)[9], "\x01[{\"sku\": \"S1\", \"qty\": 2}, null]");
  EXPECT_EQ((*row)[10], "[{\"sku\": \"S1\", \"qty\": 2}, null]");
  EXPECT_EQ((*row)[11], "\"a \\\"q\\\"\"");  // a string into json is its JSON literal
  EXPECT_EQ(FieldUnixDays((*row)[12]), 19783);

  // Epoch seconds (fractional) for timestamp and utc_date; no offset means UTC.
  row = TransformFields(t, Message(R"({"at": 1700000000.25, "v": "2"})"), &r);
  ASSERT_TRUE(row.has_value()) << r.ToString();
  EXPECT_EQ(FieldUnixMicros((*row)[5]), 1700000000250000);
  EXPECT_EQ(FieldUnixDays((*row)[4]), 19675);
  row = TransformFields(t, Message(R"({"at": "2024-02-29T23:30:00"})"), &r);
  ASSERT_TRUE(row.has_value()) << r.ToString();
  EXPECT_EQ(FieldUnixMicros((*row)[5]), at - 3600000000);
  EXPECT_EQ(FieldUnixDays((*row)[4]), 19782);  // 2024-02-29, a leap day

  // Each transform's refusals, naming the column and its path.
  struct Case {
    const char* body;
    const char* rejection;
  };
  for (const Case& c : std::vector<Case>{
           {R"({"plain": 5})", "wrong_type: plain (path plain)"},
           {R"({"customer": {"email": 5}})", "wrong_type: masked (path customer.email)"},
           {R"({"v": "1.2.3.4"})", "invalid_version: version_int (path v)"},
           {R"({"v": 1})", "wrong_type: version_int (path v)"},
           {R"({"at": "yesterday"})", "invalid_value: day (path at)"},
           {R"({"at": "2023-02-29T00:00:00Z"})", "invalid_value: day (path at)"},
           {R"({"at": true})", "wrong_type: day (path at)"},
           {R"({"ms": "1609459212345"})", "wrong_type: at_ms (path ms)"},
           {R"({"ms": 1.5})", "out_of_range: at_ms (path ms)"},
           {R"({"items": "[\u0000]"})", "nul_character: doc (path items)"},
       }) {
    EXPECT_EQ(RejectedBy(t, c.body).ToString(), c.rejection) << c.body;
  }
}

TEST_F(RowTransformerTest, ConversionRefusalsNameTheColumnNeverTheValue) {
  const TableShape shape = Shape({
      CatalogColumn("purchase_id", "uuid", -1, "uuid", /*not_null=*/true),
      CatalogColumn("qty", "int4", -1, "integer"),
      TextColumn("code", 3),
      CatalogColumn("paid", "bool", -1, "boolean"),
      CatalogColumn("amount", "numeric", ((10 << 16) | 2) + 4, "numeric(10,2)"),
      CatalogColumn("client", "inet", -1, "inet"),
  });
  std::shared_ptr<const CompiledMapping> m = Compile(R"(
[[column]]
name = "purchase_id"
path = "id"
required = true
[[column]]
name = "qty"
path = "qty"
[[column]]
name = "code"
path = "code"
[[column]]
name = "paid"
path = "paid"
[[column]]
name = "amount"
path = "amount.value"
[[column]]
name = "client"
path = "client"
)",
                                                     shape);
  ASSERT_NE(m, nullptr);
  RowTransformer t = MappedTransformer(m);
  constexpr char kId[] = R"("id": "424cdd21-063a-43a7-b91b-7ca1a833afae")";
  Rejection r;
  std::optional<Fields> row = TransformFields(
      t,
      Message(std::string("{") + kId +
              R"(, "qty": "12", "code": "abc", "paid": false, "amount": {"value": 12.5}, )"
              R"("client": "10.1.2.3/8"})"),
      &r);
  ASSERT_TRUE(row.has_value()) << r.ToString();
  EXPECT_EQ(FieldInt32((*row)[1]), 12);
  EXPECT_EQ((*row)[3], std::string(1, '\0'));
  EXPECT_EQ((*row)[4], Expected(shape.columns[4], JsonKind::kNumber, "12.5"));
  EXPECT_EQ((*row)[5], Expected(shape.columns[5], JsonKind::kString, "10.1.2.3/8"));
  struct Case {
    std::string fields;
    const char* rejection;
    const char* secret;
  };
  for (const Case& c : std::vector<Case>{
           {R"("id": "424cdd21-063a-43a7-b91b-7ca1a833afa")",
            "invalid_value: purchase_id (path id)", "7ca1a833afa"},
           {R"("id": null)", "missing_field: purchase_id (path id)", "null"},
           {std::string(kId) + R"(, "qty": 12.5)", "out_of_range: qty (path qty)", "12.5"},
           {std::string(kId) + R"(, "qty": 2147483648)", "out_of_range: qty (path qty)",
            "2147483648"},
           {std::string(kId) + R"(, "qty": "0x1f")", "invalid_value: qty (path qty)", "0x1f"},
           {std::string(kId) + R"(, "code": "abcd")", "too_long: code (path code)", "abcd"},
           {std::string(kId) + R"(, "paid": "true")", "wrong_type: paid (path paid)", "true"},
           {std::string(kId) + R"(, "amount": {"value": 1.005})",
            "out_of_range: amount (path amount.value)", "1.005"},
           {std::string(kId) + R"(, "client": "10.1.2.300")", "invalid_value: client (path client)",
            "10.1.2.300"},
       }) {
    row = TransformFields(t, Message("{" + c.fields + "}"), &r, {c.secret});
    EXPECT_FALSE(row.has_value()) << c.fields;
    EXPECT_EQ(r.ToString(), c.rejection) << c.fields;
  }
}

}  // namespace
}  // namespace sqs2pg::transform
