// Seeded random mutations of valid events: the transformer must never crash, and must either
// produce a row or a named rejection that leaks no value. Bounded and deterministic (fixed seed),
// so it runs in the normal unit suite; run it under SQS2PG_SANITIZE for memory errors.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "transform/event_transformer.h"

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

const std::vector<std::string>& Seeds() {
  static const std::vector<std::string> seeds = {
      R"({"user_id": "424cdd21-063a-43a7-b91b-7ca1a833afae", "app_version": "2.3.0", )"
      R"("device_type": "android", "ip": "199.172.111.135", "locale": "RU", )"
      R"("device_id": "593-47-5928"})",
      R"({"user":{"id":"u\u00e9\ud83d\ude00"},"device":{"type":"ios","id":"593-47-5928"},)"
      R"("ip":"199.172.111.135","app_version":"0.96","locale":null,)"
      R"("tags":[1,2.5e-3,true,{"a":[]}]})",
      R"({"foo": "oops_wrong_msg_type", "bar": "123"})",
  };
  return seeds;
}

// Bytes that matter to JSON and UTF-8, plus anything at all.
char RandomByte(std::mt19937& rng) {
  static constexpr char kInteresting[] = "{}[]\":,\\ u0019.-+eE\xc3\xa9\xed\xf0\x80\xbf\xff";
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

TEST(EventMutationTest, RandomMutationsSucceedOrRejectByName) {
  const std::set<std::string> names = {"empty_body",    "invalid_utf8",  "invalid_json",
                                       "not_an_object", "duplicate_key", "missing_field",
                                       "wrong_type",    "too_long",      "invalid_version",
                                       "nul_character", "too_deep"};
  TargetColumns columns;
  columns.user_id_max_chars = 128;
  columns.device_type_max_chars = 32;
  columns.locale_max_chars = 32;
  std::string key(32, '\x42');
  EventTransformer transformer(columns, Masker(key));
  std::mt19937 rng(kSeed);
  LoginRow row;
  Rejection rejection;
  simdjson::dom::parser reference;  // fully validating: the oracle for "is this JSON at all"
  int accepted = 0;
  std::map<std::string, int> by_reason;
  const int cases = Cases();
  for (int i = 0; i < cases; ++i) {
    const std::string& seed = Seeds()[static_cast<size_t>(i) % Seeds().size()];
    std::string body = Mutate(seed, rng);
    bool ok = transformer.Transform(body, 1609459200000, &row, &rejection);
    bool json_level_reject = !ok && (rejection.reason == RejectReason::kEmptyBody ||
                                     rejection.reason == RejectReason::kInvalidUtf8 ||
                                     rejection.reason == RejectReason::kInvalidJson);
    if (ok || rejection.reason != RejectReason::kTooDeep) {
      bool reference_valid = !reference.parse(body).error();
      ASSERT_EQ(reference_valid, !json_level_reject)
          << "verdict differs from simdjson DOM for case " << i << ": " << rejection.ToString();
    }
    if (ok) {
      ++accepted;
      ASSERT_EQ(row.masked_ip.size(), 64u);
      ASSERT_EQ(row.masked_device_id.size(), 64u);
      ASSERT_LE(row.user_id.size(), 4u * 128);
      continue;
    }
    std::string name(RejectReasonName(rejection.reason));
    ASSERT_TRUE(names.count(name)) << name;
    ++by_reason[name];
    std::string text = rejection.ToString();
    ASSERT_EQ(text.find("199.172.111.135"), std::string::npos) << text;
    ASSERT_EQ(text.find("593-47-5928"), std::string::npos) << text;
    ASSERT_LE(rejection.field.size(), kMaxRejectFieldBytes);
  }
  // Sanity: the mutations exercise both outcomes and several reasons.
  EXPECT_GT(accepted, 100);
  EXPECT_GE(by_reason.size(), 5u);
  for (const auto& [name, count] : by_reason) std::printf("  %-16s %d\n", name.c_str(), count);
  std::printf("  %-16s %d\n", "accepted", accepted);
}

}  // namespace
}  // namespace sqs2pg::transform
