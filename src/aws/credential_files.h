// The shared AWS configuration files (~/.aws/credentials and ~/.aws/config): the second source of
// the default credential chain, and the profile's `region`.
//
// Contract:
//  - Profile: AWS_PROFILE, else "default". Paths: AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE
//    (a leading "~/" is expanded with HOME), else $HOME/.aws/credentials and $HOME/.aws/config;
//    with HOME unset and no override there is no such file. A missing file counts as empty.
//  - Sections: in the credentials file a profile is `[NAME]`; in the config file it is
//    `[profile NAME]`, except `[default]` (`[profile default]` is accepted too and wins). Other
//    config sections (`[sso-session x]`, `[services x]`, a bare `[x]`) are ignored.
//  - Syntax (ParseIni): lines are `[section]`, `key = value`, blank, or comments starting with '#'
//    or ';'. Whitespace around names, keys and values is ignored; key names are matched
//    case-insensitively (as botocore's configparser does); a '#' or ';' preceded by whitespace
//    starts an inline comment. A line indented deeper than the property before it continues that
//    property (a multi-line value, or nested `s3 =` settings, as in botocore and the Java SDK)
//    and is ignored. Repeated sections merge, and a repeated key
//    keeps its last value. Anything else (a line without '=', a broken header) is skipped: a
//    malformed line is never quoted in a message, since it may hold a secret.
//  - Credentials: aws_access_key_id + aws_secret_access_key (+ aws_session_token), each taken from
//    the credentials file if set there, else from the config file; empty values count as unset.
//    Static keys never expire.
//  - Errors (MakeSharedFilesCredentialsProvider's GetCredentials): kNotFound when the profile has
//    no keys (or neither file exists), so the chain moves on; kInvalidArgument when a file cannot
//    be read, when only one of the two keys is set, when AWS_PROFILE names a profile (other than
//    "default") that neither file has (botocore's ProfileNotFound), or when the profile gets its
//    credentials in a way sqs2pg does not implement (role_arn, sso_session / sso_start_url,
//    credential_process without static keys): the SDKs would use that, so falling through to
//    another source would silently pick different credentials. Messages name the profile and the
//    paths, never a value (an access key id only through RedactAccessKeyId).
//  - The provider reads the files once, when it is made, and then always returns that result (the
//    SDKs read them once per process too). Thread-safe; the EnvGetter is only used while making it.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "aws/credentials.h"
#include "base/status.h"

namespace sqs2pg::aws {

// Section name (as written between the brackets, trimmed) -> lower-cased key -> value.
using IniSections = std::map<std::string, std::map<std::string, std::string>>;

IniSections ParseIni(std::string_view text);

struct SharedFilePaths {
  std::string credentials;  // "" when unknown (HOME unset and no override)
  std::string config;
};

SharedFilePaths SharedConfigFilePaths(const EnvGetter& env);

// AWS_PROFILE if set and non-empty, else "default".
std::string ActiveProfileName(const EnvGetter& env);

struct SharedProfile {
  std::string name;
  SharedFilePaths paths;
  bool in_credentials_file = false;  // the profile has a section there
  bool in_config_file = false;
  std::map<std::string, std::string> credentials_file;  // its properties in each file
  std::map<std::string, std::string> config_file;
};

// Reads both files and picks out the active profile. kInvalidArgument if a file exists but cannot
// be read (or is over 1 MiB).
Result<SharedProfile> LoadSharedProfile(const EnvGetter& env);

// The active profile's `region` from the config file (falling back to the credentials file, as
// some tools write it there), or nullopt if unset or the files cannot be read. For region
// resolution after --region, AWS_REGION and AWS_DEFAULT_REGION.
std::optional<std::string> ProfileRegion(const EnvGetter& env);

// Name(): "shared credentials file (profile NAME)", or "shared config file (profile NAME)" when the
// access key id comes from the config file.
std::shared_ptr<CredentialsProvider> MakeSharedFilesCredentialsProvider(
    const EnvGetter& env = ProcessEnv());

}  // namespace sqs2pg::aws
