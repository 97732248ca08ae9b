#include "transform/event_transformer.h"

#include <gtest/gtest.h>

#include <string>

#include "transform/app_version.h"

namespace sqs2pg::transform {
namespace {

constexpr char kIpValue[] = "199.172.111.135";
constexpr char kDeviceIdValue[] = "593-47-5928";
constexpr char kExample[] =
    R"({"user_id": "424cdd21-063a-43a7-b91b-7ca1a833afae", "app_version": "2.3.0", )"
    R"("device_type": "android", "ip": "199.172.111.135", "locale": "RU", )"
    R"("device_id": "593-47-5928"})";
// 2021-01-01T00:00:00Z is day 18628.
constexpr int64_t kSentMs = 1609459200000 + 12345;

std::string MasterKey() {
  std::string key;
  for (int i = 0; i < 32; ++i) key.push_back(static_cast<char>(i));
  return key;
}

// The realistic column sizes of the assignment's table.
TargetColumns VarcharColumns() {
  TargetColumns c;
  c.user_id_max_chars = 128;
  c.device_type_max_chars = 32;
  c.locale_max_chars = 32;
  c.masked_ip_max_chars = 256;
  c.masked_device_id_max_chars = 256;
  c.app_version_type = VersionColumnType::kInteger;
  return c;
}

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

class EventTransformerTest : public ::testing::Test {
 protected:
  EventTransformerTest() : transformer_(VarcharColumns(), Masker(MasterKey())) {}

  LoginRow Ok(std::string_view body) {
    LoginRow row;
    Rejection r;
    EXPECT_TRUE(transformer_.Transform(body, kSentMs, &row, &r)) << body << " -> " << r.ToString();
    return row;
  }
  Rejection Rejected(std::string_view body) { return RejectedBy(transformer_, body); }
  static Rejection RejectedBy(EventTransformer& t, std::string_view body) {
    LoginRow row;
    Rejection r;
    EXPECT_FALSE(t.Transform(body, kSentMs, &row, &r)) << body.substr(0, 200);
    std::string text = r.ToString();
    // Rejections name fields, never values.
    EXPECT_EQ(text.find(kIpValue), std::string::npos) << text;
    EXPECT_EQ(text.find(kDeviceIdValue), std::string::npos) << text;
    return r;
  }
  void ExpectRejected(std::string_view body, RejectReason reason, std::string_view field) {
    Rejection r = Rejected(body);
    EXPECT_EQ(r.reason, reason) << body << " -> " << r.ToString();
    EXPECT_EQ(r.field, field) << body;
  }

