#include "ops/run_stats.h"

#include <fmt/format.h>

#include <algorithm>

#include "ops/thread_cpu.h"

namespace sqs2pg::ops {

RunStats::RunStats() : start_(std::chrono::steady_clock::now()) {}

void RunStats::AddRejected(std::string_view reason) {
  std::lock_guard<std::mutex> lock(mu_);
  ++rejected_by_reason_[std::string(reason)];
  ++rejected_total_;
}

namespace {

constexpr const char* kCpuStageNames[RunStats::kCpuStages] = {"receive", "transform", "commit",
                                                              "delete"};

// The process's CPU seconds so far, then each stage's, then "other" (the rest, never negative).
struct CpuBreakdown {
  double total = 0;
  double stage[RunStats::kCpuStages] = {};
  double other = 0;
};

CpuBreakdown CpuOf(const RunStats& stats) {
  CpuBreakdown cpu;
  cpu.total = static_cast<double>(ProcessCpuNanos()) / 1e9;
  double staged = 0;
  for (int i = 0; i < RunStats::kCpuStages; ++i) {
    cpu.stage[i] = static_cast<double>(stats.cpu_ns[i].load()) / 1e9;
    staged += cpu.stage[i];
  }
  cpu.other = std::max(0.0, cpu.total - staged);
  return cpu;
}

bool IdentifierLike(std::string_view name) {
  if (name.empty() || name.size() > 64 || (name[0] >= '0' && name[0] <= '9')) return false;
  for (char c : name) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_')) {
      return false;
    }
  }
  return true;
}
}  // namespace

void RunStats::AddUnknownField(std::string_view name) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = unknown_fields_.find(name);
  if (it != unknown_fields_.end()) {
    ++it->second;
    return;
  }
  // "other" is kept apart from the named ones: it never takes a name's place.
  const size_t named = unknown_fields_.size() - unknown_fields_.count("other");
  if (!IdentifierLike(name) || name == "other" || named >= kMaxUnknownFieldNames) {
    ++unknown_fields_["other"];
    return;
  }
  unknown_fields_.emplace(std::string(name), 1);
}

std::map<std::string, uint64_t> RunStats::UnknownFields() const {
  std::lock_guard<std::mutex> lock(mu_);
  return {unknown_fields_.begin(), unknown_fields_.end()};
}

void RunStats::MarkReceived() {
  int64_t none = 0;
  first_receive_ns_.compare_exchange_strong(
      none, std::chrono::steady_clock::now().time_since_epoch().count());
}

void RunStats::MarkDeleted() {
  last_delete_ns_ = std::chrono::steady_clock::now().time_since_epoch().count();
}

uint64_t RunStats::rejected() const {
  std::lock_guard<std::mutex> lock(mu_);
  return rejected_total_;
}

std::map<std::string, uint64_t> RunStats::RejectedByReason() const {
  std::lock_guard<std::mutex> lock(mu_);
  return rejected_by_reason_;
}

std::chrono::duration<double> RunStats::Elapsed() const {
  return std::chrono::steady_clock::now() - start_;
}

std::string RunStats::Summary() const {
  const double seconds = Elapsed().count();
  const uint64_t processed = inserted + duplicates + rejected();
  std::string out = "summary:\n";
  out += fmt::format("  received            {}\n", received.load());
  out += fmt::format("  inserted            {}\n", inserted.load());
  out += fmt::format("  duplicates skipped  {}\n", duplicates.load());
  out += fmt::format("  rejected            {}\n", rejected());
  for (const auto& [reason, count] : RejectedByReason()) {
    out += fmt::format("    {:<18}{}\n", reason, count);
  }
  if (const auto unknown = UnknownFields(); !unknown.empty()) {
    std::string fields;
    for (const auto& [field, count] : unknown) {
      fields += fmt::format("{}{} {}", fields.empty() ? "" : ", ", field, count);
    }
    out += fmt::format("  unknown fields      {}\n", fields);
  }
  if (dead_lettered > 0) out += fmt::format("  sent to DLQ         {}\n", dead_lettered.load());
  if (left_in_queue > 0) out += fmt::format("  left in queue       {}\n", left_in_queue.load());
  out += fmt::format("  deleted from queue  {}\n", deleted.load());
  if (delete_failures > 0) out += fmt::format("  delete failures     {}\n", delete_failures.load());
  if (visibility_extended > 0) {
    out += fmt::format("  visibility extended {}\n", visibility_extended.load());
  }
  if (released > 0) out += fmt::format("  released unfinished {}\n", released.load());
  if (split_batches > 0) out += fmt::format("  batches split       {}\n", split_batches.load());
  if (ledger_prune_failures > 0) {
    out += fmt::format("  ledger maintenance  {} failed pass(es)\n", ledger_prune_failures.load());
  }
  if (md5_mismatches > 0) out += fmt::format("  MD5 mismatches      {}\n", md5_mismatches.load());
  out += fmt::format("  elapsed             {:.3f} s\n", seconds);
  out += fmt::format("  messages/s          {:.0f}\n", seconds > 0 ? processed / seconds : 0.0);
  if (const double busy = BusySeconds(); busy > 0) {
    out += fmt::format(
        "  busy                {:.3f} s, {:.0f} messages/s (first receive to last "
        "delete)\n",
        busy, processed / busy);
  }
  const CpuBreakdown cpu = CpuOf(*this);
  out += fmt::format("  cpu                 {:.3f} s:", cpu.total);
  for (int i = 0; i < kCpuStages; ++i) {
    out += fmt::format(" {} {:.3f},", kCpuStageNames[i], cpu.stage[i]);
  }
  out += fmt::format(" other {:.3f}\n", cpu.other);
  return out;
}

double RunStats::BusySeconds() const {
  const int64_t first = first_receive_ns_.load();
  const int64_t last = last_delete_ns_.load();
  return first > 0 && last > first ? static_cast<double>(last - first) / 1e9 : 0.0;
}

std::string RunStats::SummaryLine() const {
  const double seconds = Elapsed().count();
  const uint64_t processed = inserted + duplicates + rejected();
  std::string out = fmt::format("received={} inserted={} duplicates={} rejected={}",
                                received.load(), inserted.load(), duplicates.load(), rejected());
  for (const auto& [reason, count] : RejectedByReason()) {
    out += fmt::format(" rejected.{}={}", reason, count);
  }
  out += fmt::format(
      " dead_lettered={} left_in_queue={} deleted={} delete_failures={} visibility_extended={} "
      "released={} split_batches={} md5_mismatches={} elapsed_s={:.3f} messages_per_s={:.0f}",
      dead_lettered.load(), left_in_queue.load(), deleted.load(), delete_failures.load(),
      visibility_extended.load(), released.load(), split_batches.load(), md5_mismatches.load(),
      seconds, seconds > 0 ? static_cast<double>(processed) / seconds : 0.0);
  const double busy = BusySeconds();
  out += fmt::format(" busy_s={:.3f} busy_messages_per_s={:.0f}", busy,
                     busy > 0 ? static_cast<double>(processed) / busy : 0.0);
  const CpuBreakdown cpu = CpuOf(*this);
  out += fmt::format(" cpu_s={:.3f}", cpu.total);
  for (int i = 0; i < kCpuStages; ++i) {
    out += fmt::format(" cpu_{}_s={:.3f}", kCpuStageNames[i], cpu.stage[i]);
  }
  out += fmt::format(" cpu_other_s={:.3f}", cpu.other);
  return out;
}

}  // namespace sqs2pg::ops
