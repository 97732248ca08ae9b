// Per-message CPU cost of the transform stage, one core. Target: <= 1,200 ns/message for
// Transform (RowTransformer with the built-in login mapping: parse + validate + 2 HMAC masks +
// version encoding + the binary COPY fields; issue 14 keeps the generic path within 1.2 us, the
// login-only code took 1.04) on a realistic event, and for BM_TransformAndEncodeRow, which also
// writes the row's COPY-binary tuple (what the writer does per message before the database sees
// it). BM_TransformWide* measure a wider event (about 20 fields) through a 12-column mapping file
// with a jsonb payload, a timestamptz, a uuid and two masks. `make bench` (bench/run.sh) reports
// the CPU time of BM_TransformVaried and BM_TransformAndEncodeRow against the target.
//   cmake --build build --target transform_bench && build/transform_bench
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "pg/copy_binary.h"
#include "transform/app_version.h"
#include "transform/flatten.h"
#include "transform/login_mapping_test_support.h"
#include "transform/mapping/compiled_mapping.h"
#include "transform/mapping/mapping_spec.h"
#include "transform/masker.h"
#include "transform/row_transformer.h"

namespace sqs2pg::transform {
namespace {

constexpr char kEvent[] =
    R"({"user_id": "424cdd21-063a-43a7-b91b-7ca1a833afae", "app_version": "2.3.0", )"
    R"("device_type": "android", "ip": "199.172.111.135", "locale": "RU", )"
    R"("device_id": "593-47-5928"})";

std::string Key() { return std::string(32, '\x5a'); }

// The login mapping on the assignment's user_logins table, as sqs2pg runs it without --mapping.
RowTransformer Login() {
  return LoginTransformer(UserLoginsShape(), MaskScheme::kHmacSha256, Key());
}

MessageView Message(std::string_view body, int64_t sent_ms = 1700000000000) {
  MessageView m;
  m.body = body;
  m.message_id = "0b3c1a52-5f0e-4c1e-9a55-7c1b2f9f0a01";
  m.sent_timestamp_ms = sent_ms;
  m.receive_count = 1;
  return m;
}

// Distinct bodies, so branch predictors and the HMAC input do not see one value forever.
std::vector<std::string> Events(int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) {
    out.push_back(R"({"user_id": "424cdd21-063a-43a7-b91b-)" + std::to_string(100000000000 + i) +
                  R"(", "app_version": ")" + std::to_string(i % 7) + "." + std::to_string(i % 13) +
                  R"(", "device_type": "android", "ip": "10.)" + std::to_string(i % 256) + "." +
                  std::to_string(i / 256 % 256) + R"(.7", "locale": "RU", "device_id": ")" +
                  std::to_string(100 + i % 900) + "-47-" + std::to_string(1000 + i) + R"("})");
  }
  return out;
}

void BM_Transform(benchmark::State& state) {
  RowTransformer transformer = Login();
  std::string fields;
  Rejection rejection;
  const MessageView message = Message(kEvent);
  for (auto _ : state) {
    bool ok = transformer.Transform(message, &fields, &rejection);
    benchmark::DoNotOptimize(ok);
    benchmark::DoNotOptimize(fields.data());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(sizeof(kEvent) - 1));
}
BENCHMARK(BM_Transform);

