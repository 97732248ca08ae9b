// sqs2pg: drains login events from Amazon SQS, masks personal data with a keyed HMAC (or AES-SIV,
// reversible by key holders), and loads them into PostgreSQL with exactly-once effect. See
// README.md.
#include <curl/curl.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/config_file.h"
#include "cli/help_text.h"
#include "cli/reference.h"
#include "cli/secrets.h"
#include "cli/settings.h"
#include "cli/signals.h"
#include "ops/logging.h"

int main(int argc, char** argv) {
  using sqs2pg::cli::Settings;
  Settings settings;
  CLI::App app;  // named, described and given its footer by AddHelpText (cli/help_text.h)
  app.set_version_flag("--version", std::string("sqs2pg ") + SQS2PG_VERSION);
  app.require_subcommand(1);
  sqs2pg::cli::AddCommonOptions(app, settings);
  std::string config_path;
  app.add_option("--config", config_path,
                 "Settings file (TOML: key = value, keys named like the flags); flags and "
                 "environment variables win over it")
      ->envname("SQS2PG_CONFIG");

  auto* drain = app.add_subcommand(
      "drain",
      "Consume until the queue holds nothing (visible or in flight) but this run's "
      "rejects, then exit");
  auto* run = app.add_subcommand("run", "Consume until SIGINT/SIGTERM; finish the batch in hand");
  auto* check = app.add_subcommand("check", "Check configuration, credentials, queue and schema");
  auto* config = app.add_subcommand(
      "config", "Print the effective configuration (a valid config file), secrets redacted");
  bool flag_reference = false;
  bool metrics_reference = false;
  config->add_flag("--reference", flag_reference,
                   "Print every flag instead, as Markdown (docs/configuration.md's tables)");
  config->add_flag("--metrics-reference", metrics_reference,
                   "Print every exported metric instead, as Markdown (docs/operations.md's table)");

  std::string field;
  std::string domain;
  std::vector<std::string> values;
  auto* mask = app.add_subcommand(
      "mask", "Print the masked form of values under the --mask scheme (needs the key)");
  auto* mask_field = mask->add_option("--field", field, "ip or device_id (the login fields)");
  auto* mask_domain =
      mask->add_option("--domain", domain, "A mask domain (a mapping's mask_domain); or --field");
  mask->add_option("values", values, "Values to mask")->required();
  auto* unmask = app.add_subcommand(
      "unmask",
      "Print the original of aes-siv masks, one per line (needs the key; hmac-sha256 masks are "
      "one-way). Prints nothing unless every mask decrypts");
  auto* unmask_field =
      unmask->add_option("--field", field, "ip or device_id: the column the masks come from");
  auto* unmask_domain = unmask->add_option(
      "--domain", domain, "The mask domain the masks were made in (a mapping's mask_domain)");
  unmask->add_option("values", values, "Masks (s1.<key id>.<data>) to unmask")->required();
  // Exactly one of --field and --domain; ResolveMaskDomain says which is missing or extra.
  const auto domain_args = [&](const CLI::Option* f, const CLI::Option* d) {
    sqs2pg::cli::MaskDomainArgs args;
    if (f->count() > 0) args.field = field;
    if (d->count() > 0) args.domain = domain;
    return args;
  };

  std::vector<std::string> remask_columns;
  auto* remask = app.add_subcommand(
      "remask",
      "Rewrite the aes-siv masks of --column that an older key made (the second and later "
      "--mask-key) to the current key, in place, in committed batches of --batch-size rows; "
      "resumable: run it again after an interruption");
  remask
      ->add_option("--column", remask_columns,
                   "A masked column of --table (repeat for several); its mask domain comes from "
                   "the mapping")
      ->required()
      ->allow_extra_args(false)
      ->take_all();

  auto* mapping = app.add_subcommand("mapping", "Mapping files: which event fields go where");
  mapping->require_subcommand(1);
  auto* mapping_default = mapping->add_subcommand(
      "default", "Print the built-in login mapping as a mapping file to copy and edit");

  sqs2pg::cli::ProduceOptions produce_options;
  auto* produce =
      app.add_subcommand("produce", "Publish synthetic login events (or a file's lines)");
  produce->add_option("--count", produce_options.count, "Synthetic events to publish")
      ->capture_default_str();
  produce->add_option("--from-file", produce_options.from_file,
                      "Publish each non-empty line of FILE as one message instead");
  produce
      ->add_option("--malformed-share", produce_options.malformed_share,
                   "Fraction of deliberately bad messages")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  produce->add_option("--seed", produce_options.seed, "Random seed")->capture_default_str();
  produce->add_option("--concurrency", produce_options.concurrency, "Concurrent SendMessageBatch")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();

  for (auto* sub :
       {drain, run, check, config, mask, unmask, remask, produce, mapping, mapping_default}) {
    sub->fallthrough();
  }
  sqs2pg::cli::AddHelpText(app);

  // The config file's settings go in as flags placed before the subcommand, except those that a
  // flag or an environment variable already sets (see config_file.h for why).
  std::vector<std::string> args(argv + 1, argv + argc);
  std::set<std::string> from_file;
  const sqs2pg::aws::EnvGetter env = sqs2pg::aws::ProcessEnv();
  if (const std::string path = sqs2pg::cli::ConfigFilePath(args, env); !path.empty()) {
    sqs2pg::Result<std::vector<std::string>> file_args =
        sqs2pg::cli::ConfigFileArgs(path, app, args, env);
    if (!file_args.ok()) {
      std::fprintf(stderr, "sqs2pg: %s\n", file_args.status().message().c_str());
      return 2;
    }
    for (const std::string& arg : *file_args) from_file.insert(arg.substr(0, arg.find('=')));
    args.insert(args.begin(), file_args->begin(), file_args->end());
  }
  try {
    // CLI11 wants the arguments last first when given a vector.
    std::vector<std::string> reversed(args.rbegin(), args.rend());
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }

  // The table: a flag or SQS2PG_TABLE wins over a mapping file's `table`, which wins over the
  // config file's and the default (Settings::table_explicit).
  if (const CLI::Option* table = app.get_option("--table");
      table->count() > 0 && from_file.count("--table") == 0) {
    settings.table_explicit = true;
  }
  auto level = sqs2pg::ops::ParseLogLevel(settings.log_level);
  if (!level) {
    std::fprintf(stderr, "sqs2pg: --log-level must be trace, debug, info, warn, error or off\n");
    return 2;
  }
  auto format = sqs2pg::ops::ParseLogFormat(settings.log_format);
  if (!format) {
    std::fprintf(stderr, "sqs2pg: --log-format must be text or json\n");
    return 2;
  }
  sqs2pg::ops::InitLogging(*level, *format);
  // As typed: a URL from the config file or DATABASE_URL is not on the command line.
  if (sqs2pg::cli::PasswordOnCommandLine(std::vector<std::string>(argv + 1, argv + argc))) {
    spdlog::warn("{}", sqs2pg::cli::CommandLinePasswordWarning());
  }
  // Before any command loads the masking key: no core dump of this process may hold it.
  if (*drain || *run || *check || *mask || *unmask || *remask) {
    if (sqs2pg::Status status = sqs2pg::cli::DisableCoreDumps(); !status.ok()) {
      spdlog::error("{}", status.message());
      return 1;
    }
  }
  if (*config && (flag_reference || metrics_reference)) {
    std::fputs((flag_reference ? sqs2pg::cli::FlagReference(app) : sqs2pg::cli::MetricsReference())
                   .c_str(),
               stdout);
    return 0;
  }
  if (*config) {
    std::fputs(sqs2pg::cli::EffectiveConfig(app, from_file, env).c_str(), stdout);
    return 0;
  }
  if (*mapping_default) return sqs2pg::cli::MappingDefaultCommand();
  curl_global_init(CURL_GLOBAL_DEFAULT);
  sqs2pg::cli::InstallStopSignalHandlers();

  if (*drain) return sqs2pg::cli::ConsumeCommand(settings, /*stop_when_empty=*/true);
  if (*run) return sqs2pg::cli::ConsumeCommand(settings, /*stop_when_empty=*/false);
  if (*check) return sqs2pg::cli::CheckCommand(settings);
  if (*mask) {
    return sqs2pg::cli::MaskCommand(settings, domain_args(mask_field, mask_domain), values);
  }
  if (*unmask) {
    return sqs2pg::cli::UnmaskCommand(settings, domain_args(unmask_field, unmask_domain), values);
  }
  if (*remask) return sqs2pg::cli::RemaskCommand(settings, remask_columns);
  if (*produce) return sqs2pg::cli::ProduceCommand(settings, produce_options);
  return 2;
}
