#include "cli/help_text.h"

#include <map>

namespace sqs2pg::cli {
namespace {

constexpr char kWhatItDoes[] =
    "sqs2pg loads JSON events from Amazon SQS into PostgreSQL, masking personal data with a "
    "keyed scheme, with an exactly-once effect in the database and COPY-speed loading.";
constexpr char kWhereTheDocsAre[] =
    "Documentation: README.md and docs/ beside the source (docs/configuration.md lists every "
    "flag); `sqs2pg SUBCOMMAND --help` for one subcommand.";

// Keyed by the subcommand's path below sqs2pg ("mapping default").
const std::map<std::string, std::string>& Examples() {
  static const std::map<std::string, std::string> examples = {
      {"drain",
       "Example:\n  sqs2pg drain --mask-key aws-secretsmanager:sqs2pg/mask-key --queue-url "
       "https://sqs.eu-west-1.amazonaws.com/123456789012/login-queue \\\n"
       "    --database-url postgresql://loader@db/analytics"},
      {"run",
       "Example:\n  SQS2PG_MASK_KEY_FILE=key sqs2pg run --queue-url \"$QUEUE_URL\" "
       "--database-url \"$DATABASE_URL\" --metrics-addr 0.0.0.0:9464"},
      {"check",
       "Example:\n  sqs2pg check --queue-url \"$QUEUE_URL\" --database-url \"$DATABASE_URL\" "
       "--mask-key-file key"},
      {"config",
       "Example:\n  sqs2pg --config sqs2pg.toml config        # what a run would use, and why\n"
       "  sqs2pg config --reference                  # every flag, as Markdown"},
      {"mask", "Example:\n  sqs2pg mask --mask-key-file key --field ip 199.172.111.135"},
      {"unmask",
       "Example:\n  sqs2pg unmask --mask aes-siv --mask-key-file key --field ip "
       "s1.9bec2085.Zm9v..."},
      {"remask",
       "Example:\n  sqs2pg remask --mask aes-siv --mask-key aws-secretsmanager:sqs2pg/mask-key \\\n"
       "    --mask-key aws-secretsmanager:sqs2pg/mask-key#AWSPREVIOUS --table user_logins \\\n"
       "    --column masked_ip --column masked_device_id"},
      {"mapping", "Example:\n  sqs2pg mapping default > mapping.toml"},
      {"mapping default", "Example:\n  sqs2pg mapping default > mapping.toml"},
      {"produce",
       "Example:\n  sqs2pg produce --queue-url \"$QUEUE_URL\" --count 10000 "
       "--malformed-share 0.01"},
  };
  return examples;
}

void AddExamples(CLI::App& app, const std::string& prefix) {
  for (CLI::App* sub : app.get_subcommands({})) {
    const std::string path = prefix.empty() ? sub->get_name() : prefix + " " + sub->get_name();
    if (const auto it = Examples().find(path); it != Examples().end()) {
      sub->footer(it->second + "\n\n" + kWhereTheDocsAre);
    }
    AddExamples(*sub, path);
  }
}

}  // namespace

void AddHelpText(CLI::App& app) {
  app.name("sqs2pg");
  app.description(kWhatItDoes);
  app.footer(kWhereTheDocsAre);
  AddExamples(app, "");
}

}  // namespace sqs2pg::cli
