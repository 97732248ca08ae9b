#include "cli/synthetic_events.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>

namespace sqs2pg::cli {
namespace {

constexpr std::array<const char*, 12> kLocales = {"RU", "US", "DE", "FR", "GB", "IN",
                                                  "BR", "JP", "PH", "NG", "MX", "CA"};
constexpr std::array<const char*, 10> kVersions = {"2.3.0", "0.96", "3.7",  "0.60",  "2.2.1",
                                                   "5.0.1", "4.6",  "0.61", "3.2.2", "1.0.5"};

}  // namespace

SyntheticEvents::SyntheticEvents(uint64_t expected_count, double malformed_share, uint64_t seed)
    : malformed_share_(malformed_share), rng_(seed) {
  // Pools smaller than the message count make values recur, as they do in real login streams.
  const uint64_t ip_pool = std::max<uint64_t>(8, expected_count * 3 / 5);
  const uint64_t device_pool = std::max<uint64_t>(8, expected_count * 7 / 10);
  std::uniform_int_distribution<int> octet(1, 254);
  for (uint64_t i = 0; i < ip_pool; ++i) {
    ips_.push_back(fmt::format("{}.{}.{}.{}", octet(rng_), octet(rng_), octet(rng_), octet(rng_)));
  }
  std::uniform_int_distribution<int> d3(0, 999), d2(0, 99), d4(0, 9999);
  for (uint64_t i = 0; i < device_pool; ++i) {
    device_ids_.push_back(fmt::format("{:03}-{:02}-{:04}", d3(rng_), d2(rng_), d4(rng_)));
  }
}

const std::string& SyntheticEvents::Pick(const std::vector<std::string>& pool) {
  // Squaring a uniform draw skews towards the front of the pool: a few values recur often.
  std::uniform_real_distribution<double> u(0.0, 1.0);
  const double x = u(rng_);
  return pool[std::min(pool.size() - 1, static_cast<size_t>(x * x * pool.size()))];
}

std::string SyntheticEvents::Uuid() {
  std::uniform_int_distribution<uint64_t> bits;
  const uint64_t hi = bits(rng_), lo = bits(rng_);
  return fmt::format("{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}", hi >> 32, (hi >> 16) & 0xffff,
                     hi & 0xfff, 0x8000 | (lo >> 48 & 0x3fff), lo & 0xffffffffffffULL);
}

std::string SyntheticEvents::GoodEvent() {
  std::uniform_int_distribution<int> percent(0, 99);
  const std::string locale = percent(rng_) < 12
                                 ? "null"
                                 : fmt::format("\"{}\"", kLocales[percent(rng_) % kLocales.size()]);
  return fmt::format(
      "{{\"user_id\": \"{}\", \"app_version\": \"{}\", \"device_type\": \"{}\", \"ip\": \"{}\", "
      "\"locale\": {}, \"device_id\": \"{}\"}}",
      Uuid(), kVersions[percent(rng_) % kVersions.size()], percent(rng_) < 55 ? "android" : "ios",
      Pick(ips_), locale, Pick(device_ids_));
}

std::string SyntheticEvents::MalformedEvent() {
  std::uniform_int_distribution<int> kind(0, 5);
  switch (kind(rng_)) {
    case 0:
      return R"({"foo": "oops_wrong_msg_type", "bar": "123"})";
    case 1: {
      std::string good = GoodEvent();
      return good.substr(0, good.size() / 2);  // truncated JSON
    }
    case 2:
      return fmt::format(R"({{"user_id": "{}", "app_version": "2.3.0", "device_type": "ios"}})",
                         Uuid());
    case 3:
      return fmt::format(
          R"({{"user_id": "{}", "app_version": "2.3.0", "device_type": "ios", "ip": 17, )"
          R"("locale": "US", "device_id": "{}"}})",
          Uuid(), Pick(device_ids_));
    case 4:
      return fmt::format(
          R"({{"user_id": "{}", "app_version": "v2-beta", "device_type": "ios", "ip": "{}", )"
          R"("locale": "US", "device_id": "{}"}})",
          Uuid(), Pick(ips_), Pick(device_ids_));
    default:
      return fmt::format(
          R"({{"user_id": "{}", "app_version": "2.3.0", "device_type": "{}", "ip": "{}", )"
          R"("locale": "US", "device_id": "{}"}})",
          Uuid(), std::string(40, 'x'), Pick(ips_), Pick(device_ids_));
  }
}

std::string SyntheticEvents::Next() {
  std::uniform_real_distribution<double> u(0.0, 1.0);
  return u(rng_) < malformed_share_ ? MalformedEvent() : GoodEvent();
}

}  // namespace sqs2pg::cli