void BM_TransformVaried(benchmark::State& state) {
  RowTransformer transformer = Login();
  std::vector<std::string> events = Events(1024);
  std::string fields;
  Rejection rejection;
  size_t i = 0;
  for (auto _ : state) {
    bool ok = transformer.Transform(Message(events[i++ & 1023]), &fields, &rejection);
    if (!ok) state.SkipWithError("rejected");
    benchmark::DoNotOptimize(fields.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_TransformVaried);

// Transform plus the row's COPY-binary tuple, into a buffer restarted every 2,000 rows (a batch).
void BM_TransformAndEncodeRow(benchmark::State& state) {
  RowTransformer transformer = Login();
  const int16_t columns = static_cast<int16_t>(transformer.mapping().columns.size());
  std::vector<std::string> events = Events(1024);
  std::string fields;
  Rejection rejection;
  pg::CopyBinaryEncoder encoder;
  encoder.Begin();
  size_t i = 0;
  for (auto _ : state) {
    if (!transformer.Transform(Message(events[i & 1023]), &fields, &rejection)) {
      state.SkipWithError("rejected");
    }
    encoder.AppendTuple(columns, fields);
    if (++i % 2000 == 0) {
      encoder.Finish();
      benchmark::DoNotOptimize(encoder.data().data());
      encoder.Begin();
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_TransformAndEncodeRow);

void BM_TransformRejectMissingField(benchmark::State& state) {
  RowTransformer transformer = Login();
  std::string fields;
  Rejection rejection;
  const MessageView message = Message(R"({"foo": "oops_wrong_msg_type", "bar": "123"})", 0);
  for (auto _ : state) {
    bool ok = transformer.Transform(message, &fields, &rejection);
    benchmark::DoNotOptimize(ok);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_TransformRejectMissingField);

// ---- A wide event through a mapping file ------------------------------------------------------

// 12 columns: a uuid, text, a timestamptz from ISO 8601 with an offset, a bigint, two masks (one
// sharing the login's device_id domain), a bigint and a char(3) from a nested object, a jsonb
// array, a semver integer, a boolean and the SentTimestamp's date. Paths, no flatten.
constexpr char kWideMapping[] = R"(unknown_fields = "ignore"

[[column]]
name = "event_id"
path = "event_id"
required = true

[[column]]
name = "event_type"
path = "event_type"
required = true

[[column]]
name = "occurred_at"
path = "occurred_at"
transform = "timestamp"

[[column]]
name = "customer_id"
path = "customer.id"

[[column]]
name = "masked_email"
path = "customer.email"
transform = "mask"
mask_domain = "email"

[[column]]
name = "masked_device_id"
path = "device.id"
transform = "mask"
mask_domain = "device_id"

[[column]]
name = "amount_cents"
path = "amount.cents"

[[column]]
name = "currency"
path = "amount.currency"

[[column]]
name = "items"
path = "items"
transform = "json"

[[column]]
name = "app_version"
path = "app_version"
transform = "semver_int"

[[column]]
name = "first_purchase"
path = "is_first_purchase"

[[column]]
name = "sent_date"
attribute = "SentTimestamp"
transform = "utc_date"
)";

mapping::TableShape WideTable() {
  mapping::TableShape t;
  t.display_name = "public.purchases";
  t.columns = {
      CatalogColumn("id", "int8", -1, "bigint", /*not_null=*/true, /*has_default=*/true),
      CatalogColumn("event_id", "uuid", -1, "uuid", /*not_null=*/true),
      TextColumn("event_type", 32),
      CatalogColumn("occurred_at", "timestamptz", -1, "timestamp with time zone"),
      CatalogColumn("customer_id", "int8", -1, "bigint"),
      TextColumn("masked_email", 256),
      TextColumn("masked_device_id", 256),
      CatalogColumn("amount_cents", "int8", -1, "bigint"),
      CatalogColumn("currency", "bpchar", VarcharTypmod(3), "character(3)"),
      CatalogColumn("items", "jsonb", -1, "jsonb"),
      CatalogColumn("app_version", "int4", -1, "integer"),
      CatalogColumn("first_purchase", "bool", -1, "boolean"),
      CatalogColumn("sent_date", "date", -1, "date"),
  };
  return t;
}

RowTransformer Wide() {
  Result<mapping::MappingSpec> spec = mapping::ParseMapping(kWideMapping, "wide.toml");
  Result<mapping::CompiledMapping> compiled =
      spec.ok() ? mapping::CompileMapping(*spec, WideTable(), kMaskedHexChars)
                : Result<mapping::CompiledMapping>(spec.status());
  if (!compiled.ok()) {
    std::fprintf(stderr, "the wide mapping does not compile: %s\n",
                 compiled.status().ToString().c_str());
    std::abort();
  }
  return MappedTransformer(
      std::make_shared<const mapping::CompiledMapping>(std::move(compiled).value()),
      MaskScheme::kHmacSha256, Key());
}

// About 20 fields (19 leaves in 3 objects and an array of 2 objects), 6 of them not mapped.
std::vector<std::string> WideEvents(int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) {
    char id[40];
    std::snprintf(id, sizeof(id), "7c9e6679-7425-40de-944b-%012d", 100000 + i);
    out.push_back(
        std::string(R"({"event_id": ")") + id +
        R"(", "event_type": "purchase", "occurred_at": "2024-05-17T10:21:)" +
        std::to_string(10 + i % 50) + R"(.123+02:00", "customer": {"id": )" +
        std::to_string(123456789012 + i) + R"(, "email": "jane.doe)" + std::to_string(i) +
        R"(@example.com", "tier": "gold"}, "device": {"id": ")" + std::to_string(100 + i % 900) +
        "-47-" + std::to_string(1000 + i) +
        R"(", "os": "android", "model": "Pixel 8"}, "ip": "10.)" + std::to_string(i % 256) +
        R"(.0.7", "amount": {"cents": )" + std::to_string(1000 + i * 7) +
        R"(, "currency": "EUR"}, "items": [{"sku": "SKU-1", "qty": 2, "price": 49900}, )"
        R"({"sku": "SKU-2", "qty": 1, "price": 30100}], "coupon": null, )"
        R"("app_version": "5.)" +
        std::to_string(i % 13) + R"(.3", "locale": "de-DE", "session_ms": )" +
        std::to_string(183422 + i) + R"(, "is_first_purchase": false, "referrer": "push"})");
  }
  return out;
}

