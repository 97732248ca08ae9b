// Settings: every knob of the command line, with its environment fallback, and the factories that
// turn settings into working parts (SQS client, mask key).
//
// Contract:
//  - Precedence: command-line flag > environment variable > default.
//  - Secrets never come from flags (they would show in `ps`): the mask key comes from a file or
//    SQS2PG_MASK_KEY; AWS credentials from the credential chain.
//  - Errors are Status values; the factories fail only on bad configuration (callers exit 2).
//  - Thread-safety: plain data; the factories may be called from one thread at start-up.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "base/status.h"
#include "sqs/sqs_client.h"

namespace sqs2pg::cli {

struct Settings {
  std::string queue_url;
  std::string dlq_url;
  std::string database_url;  // libpq URI or conninfo; empty = libpq defaults and PG* variables
  std::string table = "user_logins";
  std::string endpoint_url;
  std::string region;
  std::string ca_bundle;
  std::string mask_key_file;
  std::string log_level = "info";
  int receivers = 4;
  int batch_size = 2000;
  int batch_delay_ms = 250;
  int visibility_timeout = 60;
  int wait_time = -1;  // -1: 20 s for run, 2 s for drain (so an empty queue is noticed quickly)
  int db_retry_timeout = 60;
  int max_attempts = 3;
  std::string sqs_protocol = "auto";  // auto, json or query
  int shutdown_timeout = 20;
  int ledger_prune_interval = 3600;  // 0: never prune
  int ledger_keep = 0;               // 0: the queue's retention period plus one day
};

// Registers the options shared by all subcommands on `app` (they are accepted before or after the
// subcommand name).
void AddCommonOptions(CLI::App& app, Settings& settings);

// Reads the master key from --mask-key-file or SQS2PG_MASK_KEY. The error never shows key bytes.
Result<std::string> LoadMaskKey(const Settings& settings);

struct SqsSetup {
  std::unique_ptr<sqs::SqsClient> client;
  std::string endpoint;
  std::string region;
  std::string credentials_source;
};
Result<SqsSetup> MakeSqsClient(const Settings& settings);

}  // namespace sqs2pg::cli
