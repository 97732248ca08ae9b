#include "support/login_rows.h"

#include <gtest/gtest.h>

#include <string_view>

#include "transform/convert/pg_type.h"
#include "transform/convert/value_encoder.h"

namespace sqs2pg::testing {
namespace {

using transform::ConvertError;
using transform::PgColumnType;
using transform::PgType;

constexpr int64_t kMicrosPerDay = int64_t{86400} * 1000000;

// Fails the test when an encoder refused a value; names the column, never the value.
void Expect(ConvertError error, std::string_view column) {
  if (error != ConvertError::kNone) {
    ADD_FAILURE() << "LoginFields: " << column << ": " << transform::ConvertErrorName(error);
  }
}

}  // namespace

pg::RowLayout LoginLayout() {
  pg::RowLayout layout;
  layout.columns = {"user_id", "device_type", "masked_ip",  "masked_device_id",
                    "locale",  "app_version", "create_date"};
  return layout;
}

std::string LoginFields(const LoginValues& values, AppVersionColumn app_version) {
  const PgColumnType text{PgType::kText};
  std::string out;
  Expect(transform::AppendText(text, values.user_id, &out), "user_id");
  Expect(transform::AppendText(text, values.device_type, &out), "device_type");
  Expect(transform::AppendText(text, values.masked_ip, &out), "masked_ip");
  Expect(transform::AppendText(text, values.masked_device_id, &out), "masked_device_id");
  if (values.locale.has_value()) {
    Expect(transform::AppendText(text, *values.locale, &out), "locale");
  } else {
    transform::AppendNull(&out);
  }
  switch (app_version) {
    case AppVersionColumn::kInteger:
      Expect(transform::AppendInt(PgColumnType{PgType::kInt4}, values.app_version_int, &out),
             "app_version");
      break;
    case AppVersionColumn::kBigint:
      Expect(transform::AppendInt(PgColumnType{PgType::kInt8}, values.app_version_int, &out),
             "app_version");
      break;
    case AppVersionColumn::kText:
      Expect(transform::AppendText(text, values.app_version_text, &out), "app_version");
      break;
  }
  Expect(transform::AppendInstant(PgColumnType{PgType::kDate},
                                  int64_t{values.create_date_days} * kMicrosPerDay,
                                  /*date_only=*/true, &out),
         "create_date");
  return out;
}

}  // namespace sqs2pg::testing
