// The no-work SQS client: how fast sqs2pg's own SqsClient (src/sqs/sqs_client.h: the same curl
// transport, SigV4 signing, JSON codec and credential chain, built by cli::MakeSqsClient as
// `sqs2pg drain` builds it) empties a queue when all it does is ReceiveMessage (10 at a time, short
// polls, as a drain polls by default) and DeleteMessageBatch of what came back, from --threads
// threads, with no transform, database or pipeline. `make bench` runs it at a few concurrencies
// and reports sqs2pg's drain with its default settings against the best of them (issue 16), as
// well as the CPU per message of each.
//
//   build/sqs_loop_bench --queue-url URL [--endpoint-url URL] [--threads 8]
//       [--cpu-scheduling batch|normal]
//
// Each thread loops: receive up to 10; if none came back and the queue shows no visible message
// (GetQueueAttributes), it is done (other threads' messages in flight are theirs to delete); else
// it deletes them in one DeleteMessageBatch. --cpu-scheduling: as sqs2pg's flag of that name,
// whose default (batch) it shares, so that both are scheduled alike.
//
// Prints one JSON object on stdout: {"threads", "messages", "seconds" (from the first receive to
// the last delete), "msgs_per_s", "cpu_seconds" (the whole process, start-up included, from
// getrusage), "cpu_us_per_message", "requests": {"ReceiveMessage", "DeleteMessageBatch",
// "GetQueueAttributes"}}. Exits 1 if a call fails or a delete entry is refused, 2 on bad usage.
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "cli/settings.h"
#include "ops/cpu_scheduling.h"
#include "sqs/sqs_client.h"

namespace sqs2pg::bench {
namespace {

using Clock = std::chrono::steady_clock;

double RusageCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const auto seconds = [](const timeval& tv) {
    return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) * 1e-6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

struct Counters {
  std::atomic<int64_t> messages{0};
  std::atomic<int64_t> receives{0};
  std::atomic<int64_t> deletes{0};
  std::atomic<int64_t> counts{0};
  std::atomic<int64_t> last_delete_ns{0};
  std::atomic<bool> failed{false};
};

void Fail(Counters& c, const char* what, const std::string& message) {
  std::fprintf(stderr, "sqs_loop_bench: %s: %s\n", what, message.c_str());
  c.failed = true;
}

void Consume(sqs::SqsClient& client, const std::string& queue_url, Counters& c) {
  sqs::ReceiveRequest request;
  request.max_messages = 10;
  request.wait_time_seconds = 0;
  std::vector<sqs::DeleteEntry> entries;
  while (!c.failed.load()) {
    ++c.receives;
    Result<sqs::ReceiveResult> received = client.ReceiveMessage(queue_url, request);
    if (!received.ok()) return Fail(c, "ReceiveMessage", received.status().ToString());
    if (received->messages.empty()) {
      ++c.counts;
      Result<sqs::QueueCounts> counts = client.GetQueueCounts(queue_url);
      if (!counts.ok()) return Fail(c, "GetQueueAttributes", counts.status().ToString());
      if (counts->visible == 0) return;
      continue;
    }
    entries.clear();
    for (const sqs::Message& m : received->messages) {
      entries.push_back(sqs::DeleteEntry{std::to_string(entries.size()), m.receipt_handle});
    }
    ++c.deletes;
    Result<std::vector<sqs::BatchFailure>> deleted = client.DeleteMessageBatch(queue_url, entries);
    if (!deleted.ok()) return Fail(c, "DeleteMessageBatch", deleted.status().ToString());
    if (!deleted->empty()) return Fail(c, "DeleteMessageBatch", deleted->front().code);
    c.messages += static_cast<int64_t>(entries.size());
    c.last_delete_ns = Clock::now().time_since_epoch().count();
  }
}

int Main(int argc, char** argv) {
  cli::Settings settings;
  int threads = 8;
  CLI::App app{"sqs2pg's SqsClient draining a queue with no work: receive and delete only"};
  app.add_option("--queue-url", settings.queue_url, "The queue to drain")->required();
  app.add_option("--endpoint-url", settings.endpoint_url, "SQS endpoint (as sqs2pg's flag)");
  app.add_option("--region", settings.region, "AWS region (as sqs2pg's flag)");
  app.add_option("--threads", threads, "Threads receiving and deleting")->check(CLI::Range(1, 256));
  app.add_option("--cpu-scheduling", settings.cpu_scheduling, "batch or normal")
      ->check(CLI::IsMember({"batch", "normal"}));
  CLI11_PARSE(app, argc, argv);

  Result<cli::SqsSetup> setup = cli::MakeSqsClient(settings);
  if (!setup.ok()) {
    std::fprintf(stderr, "sqs_loop_bench: %s\n", setup.status().ToString().c_str());
    return 2;
  }
  if (auto policy = ops::ParseCpuScheduling(settings.cpu_scheduling)) {
    (void)ops::ApplyCpuScheduling(*policy);  // best effort, as sqs2pg
  }
  Counters c;
  const auto start = Clock::now();
  std::vector<std::thread> pool;
  for (int i = 0; i < threads; ++i) {
    pool.emplace_back([&] { Consume(*setup->client, settings.queue_url, c); });
  }
  for (auto& t : pool) t.join();
  if (c.failed.load()) return 1;
  const int64_t last = c.last_delete_ns.load();
  const double seconds =
      last > 0 ? static_cast<double>(last - start.time_since_epoch().count()) / 1e9 : 0.0;
  const double cpu = RusageCpuSeconds();
  const int64_t messages = c.messages.load();
  std::printf(
      "{\"threads\": %d, \"messages\": %lld, \"seconds\": %.4f, \"msgs_per_s\": %.0f, "
      "\"cpu_seconds\": %.3f, \"cpu_us_per_message\": %.2f, \"cpu_scheduling\": \"%s\", "
      "\"requests\": {\"ReceiveMessage\": %lld, \"DeleteMessageBatch\": %lld, "
      "\"GetQueueAttributes\": %lld}}\n",
      threads, static_cast<long long>(messages), seconds,
      seconds > 0 ? static_cast<double>(messages) / seconds : 0.0, cpu,
      messages > 0 ? cpu / static_cast<double>(messages) * 1e6 : 0.0,
      settings.cpu_scheduling.c_str(), static_cast<long long>(c.receives.load()),
      static_cast<long long>(c.deletes.load()), static_cast<long long>(c.counts.load()));
  return 0;
}

}  // namespace
}  // namespace sqs2pg::bench

int main(int argc, char** argv) { return sqs2pg::bench::Main(argc, argv); }
