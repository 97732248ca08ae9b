// Per-message CPU cost of the transform stage, one core. Target: <= 1,500 ns/message for
// Transform (parse + validate + 2 HMAC masks + version encoding) on a realistic event, and for
// BM_TransformAndEncodeRow, which also writes the row's COPY-binary tuple (what the writer does
// per message before the database sees it). `make bench` (bench/run.sh) reports the CPU time of
// BM_TransformVaried and BM_TransformAndEncodeRow against the target.
//   cmake --build build --target transform_bench && build/transform_bench
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "pg/copy_binary.h"
#include "transform/app_version.h"
#include "transform/event_transformer.h"
#include "transform/flatten.h"
#include "transform/masker.h"

namespace sqs2pg::transform {
namespace {

constexpr char kEvent[] =
    R"({"user_id": "424cdd21-063a-43a7-b91b-7ca1a833afae", "app_version": "2.3.0", )"
    R"("device_type": "android", "ip": "199.172.111.135", "locale": "RU", )"
    R"("device_id": "593-47-5928"})";

std::string Key() { return std::string(32, '\x5a'); }

TargetColumns Columns() {
  TargetColumns c;
  c.user_id_max_chars = 128;
  c.device_type_max_chars = 32;
  c.locale_max_chars = 32;
  c.masked_ip_max_chars = 256;
  c.masked_device_id_max_chars = 256;
  return c;
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
  EventTransformer transformer(Columns(), Masker(Key()));
  LoginRow row;
  Rejection rejection;
  for (auto _ : state) {
    bool ok = transformer.Transform(kEvent, 1700000000000, &row, &rejection);
    benchmark::DoNotOptimize(ok);
    benchmark::DoNotOptimize(row.masked_ip.data());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(sizeof(kEvent) - 1));
}
BENCHMARK(BM_Transform);

void BM_TransformVaried(benchmark::State& state) {
  EventTransformer transformer(Columns(), Masker(Key()));
  std::vector<std::string> events = Events(1024);
  LoginRow row;
  Rejection rejection;
  size_t i = 0;
  for (auto _ : state) {
    bool ok = transformer.Transform(events[i++ & 1023], 1700000000000, &row, &rejection);
    if (!ok) state.SkipWithError("rejected");
    benchmark::DoNotOptimize(row.masked_device_id.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_TransformVaried);

// Transform plus the row's COPY-binary tuple, into a buffer restarted every 2,000 rows (a batch).
void BM_TransformAndEncodeRow(benchmark::State& state) {
  EventTransformer transformer(Columns(), Masker(Key()));
  std::vector<std::string> events = Events(1024);
  LoginRow row;
  Rejection rejection;
  pg::CopyBinaryEncoder encoder;
  encoder.Begin();
  size_t i = 0;
  for (auto _ : state) {
    if (!transformer.Transform(events[i & 1023], 1700000000000, &row, &rejection)) {
      state.SkipWithError("rejected");
    }
    encoder.AppendLoginRow(row, pg::AppVersionWire::kInt4);
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
  EventTransformer transformer(Columns(), Masker(Key()));
  LoginRow row;
  Rejection rejection;
  for (auto _ : state) {
    bool ok = transformer.Transform(R"({"foo": "oops_wrong_msg_type", "bar": "123"})", 0, &row,
                                    &rejection);
    benchmark::DoNotOptimize(ok);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_TransformRejectMissingField);

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
