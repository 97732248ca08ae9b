#include "aws/credential_files.h"

#include <algorithm>
#include <cctype>
#include <utility>
#include <vector>

#include "aws/credential_common.h"

namespace sqs2pg::aws {
namespace {

constexpr std::string_view kWhat = "shared credentials/config files";

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r'; }

// Cuts an inline comment: '#' or ';' preceded by whitespace.
std::string_view StripInlineComment(std::string_view value) {
  for (size_t i = 1; i < value.size(); ++i) {
    if ((value[i] == '#' || value[i] == ';') && IsSpace(value[i - 1])) {
      return TrimAsciiWhitespace(value.substr(0, i));
    }
  }
  return value;
}

std::string Get(const EnvGetter& env, const std::string& name) {
  std::optional<std::string> v = env(name);
  return v ? std::move(*v) : std::string();
}

std::string ExpandHome(const EnvGetter& env, std::string path) {
  if (path == "~" || path.starts_with("~/")) {
    const std::string home = Get(env, "HOME");
    if (!home.empty()) path = home + path.substr(1);
  }
  return path;
}

// The file's sections, or an empty map if `path` is empty or the file does not exist.
Result<IniSections> ReadIni(const std::string& path, std::string_view what) {
  if (path.empty()) return IniSections();
  Result<std::string> text = ReadSmallFile(path, what);
  if (!text.ok()) {
    if (text.status().code() == StatusCode::kNotFound) return IniSections();
    return text.status().WithContext(kWhat);
  }
  return ParseIni(*text);
}

// The config file's name for a section header, or "" if it is not a profile section.
std::string ConfigProfileName(std::string_view section) {
  if (section == "default") return "default";
  if (section.starts_with("profile") && section.size() > 7 && IsSpace(section[7])) {
    return std::string(TrimAsciiWhitespace(section.substr(7)));
  }
  return "";
}

std::string DescribePaths(const SharedFilePaths& p) {
  if (p.credentials.empty() && p.config.empty()) return "no file (HOME is not set)";
  std::string out;
  if (!p.credentials.empty()) out = p.credentials;
  if (!p.config.empty()) out += (out.empty() ? "" : " or ") + p.config;
  return out;
}

class SharedFilesProvider final : public CredentialsProvider {
 public:
  explicit SharedFilesProvider(const EnvGetter& env)
      : result_(Load(env)), name_(MakeName(env, from_config_)) {}

  Result<Credentials> GetCredentials() override { return result_; }
  std::string_view Name() const override { return name_; }

 private:
  static std::string MakeName(const EnvGetter& env, bool from_config) {
    return std::string(from_config ? "shared config file" : "shared credentials file") +
           " (profile " + ActiveProfileName(env) + ")";
  }

  Result<Credentials> Load(const EnvGetter& env) {
    Result<SharedProfile> loaded = LoadSharedProfile(env);
    if (!loaded.ok()) return loaded.status();
    const SharedProfile& p = *loaded;
    const std::string where = "profile " + p.name + " in " + DescribePaths(p.paths);

    // Each property from the credentials file if set there, else from the config file.
    auto get = [&](const std::string& key, bool* from_config = nullptr) -> std::string {
      auto it = p.credentials_file.find(key);
      if (it != p.credentials_file.end() && !it->second.empty()) return it->second;
      it = p.config_file.find(key);
      if (it != p.config_file.end() && !it->second.empty()) {
        if (from_config != nullptr) *from_config = true;
        return it->second;
      }
      return "";
    };
    const std::string key_id = get("aws_access_key_id", &from_config_);
    const std::string secret = get("aws_secret_access_key");

    // The SDKs resolve these before static keys (assume-role and SSO come first in their chains).
    for (const char* key : {"role_arn", "sso_session", "sso_start_url"}) {
      if (!get(key).empty()) return Unsupported(where, key);
    }
    if (!key_id.empty() && !secret.empty()) {
      Credentials c;
      c.access_key_id = key_id;
      c.secret_access_key = secret;
      c.session_token = get("aws_session_token");
      return c;
    }
    if (!key_id.empty()) {
      return InvalidArgumentError(std::string(kWhat) + ": " + where + " sets aws_access_key_id (" +
                                  RedactAccessKeyId(key_id) + ") but not aws_secret_access_key");
    }
    if (!secret.empty()) {
      return InvalidArgumentError(std::string(kWhat) + ": " + where +
                                  " sets aws_secret_access_key but not aws_access_key_id");
    }
    for (const char* key : {"credential_process", "web_identity_token_file"}) {
      if (!get(key).empty()) return Unsupported(where, key);
    }
    if (!p.in_credentials_file && !p.in_config_file) {
      const bool explicit_profile = !Get(env, "AWS_PROFILE").empty();
      if (explicit_profile && p.name != "default") {
        return InvalidArgumentError(std::string(kWhat) + ": AWS_PROFILE names profile " + p.name +
                                    ", which is not in " + DescribePaths(p.paths));
      }
      return NotFoundError(std::string(kWhat) + ": no profile " + p.name + " in " +
                           DescribePaths(p.paths));
    }
    return NotFoundError(std::string(kWhat) + ": " + where +
                         " has no aws_access_key_id and aws_secret_access_key");
  }