  EventTransformer transformer_;
  Masker masker_{MasterKey()};
};

TEST_F(EventTransformerTest, ExampleEvent) {
  LoginRow row = Ok(kExample);
  EXPECT_EQ(row.user_id, "424cdd21-063a-43a7-b91b-7ca1a833afae");
  EXPECT_EQ(row.device_type, "android");
  EXPECT_EQ(row.masked_ip, "c442c385aa33cb12ec137bf7fbfcf6e3789ff16a2dcb2b3237e2d584325208a1");
  EXPECT_EQ(row.masked_device_id,
            "d29a1d9dc0ad2eca9a63fdd90c49d34f98202ca4f62102270f412d3209a5fbce");
  ASSERT_TRUE(row.locale.has_value());
  EXPECT_EQ(*row.locale, "RU");
  EXPECT_EQ(row.app_version_int, 2003000);
  EXPECT_EQ(row.app_version_text, "2.3.0");
  EXPECT_EQ(row.create_date_days, 18628);
}

TEST_F(EventTransformerTest, LocaleNullOrAbsentIsSqlNull) {
  EXPECT_FALSE(Ok(Event(kU, kD, kI, kDev, kV, "null")).locale.has_value());
  EXPECT_FALSE(Ok(Event(kU, kD, kI, kDev, kV, nullptr)).locale.has_value());
  EXPECT_EQ(Ok(Event(kU, kD, kI, kDev, kV, R"("")")).locale, std::optional<std::string>(""));
}

TEST_F(EventTransformerTest, RowIsFullyOverwrittenOnReuse) {
  LoginRow row;
  Rejection r;
  ASSERT_TRUE(transformer_.Transform(kExample, kSentMs, &row, &r));
  ASSERT_TRUE(transformer_.Transform(Event(kU, kD, kI, kDev, kV, nullptr), 86400000, &row, &r));
  EXPECT_EQ(row.user_id, "u-1");
  EXPECT_EQ(row.device_type, "ios");
  EXPECT_FALSE(row.locale.has_value());
  EXPECT_EQ(row.app_version_int, 3007000);
  EXPECT_EQ(row.app_version_text, "3.7");
  EXPECT_EQ(row.create_date_days, 1);
  ASSERT_TRUE(transformer_.Transform(kExample, kSentMs, &row, &r));
  EXPECT_EQ(row.locale, std::optional<std::string>("RU"));
}

TEST_F(EventTransformerTest, NestedObjectsMapToFlatNames) {
  LoginRow row = Ok(R"({"user": {"id": "nested-user"}, "device": {"type": "web", "id": "D-1"},)"
                    R"( "ip": "10.0.0.1", "app": {"version": "1.2.3"}, "extra": [1, 2]})");
  EXPECT_EQ(row.user_id, "nested-user");
  EXPECT_EQ(row.device_type, "web");
  EXPECT_EQ(row.masked_device_id, masker_.Mask(MaskField::kDeviceId, "D-1"));
  EXPECT_EQ(row.masked_ip, masker_.Mask(MaskField::kIp, "10.0.0.1"));
  EXPECT_EQ(row.app_version_int, 1002003);
}

TEST_F(EventTransformerTest, UnknownFieldsAreIgnored) {
  LoginRow row = Ok(R"({"extra": {"deep": [1, {"x": null}]}, "n": 1e5, "b": false, )" +
                    Event(kU, kD, kI, kDev, kV, kL).substr(1));
  EXPECT_EQ(row.user_id, "u-1");
}

TEST_F(EventTransformerTest, MissingEachRequiredField) {
  ExpectRejected(Event(nullptr, kD, kI, kDev, kV, kL), RejectReason::kMissingField, "user_id");
  ExpectRejected(Event(kU, nullptr, kI, kDev, kV, kL), RejectReason::kMissingField, "device_type");
  ExpectRejected(Event(kU, kD, nullptr, kDev, kV, kL), RejectReason::kMissingField, "ip");
  ExpectRejected(Event(kU, kD, kI, nullptr, kV, kL), RejectReason::kMissingField, "device_id");
  ExpectRejected(Event(kU, kD, kI, kDev, nullptr, kL), RejectReason::kMissingField, "app_version");
  // Several missing: always the first in check order.
  ExpectRejected(Event(kU, nullptr, nullptr, nullptr, kV, kL), RejectReason::kMissingField,
                 "device_type");
}

TEST_F(EventTransformerTest, WrongMessageShape) {
  Rejection r = Rejected(R"({"foo": "oops_wrong_msg_type", "bar": "123"})");
  EXPECT_EQ(r.ToString(), "missing_field: user_id");
}

TEST_F(EventTransformerTest, WrongTypes) {
  ExpectRejected(Event(kU, kD, "199", kDev, kV, kL), RejectReason::kWrongType, "ip");
  ExpectRejected(Event(kU, kD, kI, R"({"x": "593-47-5928"})", kV, kL), RejectReason::kWrongType,
                 "device_id");
  ExpectRejected(Event(kU, kD, kI, kDev, "2.3", kL), RejectReason::kWrongType, "app_version");
  ExpectRejected(Event("null", kD, kI, kDev, kV, kL), RejectReason::kWrongType, "user_id");
  ExpectRejected(Event(kU, "[\"ios\"]", kI, kDev, kV, kL), RejectReason::kWrongType, "device_type");
  ExpectRejected(Event(kU, kD, kI, kDev, kV, "true"), RejectReason::kWrongType, "locale");
  ExpectRejected(Event(kU, kD, kI, kDev, kV, R"({"lang": "en"})"), RejectReason::kWrongType,
                 "locale");
}

TEST_F(EventTransformerTest, UserIdLengthCountsCodePoints) {
  std::string ok_multibyte;
  for (int i = 0; i < 128; ++i) ok_multibyte += "\xc3\xa9";  // 128 chars, 256 bytes
  LoginRow row = Ok(Event(("\"" + ok_multibyte + "\"").c_str(), kD, kI, kDev, kV, kL));
  EXPECT_EQ(row.user_id, ok_multibyte);
  std::string ok_emoji;
  for (int i = 0; i < 128; ++i) ok_emoji += "\\ud83d\\ude00";  // 128 chars, 512 bytes
  Ok(Event(("\"" + ok_emoji + "\"").c_str(), kD, kI, kDev, kV, kL));
  ExpectRejected(Event(("\"" + std::string(129, 'a') + "\"").c_str(), kD, kI, kDev, kV, kL),
                 RejectReason::kTooLong, "user_id");
  ExpectRejected(Event(("\"" + ok_multibyte + "e\"").c_str(), kD, kI, kDev, kV, kL),
                 RejectReason::kTooLong, "user_id");
  Ok(Event(("\"" + std::string(128, 'a') + "\"").c_str(), kD, kI, kDev, kV, kL));
}

TEST_F(EventTransformerTest, OtherLengthLimits) {
  ExpectRejected(Event(kU, ("\"" + std::string(33, 'd') + "\"").c_str(), kI, kDev, kV, kL),
                 RejectReason::kTooLong, "device_type");
  ExpectRejected(Event(kU, kD, kI, kDev, kV, ("\"" + std::string(33, 'l') + "\"").c_str()),
                 RejectReason::kTooLong, "locale");
  // ip and device_id are stored masked: their raw length does not matter.
  Ok(Event(kU, kD, ("\"" + std::string(1000, '1') + "\"").c_str(), kDev, kV, kL));
}

TEST_F(EventTransformerTest, MaskedColumnsTooNarrowRejectEveryRow) {
  TargetColumns columns = VarcharColumns();
  columns.masked_ip_max_chars = 32;
  EventTransformer narrow(columns, Masker(MasterKey()));
  Rejection r = RejectedBy(narrow, kExample);
  EXPECT_EQ(r.reason, RejectReason::kTooLong);
  EXPECT_EQ(r.field, "ip");
  columns.masked_ip_max_chars = 64;
  columns.masked_device_id_max_chars = 63;
  EventTransformer narrow_device(columns, Masker(MasterKey()));
  EXPECT_EQ(RejectedBy(narrow_device, kExample).field, "device_id");
}

TEST_F(EventTransformerTest, UnboundedColumns) {
  EventTransformer unbounded(TargetColumns{}, Masker(MasterKey()));
  LoginRow row;
  Rejection r;
  std::string body = Event(("\"" + std::string(100000, 'u') + "\"").c_str(), kD, kI, kDev, kV, kL);
  ASSERT_TRUE(unbounded.Transform(body, kSentMs, &row, &r)) << r.ToString();
  EXPECT_EQ(row.user_id.size(), 100000u);
}

TEST_F(EventTransformerTest, NulCharactersInStoredStrings) {
  ExpectRejected(Event(R"("a\u0000b")", kD, kI, kDev, kV, kL), RejectReason::kNulCharacter,
                 "user_id");
  ExpectRejected(Event(kU, R"("\u0000")", kI, kDev, kV, kL), RejectReason::kNulCharacter,
                 "device_type");
  ExpectRejected(Event(kU, kD, kI, kDev, kV, R"("e\u0000n")"), RejectReason::kNulCharacter,
                 "locale");
  // Masked fields never reach the table raw, so a NUL there is harmless.
  Ok(Event(kU, kD, R"("1.2.3.4\u0000")", kDev, kV, kL));
}

TEST_F(EventTransformerTest, InvalidVersionsForIntegerColumn) {
  for (const char* v : {R"("")", R"("1.2.3.4")", R"("a.b")", R"("1000")", R"("v2")", R"(" 1")"}) {
    ExpectRejected(Event(kU, kD, kI, kDev, v, kL), RejectReason::kInvalidVersion, "app_version");
  }
  EXPECT_EQ(Ok(Event(kU, kD, kI, kDev, R"("0.96")", kL)).app_version_int, 96000);
  EXPECT_EQ(Ok(Event(kU, kD, kI, kDev, R"("7")", kL)).app_version_int, 7000000);
}

TEST_F(EventTransformerTest, TextVersionColumn) {
  TargetColumns columns = VarcharColumns();
  columns.app_version_type = VersionColumnType::kText;
  columns.app_version_max_chars = 10;
  EventTransformer text(columns, Masker(MasterKey()));
  LoginRow row;
  Rejection r;
  ASSERT_TRUE(text.Transform(Event(kU, kD, kI, kDev, R"("2.3.0-beta")", kL), kSentMs, &row, &r))
      << r.ToString();
  EXPECT_EQ(row.app_version_text, "2.3.0-beta");
  ASSERT_TRUE(text.Transform(Event(kU, kD, kI, kDev, R"("2.3.0")", kL), kSentMs, &row, &r));
  EXPECT_EQ(row.app_version_text, "2.3.0");
  EXPECT_EQ(row.app_version_int, 2003000);
  Rejection too_long = RejectedBy(text, Event(kU, kD, kI, kDev, R"("2.3.0-beta1")", kL));
  EXPECT_EQ(too_long.reason, RejectReason::kTooLong);
  EXPECT_EQ(too_long.field, "app_version");
  EXPECT_EQ(RejectedBy(text, Event(kU, kD, kI, kDev, R"("2\u0000")", kL)).reason,
            RejectReason::kNulCharacter);
  EXPECT_EQ(RejectedBy(text, Event(kU, kD, kI, kDev, "230", kL)).reason, RejectReason::kWrongType);
}

TEST_F(EventTransformerTest, FlattenerRejectionsPassThrough) {
  ExpectRejected("", RejectReason::kEmptyBody, "");
  ExpectRejected("[]", RejectReason::kNotAnObject, "");
  ExpectRejected("{\"ip\": \"\xff\"}", RejectReason::kInvalidUtf8, "");
  ExpectRejected(std::string(kExample).substr(0, 60), RejectReason::kInvalidJson, "");
  ExpectRejected(std::string(kExample) + "}", RejectReason::kInvalidJson, "");
  ExpectRejected(Event(kU, kD, kI, kDev, kV, kL).insert(1, R"("ip": "199.172.111.135", )"),
                 RejectReason::kDuplicateKey, "ip");
  ExpectRejected(R"({"user": {"id": "a"}, "user_id": "b"})", RejectReason::kDuplicateKey,
                 "user_id");
}

TEST_F(EventTransformerTest, RejectionStringsNeverContainValues) {
  // Values of every field, in every failing position: none may surface in the rejection.
  const std::string ip_value = R"("199.172.111.135")";
  const std::string dev_value = R"("593-47-5928")";
  for (const std::string& body : {
           Event(kU, kD, ip_value.c_str(), "5", kV, kL),
           Event(kU, kD, "7", dev_value.c_str(), kV, kL),
           Event(kU, kD, ip_value.c_str(), dev_value.c_str(), R"("x")", kL),
           Event(kU, kD, ip_value.c_str(), dev_value.c_str(), kV, kL) + "garbage",
           Event(kU, kD, ip_value.c_str(), dev_value.c_str(), kV, kL).insert(1, "\"ip\":1,"),
       }) {
    Rejected(body);  // the helper asserts the absence of both values
  }
}

TEST_F(EventTransformerTest, CreateDateIsFlooredUtcDay) {
  LoginRow row;
  Rejection r;
  std::string body = Event(kU, kD, kI, kDev, kV, kL);
  ASSERT_TRUE(transformer_.Transform(body, 0, &row, &r));
  EXPECT_EQ(row.create_date_days, 0);
  ASSERT_TRUE(transformer_.Transform(body, 86399999, &row, &r));
  EXPECT_EQ(row.create_date_days, 0);
  ASSERT_TRUE(transformer_.Transform(body, 86400000, &row, &r));
  EXPECT_EQ(row.create_date_days, 1);
  ASSERT_TRUE(transformer_.Transform(body, -1, &row, &r));
  EXPECT_EQ(row.create_date_days, -1);
  ASSERT_TRUE(transformer_.Transform(body, -86400000, &row, &r));
  EXPECT_EQ(row.create_date_days, -1);
  ASSERT_TRUE(transformer_.Transform(body, -86400001, &row, &r));
  EXPECT_EQ(row.create_date_days, -2);
  ASSERT_TRUE(transformer_.Transform(body, 1700000000000, &row, &r));  // 2023-11-14
  EXPECT_EQ(row.create_date_days, 19675);
}

TEST_F(EventTransformerTest, OneMebibyteBodies) {
  // A valid event carrying ~1 MiB of unknown payload is accepted...
  std::string padding(1 << 20, 'p');
  LoginRow row = Ok(R"({"payload": ")" + padding + "\", " + std::string(kExample).substr(1));
  EXPECT_EQ(row.user_id, "424cdd21-063a-43a7-b91b-7ca1a833afae");
  // ...and a ~1 MiB user_id is rejected as too long, without echoing it.
  Rejection r = Rejected(Event(("\"" + padding + "\"").c_str(), kD, kI, kDev, kV, kL));
  EXPECT_EQ(r.ToString(), "too_long: user_id");
  // The transformer still works on small bodies afterwards.
  Ok(kExample);
}

TEST_F(EventTransformerTest, CopiesWorkIndependently) {
  EventTransformer copy = transformer_;
  LoginRow a = Ok(kExample);
  LoginRow b;
  Rejection r;
  ASSERT_TRUE(copy.Transform(kExample, kSentMs, &b, &r));
  EXPECT_EQ(a.masked_ip, b.masked_ip);
  EXPECT_EQ(a.masked_device_id, b.masked_device_id);
  EventTransformer moved = std::move(copy);
  ASSERT_TRUE(moved.Transform(kExample, kSentMs, &b, &r));
  EXPECT_EQ(a.masked_ip, b.masked_ip);
}

TEST(EventRejectionTest, NamesAndToString) {
  EXPECT_EQ(RejectReasonName(RejectReason::kEmptyBody), "empty_body");
  EXPECT_EQ(RejectReasonName(RejectReason::kInvalidUtf8), "invalid_utf8");
  EXPECT_EQ(RejectReasonName(RejectReason::kInvalidJson), "invalid_json");
  EXPECT_EQ(RejectReasonName(RejectReason::kNotAnObject), "not_an_object");
  EXPECT_EQ(RejectReasonName(RejectReason::kDuplicateKey), "duplicate_key");
  EXPECT_EQ(RejectReasonName(RejectReason::kMissingField), "missing_field");
  EXPECT_EQ(RejectReasonName(RejectReason::kWrongType), "wrong_type");
  EXPECT_EQ(RejectReasonName(RejectReason::kTooLong), "too_long");
  EXPECT_EQ(RejectReasonName(RejectReason::kInvalidVersion), "invalid_version");
  EXPECT_EQ(RejectReasonName(RejectReason::kNulCharacter), "nul_character");
  EXPECT_EQ(RejectReasonName(RejectReason::kTooDeep), "too_deep");
  EXPECT_EQ((Rejection{RejectReason::kMissingField, "ip"}).ToString(), "missing_field: ip");
  EXPECT_EQ((Rejection{RejectReason::kInvalidJson, ""}).ToString(), "invalid_json");
}

TEST(EventRejectionTest, SetCutsLongFieldNamesAtCharacterBoundary) {
  Rejection r;
  std::string name = "a";
  for (int i = 0; i < 40; ++i) name += "\xc3\xa9";  // 81 bytes
  r.Set(RejectReason::kDuplicateKey, name);
  EXPECT_LE(r.field.size(), kMaxRejectFieldBytes);
  EXPECT_EQ(r.field.size() % 2, 1u);  // "a" + whole two-byte characters
  EXPECT_EQ(name.compare(0, r.field.size(), r.field), 0);
}

}  // namespace
}  // namespace sqs2pg::transform
