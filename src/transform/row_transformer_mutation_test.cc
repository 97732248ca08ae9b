// Seeded random mutations of valid login bodies (plain, nested, SNS- and EventBridge-wrapped,
// base64): RowTransformer with the built-in mapping must never crash, and must either produce a
// well-formed row or a named rejection that leaks no value. Bounded and deterministic (fixed
// seed), so it runs in the normal unit suite; run it under SQS2PG_SANITIZE for memory errors.
// Ported from the former EventTransformer mutation test.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "transform/login_mapping_test_support.h"
#include "transform/mapping/default_mapping.h"
#include "transform/mapping/mapping_spec.h"
#include "transform/row_transformer.h"

namespace sqs2pg::transform {
namespace {

constexpr int kDefaultCases = 20000;

// SQS2PG_MUTATION_CASES=1000000 runs a longer soak (e.g. in a sanitizer build).
int Cases() {
  const char* env = std::getenv("SQS2PG_MUTATION_CASES");
  int n = env != nullptr ? std::atoi(env) : 0;
  return n > 0 ? n : kDefaultCases;
}
constexpr uint32_t kSeed = 20240611;

constexpr char kIpValue[] = "199.172.111.135";
constexpr char kDeviceIdValue[] = "593-47-5928";

const std::vector<std::string>& Seeds() {
  static const std::vector<std::string> seeds = {
      R"({"user_id": "424cdd21-063a-43a7-b91b-7ca1a833afae", "app_version": "2.3.0", )"
      R"("device_type": "android", "ip": "199.172.111.135", "locale": "RU", )"
      R"("device_id": "593-47-5928"})",
      R"({"user":{"id":"u\u00e9\ud83d\ude00"},"device":{"type":"ios","id":"593-47-5928"},)"
      R"("ip":"199.172.111.135","app_version":"0.96","locale":null,)"
      R"("tags":[1,2.5e-3,true,{"a":[]}]})",
      R"({"foo": "oops_wrong_msg_type", "bar": "123"})",
      R"({"Type":"Notification","MessageId":"m-1","TopicArn":"arn:aws:sns:eu-west-1:1:t",)"
      R"("Message":"{\"user_id\":\"u-1\",\"app_version\":\"2.3\",\"device_type\":\"ios\",)"
      R"(\"ip\":\"199.172.111.135\",\"device_id\":\"593-47-5928\"}"})",
      R"({"detail-type":"login","source":"app","detail":{"user_id":"u-1","app_version":"1",)"
      R"("device_type":"web","ip":"199.172.111.135","device_id":"593-47-5928","locale":"en"}})",
      // base64 of {"user_id":"u","app_version":"1.0","device_type":"d","ip":"199.172.111.135",
      // "device_id":"593-47-5928"}
      "eyJ1c2VyX2lkIjoidSIsImFwcF92ZXJzaW9uIjoiMS4wIiwiZGV2aWNlX3R5cGUiOiJkIiwiaXAiOiIxOTkuMTcy"
      "LjExMS4xMzUiLCJkZXZpY2VfaWQiOiI1OTMtNDctNTkyOCJ9",
  };
  return seeds;
}

// Bytes that matter to JSON, UTF-8 and base64, plus anything at all.
char RandomByte(std::mt19937& rng) {
  static constexpr char kInteresting[] = "{}[]\":,\\ u0019.-+eE\xc3\xa9\xed\xf0\x80\xbf\xff=/A";
  std::uniform_int_distribution<int> pick(0, 3);
  if (pick(rng) == 0) return static_cast<char>(std::uniform_int_distribution<int>(0, 255)(rng));
  return kInteresting[std::uniform_int_distribution<size_t>(0, sizeof(kInteresting) - 2)(rng)];
}

std::string Mutate(std::string s, std::mt19937& rng) {
  int edits = std::uniform_int_distribution<int>(1, 4)(rng);
  for (int e = 0; e < edits; ++e) {
    std::uniform_int_distribution<size_t> pos(0, s.empty() ? 0 : s.size() - 1);
    switch (std::uniform_int_distribution<int>(0, 5)(rng)) {
      case 0:  // flip bits of one byte
        if (!s.empty()) s[pos(rng)] ^= static_cast<char>(1 << (rng() % 8));
        break;
      case 1:  // replace a byte
        if (!s.empty()) s[pos(rng)] = RandomByte(rng);
        break;
      case 2:  // insert a byte
        s.insert(s.begin() + static_cast<ptrdiff_t>(s.empty() ? 0 : pos(rng)), RandomByte(rng));
        break;
      case 3:  // delete a byte
        if (!s.empty()) s.erase(pos(rng), 1);
        break;
      case 4:  // truncate
        s.resize(s.empty() ? 0 : pos(rng));
        break;
      default:  // splice a copy of one stretch elsewhere: duplicate keys, nesting, wrong types
        if (!s.empty()) {
          size_t from = pos(rng);
          size_t length = std::uniform_int_distribution<size_t>(1, 40)(rng);
          std::string chunk = s.substr(from, length);
          s.insert(pos(rng), chunk);
        }
        break;
    }
  }
  return s;
}

bool IsJsonSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// body_encoding = "auto" reads a body as JSON when its first non-space character is '{' (or it
// is all spaces); anything else is base64.
bool ReadAsJson(const std::string& body) {
  for (char c : body) {
    if (!IsJsonSpace(c)) return c == '{';
  }
  return true;
}

// An SNS notification or EventBridge event as RowTransformer recognises one: its inner event is
// parsed again, so the outer body's JSON verdict does not decide the outcome.
bool LooksLikeEnvelope(simdjson::dom::element root) {
  simdjson::dom::object o;
  if (root.get(o) != simdjson::SUCCESS) return false;
  std::string_view type;
  if (o["Type"].get(type) == simdjson::SUCCESS && type == "Notification" &&
      o["TopicArn"].error() == simdjson::SUCCESS) {
    return true;
  }
  return o["detail-type"].error() == simdjson::SUCCESS &&
         o["source"].error() == simdjson::SUCCESS && o["detail"].error() == simdjson::SUCCESS;
}

bool IsLowerHex64(const std::optional<std::string>& s) {
  if (!s || s->size() != 64) return false;
  for (char c : *s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

struct Tally {
  int accepted = 0;
  std::map<std::string, int> by_reason;
};

// One body through one transformer: checks every invariant, ASSERT-style (returns on the first).
void CheckOne(RowTransformer& transformer, const std::string& body, int i,
              simdjson::dom::parser& reference, Tally* tally) {
  static const std::set<std::string> kNames = {
      "empty_body",      "invalid_utf8",  "invalid_json", "not_an_object",
      "duplicate_key",   "missing_field", "wrong_type",   "too_long",
      "invalid_version", "nul_character", "too_deep",     "out_of_range",
      "invalid_value",   "bad_envelope",  "bad_encoding", "unknown_field"};
  MessageView m;
  m.body = body;
  m.message_id = "m-1";
  m.sent_timestamp_ms = 1609459200000;
  std::string fields;
  Rejection rejection;
  const bool ok = transformer.Transform(m, &fields, &rejection);
  if (ReadAsJson(body)) {
    // The JSON verdict of a plain body agrees with simdjson's validating DOM parser, except that
    // too_deep stops reading early and an envelope's inner event is judged on its own.
    const bool json_level_reject = !ok && (rejection.reason == RejectReason::kEmptyBody ||
                                           rejection.reason == RejectReason::kInvalidUtf8 ||
                                           rejection.reason == RejectReason::kInvalidJson);
    simdjson::dom::element root;
    const bool reference_valid = !reference.parse(body).get(root);
    if (ok || rejection.reason != RejectReason::kTooDeep) {
      if (!reference_valid) {
        ASSERT_TRUE(json_level_reject) << "case " << i << ": " << rejection.ToString();
      } else if (!LooksLikeEnvelope(root)) {
        ASSERT_FALSE(json_level_reject) << "case " << i << ": " << rejection.ToString();
      }
    }
  }
  if (ok) {
    ++tally->accepted;
    std::optional<Fields> row = SplitFields(fields);
    ASSERT_TRUE(row.has_value()) << "case " << i;
    ASSERT_EQ(row->size(), kLoginColumnCount) << "case " << i;
    ASSERT_TRUE(IsLowerHex64((*row)[kMaskedIp])) << "case " << i;
    ASSERT_TRUE(IsLowerHex64((*row)[kMaskedDeviceId])) << "case " << i;
    ASSERT_TRUE((*row)[kUserId].has_value());
    ASSERT_LE((*row)[kUserId]->size(), 4u * 128);
    ASSERT_TRUE((*row)[kDeviceType].has_value());
    ASSERT_LE((*row)[kDeviceType]->size(), 4u * 32);
    ASSERT_TRUE(FieldInt32((*row)[kAppVersion]).has_value());
    ASSERT_EQ(FieldUnixDays((*row)[kCreateDate]), 18628);
    return;
  }
  const std::string name(RejectReasonName(rejection.reason));
  ASSERT_TRUE(kNames.count(name)) << name;
  ++tally->by_reason[name];
  const std::string text = rejection.ToString();
  ASSERT_EQ(text.find(kIpValue), std::string::npos) << text;
  ASSERT_EQ(text.find(kDeviceIdValue), std::string::npos) << text;
  ASSERT_LE(rejection.field.size(), kMaxRejectFieldBytes);
}

void Print(const char* title, const Tally& tally) {
  std::printf("  %s\n", title);
  for (const auto& [name, count] : tally.by_reason)
    std::printf("    %-16s %d\n", name.c_str(), count);
  std::printf("    %-16s %d\n", "accepted", tally.accepted);
}

TEST(RowTransformerMutationTest, RandomMutationsSucceedOrRejectByName) {
  const std::string key(32, '\x42');
  RowTransformer transformer = LoginTransformer(UserLoginsShape(), MaskScheme::kHmacSha256, key);
  // The same mapping rejecting unknown fields: unknown_field rejections must leak nothing either.
  Result<mapping::MappingSpec> strict_spec =
      mapping::ParseMapping(mapping::DefaultMappingToml(), "strict.toml");
  ASSERT_TRUE(strict_spec.ok());
  strict_spec->unknown_fields = mapping::UnknownFields::kReject;
  Result<mapping::CompiledMapping> strict_compiled =
      mapping::CompileMapping(*strict_spec, UserLoginsShape(), kMaskedHexChars);
  ASSERT_TRUE(strict_compiled.ok()) << strict_compiled.status().ToString();
  RowTransformer strict = MappedTransformer(
      std::make_shared<const mapping::CompiledMapping>(std::move(strict_compiled).value()),
      MaskScheme::kHmacSha256, key);

  std::mt19937 rng(kSeed);
  simdjson::dom::parser reference;  // fully validating: the oracle for "is this JSON at all"
  Tally plain_tally, strict_tally;
  const int cases = Cases();
  for (int i = 0; i < cases; ++i) {
    const std::string& seed = Seeds()[static_cast<size_t>(i) % Seeds().size()];
    const std::string body = Mutate(seed, rng);
    CheckOne(transformer, body, i, reference, &plain_tally);
    if (HasFatalFailure()) return;
    CheckOne(strict, body, i, reference, &strict_tally);
    if (HasFatalFailure()) return;
  }
  // Sanity: the mutations exercise both outcomes and several reasons, envelopes and encodings.
  EXPECT_GT(plain_tally.accepted, 100);
  EXPECT_GE(plain_tally.by_reason.size(), 8u);
  EXPECT_GT(plain_tally.by_reason["bad_encoding"], 0);
  EXPECT_GT(plain_tally.by_reason["bad_envelope"], 0);
  EXPECT_GT(strict_tally.by_reason["unknown_field"], 0);
  Print("built-in mapping", plain_tally);
  Print("unknown_fields = reject", strict_tally);
}

}  // namespace
}  // namespace sqs2pg::transform
