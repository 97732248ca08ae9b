// Rejection: the reason names (the reject table's and the metrics' vocabulary) and the bounded
// field. Ported from the former EventTransformer tests, with the reasons issue 14 added.
#include "transform/rejection.h"

#include <gtest/gtest.h>

#include <string>

namespace sqs2pg::transform {
namespace {

TEST(RejectionTest, NamesAndToString) {
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
  EXPECT_EQ(RejectReasonName(RejectReason::kOutOfRange), "out_of_range");
  EXPECT_EQ(RejectReasonName(RejectReason::kInvalidValue), "invalid_value");
  EXPECT_EQ(RejectReasonName(RejectReason::kBadEnvelope), "bad_envelope");
  EXPECT_EQ(RejectReasonName(RejectReason::kBadEncoding), "bad_encoding");
  EXPECT_EQ(RejectReasonName(RejectReason::kUnknownField), "unknown_field");
  EXPECT_EQ((Rejection{RejectReason::kMissingField, "masked_ip (path ip)"}).ToString(),
            "missing_field: masked_ip (path ip)");
  EXPECT_EQ((Rejection{RejectReason::kInvalidJson, ""}).ToString(), "invalid_json");
}

TEST(RejectionTest, SetCutsLongFieldNamesAtCharacterBoundary) {
  Rejection r;
  std::string name = "a";
  for (int i = 0; i < 100; ++i) name += "\xc3\xa9";  // 201 bytes
  r.Set(RejectReason::kDuplicateKey, name);
  EXPECT_LE(r.field.size(), kMaxRejectFieldBytes);
  EXPECT_EQ(r.field.size() % 2, 1u);  // "a" + whole two-byte characters
  EXPECT_EQ(name.compare(0, r.field.size(), r.field), 0);
  r.Set(RejectReason::kMissingField, "ip");
  EXPECT_EQ(r.ToString(), "missing_field: ip");
}

}  // namespace
}  // namespace sqs2pg::transform
