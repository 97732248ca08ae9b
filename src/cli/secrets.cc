#include "cli/secrets.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string_view>

#include "pg/conninfo_redact.h"

namespace sqs2pg::cli {
namespace {

constexpr std::string_view kDatabaseUrlFlag = "--database-url";

struct Block {
  uintptr_t begin = 0;
  uintptr_t end = 0;
};

// The environment block the kernel shows as /proc/self/environ: fields 50 and 51 (env_start,
// env_end) of /proc/self/stat. Empty when unknown (no /proc, or a kernel before 3.5).
Block EnvironmentBlock() {
  std::ifstream in("/proc/self/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // Field 2, the command name, may hold spaces and parentheses; the fields after it do not.
  const size_t close = stat.rfind(')');
  if (close == std::string::npos) return {};
  std::istringstream fields(stat.substr(close + 1));
  std::string field;
  Block block;
  for (int number = 3; fields >> field; ++number) {
    if (number == 50) block.begin = std::strtoull(field.c_str(), nullptr, 10);
    if (number == 51) {
      block.end = std::strtoull(field.c_str(), nullptr, 10);
      return block.begin < block.end ? block : Block{};
    }
  }
  return {};
}

}  // namespace

std::optional<std::string> TakeEnvironmentSecret(const char* name) {
  char* value = std::getenv(name);
  if (value == nullptr) return std::nullopt;
  std::optional<std::string> secret;
  if (*value != '\0') secret.emplace(value);
  // getenv points just past "NAME=": the entry starts there.
  char* entry = value - std::strlen(name) - 1;
  const size_t entry_size = std::strlen(entry);
  const Block block = EnvironmentBlock();
  const auto at = reinterpret_cast<uintptr_t>(entry);
  const bool in_block = at >= block.begin && at + entry_size <= block.end;
  unsetenv(name);
  if (in_block) OPENSSL_cleanse(entry, entry_size);
  return secret;
}

Result<std::string> ReadSecretFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return FailedPreconditionError("cannot read " + path + ": " + std::strerror(errno));
  struct stat st {};
  std::string text;
  // One allocation, made before any byte is read: growing the string would leave copies behind.
  text.reserve(::fstat(fd, &st) == 0 && st.st_size > 0 ? static_cast<size_t>(st.st_size) + 1
                                                       : 4096);
  char chunk[512];
  bool failed = false;
  while (true) {
    const ssize_t n = ::read(fd, chunk, sizeof(chunk));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) failed = true;
    if (n <= 0) break;
    text.append(chunk, static_cast<size_t>(n));
  }
  OPENSSL_cleanse(chunk, sizeof(chunk));
  ::close(fd);
  if (failed) {
    OPENSSL_cleanse(text.data(), text.size());
    return FailedPreconditionError("cannot read " + path);
  }
  return text;
}

Status DisableCoreDumps() {
  if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
    return InternalError(std::string("prctl(PR_SET_DUMPABLE, 0): ") + std::strerror(errno));
  }
  return Status::Ok();
}

bool PasswordOnCommandLine(const std::vector<std::string>& args) {
  const std::string with_value = std::string(kDatabaseUrlFlag) + "=";
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--") break;
    if (args[i] == kDatabaseUrlFlag && i + 1 < args.size() &&
        pg::ConninfoHasPassword(args[i + 1])) {
      return true;
    }
    if (args[i].starts_with(with_value) &&
        pg::ConninfoHasPassword(std::string_view(args[i]).substr(with_value.size()))) {
      return true;
    }
  }
  return false;
}

std::string CommandLinePasswordWarning() {
  return "--database-url holds a password, and every local user can read the command line (ps, "
         "/proc/PID/cmdline): give the URL in DATABASE_URL or a config file (--config), or the "
         "password in PGPASSWORD or a .pgpass file (PGPASSFILE), instead";
}

}  // namespace sqs2pg::cli
