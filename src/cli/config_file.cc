#include "cli/config_file.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

#include "pg/connection.h"

namespace sqs2pg::cli {
namespace {

constexpr const char* kConfigFlag = "--config";

bool OnCommandLine(const CLI::Option& option, const std::vector<std::string>& args) {
  for (const std::string& name : option.get_lnames()) {
    const std::string flag = "--" + name;
    for (const std::string& arg : args) {
      if (arg == "--") return false;  // positional values follow
      if (arg == flag || arg.starts_with(flag + "=")) return true;
    }
  }
  return false;
}

bool EnvSet(const CLI::Option& option, const sqs::EnvGetter& env) {
  const std::string name = option.get_envname();
  if (name.empty()) return false;
  const std::optional<std::string> value = env(name);
  return value.has_value() && !value->empty();
}

bool IsSecretName(std::string_view name) {
  for (std::string_view word : {"key", "secret", "token", "password"}) {
    // The key *file* is a path, not a secret.
    if (name.find(word) != std::string_view::npos && !name.ends_with("-file")) return true;
  }
  return false;
}

std::string TomlString(std::string_view value) {
  std::string out = "\"";
  for (char c : value) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

const CLI::Option* FindOption(const CLI::App& app, const std::string& long_name) {
  for (const CLI::Option* option : app.get_options()) {
    for (const std::string& name : option->get_lnames()) {
      if ("--" + name == long_name) return option;
    }
  }
  return nullptr;
}

}  // namespace

std::string ConfigFilePath(const std::vector<std::string>& args, const sqs::EnvGetter& env) {
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--") break;
    if (args[i] == kConfigFlag && i + 1 < args.size()) return args[i + 1];
    if (args[i].starts_with(std::string(kConfigFlag) + "=")) {
      return args[i].substr(std::string(kConfigFlag).size() + 1);
    }
  }
  return env("SQS2PG_CONFIG").value_or("");
}

Result<std::vector<std::string>> ConfigFileArgs(const std::string& path, const CLI::App& app,
                                                const std::vector<std::string>& args,
                                                const sqs::EnvGetter& env) {
  const std::string where = "config file " + path;
  std::vector<CLI::ConfigItem> items;
  try {
    if (std::filesystem::is_directory(path)) {
      return InvalidArgumentError(where + ": is a directory");
    }
    items = CLI::ConfigTOML().from_file(path);
  } catch (const CLI::Error& e) {
    return InvalidArgumentError(where + ": cannot be read (" + std::string(e.get_name()) + ")");
  }
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const CLI::ConfigItem& item : items) {
    if (item.name == "++" || item.name == "--") continue;  // section markers
    if (!item.parents.empty()) {
      return InvalidArgumentError(where + ": sections are not supported (key '" + item.fullname() +
                                  "')");
    }
    std::string name = item.name;
    std::replace(name.begin(), name.end(), '_', '-');
    const std::string flag = "--" + name;
    const CLI::Option* option = FindOption(app, flag);
    if (option == nullptr || flag == kConfigFlag || flag == "--help" || flag == "--version") {
      return InvalidArgumentError(where + ": unknown key '" + item.name + "'");
    }
    if (!seen.insert(flag).second) {
      return InvalidArgumentError(where + ": key '" + item.name + "' appears twice");
    }
    if (item.inputs.size() != 1) {
      return InvalidArgumentError(where + ": key '" + item.name + "' must have one value");
    }
    if (OnCommandLine(*option, args) || EnvSet(*option, env)) continue;
    out.push_back(flag + "=" + item.inputs[0]);
  }
  return out;
}

std::string EffectiveConfig(const CLI::App& app, const std::set<std::string>& from_file,
                            const sqs::EnvGetter& env) {
  std::string out =
      "# sqs2pg effective configuration (flags > environment > config file > defaults); "
      "secrets redacted\n";
  for (const CLI::Option* option : app.get_options()) {
    if (option->get_lnames().empty()) continue;
    const std::string name = option->get_lnames().front();
    const std::string flag = "--" + name;
    if (flag == "--help" || flag == "--version" || flag == kConfigFlag) continue;
    std::string value;
    std::string source = "default";
    if (option->count() > 0) {
      value = option->results().back();
      if (from_file.count(flag) > 0) {
        source = "config file";
      } else if (EnvSet(*option, env) && !option->get_envname().empty() &&
                 env(option->get_envname()).value_or("") == value) {
        source = "environment " + option->get_envname();
      } else {
        source = "flag";
      }
    } else {
      value = option->get_default_str();
    }
    if (value.empty() && option->count() == 0) {
      out += fmt::format("# {}: not set ({})\n", name,
                         flag == "--mapping" ? "built-in login mapping" : "built-in default");
      continue;
    }
    if (name == "database-url") {
      value = pg::RedactConninfo(value);
    } else if (IsSecretName(name)) {
      value = "<redacted>";
    }
    out += fmt::format("{} = {}  # {}\n", name, TomlString(value), source);
  }
  return out;
}

}  // namespace sqs2pg::cli
