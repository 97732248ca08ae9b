#include "cli/config_file.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>

#include "keys/key_uri.h"
#include "pg/conninfo_redact.h"

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

bool EnvSet(const CLI::Option& option, const aws::EnvGetter& env) {
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

// The start of a line that is not `key = value`, for an error message: at most the text before
// the first '=', ':' or whitespace (a key, or a key mistyped; never the value after it).
std::string LineStart(std::string_view line) {
  const size_t end = std::min(line.find_first_of("=: \t\r"), size_t{40});
  std::string out(line.substr(0, end));
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  return out;
}

bool IsBareKey(std::string_view key) {
  return !key.empty() && key.find_first_not_of(
                             "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                             "0123456789_-.") == std::string_view::npos;
}

// Checks every line before CLI11 reads the file, and returns the line numbers of each key. CLI11
// takes a line without '=' (`database-url: postgresql://u:pw@h/db`) whole for a key, and an error
// naming that key would quote the value too. Blank lines, # and ; comments and [sections] pass.
Result<std::map<std::string, std::deque<int>>> KeyLines(const std::string& path,
                                                        const std::string& where) {
  std::map<std::string, std::deque<int>> lines;
  std::ifstream in(path);
  std::string text;
  for (int number = 1; std::getline(in, text); ++number) {
    std::string_view line = text;
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.front()))) {
      line.remove_prefix(1);
    }
    if (line.empty() || line.front() == '#' || line.front() == ';' || line.front() == '[') continue;
    const size_t eq = line.find('=');
    std::string_view key = line.substr(0, eq);
    while (!key.empty() && std::isspace(static_cast<unsigned char>(key.back()))) {
      key.remove_suffix(1);
    }
    if (eq == std::string_view::npos || !IsBareKey(key)) {
      const std::string start = LineStart(line);
      return InvalidArgumentError(
          fmt::format("{}: line {}: expected `key = value`{}", where, number,
                      start.empty() ? "" : fmt::format(" (the line starts with '{}')", start)));
    }
    lines[std::string(key)].push_back(number);
  }
  return lines;
}

std::string JoinResults(const CLI::Option& option) {
  std::string out;
  for (const std::string& result : option.results()) out += (out.empty() ? "" : ",") + result;
  return out;
}

bool AllKeyUris(const CLI::Option& option) {
  for (const std::string& result : option.results()) {
    if (!keys::ParseKeyUri(result).ok()) return false;
  }
  return true;
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

std::string ConfigFilePath(const std::vector<std::string>& args, const aws::EnvGetter& env) {
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
                                                const aws::EnvGetter& env) {
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
  SQS2PG_ASSIGN_OR_RETURN(auto key_lines, KeyLines(path, where));
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const CLI::ConfigItem& item : items) {
    if (item.name == "++" || item.name == "--") continue;  // section markers
    // "config file F: line N" for the item's line, else "config file F".
    std::string at = where;
    std::deque<int> lines;
    if (auto it = key_lines.find(item.name); it != key_lines.end()) lines = it->second;
    if (!lines.empty()) at += fmt::format(": line {}", lines.front());
    if (lines.size() > 1) {  // CLI11 merges the lines of a repeated key into one item
      return InvalidArgumentError(
          fmt::format("{}: line {}: key '{}' appears twice", where, lines[1], item.name));
    }
    if (!item.parents.empty()) {
      return InvalidArgumentError(at + ": sections are not supported (key '" + item.fullname() +
                                  "')");
    }
    std::string name = item.name;
    std::replace(name.begin(), name.end(), '_', '-');
    const std::string flag = "--" + name;
    const CLI::Option* option = FindOption(app, flag);
    if (option == nullptr || flag == kConfigFlag || flag == "--help" || flag == "--version") {
      return InvalidArgumentError(at + ": unknown key '" + item.name + "'");
    }
    if (!seen.insert(flag).second) {
      return InvalidArgumentError(at + ": key '" + item.name + "' appears twice");
    }
    if (item.inputs.size() != 1) {
      return InvalidArgumentError(at + ": key '" + item.name + "' must have one value");
    }
    if (OnCommandLine(*option, args) || EnvSet(*option, env)) continue;
    out.push_back(flag + "=" + item.inputs[0]);
  }
  return out;
}

std::string EffectiveConfig(const CLI::App& app, const std::set<std::string>& from_file,
                            const aws::EnvGetter& env) {
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
      // A list option (--mask-key) shows every value, comma-separated as it may be given.
      value =
          option->get_items_expected_max() > 1 ? JoinResults(*option) : option->results().back();
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
      // Not the string, not even redacted (a hand-made redaction once missed passwords holding
      // '/' or '@'): only where it leads. The brackets keep the output from connecting anywhere
      // if fed back, rather than connecting without the sslmode and password it left out.
      value = "<redacted: " + pg::RedactConninfo(value) + ">";
    } else if (name == "mask-key") {
      // Where the key is, not the key; but a key pasted in by mistake must not be shown.
      if (!AllKeyUris(*option)) value = "<redacted: not a key source URI>";
    } else if (IsSecretName(name)) {
      value = "<redacted>";
    }
    out += fmt::format("{} = {}  # {}\n", name, TomlString(value), source);
  }
  return out;
}

}  // namespace sqs2pg::cli
