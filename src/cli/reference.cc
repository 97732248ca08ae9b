#include "cli/reference.h"

#include <fmt/format.h>

#include <map>
#include <sstream>

#include "ops/metrics.h"
#include "ops/run_stats.h"

namespace sqs2pg::cli {
namespace {

std::string Cell(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '|') {
      out += "\\|";
    } else if (c == '\n') {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

std::string Code(std::string_view text) {
  return text.empty() ? std::string() : "`" + Cell(text) + "`";
}

void AppendOptionTable(const CLI::App& app, std::string* out) {
  *out += "| Flag | Environment | Default | Meaning |\n|---|---|---|---|\n";
  for (const CLI::Option* option : app.get_options()) {
    if (option->get_lnames().empty()) continue;  // positional arguments: in the usage line
    const std::string flag = "--" + option->get_lnames().front();
    if (flag == "--help" || flag == "--version") continue;
    // "INT:INT in [1 - 256]" and "TEXT:{a,b}": the validator's part says it all.
    std::string type = option->get_type_name();
    if (const size_t colon = type.find(':'); colon != std::string::npos) {
      type = type.substr(colon + 1);
    }
    std::string name = flag;
    if (!type.empty() && option->get_type_size() != 0) name += " " + type;
    *out += fmt::format("| {} | {} | {} | {} |\n", Code(name), Code(option->get_envname()),
                        Code(option->get_default_str()), Cell(option->get_description()));
  }
}

void AppendSubcommands(const CLI::App& app, const std::string& prefix, std::string* out) {
  for (const CLI::App* sub : app.get_subcommands({})) {
    const std::string path = prefix + " " + sub->get_name();
    *out += fmt::format("\n### `{}`\n\n{}\n\n", path, Cell(sub->get_description()));
    bool has_flags = false;
    for (const CLI::Option* option : sub->get_options()) {
      if (!option->get_lnames().empty() && option->get_lnames().front() != "help") has_flags = true;
    }
    if (has_flags) {
      AppendOptionTable(*sub, out);
    } else {
      *out += "No flags of its own.\n";
    }
    AppendSubcommands(*sub, path, out);
  }
}

}  // namespace

std::string FlagReference(const CLI::App& app) {
  std::string out =
      "### Global flags\n\nGiven before or after the subcommand. A config file (`--config`) takes "
      "the same settings, keyed by the flag's name without `--`.\n\n";
  AppendOptionTable(app, &out);
  AppendSubcommands(app, "sqs2pg", &out);
  return out;
}

std::string MetricsReference() {
  ops::RunStats stats;
  ops::Metrics metrics(stats);
  std::map<std::string, std::pair<std::string, std::string>> by_name;  // name -> (type, help)
  std::istringstream lines(metrics.Render());
  std::vector<std::string> order;
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("# HELP ", 0) == 0) {
      const std::string rest = line.substr(7);
      const size_t space = rest.find(' ');
      const std::string name = rest.substr(0, space);
      if (by_name.count(name) == 0) order.push_back(name);
      by_name[name].second = space == std::string::npos ? "" : rest.substr(space + 1);
    } else if (line.rfind("# TYPE ", 0) == 0) {
      const std::string rest = line.substr(7);
      const size_t space = rest.find(' ');
      by_name[rest.substr(0, space)].first = rest.substr(space + 1);
    }
  }
  std::string out = "| Metric | Type | Meaning |\n|---|---|---|\n";
  for (const std::string& name : order) {
    out += fmt::format("| {} | {} | {} |\n", Code(name), by_name[name].first,
                       Cell(by_name[name].second));
  }
  return out;
}

}  // namespace sqs2pg::cli