void BM_TransformWide(benchmark::State& state) {
  RowTransformer transformer = Wide();
  std::vector<std::string> events = WideEvents(1024);
  std::string fields;
  Rejection rejection;
  size_t i = 0;
  int64_t bytes = 0;
  for (auto _ : state) {
    const std::string& body = events[i++ & 1023];
    bool ok = transformer.Transform(Message(body), &fields, &rejection);
    if (!ok) state.SkipWithError(("rejected: " + rejection.ToString()).c_str());
    benchmark::DoNotOptimize(fields.data());
    bytes += static_cast<int64_t>(body.size());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(bytes);
}
BENCHMARK(BM_TransformWide);

void BM_TransformWideAndEncodeRow(benchmark::State& state) {
  RowTransformer transformer = Wide();
  const int16_t columns = static_cast<int16_t>(transformer.mapping().columns.size());
  std::vector<std::string> events = WideEvents(1024);
  std::string fields;
  Rejection rejection;
  pg::CopyBinaryEncoder encoder;
  encoder.Begin();
  size_t i = 0;
  for (auto _ : state) {
    if (!transformer.Transform(Message(events[i & 1023]), &fields, &rejection)) {
      state.SkipWithError("rejected");
    }
    encoder.AppendTuple(columns, fields);
    if (++i % 2000 == 0) {
      encoder.Finish();
      benchmark::DoNotOptimize(encoder.data().data());
      encoder.Begin();
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_TransformWideAndEncodeRow);

void BM_Flatten(benchmark::State& state) {
  Flattener flattener;
  Rejection rejection;
  for (auto _ : state) {
    bool ok = flattener.Flatten(kEvent, &rejection);
    benchmark::DoNotOptimize(ok);
    benchmark::DoNotOptimize(flattener.fields().data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Flatten);

void BM_MaskInto(benchmark::State& state) {
  Masker masker(Key());
  char out[64];
  for (auto _ : state) {
    masker.MaskInto(MaskField::kIp, "199.172.111.135", out);
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MaskInto);

void BM_EncodeAppVersion(benchmark::State& state) {
  for (auto _ : state) {
    auto v = EncodeAppVersion("2.3.0");
    benchmark::DoNotOptimize(v);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EncodeAppVersion);

}  // namespace
}  // namespace sqs2pg::transform

BENCHMARK_MAIN();