  static Status Unsupported(const std::string& where, std::string_view key) {
    return InvalidArgumentError(
        std::string(kWhat) + ": " + where + " sets " + std::string(key) +
        ", which sqs2pg does not support; give the profile aws_access_key_id and "
        "aws_secret_access_key, or use another credential source (environment, web identity, "
        "container, EC2 instance metadata)");
  }

  bool from_config_ = false;  // set by Load(), read by MakeName(): declared before both
  const Result<Credentials> result_;
  const std::string name_;
};

}  // namespace

IniSections ParseIni(std::string_view text) {
  IniSections out;
  std::map<std::string, std::string>* section = nullptr;
  bool in_property = false;
  size_t property_indent = 0;
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);

    const std::string_view trimmed = TrimAsciiWhitespace(line);
    if (trimmed.empty() || trimmed.front() == '#' || trimmed.front() == ';') continue;
    const size_t indent = line.find_first_not_of(" \t\v\f\r");

    if (trimmed.front() == '[') {
      in_property = false;
      section = nullptr;
      const size_t close = trimmed.find(']');
      if (close == std::string_view::npos) continue;  // broken header: skip its properties
      const std::string_view after = TrimAsciiWhitespace(trimmed.substr(close + 1));
      if (!after.empty() && after.front() != '#' && after.front() != ';') continue;
      const std::string_view name = TrimAsciiWhitespace(trimmed.substr(1, close - 1));
      if (name.empty()) continue;
      section = &out[std::string(name)];
      continue;
    }
    if (in_property && indent > property_indent) continue;  // a continuation or nested setting
    in_property = false;
    if (section == nullptr) continue;
    const size_t eq = trimmed.find('=');
    if (eq == std::string_view::npos) continue;
    const std::string_view key = TrimAsciiWhitespace(trimmed.substr(0, eq));
    if (key.empty()) continue;
    const std::string_view value = StripInlineComment(TrimAsciiWhitespace(trimmed.substr(eq + 1)));
    (*section)[Lower(key)] = std::string(value);
    in_property = true;
    property_indent = indent;
  }
  return out;
}

SharedFilePaths SharedConfigFilePaths(const EnvGetter& env) {
  SharedFilePaths p;
  const std::string home = Get(env, "HOME");
  p.credentials = Get(env, "AWS_SHARED_CREDENTIALS_FILE");
  if (p.credentials.empty() && !home.empty()) p.credentials = home + "/.aws/credentials";
  p.config = Get(env, "AWS_CONFIG_FILE");
  if (p.config.empty() && !home.empty()) p.config = home + "/.aws/config";
  p.credentials = ExpandHome(env, std::move(p.credentials));
  p.config = ExpandHome(env, std::move(p.config));
  return p;
}

std::string ActiveProfileName(const EnvGetter& env) {
  std::string name = std::string(TrimAsciiWhitespace(Get(env, "AWS_PROFILE")));
  return name.empty() ? "default" : name;
}

Result<SharedProfile> LoadSharedProfile(const EnvGetter& env) {
  SharedProfile p;
  p.name = ActiveProfileName(env);
  p.paths = SharedConfigFilePaths(env);
  SQS2PG_ASSIGN_OR_RETURN(IniSections credentials,
                          ReadIni(p.paths.credentials, "shared credentials file"));
  SQS2PG_ASSIGN_OR_RETURN(IniSections config, ReadIni(p.paths.config, "shared config file"));
  if (auto it = credentials.find(p.name); it != credentials.end()) {
    p.in_credentials_file = true;
    p.credentials_file = it->second;
  }
  // [default] first, so that [profile default] wins where both set a key.
  std::vector<const std::map<std::string, std::string>*> matches;
  if (p.name == "default") {
    if (auto it = config.find("default"); it != config.end()) matches.push_back(&it->second);
  }
  for (const auto& [section, properties] : config) {
    if (section != "default" && ConfigProfileName(section) == p.name) {
      matches.push_back(&properties);
    }
  }
  for (const auto* properties : matches) {
    p.in_config_file = true;
    for (const auto& [key, value] : *properties) p.config_file[key] = value;
  }
  return p;
}

std::optional<std::string> ProfileRegion(const EnvGetter& env) {
  Result<SharedProfile> p = LoadSharedProfile(env);
  if (!p.ok()) return std::nullopt;
  for (const auto* properties : {&p->config_file, &p->credentials_file}) {
    auto it = properties->find("region");
    if (it != properties->end() && !it->second.empty()) return it->second;
  }
  return std::nullopt;
}

std::shared_ptr<CredentialsProvider> MakeSharedFilesCredentialsProvider(const EnvGetter& env) {
  return std::make_shared<SharedFilesProvider>(env);
}

}  // namespace sqs2pg::aws
