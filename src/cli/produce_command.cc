#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <thread>

#include "cli/commands.h"
#include "cli/synthetic_events.h"

namespace sqs2pg::cli {
namespace {

constexpr size_t kBatch = 10;
constexpr size_t kFifoGroups = 16;

Result<std::vector<std::string>> ReadBodies(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return InvalidArgumentError("cannot read --from-file " + path);
  std::vector<std::string> bodies;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) bodies.push_back(std::move(line));
  }
  return bodies;
}

}  // namespace

int ProduceCommand(const Settings& settings, const ProduceOptions& options) {
  if (settings.queue_url.empty()) {
    spdlog::error("produce: --queue-url (or SQS2PG_QUEUE_URL) is required");
    return 2;
  }
  std::vector<std::string> bodies;
  if (!options.from_file.empty()) {
    Result<std::vector<std::string>> read = ReadBodies(options.from_file);
    if (!read.ok()) {
      spdlog::error("produce: {}", read.status().message());
      return 2;
    }
    bodies = std::move(read).value();
  } else {
    SyntheticEvents events(options.count, options.malformed_share, options.seed);
    bodies.reserve(options.count);
    for (uint64_t i = 0; i < options.count; ++i) bodies.push_back(events.Next());
  }
  Result<SqsSetup> sqs = MakeSqsClient(settings);
  if (!sqs.ok()) {
    spdlog::error("{}", sqs.status().message());
    return 2;
  }

  // FIFO queues need a group and a deduplication id per message: spread the messages over a few
  // groups (so receivers can work in parallel) and make the ids unique to this run.
  const bool fifo = sqs::IsFifoQueueUrl(settings.queue_url);
  const std::string run_id =
      std::to_string(std::chrono::system_clock::now().time_since_epoch().count());

  const auto start = std::chrono::steady_clock::now();
  std::atomic<size_t> next_batch{0};
  std::atomic<uint64_t> sent{0};
  std::atomic<bool> failed{false};
  auto worker = [&] {
    while (!failed) {
      const size_t begin = next_batch.fetch_add(1) * kBatch;
      if (begin >= bodies.size()) return;
      std::vector<sqs::SendEntry> entries;
      for (size_t i = begin; i < std::min(bodies.size(), begin + kBatch); ++i) {
        sqs::SendEntry& entry =
            entries.emplace_back(sqs::SendEntry{std::to_string(i - begin), bodies[i], {}});
        if (fifo) {
          entry.message_group_id = "g" + std::to_string(i % kFifoGroups);
          entry.deduplication_id = run_id + "-" + std::to_string(i);
        }
      }
      auto result = sqs->client->SendMessageBatch(settings.queue_url, entries);
      if (!result.ok()) {
        spdlog::error("produce: SendMessageBatch failed: {}", result.status().ToString());
        failed = true;
        return;
      }
      for (const auto& f : *result) spdlog::error("produce: entry refused: {}", f.code);
      sent += entries.size() - result->size();
    }
  };
  std::vector<std::thread> threads;
  for (int i = 0; i < std::max(1, options.concurrency); ++i) threads.emplace_back(worker);
  for (auto& t : threads) t.join();

  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::fprintf(stderr, "produced %llu of %zu messages in %.2f s (%.0f msg/s)\n",
               static_cast<unsigned long long>(sent.load()), bodies.size(), seconds,
               seconds > 0 ? sent.load() / seconds : 0.0);
  return failed || sent.load() != bodies.size() ? 1 : 0;
}

}  // namespace sqs2pg::cli
